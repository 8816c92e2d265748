"""A conference's guests, the adoption of its minutes, and documents that
state the facts of the record they print (#14)."""

from datetime import date, datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from pypdf import PdfReader

from awards.documents import minutes_context, render_pdf, scoring_sheet_context
from clusters.models import Attendance, Conference, ConferenceGuest
from scoring.models import ScoreAgreement
from tests.awards.test_review_views import member_of, score_cluster

pytestmark = pytest.mark.django_db

# Printed long after the meeting: a document must not take the print day for it.
PRINTED = datetime(2026, 2, 5, 9, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


@pytest.fixture
def printed_later():
    with time_machine.travel(PRINTED, tick=False):
        yield


@pytest.fixture
def annual(world, printed_later):
    score_cluster(world, world.cluster_a, {"TPBG": "964.40", "VY": "930", "HH": "920", "LG": "880"})
    return Conference.objects.create(
        cluster=world.cluster_a,
        year=world.year,
        kind=Conference.Kind.ANNUAL,
        held_on=date(2025, 12, 20),
        place="Hội trường UBND thành phố Bắc Giang",
    )


def text_of(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(BytesIO(pdf)).pages)


def minutes_text(world) -> str:
    return text_of(render_pdf("pdf/minutes.html", minutes_context(world.cluster_a, world.year)))


def _url(name: str, conference, *more) -> str:
    return reverse(name, args=["CUM-A", 2025, conference.pk, *more])


# --- The minutes state what was recorded ------------------------------------


def test_minutes_without_attendance_or_adoption_claim_neither(world, annual):
    text = minutes_text(world)
    assert "đơn vị có mặt" not in text
    assert "thông qua" not in text
    # Dated the meeting day, not the day printed.
    assert "Bắc Giang, ngày 20 tháng 12 năm 2025" in text
    assert "ngày 05 tháng 02 năm 2026" not in text


def test_minutes_count_the_recorded_attendance_and_the_adoption(world, annual, client):
    for code, status in (("TPBG", "present"), ("VY", "wrong_composition"), ("HH", "present")):
        Attendance.objects.create(
            conference=annual, membership=member_of(world, code), status=status
        )
    Attendance.objects.create(conference=annual, membership=member_of(world, "LG"), status="absent")
    client.force_login(world.head)
    response = client.post(_url("conference_adopt", annual), {"votes": "3", "voters": "3"})
    assert response.status_code == 302
    text = minutes_text(world)
    assert "3/4 đơn vị có mặt" in text
    assert "đã được đọc lại và thông qua tại cuộc họp với 3/3 đơn vị biểu quyết tán thành" in text
    annual.refresh_from_db()
    assert annual.history.first().history_change_reason.startswith("Thông qua biên bản")
    assert annual.history.first().history_user == world.head


def test_adoption_needs_attendance_and_at_most_the_units_present(world, annual, client):
    client.force_login(world.head)
    response = client.post(_url("conference_adopt", annual), {"votes": "2", "voters": "2"})
    assert "Cần ghi nhận thành phần tham dự" in response.content.decode()
    Attendance.objects.create(
        conference=annual, membership=member_of(world, "HH"), status="present"
    )
    Attendance.objects.create(conference=annual, membership=member_of(world, "LG"), status="absent")
    response = client.post(_url("conference_adopt", annual), {"votes": "2", "voters": "2"})
    assert "Số đơn vị biểu quyết phải từ 1 đến 1" in response.content.decode()
    response = client.post(_url("conference_adopt", annual), {"votes": "0", "voters": "1"})
    assert "chưa quá nửa" in response.content.decode()
    annual.refresh_from_db()
    assert not annual.is_adopted


def test_a_future_meeting_cannot_have_adopted_minutes(world, annual, client):
    Conference.objects.filter(pk=annual.pk).update(held_on=date(2026, 3, 1))
    Attendance.objects.create(
        conference=annual, membership=member_of(world, "HH"), status="present"
    )
    client.force_login(world.head)
    response = client.post(_url("conference_adopt", annual), {"votes": "1", "voters": "1"})
    assert "Hội nghị chưa diễn ra" in response.content.decode()


# --- Guests ---------------------------------------------------------------------


def test_head_records_the_guests_the_seed_names_and_the_minutes_list_them(world, annual, client):
    client.force_login(world.head)
    page = client.get(_url("conference_guests", annual)).content.decode()
    assert "Thành viên Hội đồng Thi đua – Khen thưởng tỉnh; Lãnh đạo, công chức Sở Nội vụ." in page
    assert "Đảng ủy Khối doanh nghiệp" not in page.split("Thành phần mời")[1].split("</p>")[0]
    response = client.post(
        _url("conference_guests", annual),
        {"role": "council", "name": "Ông Nguyễn Văn An, Phó Chủ tịch UBND tỉnh", "present": "1"},
    )
    assert response.status_code == 302
    client.post(
        _url("conference_guests", annual),
        {"role": "home_affairs", "name": "Bà Trần Thị Bình, Phó Giám đốc", "present": "0"},
    )
    guest = ConferenceGuest.objects.get(role="council")
    assert guest.history.first().history_user == world.head
    detail = client.get(reverse("conference_detail", args=["CUM-A", 2025, annual.pk]))
    assert "Ông Nguyễn Văn An" in detail.content.decode()
    text = minutes_text(world)
    assert "Ông Nguyễn Văn An, Phó Chủ tịch UBND tỉnh" in text
    assert "Bà Trần Thị Bình, Phó Giám đốc" in text and "Vắng mặt" in text


def test_an_enterprise_block_also_invites_the_enterprise_party_committee(world):
    world.cluster_a.group = "D"
    assert ConferenceGuest.Role.ENTERPRISE_PARTY in ConferenceGuest.invited_roles(world.cluster_a)
    world.cluster_a.group = "A"
    assert ConferenceGuest.Role.ENTERPRISE_PARTY not in ConferenceGuest.invited_roles(
        world.cluster_a
    )


def test_head_removes_a_guest_with_history(world, annual, client):
    guest = ConferenceGuest.objects.create(conference=annual, role="council", name="Ông A")
    client.force_login(world.head)
    response = client.post(_url("conference_guest_remove", annual, guest.pk))
    assert response.status_code == 302
    assert not ConferenceGuest.objects.exists()
    assert ConferenceGuest.history.filter(history_type="-").first().history_user == world.head


def test_a_member_or_another_head_cannot_record_guests(world, annual, client):
    for user in (world.member, world.other_head, world.staff):
        client.force_login(user)
        response = client.post(
            _url("conference_guests", annual), {"role": "council", "name": "X", "present": "1"}
        )
        assert response.status_code == 403
    assert not ConferenceGuest.objects.exists()
    client.logout()
    assert client.get(_url("conference_guests", annual)).status_code == 302


# --- The scoring sheet gives the preparatory meeting's own date ------------------


def test_scoring_sheet_dates_the_preparatory_meeting_not_the_agreement_click(world, annual):
    Conference.objects.create(
        cluster=world.cluster_a,
        year=world.year,
        kind=Conference.Kind.PREPARATORY,
        held_on=date(2025, 12, 10),
        place="UBND huyện Việt Yên",
    )
    ScoreAgreement.objects.create(
        cluster=world.cluster_a, year=world.year, agreed_at=PRINTED, agreed_by=world.head
    )
    context = scoring_sheet_context(member_of(world, "HH"))
    text = text_of(render_pdf("pdf/scoring_sheet.html", context))
    assert "đã thống nhất sau họp trù bị ngày 10/12/2025" in text
    assert "họp trù bị ngày 05/02/2026" not in text


def test_scoring_sheet_without_a_preparatory_meeting_names_none(world, annual):
    ScoreAgreement.objects.create(
        cluster=world.cluster_a, year=world.year, agreed_at=PRINTED, agreed_by=world.head
    )
    text = text_of(
        render_pdf("pdf/scoring_sheet.html", scoring_sheet_context(member_of(world, "HH")))
    )
    assert "đã thống nhất" in text
    assert "họp trù bị ngày" not in text
