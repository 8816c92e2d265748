"""The head's delegation to the deputy ([I.2.2], R3; #14): given in the
browser for a period and a purpose, kept in the history, ended by the head;
the deputy leads only within the period."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from clusters.models import Delegation, Membership
from tests.clusters.helpers import membership

pytestmark = pytest.mark.django_db

MAY_5 = datetime(2025, 5, 5, 3, tzinfo=UTC)


def _url(world, *rest) -> str:
    return reverse("delegations", args=[world.cluster_a.code, 2025, *rest])


def _delegate(client, world, *, starts="01/05/2025", ends="31/05/2025", user=None):
    client.force_login(user or world.head)
    data = {"starts_on": starts, "ends_on": ends, "purpose": "Trưởng cụm đi công tác nước ngoài"}
    with time_machine.travel(MAY_5):
        return client.post(_url(world), data, follow=True)


def _review(client, world, day: datetime) -> int:
    client.force_login(world.deputy)
    with time_machine.travel(day):
        return client.get(reverse("review", args=["CUM-A", 2025])).status_code


def test_the_head_delegates_for_a_period_and_the_deputy_leads_within_it(client, world):
    assert _review(client, world, MAY_5) == 403
    page = _delegate(client, world).content.decode()
    assert "Đã ủy quyền" in page
    delegation = Delegation.objects.get()
    assert delegation.membership == membership(world, world.a_deputy)
    assert (delegation.starts_on, delegation.ends_on) == (date(2025, 5, 1), date(2025, 5, 31))
    assert _review(client, world, MAY_5) == 200
    assert _review(client, world, datetime(2025, 6, 2, 3, tzinfo=UTC)) == 403
    assert _review(client, world, datetime(2025, 4, 30, 3, tzinfo=UTC)) == 403


def test_the_delegation_is_in_the_history_with_who_and_why(client, world):
    _delegate(client, world)
    row = Delegation.history.get()
    assert row.history_user == world.head
    assert "công tác" in row.history_change_reason and "31/05/2025" in row.history_change_reason
    client.force_login(world.head)
    with time_machine.travel(MAY_5):
        page = client.get(reverse("history", args=["CUM-A", 2025])).content.decode()
    assert "ủy quyền" in page.lower()


def test_the_head_ends_the_delegation(client, world):
    _delegate(client, world)
    delegation = Delegation.objects.get()
    with time_machine.travel(MAY_5):
        page = client.post(
            reverse("delegation_end", args=["CUM-A", 2025, delegation.pk]),
            {"reason": "Trưởng cụm đã về"},
            follow=True,
        ).content.decode()
    assert "Đã kết thúc ủy quyền" in page
    delegation.refresh_from_db()
    assert delegation.ended_at is not None and delegation.ended_by == world.head
    assert "Trưởng cụm đã về" in delegation.history.order_by("-history_id")[0].history_change_reason
    assert _review(client, world, MAY_5) == 403


def test_a_delegation_needs_a_purpose_and_a_sound_period(client, world):
    page = _delegate(client, world, starts="31/05/2025", ends="01/05/2025").content.decode()
    assert "Ngày kết thúc phải từ ngày bắt đầu trở đi" in page
    client.post(_url(world), {"starts_on": "01/05/2025", "ends_on": "31/05/2025"})
    page = _delegate(client, world, starts="01/01/2025", ends="31/01/2025").content.decode()
    assert "đã qua" in page
    assert not Delegation.objects.exists()


def test_overlapping_delegations_are_refused(client, world):
    _delegate(client, world)
    page = _delegate(client, world, starts="20/05/2025", ends="10/06/2025").content.decode()
    assert "trùng" in page and Delegation.objects.count() == 1


def test_a_cluster_without_deputy_cannot_delegate(client, world):
    Membership.objects.filter(unit=world.a_deputy).update(role=Membership.Role.MEMBER)
    page = _delegate(client, world).content.decode()
    assert "chưa có phó trưởng" in page and not Delegation.objects.exists()


@pytest.mark.parametrize("who", ["deputy", "member", "staff", "other_head"])
def test_only_the_head_delegates(client, world, who):
    response = _delegate(client, world, user=getattr(world, who))
    assert response.status_code == 403 and not Delegation.objects.exists()


def test_the_deputy_and_members_see_the_delegation(client, world):
    _delegate(client, world)
    client.force_login(world.member)
    with time_machine.travel(MAY_5):
        page = client.get(_url(world)).content.decode()
    assert "Trưởng cụm đi công tác nước ngoài" in page and "31/05/2025" in page
