"""Ad-hoc reports (báo cáo đột xuất): Sở Nội vụ asks a cluster's head or all
its members by a date; the addressees see it in "Việc cần làm", are reminded
and send it; Sở Nội vụ sees who sent and who did not (#14)."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from clusters.models import AdhocAnswer, AdhocRequest, ReminderSent
from emulation import limits
from emulation.models import User
from scoring import reminders
from tests.clusters.helpers import membership, pdf

pytestmark = pytest.mark.django_db

TODAY = date(2025, 9, 1)
DUE = date(2025, 9, 15)
LIST = reverse("adhoc_reports", args=["CUM-A", 2025])


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(datetime(2025, 9, 1, 2, tzinfo=UTC), tick=False):
        yield


def _ask(client, audience="members", **more):
    data = {
        "subject": "Kết quả phong trào thi đua chuyên đề chuyển đổi số",
        "details": "Số liệu đến 31/8/2025.",
        "audience": audience,
        "due_on": "15/09/2025",
    }
    return client.post(LIST, data | more)


def _request(world, audience="members") -> AdhocRequest:
    return AdhocRequest.objects.create(
        cluster=world.cluster_a,
        year=world.year,
        subject="Chuyển đổi số",
        audience=audience,
        due_date=DUE,
        created_by=world.staff,
    )


def _answer_url(asked) -> str:
    return reverse("adhoc_answer", args=["CUM-A", 2025, asked.pk])


def test_home_affairs_asks_an_adhoc_report_with_history(world, client):
    client.force_login(world.staff)
    response = _ask(client)
    assert response.status_code == 302
    asked = AdhocRequest.objects.get()
    assert (asked.due_date, asked.audience) == (DUE, "members")
    assert asked.history.first().history_user == world.staff


def test_only_home_affairs_asks(world, client):
    for user in (world.head, world.member, world.other_staff, world.other_head):
        client.force_login(user)
        assert _ask(client).status_code == 403
    assert not AdhocRequest.objects.exists()


def test_a_past_due_date_or_one_outside_the_year_is_refused(world, client):
    client.force_login(world.staff)
    page = _ask(client, due_on="20/08/2025").content.decode()
    assert "Hạn gửi 20/08/2025 đã qua" in page
    page = _ask(client, due_on="15/09/2027").content.decode()
    assert "không thuộc năm thi đua 2025" in page
    page = _ask(client, details="x" * (limits.ADHOC_REQUEST + 1)).content.decode()
    assert f"Tối đa {limits.ADHOC_REQUEST} ký tự" in page
    assert not AdhocRequest.objects.exists()


def test_it_appears_in_each_addressees_todo_linking_to_where_it_is_sent(world, client):
    asked = _request(world)
    client.force_login(world.member)
    page = client.get(reverse("todo") + "?nam=2025").content.decode()
    assert "Báo cáo đột xuất: Chuyển đổi số" in page
    assert _answer_url(asked) in page


def test_a_request_to_the_head_is_not_the_members(world, client):
    asked = _request(world, audience="head")
    client.force_login(world.member)
    assert "Chuyển đổi số" not in client.get(reverse("todo") + "?nam=2025").content.decode()
    assert client.get(_answer_url(asked)).status_code == 403
    client.force_login(world.head)
    assert "Chuyển đổi số" in client.get(reverse("todo") + "?nam=2025").content.decode()


def test_member_sends_it_and_staff_see_who_sent_and_who_did_not(world, client, media_root):
    asked = _request(world)
    client.force_login(world.member)
    response = client.post(_answer_url(asked), {"text": "Đã triển khai 12 mô hình.", "file": pdf()})
    assert response.status_code == 302
    answer = AdhocAnswer.objects.get()
    assert answer.membership == membership(world, world.a_member)
    assert answer.history.first().history_user == world.member
    # Done: no longer in its todo.
    todo = client.get(reverse("todo") + "?nam=2025").content.decode()
    assert "Báo cáo đột xuất: Chuyển đổi số" not in todo
    client.force_login(world.staff)
    page = client.get(LIST).content.decode()
    assert "Đã triển khai 12 mô hình." in page
    assert page.count("Chưa gửi") == 3  # TPBG, VY and LG
    assert reverse("upload_download", args=["dot-xuat", answer.pk]) in page
    # Another member reads only its own row.
    client.force_login(world.deputy)
    page = client.get(LIST).content.decode()
    assert "Đã triển khai 12 mô hình." not in page


def test_an_empty_answer_is_refused(world, client):
    asked = _request(world)
    client.force_login(world.member)
    page = client.post(_answer_url(asked), {"text": "  "}).content.decode()
    assert "Cần ghi nội dung hoặc đính kèm tệp báo cáo." in page
    assert not AdhocAnswer.objects.exists()


def test_another_cluster_cannot_see_or_answer(world, client):
    asked = _request(world)
    client.force_login(world.other_member)
    assert client.get(LIST).status_code == 403
    assert client.get(_answer_url(asked)).status_code == 403


def test_addressees_not_yet_answered_are_reminded_once(world, settings):
    settings.SITE_URL = "https://thidua.bacgiang.gov.vn"
    for user in User.objects.filter(unit__isnull=False):
        user.email = f"{user.username}@bacgiang.gov.vn"
        user.save()
    asked = _request(world)
    AdhocAnswer.objects.create(
        request=asked, membership=membership(world, world.a_deputy), text="Đã gửi"
    )
    day = DUE - timedelta(days=7)
    with time_machine.travel(datetime(day.year, day.month, day.day, tzinfo=UTC)):
        claimed = reminders.reminders_due(today=day)
        for pk in claimed:
            reminders.reminder_send(reminder_id=pk, today=day)
        assert reminders.reminders_due(today=day) == []  # never twice
    sent = ReminderSent.objects.filter(adhoc=asked)
    units = {r.membership.unit.code for r in sent}
    assert units == {"TPBG", "HH"}  # LG has no user; VY answered
    (message,) = [m for m in mail.outbox if "thanhvien@bacgiang.gov.vn" in m.to]
    assert "Báo cáo đột xuất: Chuyển đổi số" in message.subject
    assert _answer_url(asked) in message.body
    client_page = sent.first()
    assert client_page.label == "Báo cáo đột xuất: Chuyển đổi số"
    assert client_page.due_date == DUE


def test_the_list_does_not_grow_in_queries_with_the_units(world, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import MembershipFactory, UnitFactory

    _request(world)
    _request(world, audience="head")
    client.force_login(world.staff)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    for _ in range(6):
        MembershipFactory(cluster=world.cluster_a, year=world.year, unit=UnitFactory())
    with CaptureQueriesContext(connection) as many:
        page = client.get(LIST).content.decode()
    assert page.count("Chưa gửi") == 4 + 6 + 1
    assert len(many) == len(few)
