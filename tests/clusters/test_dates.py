"""Dates people enter belong to the emulation year, and what must already
have happened is not dated in the future (issue #12; R5–R13, R35).

The year's window is EmulationYear.window: for the standard 2025 year,
01/12/2024 (the 2024 annual conference, where the 2025 pledge is signed) to
30/06/2026 (half a year after the 2025 annual conference, for the decisions).
"""

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from clusters.models import (
    Conference,
    Deadline,
    Election,
    HeadDocument,
    PledgeSignature,
    Report,
)
from clusters.services import (
    election_record,
    pledge_publish,
    pledge_save,
    pledge_sign,
    year_create,
)
from tests.clusters.helpers import membership, pdf

pytestmark = pytest.mark.django_db

TODAY = date(2025, 12, 26)  # after the 2025 annual conference


def cluster_url(name: str, *extra) -> str:
    return reverse(name, args=["CUM-A", 2025, *extra])


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.wsgi_request._messages)


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(date(2025, 12, 26), tick=False):
        yield TODAY


# --- The window, in one place ------------------------------------------------


def test_the_year_window_follows_the_cluster_calendar(world):
    year = world.year
    assert year.window("standard") == (date(2024, 12, 1), date(2026, 6, 30))
    # A school year 2025–2026: from the June 2025 annual conference of the
    # previous school year to half a year after the June 2026 one.
    assert year.window("education") == (date(2025, 6, 1), date(2026, 12, 31))


# --- Pledge signatures ---------------------------------------------------------


@pytest.fixture
def published(world):
    pledge = pledge_save(
        revision=None,
        cluster=world.cluster_a,
        year=world.year,
        text="Giao ước",
        file=None,
        user=None,
    )
    return pledge_publish(pledge=pledge, user=None)


@pytest.mark.parametrize(
    ("signed_on", "message"),
    [
        ("20/12/2030", "Ngày ký giao ước 20/12/2030 không thuộc năm thi đua 2025"),
        ("20/12/2020", "chỉ nhận ngày từ 01/12/2024 đến 30/06/2026"),
        ("27/12/2025", "là ngày trong tương lai"),
    ],
)
def test_paper_signatures_outside_the_year_or_in_the_future_are_refused(
    client, world, published, signed_on, message
):
    client.force_login(world.head)
    hh = membership(world, world.a_member)
    response = client.post(
        cluster_url("pledge_paper"), {"members": [hh.pk], "signed_on": signed_on}
    )
    assert response.status_code == 302
    assert message in messages_of(response)
    assert not PledgeSignature.objects.exists()


def test_a_signature_signed_at_the_previous_annual_conference_is_accepted(client, world, published):
    client.force_login(world.head)
    hh = membership(world, world.a_member)
    client.post(cluster_url("pledge_paper"), {"members": [hh.pk], "signed_on": "20/12/2024"})
    assert PledgeSignature.objects.get().signed_on == date(2024, 12, 20)


def _paper(world, published, signed_on=date(2025, 12, 20)) -> PledgeSignature:
    from clusters.services import pledge_record_paper

    hh = membership(world, world.a_member)
    return pledge_record_paper(pledge=published, memberships=[hh], signed_on=signed_on, user=None)[
        0
    ]


def test_head_corrects_a_signature_date_with_a_reason_kept_in_history(client, world, published):
    signature = _paper(world, published)
    client.force_login(world.head)
    url = cluster_url("pledge_signature_correct", signature.pk)
    data = {"action": "redate", "signed_on": "19/12/2025", "reason": "Ghi nhầm ngày hội nghị"}

    response = client.post(url, data)

    assert response.status_code == 302
    signature.refresh_from_db()
    assert signature.signed_on == date(2025, 12, 19)
    record = signature.history.order_by("-history_id").first()
    assert record.history_user == world.head
    assert record.history_change_reason == (
        "Sửa ngày ký giao ước từ 20/12/2025 thành 19/12/2025: Ghi nhầm ngày hội nghị"
    )


def test_a_corrected_date_is_checked_like_a_new_one(client, world, published):
    signature = _paper(world, published)
    client.force_login(world.head)
    url = cluster_url("pledge_signature_correct", signature.pk)
    response = client.post(url, {"action": "redate", "signed_on": "19/12/2030", "reason": "Sửa"})
    assert "không thuộc năm thi đua 2025" in messages_of(response)
    signature.refresh_from_db()
    assert signature.signed_on == date(2025, 12, 20)


def test_head_withdraws_a_wrong_signature_with_a_reason_kept_in_history(client, world, published):
    signature = _paper(world, published)
    client.force_login(world.head)
    url = cluster_url("pledge_signature_correct", signature.pk)

    refused = client.post(url, {"action": "withdraw", "reason": ""})
    assert PledgeSignature.objects.filter(pk=signature.pk).exists()
    assert "Cần ghi lý do" in messages_of(refused)

    response = client.post(url, {"action": "withdraw", "reason": "Ghi nhầm đơn vị"})

    assert response.status_code == 302
    assert not PledgeSignature.objects.exists()
    record = PledgeSignature.history.order_by("-history_id").first()
    assert record.history_type == "-" and record.history_user == world.head
    assert record.history_change_reason == "Hủy chữ ký giao ước của HH: Ghi nhầm đơn vị"
    # The unit may sign again.
    pledge_sign(pledge=published, membership=membership(world, world.a_member), user=world.member)
    assert PledgeSignature.objects.count() == 1


@pytest.mark.parametrize("who", ["member", "deputy", "other_head", "other_staff"])
def test_only_the_head_and_the_staff_correct_a_signature(client, world, published, who):
    signature = _paper(world, published)
    client.force_login(getattr(world, who))
    url = cluster_url("pledge_signature_correct", signature.pk)
    response = client.post(url, {"action": "withdraw", "reason": "Nhầm"})
    assert response.status_code == 403
    assert PledgeSignature.objects.filter(pk=signature.pk).exists()


def test_staff_correct_a_signature(client, world, published):
    signature = _paper(world, published)
    client.force_login(world.staff)
    url = cluster_url("pledge_signature_correct", signature.pk)
    client.post(url, {"action": "withdraw", "reason": "Đơn vị báo ký nhầm"})
    assert not PledgeSignature.objects.exists()


# --- Conferences ----------------------------------------------------------------


def test_a_mid_year_conference_outside_the_year_is_refused_on_create_and_edit(client, world):
    client.force_login(world.head)
    create = reverse("conference_create", args=["CUM-A", 2025, "so-ket"])

    response = client.post(create, {"held_on": "15/07/2019", "place": "Việt Yên"})
    assert response.status_code == 200
    assert "Ngày tổ chức 15/07/2019 không thuộc năm thi đua 2025" in response.content.decode()
    assert not Conference.objects.exists()

    assert client.post(create, {"held_on": "15/07/2025", "place": "Việt Yên"}).status_code == 302
    conference = Conference.objects.get()
    edit = cluster_url("conference_edit", conference.pk)
    response = client.post(edit, {"held_on": "15/07/2031", "place": "Việt Yên", "revision": 1})
    assert response.status_code == 200
    assert "Ngày tổ chức 15/07/2031 không thuộc năm thi đua 2025" in response.content.decode()
    conference.refresh_from_db()
    assert conference.held_on == date(2025, 7, 15)


def test_a_conference_with_minutes_has_been_held(client, world, media_root):
    client.force_login(world.head)
    create = reverse("conference_create", args=["CUM-A", 2025, "khac"])
    data = {"title": "Tọa đàm", "held_on": "10/01/2026", "place": "Bắc Giang"}
    response = client.post(create, data | {"minutes": pdf()})
    assert "là ngày trong tương lai" in response.content.decode()
    # Planned ahead, without minutes, it may be dated in the future.
    assert client.post(create, data).status_code == 302


# --- Reports and the head's documents ------------------------------------------


def test_a_report_dated_in_2030_is_refused(client, world, media_root):
    client.force_login(world.member)
    data = {"kind": "mid_year", "number": "45/BC", "reported_on": "28/06/2030", "file": pdf()}
    response = client.post(reverse("report_upload", args=["CUM-A", 2025]), data)
    assert response.status_code == 200
    assert "Ngày báo cáo 28/06/2030 không thuộc năm thi đua 2025" in response.content.decode()
    assert not Report.objects.exists()


def test_a_report_dated_tomorrow_is_refused(client, world, media_root):
    client.force_login(world.member)
    data = {"kind": "annual", "number": "45/BC", "reported_on": "27/12/2025", "file": pdf()}
    response = client.post(reverse("report_upload", args=["CUM-A", 2025]), data)
    assert "là ngày trong tương lai" in response.content.decode()
    assert not Report.objects.exists()


def test_a_head_document_issued_outside_the_year_is_refused(client, world, media_root):
    client.force_login(world.head)
    data = {"kind": "programme", "number": "1/KH", "issued_on": "15/03/2019", "file": pdf()}
    response = client.post(cluster_url("head_document_upload"), data)
    assert "Ngày ban hành 15/03/2019 không thuộc năm thi đua 2025" in response.content.decode()
    assert not HeadDocument.objects.exists()


# --- Deadlines -------------------------------------------------------------------


@pytest.mark.parametrize("due", ["31/03/2020", "31/03/2031"])
def test_a_deadline_is_moved_only_within_the_year(client, world, due):
    year_create(year=2025)
    deadline = Deadline.objects.get(year=world.year, calendar="standard", kind="registration")
    client.force_login(world.staff)
    response = client.post(
        reverse("deadlines", args=[2025]),
        {"deadline": f"{deadline.pk}:{deadline.revision}", "due_date": due, "reason": "Lùi"},
    )
    assert response.status_code == 200
    assert f"Hạn mới {due} không thuộc năm thi đua 2025" in response.content.decode()
    deadline.refresh_from_db()
    assert deadline.due_date == date(2025, 3, 31)


def test_an_education_deadline_may_fall_in_the_next_calendar_year(client, world):
    year_create(year=2025)
    deadline = Deadline.objects.get(year=world.year, calendar="education", kind="annual_conference")
    client.force_login(world.staff)
    data = {
        "deadline": f"{deadline.pk}:{deadline.revision}",
        "due_date": "15/07/2026",
        "reason": "Theo hướng dẫn của Bộ",
    }
    assert client.post(reverse("deadlines", args=[2025]), data).status_code == 302
    deadline.refresh_from_db()
    assert deadline.due_date == date(2026, 7, 15)


# --- Election and the Chairman's assignment ---------------------------------------


def test_an_election_dated_2031_is_refused(client, world):
    client.force_login(world.head)
    data = {"head": world.a_deputy.pk, "deputy": "", "elected_on": "20/12/2031"}
    response = client.post(cluster_url("election_record"), data)
    assert "Ngày bầu 20/12/2031 không thuộc năm thi đua 2025" in messages_of(response)
    assert not Election.objects.exists()


def _elected(world) -> Election:
    return election_record(
        cluster=world.cluster_a,
        year=world.year,
        head=world.a_deputy,
        deputy=None,
        elected_on=date(2025, 12, 20),
        user=world.head,
    )


@pytest.mark.parametrize(
    ("decided", "message"),
    [
        ("20/12/2019", "Ngày quyết định 20/12/2019 không thuộc năm thi đua 2025"),
        ("30/12/2025", "là ngày trong tương lai"),
        ("19/12/2025", "không được trước ngày bầu 20/12/2025"),
    ],
)
def test_an_assignment_decision_out_of_place_is_refused(client, world, decided, message):
    election = _elected(world)
    client.force_login(world.staff)
    data = {"decision_number": "1/QĐ-UBND", "decision_date": decided}
    response = client.post(cluster_url("election_assign"), data)
    assert message in messages_of(response)
    election.refresh_from_db()
    assert not election.is_assigned


@pytest.mark.parametrize(("who", "shown"), [("head", True), ("staff", True), ("member", False)])
def test_the_pledge_page_offers_the_correction_to_the_head_and_staff(
    client, world, published, who, shown
):
    signature = _paper(world, published)
    client.force_login(getattr(world, who))
    page = client.get(cluster_url("pledge")).content.decode()
    assert (cluster_url("pledge_signature_correct", signature.pk) in page) is shown
