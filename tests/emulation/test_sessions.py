"""Sessions stay Django's database sessions, read with one plain statement on
every request (emulation/sessions.py, #17): a live one is read, an expired or
removed one is not, and logging out ends it."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db


def sheet(client):
    return client.get(reverse("sheet", args=[2025]))


def test_the_project_reads_sessions_with_its_own_store():
    assert settings.SESSION_ENGINE == "emulation.sessions"


def test_a_live_session_is_read(client, world):
    client.force_login(world.member)
    assert sheet(client).status_code == 200


def test_an_expired_session_is_not_read(client, world):
    client.force_login(world.member)
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = sheet(client)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_removed_session_is_not_read(client, world):
    client.force_login(world.member)
    Session.objects.all().delete()
    assert sheet(client).status_code == 302


def test_logging_out_ends_the_session(client, world):
    client.force_login(world.member)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post(reverse("logout"))
    client.cookies[settings.SESSION_COOKIE_NAME] = cookie  # the old cookie, replayed
    assert sheet(client).status_code == 302
