"""An administrator's edit is a write like any other (#11, point 8).

A record that carries a revision is refused when its change page was opened on an
older revision, and a saved edit moves the revision on, so that every page still
open on the old figure (a unit's sheet, a head's review) is refused in turn instead
of silently writing over the administrator's correction.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib import admin
from django.db.models import F
from django.urls import reverse

from clusters.models import Deadline, Membership
from emulation.admin import RevisionCheckedAdmin
from scoring import services
from scoring.models import Score
from tests.factories import discuss_and_submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.admin)
    return client


@pytest.fixture
def score(world):
    scorecard = services.scorecard_create_from_framework(
        cluster=world.cluster_a, year=world.year, user=world.head
    )
    discuss_and_submit(scorecard, world.head)
    services.scorecard_approve(scorecard=scorecard, user=world.staff)
    services.scorecard_issue(scorecard=scorecard, user=world.head)
    membership = Membership.objects.get(unit=world.a_member, year=world.year)
    return Score.objects.create(
        membership=membership, criterion=scorecard.criteria.get(code="I.1"), points=Decimal(20)
    )


def change_form(client, obj):
    """What the change page shows, as the browser would post it back."""
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    form = client.get(url).context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        data[name] = list(value) if isinstance(value, (list, tuple)) else value
    data.update(_inline_management(client.get(url).context))
    return url, data


def _inline_management(context):
    data = {}
    for formset in context.get("inline_admin_formsets", []):
        management = formset.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management[name].value()
    return data


def test_every_admin_of_a_revised_model_checks_the_revision():
    revised = [
        model_admin
        for model, model_admin in admin.site._registry.items()
        if any(field.name == "revision" for field in model._meta.concrete_fields)
    ]
    assert len(revised) >= 8
    assert [a for a in revised if not isinstance(a, RevisionCheckedAdmin)] == []


def test_an_admin_edit_from_a_stale_page_is_refused_naming_the_current_revision(
    admin_client, score
):
    url, data = change_form(admin_client, score)
    # Meanwhile the unit saves its sheet: its figure is newer than the admin's page.
    Score.objects.filter(pk=score.pk).update(points=Decimal(30), revision=F("revision") + 1)
    data["points"] = "25"

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "vừa được người khác thay đổi" in response.content.decode()
    score.refresh_from_db()
    assert (score.points, score.revision) == (Decimal(30), 2)


def test_an_admin_edit_moves_the_revision_on(admin_client, score):
    url, data = change_form(admin_client, score)
    data["points"] = "25"

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    score.refresh_from_db()
    assert (score.points, score.revision) == (Decimal(25), 2)


def test_the_revision_cannot_be_typed_in_the_admin(admin_client, score):
    url, data = change_form(admin_client, score)
    data["revision"] = "99"

    admin_client.post(url, data)

    score.refresh_from_db()
    assert score.revision == 2


def test_a_deadline_moved_in_the_admin_makes_the_deadlines_page_stale(admin_client, world):
    deadline = Deadline.objects.create(
        year=world.year, calendar="standard", kind="annual_report", due_date=date(2025, 11, 30)
    )
    url, data = change_form(admin_client, deadline)
    data["due_date"] = "2025-11-28"

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    deadline.refresh_from_db()
    assert (deadline.due_date, deadline.revision) == (date(2025, 11, 28), 2)
