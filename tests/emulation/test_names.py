"""One full-name rule (#15): Vietnamese order, family and middle names before the
given name ("Lê Minh Tuấn"), wherever a person is named, the admin included."""

from decimal import Decimal

import pytest
from django.urls import reverse

from scoring.adjustments import entries_of
from scoring.models import Bonus
from tests.factories import UserFactory
from tests.scoring.test_sheets_services import member

pytestmark = pytest.mark.django_db


def tuan():
    return UserFactory(first_name="Tuấn", last_name="Lê Minh")


def test_full_and_short_names_are_in_vietnamese_order():
    user = tuan()
    assert user.get_full_name() == "Lê Minh Tuấn"
    assert user.get_short_name() == "Lê Minh Tuấn"
    assert UserFactory(first_name="", last_name="", username="ktv").get_short_name() == ""


def test_the_recorder_of_an_adjustment_is_named_in_vietnamese_order(world):
    hh = member(world, world.a_member)
    Bonus.objects.create(membership=hh, kind="cluster", points=Decimal(1), created_by=tuan())
    (entry,) = entries_of([hh])[hh.pk].bonuses
    assert entry.created_by == "Lê Minh Tuấn"


def test_the_admin_greets_by_the_full_name(client):
    admin = UserFactory(first_name="Thống", last_name="Nguyễn Văn", is_superuser=True)
    admin.is_staff = True
    admin.save()
    client.force_login(admin)
    page = client.get(reverse("admin:index")).content.decode()
    assert "<strong>Nguyễn Văn Thống</strong>" in page
