"""Conferences (R8, R9, R11) and attendance with its suggested deductions (R12, R25)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from clusters.models import Attendance, Conference, Deduction
from clusters.services import conference_record_attendance, conference_save
from scoring.results import cluster_results
from tests.clusters.helpers import membership
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _create(kind_slug: str) -> str:
    return reverse("conference_create", args=["CUM-A", 2025, kind_slug])


def _conference(world, kind="mid_year", held_on=date(2025, 7, 15), **fields) -> Conference:
    return conference_save(
        cluster=world.cluster_a,
        year=world.year,
        kind=kind,
        held_on=held_on,
        place=fields.pop("place", "UBND huyện Việt Yên"),
        user=None,
        **fields,
    )


def _attendance_url(conference) -> str:
    return reverse("conference_attendance", args=["CUM-A", 2025, conference.pk])


def _statuses(world, conference=None, **by_code) -> dict:
    """POST data: everyone present except the given unit codes, from a page
    loaded just now (the conference's current attendance revision, #11.8)."""
    units = (world.a_head, world.a_deputy, world.a_member, world.a_member2)
    data = {}
    if conference is not None:
        data["revision"] = Conference.objects.get(pk=conference.pk).attendance_revision
    for unit in units:
        pk = membership(world, unit).pk
        data[f"status_{pk}"] = by_code.get(unit.code, "present")
        data[f"note_{pk}"] = ""
    return data


def _record(conference, statuses, **fields) -> list[Attendance]:
    """Record attendance as from a page loaded just now (#11.8)."""
    revision = Conference.objects.get(pk=conference.pk).attendance_revision
    return conference_record_attendance(
        conference=conference, statuses=statuses, revision=revision, user=None, **fields
    )


# --- Creating conferences ----------------------------------------------------


def test_mid_year_conference_is_prefilled_at_the_deputys_unit(client, world):
    client.force_login(world.head)
    page = client.get(_create("so-ket")).content.decode()
    assert 'value="UBND huyện Việt Yên"' in page


def test_annual_conference_is_prefilled_at_the_heads_unit(client, world):
    client.force_login(world.head)
    page = client.get(_create("tong-ket")).content.decode()
    assert 'value="UBND thành phố Bắc Giang"' in page


def test_head_records_a_conference(client, world):
    client.force_login(world.head)
    response = client.post(
        _create("so-ket"),
        {"held_on": "15/07/2025", "place": "UBND huyện Việt Yên", "agenda": "Sơ kết 6 tháng"},
    )
    conference = Conference.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("conference_detail", args=["CUM-A", 2025, conference.pk])
    assert (conference.kind, conference.held_on) == ("mid_year", date(2025, 7, 15))


def test_a_second_mid_year_conference_is_refused(client, world):
    _conference(world)
    client.force_login(world.head)
    response = client.post(_create("so-ket"), {"held_on": "20/07/2025", "place": "Việt Yên"})
    assert response.status_code == 200
    assert "đã có Hội nghị sơ kết 6 tháng" in response.content.decode()
    assert Conference.objects.count() == 1


@pytest.mark.parametrize("who", ["member", "deputy", "other_head", "staff", "other_staff"])
def test_only_the_head_records_conferences(client, world, who):
    client.force_login(getattr(world, who))
    response = client.post(_create("so-ket"), {"held_on": "15/07/2025", "place": "Việt Yên"})
    assert response.status_code == 403
    assert not Conference.objects.exists()


def test_unknown_conference_kind_is_404(client, world):
    client.force_login(world.head)
    assert client.get(_create("tiec")).status_code == 404


# --- R11: preparatory meeting at least one day before the annual conference ----


def test_preparatory_on_the_day_of_the_annual_conference_is_refused(world):
    _conference(world, "annual", date(2025, 12, 20))
    with pytest.raises(ValidationError) as refused:
        _conference(world, "preparatory", date(2025, 12, 20))
    assert "ít nhất 01 ngày" in refused.value.messages[0]
    assert not Conference.objects.filter(kind="preparatory").exists()


def test_annual_conference_not_after_its_preparatory_meeting_is_refused(client, world):
    _conference(world, "preparatory", date(2025, 12, 20))
    client.force_login(world.head)
    response = client.post(_create("tong-ket"), {"held_on": "19/12/2025", "place": "Bắc Giang"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Họp trù bị phải diễn ra trước Hội nghị tổng kết ít nhất 01 ngày" in page
    assert "20/12/2025" in page and "19/12/2025" in page
    assert not Conference.objects.filter(kind="annual").exists()


def test_moving_the_annual_conference_onto_the_preparatory_day_is_refused(world):
    _conference(world, "preparatory", date(2025, 12, 19))
    annual = _conference(world, "annual", date(2025, 12, 20))
    with pytest.raises(ValidationError):
        conference_save(
            cluster=world.cluster_a,
            year=world.year,
            kind="annual",
            held_on=date(2025, 12, 19),
            place="Bắc Giang",
            conference=annual,
            revision=annual.revision,
            user=None,
        )
    annual.refresh_from_db()
    assert annual.held_on == date(2025, 12, 20)


def test_preparatory_one_day_before_is_accepted(world):
    _conference(world, "annual", date(2025, 12, 20))
    assert _conference(world, "preparatory", date(2025, 12, 19)).pk


# --- Attendance (R12) ----------------------------------------------------------


def test_absence_proposes_one_member_duty_deduction(client, world):
    conference = _conference(world)
    client.force_login(world.head)
    response = client.post(_attendance_url(conference), _statuses(world, conference, HH="absent"))
    assert response.status_code == 302
    deduction = Deduction.objects.get()
    assert deduction.membership == membership(world, world.a_member)
    assert (deduction.kind, deduction.count, deduction.status) == ("member_duty", 1, "proposed")
    assert "Vắng mặt" in deduction.reason
    assert "Hội nghị sơ kết 6 tháng" in deduction.reason and "15/07/2025" in deduction.reason
    assert Attendance.objects.count() == 4


def test_recording_attendance_again_does_not_duplicate_the_proposal(client, world):
    conference = _conference(world)
    client.force_login(world.head)
    client.post(_attendance_url(conference), _statuses(world, conference, HH="absent"))
    client.post(_attendance_url(conference), _statuses(world, conference, HH="absent"))
    client.post(_attendance_url(conference), _statuses(world, conference, HH="wrong_composition"))
    deduction = Deduction.objects.get()
    assert "không đúng thành phần" in deduction.reason
    assert Attendance.objects.count() == 4


def test_wrong_composition_also_proposes_a_deduction(world):
    conference = _conference(world)
    lg = membership(world, world.a_member2)
    _record(conference, {lg.pk: "wrong_composition"})
    assert Deduction.objects.get().membership == lg


def test_correcting_to_present_withdraws_a_still_proposed_deduction(world):
    conference = _conference(world)
    hh = membership(world, world.a_member)
    _record(conference, {hh.pk: "absent"})
    _record(conference, {hh.pk: "present"})
    assert not Deduction.objects.exists()
    assert Attendance.objects.get().deduction is None


def test_a_confirmed_deduction_is_left_to_staff(world):
    conference = _conference(world)
    hh = membership(world, world.a_member)
    _record(conference, {hh.pk: "absent"})
    Deduction.objects.update(status="confirmed")
    _record(conference, {hh.pk: "present"})
    _record(conference, {hh.pk: "absent"})
    assert Deduction.objects.get().status == "confirmed"


def test_attendance_history_keeps_each_change(world):
    conference = _conference(world)
    hh = membership(world, world.a_member)
    _record(conference, {hh.pk: "absent"})
    _record(conference, {hh.pk: "present"})
    statuses = [h.status for h in Attendance.history.order_by("history_date", "history_id")]
    assert statuses[0] == "absent" and statuses[-1] == "present"


def test_attendance_recorded_on_the_page_is_in_the_history_with_who_and_why(client, world):
    conference = _conference(world)
    client.force_login(world.head)
    client.post(_attendance_url(conference), _statuses(world, conference, HH="absent"))
    client.post(_attendance_url(conference), _statuses(world, conference))
    rows = Attendance.history.filter(membership__unit=world.a_member).order_by(
        "history_date", "history_id"
    )
    assert [(r.history_user, r.history_change_reason) for r in rows] == [
        (world.head, "Điểm danh Hội nghị sơ kết 6 tháng: Vắng mặt"),
        (world.head, "Đề nghị điểm trừ do không tham dự đúng thành phần"),
        (world.head, "Điểm danh Hội nghị sơ kết 6 tháng: Tham dự đúng thành phần"),
        (world.head, "Thu hồi đề nghị điểm trừ"),
    ]
    # The cluster's Lịch sử page (R35) lists them, for the unit too.
    for url in (
        reverse("history", args=["CUM-A", 2025]),
        reverse("history_unit", args=["CUM-A", 2025, "HH"]),
    ):
        page = client.get(url).content.decode()
        assert "Điểm danh Hội nghị sơ kết 6 tháng: Vắng mặt" in page, url


def test_staff_confirmation_counts_the_absence_in_the_results(client, world):
    conference = _conference(world)
    client.force_login(world.head)
    client.post(_attendance_url(conference), _statuses(world, conference, HH="absent"))
    deduction = Deduction.objects.get()
    client.force_login(world.staff)
    client.post(reverse("deduction_confirm", args=["CUM-A", 2025, deduction.pk]))
    rows = {r.unit.code: r.result for r in cluster_results(world.cluster_a, world.year).rows}
    assert rows["HH"].deductions == Decimal(5)
    assert rows["LG"].deductions == 0


def test_each_units_note_and_choice_on_the_attendance_page_is_named_for_the_unit(client, world):
    """A screen reader names each row's note and its choice of attendance by the
    unit: the columns' headings alone label neither (WCAG 1.3.1, 4.1.2)."""
    import re

    conference = _conference(world)
    client.force_login(world.head)
    page = client.get(_attendance_url(conference)).content.decode()

    hh = membership(world, world.a_member)
    note = re.search(rf'<input[^>]*name="note_{hh.pk}"[^>]*>', page).group(0)
    assert f'aria-label="Ghi chú: HH – {world.a_member.name}"' in note
    assert f'role="radiogroup" aria-label="Tham dự: HH – {world.a_member.name}"' in page


@pytest.mark.parametrize("who", ["member", "deputy", "other_head", "staff", "other_staff"])
def test_only_the_head_records_attendance(client, world, who):
    conference = _conference(world)
    client.force_login(getattr(world, who))
    response = client.post(_attendance_url(conference), _statuses(world, conference, HH="absent"))
    assert response.status_code == 403
    assert not Attendance.objects.exists() and not Deduction.objects.exists()


def test_recording_attendance_needs_login(client, world):
    conference = _conference(world)
    response = client.post(_attendance_url(conference), _statuses(world, conference, HH="absent"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert not Attendance.objects.exists()


def test_units_of_another_cluster_cannot_be_recorded(world):
    conference = _conference(world)
    outsider = membership(world, world.b_member)
    with pytest.raises(ValidationError):
        _record(conference, {outsider.pk: "absent"})
    assert not Deduction.objects.exists()


@pytest.mark.parametrize("who", ["member", "head", "staff"])
def test_members_and_staff_see_the_conference(client, world, who):
    conference = _conference(world)
    _record(conference, {membership(world, world.a_member).pk: "absent"})
    client.force_login(getattr(world, who))
    response = client.get(reverse("conference_detail", args=["CUM-A", 2025, conference.pk]))
    assert response.status_code == 200
    assert "Vắng mặt" in response.content.decode()
    listing = client.get(reverse("conferences", args=["CUM-A", 2025]))
    assert "Hội nghị sơ kết 6 tháng" in listing.content.decode()


@pytest.mark.parametrize("who", ["other_member", "other_head", "other_staff"])
def test_others_cannot_see_the_conference(client, world, who):
    conference = _conference(world)
    client.force_login(getattr(world, who))
    url = reverse("conference_detail", args=["CUM-A", 2025, conference.pk])
    assert client.get(url).status_code == 403


# --- Two heads' officers editing the same conference (#11.8) --------------------


def _edit(conference) -> str:
    return reverse("conference_edit", args=["CUM-A", 2025, conference.pk])


def test_a_second_edit_from_the_same_page_is_refused_with_the_current_date(client, world):
    conference = _conference(world)
    client.force_login(world.head)
    page = client.get(_edit(conference)).content.decode()
    assert 'name="revision" value="1"' in page
    first = {"held_on": "16/07/2025", "place": "Việt Yên", "revision": "1"}
    assert client.post(_edit(conference), first).status_code == 302
    second = {"held_on": "20/07/2025", "place": "Bắc Giang", "revision": "1"}
    response = client.post(_edit(conference), second)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Hội nghị vừa được người khác sửa" in text
    assert "ngày 16/07/2025" in text
    # The form comes back with the current revision: saving again is deliberate.
    assert 'name="revision" value="2"' in text
    conference.refresh_from_db()
    assert (conference.held_on, conference.place, conference.revision) == (
        date(2025, 7, 16),
        "Việt Yên",
        2,
    )


def test_an_edit_without_the_revision_is_refused(client, world):
    conference = _conference(world)
    client.force_login(world.head)
    response = client.post(_edit(conference), {"held_on": "20/07/2025", "place": "Bắc Giang"})
    assert response.status_code == 200
    assert "Hội nghị vừa được người khác sửa" in response.content.decode()
    conference.refresh_from_db()
    assert conference.held_on == date(2025, 7, 15)


# --- Two officers recording the same attendance (#11.8) ------------------------


def _another_browser(user) -> Client:
    other = Client()
    other.force_login(user)
    return other


def test_attendance_from_a_page_gone_stale_is_refused_with_the_current_attendance(client, world):
    conference = _conference(world)
    url = _attendance_url(conference)
    client.force_login(world.head)
    page = client.get(url).content.decode()
    assert 'name="revision" value="0"' in page
    # Meanwhile another officer of the head's unit records Hiệp Hòa absent.
    clerk = _another_browser(UserFactory(username="vanthu", unit=world.a_head))
    assert clerk.post(url, _statuses(world, conference, HH="absent")).status_code == 302
    everyone_present = _statuses(world) | {"revision": "0"}
    response = client.post(url, everyone_present)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Thành phần tham dự vừa được người khác ghi" in text
    assert "HH: Vắng mặt" in text and "LG: Tham dự đúng thành phần" in text
    # The form comes back with the current revision: saving again is deliberate.
    assert 'name="revision" value="1"' in text
    hh = Attendance.objects.get(membership__unit=world.a_member)
    assert hh.status == "absent" and hh.history.count() == 2  # recorded, then its proposal
    assert Deduction.objects.get().status == "proposed"
    response = client.post(url, everyone_present | {"revision": "1"})
    assert response.status_code == 302
    hh.refresh_from_db()
    assert hh.status == "present" and not Deduction.objects.exists()


def test_attendance_without_the_revision_is_refused(client, world):
    conference = _conference(world)
    url = _attendance_url(conference)
    client.force_login(world.head)
    response = client.post(url, _statuses(world, HH="absent"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Thành phần tham dự vừa được người khác ghi" in text
    assert "chưa ghi nhận đơn vị nào" in text
    assert not Attendance.objects.exists() and not Deduction.objects.exists()
    _record(conference, {membership(world, world.a_member).pk: "absent"})
    response = client.post(url, _statuses(world, HH="wrong_composition"))
    assert "HH: Vắng mặt" in response.content.decode()
    assert Attendance.objects.get().status == "absent"


def test_absence_proposes_nothing_under_a_guidance_without_member_duty(client, world):
    """R39: the year's guidance has no member_duty kind, so an absence is
    recorded without a deduction that staff could never confirm."""
    from dataclasses import replace

    from scoring.guidances import apply_regulation
    from scoring.regulation import DEFAULT

    kinds = {k: v for k, v in DEFAULT.deductions.items() if k != "member_duty"}
    apply_regulation(world.year, replace(DEFAULT, code="TEST-TRU", deductions=kinds))
    conference = _conference(world)
    client.force_login(world.head)

    response = client.post(_attendance_url(conference), _statuses(world, conference, HH="absent"))

    assert response.status_code == 302
    assert Attendance.objects.count() == 4
    assert not Deduction.objects.exists()
