"""Reminders sent by hand (#15): the head (or delegated deputy) and Sở Nội vụ
remind a member of an item it has not done, at most once a day per unit and
item, recorded with who sent it and when, by e-mail and in the product."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from clusters import deadlines
from clusters.models import Deadline, ReminderSent
from emulation.models import Notification, User
from scoring import reminders

pytestmark = pytest.mark.django_db

TODAY = date(2025, 3, 20)
URL = reverse("reminders_by_hand", args=["CUM-A", 2025])
# Session, user, the cluster's seat, the page's selector, the bar (todo, bell).
QUERIES = 17
HH_REGISTRATION = {"unit": "HH", "kind": deadlines.REGISTRATION}


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(datetime(2025, 3, 20, 3, tzinfo=UTC)):
        yield


@pytest.fixture
def mailboxes(world, dated):
    for user in User.objects.filter(unit__isnull=False):
        user.email = f"{user.username}@bacgiang.gov.vn"
        user.save()
    return world


def _send(client, user, data=HH_REGISTRATION):
    client.force_login(user)
    return client.post(URL, data, follow=True)


def test_the_head_sees_each_members_open_items_but_its_own(client, mailboxes):
    client.force_login(mailboxes.head)
    page = client.get(URL).content.decode()
    assert "UBND huyện Hiệp Hòa" in page and "UBND huyện Lạng Giang" in page
    assert "Gửi bản đăng ký thi đua" in page
    assert "31/03/2025" in page
    # The head does not remind itself of its own programme.
    assert "Ban hành chương trình" not in page
    assert "Trường THPT" not in page  # another cluster's units


def test_the_head_reminds_a_member_by_email_and_in_the_product(
    client, mailboxes, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _send(client, mailboxes.head)
    assert "Đã gửi thư nhắc việc" in response.content.decode()
    reminder = ReminderSent.objects.get(membership__unit__code="HH")
    assert reminder.sent_by == mailboxes.head
    assert reminder.reminded_on == TODAY
    assert reminder.kind == deadlines.REGISTRATION
    assert reminder.offset is None
    assert reminder.sent_at is not None
    (message,) = mail.outbox
    assert message.to == ["thanhvien@bacgiang.gov.vn"]
    assert "Gửi bản đăng ký thi đua" in message.subject
    (notice,) = Notification.objects.all()
    assert notice.recipient == mailboxes.member
    assert "Gửi bản đăng ký thi đua" in notice.text
    assert notice.link == reverse("registration_edit", args=[2025])


def test_the_page_says_who_reminded_and_when(client, mailboxes):
    mailboxes.head.last_name, mailboxes.head.first_name = "Lê Minh", "Tuấn"
    mailboxes.head.save()
    _send(client, mailboxes.head)
    page = client.get(URL).content.decode()
    assert "Đã nhắc ngày 20/03/2025, bởi Lê Minh Tuấn" in page
    assert "Đã nhắc hôm nay" in page


def test_a_second_reminder_the_same_day_is_refused_in_vietnamese(client, mailboxes):
    _send(client, mailboxes.head)
    response = _send(client, mailboxes.staff)
    page = response.content.decode()
    assert "đã được nhắc việc “Gửi bản đăng ký thi đua” hôm nay (20/03/2025)" in page
    assert "mỗi ngày chỉ nhắc một lần" in page
    assert ReminderSent.objects.count() == 1
    assert Notification.objects.count() == 1


def test_the_next_day_it_may_be_sent_again(client, mailboxes):
    _send(client, mailboxes.head)
    with time_machine.travel(datetime(2025, 3, 21, 3, tzinfo=UTC)):
        _send(client, mailboxes.head)
    assert ReminderSent.objects.filter(membership__unit__code="HH").count() == 2


def test_the_database_keeps_once_a_day(mailboxes):
    reminders.reminder_send_by_hand(
        membership=mailboxes.a_member.memberships.get(),
        kind=deadlines.REGISTRATION,
        user=mailboxes.head,
        today=TODAY,
    )
    first = ReminderSent.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderSent.objects.create(
            deadline=first.deadline,
            membership=first.membership,
            kind=first.kind,
            reminded_on=TODAY,
            sent_by=mailboxes.staff,
        )


def test_an_item_done_is_not_reminded(client, mailboxes):
    from clusters.models import Participation

    Participation.objects.update_or_create(
        membership=mailboxes.a_member.memberships.get(), defaults={"registered": True}
    )
    page = _send(client, mailboxes.head).content.decode()
    assert "không cần nhắc" in page
    assert not ReminderSent.objects.exists()


def test_an_unknown_unit_or_item_is_refused(client, mailboxes):
    for data in ({"unit": "GH", "kind": deadlines.REGISTRATION}, {"unit": "HH", "kind": "x"}):
        page = _send(client, mailboxes.head, data).content.decode()
        assert "Hãy chọn một việc của một đơn vị trong danh sách." in page
    assert not ReminderSent.objects.exists()


def test_a_reminder_by_hand_is_not_an_automatic_one(client, mailboxes):
    """The daily job still sends its own reminder at its offset the same day."""
    _send(client, mailboxes.head)
    due = Deadline.objects.get(calendar="standard", kind=deadlines.REGISTRATION).due_date
    assert due == date(2025, 3, 31)
    reminders.reminders_due(today=date(2025, 3, 24))
    assert ReminderSent.objects.filter(offset=7, membership__unit__code="HH").exists()


def test_sonoivu_reminds_too(client, mailboxes):
    _send(client, mailboxes.staff)
    assert ReminderSent.objects.get().sent_by == mailboxes.staff


@pytest.mark.parametrize("who", ["member", "other_head", "other_staff", "other_member", "deputy"])
def test_others_may_neither_see_nor_send(client, mailboxes, who):
    client.force_login(getattr(mailboxes, who))
    assert client.get(URL).status_code == 403
    assert client.post(URL, HH_REGISTRATION).status_code == 403
    assert not ReminderSent.objects.exists()


def test_anonymous_is_sent_to_login(client, mailboxes):
    response = client.post(URL, HH_REGISTRATION)
    assert response.status_code == 302 and "/dang-nhap/" in response.url
    assert not ReminderSent.objects.exists()


def test_the_cluster_page_links_it_only_for_who_may_use_it(client, mailboxes):
    cluster_page = reverse("cluster_detail", args=["CUM-A", 2025])
    for who, shown in (("head", True), ("staff", True), ("member", False)):
        client.force_login(getattr(mailboxes, who))
        assert (URL in client.get(cluster_page).content.decode()) is shown, who


def test_the_page_costs_the_same_queries_whatever_the_units(
    client, mailboxes, django_assert_max_num_queries
):
    from tests.factories import MembershipFactory, UnitFactory

    client.force_login(mailboxes.head)
    _send(client, mailboxes.head)
    client.get(URL)
    for n in range(10):
        MembershipFactory(
            cluster=mailboxes.cluster_a, year=mailboxes.year, unit=UnitFactory(code=f"X{n}")
        )
    with django_assert_max_num_queries(QUERIES):
        page = client.get(URL).content.decode()
    assert "X9" in page


def test_the_list_of_reminders_says_which_went_by_hand_and_by_whom(client, mailboxes):
    _send(client, mailboxes.head)
    client.force_login(mailboxes.staff)
    page = client.get(reverse("reminders_sent", args=[2025])).content.decode()
    assert "Nhắc trực tiếp" in page
    assert f"ngày 20/03/2025, bởi {mailboxes.head.get_full_name()}" in page


def test_a_failed_send_by_hand_is_taken_again_by_the_daily_job(mailboxes):
    membership = mailboxes.a_member.memberships.get()
    reminder = reminders.reminder_send_by_hand(
        membership=membership, kind=deadlines.REGISTRATION, user=mailboxes.head, today=TODAY
    )
    ReminderSent.objects.filter(pk=reminder.pk).update(
        sent_at=None, claimed_at=datetime(2025, 3, 20, 1, tzinfo=UTC)
    )
    taken = reminders.reminders_reclaim(today=TODAY, now=datetime(2025, 3, 20, 5, tzinfo=UTC))
    assert taken == [reminder.pk]
    # Two days on it is left alone, like an automatic one.
    ReminderSent.objects.filter(pk=reminder.pk).update(
        claimed_at=datetime(2025, 3, 20, 1, tzinfo=UTC)
    )
    later = date(2025, 3, 23)
    assert reminders.reminders_reclaim(today=later, now=datetime(2025, 3, 23, 5, tzinfo=UTC)) == []


def test_an_automatic_reminder_tells_the_unit_in_the_product(mailboxes):
    reminders.reminders_due(
        today=date(2025, 3, 24),
        send=lambda pk: reminders.reminder_send(reminder_id=pk, today=date(2025, 3, 24)),
    )
    # Claimed inside this test's transaction: its send waits for a commit that never comes.
    for reminder in ReminderSent.objects.filter(sent_at__isnull=True):
        reminders.reminder_send(reminder_id=reminder.pk, today=date(2025, 3, 24))
    (notice,) = Notification.objects.filter(recipient=mailboxes.member)
    assert notice.text.startswith("Nhắc việc: Gửi bản đăng ký thi đua")
    assert "hạn 31/03/2025, còn 7 ngày" in notice.text
    assert not Notification.objects.filter(recipient=mailboxes.other_staff).exists()
