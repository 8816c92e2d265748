"""The year's deadlines page (R5–R10): Sở Nội vụ changes a date with a
reason, other staff read it, units may not see it."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from clusters import deadlines, progress
from clusters.models import Deadline
from clusters.services import year_create

pytestmark = pytest.mark.django_db

PAGE = reverse("deadlines", args=[2025])


def _another_browser(user) -> Client:
    """A second browser, logged in as `user`."""
    other = Client()
    other.force_login(user)
    return other


def _registration(calendar: str = "standard") -> Deadline:
    return Deadline.objects.get(year__year=2025, calendar=calendar, kind=deadlines.REGISTRATION)


def _option(deadline: Deadline) -> str:
    """The dropdown's value for a deadline: its id and the revision it was
    shown with, so the revision travels with the deadline chosen (#11.8)."""
    return f"{deadline.pk}:{deadline.revision}"


def _change(client, deadline: Deadline, due: str = "15/04/2025", reason: str = "Lùi hạn"):
    """A change from a page loaded just now (the deadline's current revision)."""
    deadline = Deadline.objects.get(pk=deadline.pk)
    return client.post(PAGE, {"deadline": _option(deadline), "due_date": due, "reason": reason})


@pytest.mark.parametrize("who", ["staff", "other_staff", "admin"])
def test_staff_see_both_calendars_dates(client, world, dated, who):
    client.force_login(getattr(world, who))
    response = client.get(PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Năm dương lịch" in page and "Năm học" in page
    # R6 registration: 31/03 on the calendar year, 31/10 on the school year.
    assert "31/03/2025" in page and "31/10/2025" in page
    # R9 annual conference of the school year 2025–2026.
    assert "30/06/2026" in page


@pytest.mark.parametrize("who", ["staff", "admin"])
def test_provincial_staff_and_superusers_change_a_date_with_history(client, world, dated, who):
    user = getattr(world, who)
    client.force_login(user)
    response = _change(client, _registration(), reason="Theo Công văn số 12/SNV")
    assert response.status_code == 302
    deadline = _registration()
    assert deadline.due_date == date(2025, 4, 15)
    last = deadline.history.first()
    assert last.history_user == user
    assert "31/03/2025" in last.history_change_reason
    assert "Theo Công văn số 12/SNV" in last.history_change_reason
    page = client.get(PAGE).content.decode()
    assert "15/04/2025" in page and "Theo Công văn số 12/SNV" in page
    # The school year's date is untouched.
    assert _registration("education").due_date == date(2025, 10, 31)


def test_each_change_shows_its_old_and_new_date(client, world, dated):
    client.force_login(world.staff)
    _change(client, _registration(), due="15/04/2025", reason="Lần một")
    _change(client, _registration(), due="30/04/2025", reason="Lần hai")
    changes = progress.deadline_changes(world.year)
    assert [(c.old, c.new, c.by) for c in changes] == [
        (date(2025, 4, 15), date(2025, 4, 30), world.staff),
        (date(2025, 3, 31), date(2025, 4, 15), world.staff),
    ]
    assert changes[0].reason.endswith("Lần hai")
    assert changes[0].calendar_label == "Năm dương lịch"


def test_other_authority_staff_read_but_cannot_change(client, world, dated):
    client.force_login(world.other_staff)
    assert "Lưu hạn mới" not in client.get(PAGE).content.decode()
    assert _change(client, _registration()).status_code == 403
    assert _registration().due_date == date(2025, 3, 31)


@pytest.mark.parametrize("who", ["member", "head", "other_head"])
def test_unit_users_cannot_see_the_deadlines(client, world, dated, who):
    client.force_login(getattr(world, who))
    assert client.get(PAGE).status_code == 403
    assert _change(client, _registration()).status_code == 403
    assert _registration().due_date == date(2025, 3, 31)


def test_anonymous_is_sent_to_login(client, world, dated):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.parametrize(
    ("due", "reason"),
    [
        ("04/31/2025", "Lùi hạn"),  # month first is not a date here
        ("15/04/2025", ""),  # a change needs its reason (R35)
        ("31/03/2025", "Không đổi"),  # the same date is no change
    ],
)
def test_a_bad_change_is_refused_and_nothing_moves(client, world, dated, due, reason):
    client.force_login(world.staff)
    response = _change(client, _registration(), due=due, reason=reason)
    assert response.status_code == 200
    assert _registration().due_date == date(2025, 3, 31)
    assert _registration().history.count() == 1  # only its creation


def test_a_deadline_of_another_year_cannot_be_changed_here(client, world, dated):
    year_create(year=2026)
    other = Deadline.objects.get(year__year=2026, calendar="standard", kind=deadlines.REGISTRATION)
    client.force_login(world.staff)
    assert _change(client, other).status_code == 200
    other.refresh_from_db()
    assert other.due_date == date(2026, 3, 31)


def test_unknown_year_is_404(client, world, dated):
    client.force_login(world.staff)
    assert client.get(reverse("deadlines", args=[1999])).status_code == 404


def test_a_change_made_outside_the_pages_shows_as_made_by_the_system(client, world, dated):
    deadline = Deadline.objects.filter(year__year=2025).first()
    deadline.due_date = date(2025, 4, 30)
    deadline.save()  # e.g. from a shell or a data migration: no user in the history
    client.force_login(world.staff)
    response = client.get(PAGE)
    assert response.status_code == 200
    assert "Hệ thống" in response.content.decode()


# --- Two staff moving the same deadline from pages loaded before (#11.8) ---------


def _selected(page: str, deadline: Deadline) -> bool:
    return f'<option value="{_option(deadline)}" selected>' in page


def test_a_change_from_a_page_gone_stale_is_refused_with_the_current_date(client, world, dated):
    client.force_login(world.staff)
    loaded = _registration()
    page = client.get(PAGE, {"sua": loaded.pk}).content.decode()
    assert _selected(page, loaded)
    # Meanwhile another officer moves it (another browser).
    other = _another_browser(world.admin)
    assert _change(other, loaded, due="15/04/2025", reason="Theo Công văn 12").status_code == 302
    data = {"deadline": _option(loaded), "due_date": "30/04/2025", "reason": "Theo Công văn 15"}
    response = client.post(PAGE, data)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Hạn này vừa được người khác thay đổi" in text
    assert "Đăng ký thi đua, Năm dương lịch: hạn 15/04/2025" in text
    deadline = _registration()
    assert (deadline.due_date, deadline.revision) == (date(2025, 4, 15), 2)
    assert "Theo Công văn 15" not in deadline.history.first().history_change_reason
    # The form comes back on the same deadline with the current revision:
    # saving again, after reading the refusal, is deliberate.
    assert _selected(text, deadline)
    assert client.post(PAGE, data | {"deadline": _option(deadline)}).status_code == 302
    assert _registration().due_date == date(2025, 4, 30)


def test_the_revision_travels_with_the_deadline_chosen(client, world, dated):
    client.force_login(world.staff)
    loaded = _registration()
    annual = Deadline.objects.get(year__year=2025, calendar="standard", kind="annual_report")
    page = client.get(PAGE, {"sua": loaded.pk}).content.decode()
    assert _selected(page, loaded) and f'<option value="{_option(annual)}">' in page
    _change(_another_browser(world.admin), loaded)
    # Choosing another option on the same page carries that option's revision.
    data = {"deadline": _option(annual), "due_date": "15/11/2025", "reason": "Sớm hơn"}
    assert client.post(PAGE, data).status_code == 302
    annual.refresh_from_db()
    assert annual.due_date == date(2025, 11, 15)


def test_a_change_without_the_revision_is_refused(client, world, dated):
    client.force_login(world.staff)
    data = {"deadline": _registration().pk, "due_date": "15/04/2025", "reason": "Lùi hạn"}
    response = client.post(PAGE, data)
    assert response.status_code == 200
    assert "Hạn này vừa được người khác thay đổi" in response.content.decode()
    assert _registration().due_date == date(2025, 3, 31)
    assert _registration().history.count() == 1
