"""Extensions of a deadline for one unit or a whole cluster (#14): granted by
Sở Nội vụ (or the head, for what its members send it), with a new date and a
reason; they stop the lateness and the reminders for that unit, show in
"Việc cần làm" and the history, and can be revoked."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from clusters import deadlines, participation, services
from clusters.models import Deadline, Extension
from scoring import sheets
from scoring.models import Scorecard
from tests.clusters.helpers import membership
from tests.clusters.test_reminders import _to, eager, mailboxes, run  # noqa: F401

pytestmark = pytest.mark.django_db

DUE = date(2025, 3, 31)  # the standard calendar's registration (R6)
APRIL_5 = datetime(2025, 4, 5, 3, tzinfo=UTC)


def _url(world, *rest) -> str:
    return reverse("extensions", args=[world.cluster_a.code, 2025, *rest])


def _deadline(kind=deadlines.REGISTRATION, calendar="standard") -> Deadline:
    return Deadline.objects.get(year__year=2025, calendar=calendar, kind=kind)


def _grant(client, user, world, *, unit="HH", due="15/04/2025", kind=deadlines.REGISTRATION):
    client.force_login(user)
    data = {
        "deadline": _deadline(kind).pk,
        "unit": unit,
        "due_date": due,
        "reason": "Đơn vị bị ảnh hưởng bởi bão, xin gia hạn",
    }
    return client.post(_url(world), data, follow=True)


def test_province_grants_a_unit_an_extension_shown_in_its_todo(client, world, dated):
    page = _grant(client, world.staff, world).content.decode()
    assert "Đã gia hạn" in page
    extension = Extension.objects.get()
    assert extension.membership.unit == world.a_member and extension.due_date == date(2025, 4, 15)
    client.force_login(world.member)
    with time_machine.travel(APRIL_5):
        todo = client.get(reverse("todo")).content.decode()
    row = todo[todo.index("Gửi bản đăng ký thi đua") :]
    row = row[: row.index("</tr>")]
    assert "15/04/2025" in row and "Quá hạn" not in row and "còn 10 ngày" in row
    assert "gia hạn" in row
    # LG, not extended, is late.
    client.force_login(world.head)
    with time_machine.travel(APRIL_5):
        tally = client.get(reverse("todo")).content.decode()
    assert "Quá hạn" in tally


def test_an_extension_stops_the_participation_lateness_of_that_unit(world, dated):
    hh, lg = membership(world, world.a_member), membership(world, world.a_member2)
    services.extension_grant(
        deadline=_deadline(),
        cluster=world.cluster_a,
        membership=hh,
        due_date=date(2025, 4, 15),
        reason="Bão",
        user=world.staff,
    )
    found = participation.records([hh, lg], today=date(2025, 4, 5))
    assert found[hh.pk].fact("registered").state == participation.NOT_DUE
    assert found[hh.pk].fact("registered").due == date(2025, 4, 15)
    assert found[lg.pk].fact("registered").state == participation.MISSING
    later = participation.records([hh], today=date(2025, 4, 16))
    assert later[hh.pk].fact("registered").state == participation.MISSING


def test_a_registration_sent_within_the_extension_is_not_late(world, dated):
    hh = membership(world, world.a_member)
    services.extension_grant(
        deadline=_deadline(),
        cluster=world.cluster_a,
        membership=None,
        due_date=date(2025, 4, 15),
        reason="Cả cụm chậm nhận hướng dẫn",
        user=world.staff,
    )
    due = services.due_date(
        cluster=world.cluster_a, year=world.year, kind=deadlines.REGISTRATION, membership=hh
    )
    assert due == date(2025, 4, 15)


def test_an_extension_stops_the_late_reminder_for_that_unit(mailboxes, run):  # noqa: F811
    world = mailboxes
    services.extension_grant(
        deadline=_deadline(),
        cluster=world.cluster_a,
        membership=membership(world, world.a_member),
        due_date=date(2025, 4, 15),
        reason="Bão",
        user=world.staff,
    )
    sent = run(DUE + timedelta(days=1))
    # Not late: the day after 31/03 is 14 days before the new date.
    (message,) = _to(sent, "thanhvien@bacgiang.gov.vn")
    assert "Quá hạn" not in message.subject and "15/04/2025" in message.subject
    assert "còn 14 ngày" in message.body
    (late,) = _to(sent, "thanhvienkhac@bacgiang.gov.vn")  # GH, not extended
    assert "Quá hạn" in late.subject
    # Reminded again against the new date.
    (message,) = _to(run(date(2025, 4, 14)), "thanhvien@bacgiang.gov.vn")
    assert "15/04/2025" in message.subject and "còn 1 ngày" in message.body


def test_a_sheet_can_be_submitted_within_the_extension(world, dated):
    Scorecard.objects.create(cluster=world.cluster_a, year=world.year, status="issued")
    hh = membership(world, world.a_member)
    with time_machine.travel(datetime(2025, 12, 3, 3, tzinfo=UTC)):
        with pytest.raises(services.ValidationError) as refused:
            sheets.sheet_submit(membership=hh, user=world.member)
        message = " ".join(refused.value.messages)
        assert "liên hệ trưởng cụm" not in message
        assert "gia hạn" in message
        services.extension_grant(
            deadline=_deadline(deadlines.ANNUAL_REPORT),
            cluster=world.cluster_a,
            membership=hh,
            due_date=date(2025, 12, 10),
            reason="Máy chủ của đơn vị hỏng",
            user=world.head,
        )
        assert sheets.sheet_submit(membership=hh, user=world.member).status == "submitted"


def test_revoking_brings_the_lateness_back_with_who_and_why(client, world, dated):
    _grant(client, world.staff, world)
    extension = Extension.objects.get()
    page = client.post(
        reverse("extension_revoke", args=["CUM-A", 2025, extension.pk]),
        {"reason": "Cấp nhầm đơn vị"},
        follow=True,
    ).content.decode()
    assert "Đã thu hồi gia hạn" in page
    extension.refresh_from_db()
    assert extension.revoked_at is not None and extension.revoked_by == world.staff
    reasons = list(extension.history.values_list("history_change_reason", "history_user"))
    assert any("Cấp nhầm đơn vị" in r and u == world.staff.pk for r, u in reasons)
    assert any("bão" in r and u == world.staff.pk for r, u in reasons)
    hh = membership(world, world.a_member)
    found = participation.records([hh], today=date(2025, 4, 5))
    assert found[hh.pk].fact("registered").state == participation.MISSING


def test_the_history_page_lists_extensions(client, world, dated):
    _grant(client, world.staff, world)
    client.force_login(world.head)
    page = client.get(reverse("history", args=["CUM-A", 2025])).content.decode()
    assert "gia hạn" in page.lower() and "bão" in page


def test_the_head_extends_what_its_members_send_it(client, world, dated):
    page = _grant(client, world.head, world).content.decode()
    assert "Đã gia hạn" in page and Extension.objects.count() == 1


def test_the_head_does_not_extend_its_own_duties(client, world, dated):
    page = _grant(client, world.head, world, unit="", kind=deadlines.PROGRAMME).content.decode()
    assert "Chỉ Sở Nội vụ" in page and not Extension.objects.exists()


def test_the_head_does_not_extend_its_own_unit(client, world, dated):
    page = _grant(client, world.head, world, unit="TPBG").content.decode()
    assert "không tự gia hạn" in page and not Extension.objects.exists()


def test_an_extension_must_move_the_date_later_and_give_a_reason(client, world, dated):
    page = _grant(client, world.staff, world, due="30/03/2025").content.decode()
    assert "sau hạn hiện tại" in page
    client.post(_url(world), {"deadline": _deadline().pk, "unit": "HH", "due_date": "15/04/2025"})
    assert not Extension.objects.exists()


def test_a_second_extension_replaces_the_first(client, world, dated):
    _grant(client, world.staff, world)
    _grant(client, world.staff, world, due="20/04/2025")
    assert Extension.objects.active().get().due_date == date(2025, 4, 20)


@pytest.mark.parametrize(
    ("who", "status"),
    [("member", 403), ("other_head", 403), ("other_staff", 403), ("other_member", 403)],
)
def test_others_cannot_grant(client, world, dated, who, status):
    response = _grant(client, getattr(world, who), world)
    assert response.status_code == status and not Extension.objects.exists()


def test_the_guiding_authority_of_a_cluster_reads_but_does_not_grant(client, world, dated):
    client.force_login(world.other_staff)
    url = reverse("extensions", args=[world.cluster_b.code, 2025])
    assert client.get(url).status_code == 200
    data = {"deadline": _deadline().pk, "unit": "GH", "due_date": "15/04/2025", "reason": "x"}
    assert client.post(url, data).status_code == 403


def test_a_report_sent_within_the_units_extension_is_not_late(client, world, dated, media_root):
    from tests.clusters.helpers import pdf

    hh = membership(world, world.a_member)
    services.extension_grant(
        deadline=_deadline(deadlines.MID_YEAR_REPORT),
        cluster=world.cluster_a,
        membership=hh,
        due_date=date(2025, 7, 10),
        reason="Bão",
        user=world.staff,
    )
    with time_machine.travel(date(2025, 7, 3)):
        services.report_upload(
            membership=hh,
            kind="mid_year",
            number="",
            reported_on=date(2025, 7, 2),
            file=pdf(),
            user=None,
        )
    client.force_login(world.head)
    page = client.get(reverse("reports", args=["CUM-A", 2025])).content.decode()
    assert "Gửi muộn" not in page
