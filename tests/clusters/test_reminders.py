"""Reminders of the year's deadlines (R14): 14, 7 and 1 days before and once
the day after, only to units that have not done the item, never twice for the
same deadline, unit and offset, retried when the mail server fails."""

import threading
import time
from datetime import UTC, date, datetime, timedelta
from io import StringIO
from smtplib import SMTPException

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends import locmem
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from clusters import deadlines, services
from clusters.models import Deadline, Membership, Pledge, ReminderSent
from clusters.services import TargetInput
from emulation.celery import app as celery_app
from emulation.models import User
from scoring import registrations, reminders
from scoring.tasks import remind_due, send_reminder
from tests.clusters.helpers import membership
from tests.marks import needs_postgres

pytestmark = pytest.mark.django_db

# The standard calendar's registration and programme are due 31/03/2025 (R5, R6).
DUE = date(2025, 3, 31)


def at_7am(day: date) -> datetime:
    """07:00 in Asia/Ho_Chi_Minh, when the beat job runs."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _celery_eager(value: bool):
    conf = celery_app.conf
    old = conf.task_always_eager
    conf.task_always_eager = value
    yield
    conf.task_always_eager = old


@pytest.fixture
def eager():
    """Tasks run in the test, also when the CI sets REDIS_URL."""
    yield from _celery_eager(True)


@pytest.fixture
def not_eager():
    """Tasks would go to the broker, and no worker listens."""
    yield from _celery_eager(False)


@pytest.fixture
def mailboxes(world, dated, settings):
    """Every unit user of the world gets an address; HH has a second user.
    LG has no user at all: it is never reminded, having nobody to write to."""
    settings.SITE_URL = "https://thidua.bacgiang.gov.vn"
    for user in User.objects.filter(unit__isnull=False):
        user.email = f"{user.username}@bacgiang.gov.vn"
        user.save()
    User.objects.create(username="vanthu-hh", unit=world.a_member, email="vanthu@hiephoa.gov.vn")
    return world


@pytest.fixture
def run(eager, django_capture_on_commit_callbacks):
    """The daily job as beat runs it, on a given day; returns the e-mails it sent."""

    def go(day: date) -> list:
        before = len(mail.outbox)
        with (
            time_machine.travel(at_7am(day)),
            django_capture_on_commit_callbacks(execute=True),
        ):
            remind_due.delay()
        return mail.outbox[before:]

    return go


def _to(messages, address: str) -> list:
    return [m for m in messages if address in m.to]


def _submit_registration(m: Membership) -> None:
    """Through the service, which writes the unit's participation record too (R27)."""
    registrations.registration_save(
        revision=None,
        membership=m,
        objectives="Mục tiêu",
        other_targets="",
        targets=[TargetInput("A")],
        user=None,
    )
    services.registration_submit(membership=m, user=None)


@pytest.mark.parametrize(
    ("offset", "days_text"),
    [(14, "còn 14 ngày"), (7, "còn 7 ngày"), (1, "còn 1 ngày"), (-1, "đã qua 1 ngày")],
)
def test_reminders_go_at_each_offset(mailboxes, run, offset, days_text):
    sent = run(DUE - timedelta(days=offset))
    mine = _to(sent, "thanhvien@bacgiang.gov.vn")
    assert len(mine) == 1  # the registration only: the programme is the head's
    message = mine[0]
    assert message.to == ["thanhvien@bacgiang.gov.vn", "vanthu@hiephoa.gov.vn"]
    assert "Gửi bản đăng ký thi đua" in message.subject
    assert "31/03/2025" in message.subject
    assert days_text in message.body
    assert "Cụm thi đua các huyện" in message.body
    assert "https://thidua.bacgiang.gov.vn/viec-can-lam/?nam=2025" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "Gửi bản đăng ký thi đua" in html and 'href="https://thidua.bacgiang.gov.vn' in html
    reminder = ReminderSent.objects.get(membership__unit=mailboxes.a_member, offset=offset)
    assert reminder.sent_at is not None
    assert reminder.deadline.kind == deadlines.REGISTRATION


def test_the_day_after_says_late_in_the_subject(mailboxes, run):
    (message,) = _to(run(DUE + timedelta(days=1)), "thanhvien@bacgiang.gov.vn")
    assert message.subject.startswith("[Thi đua] Quá hạn 1 ngày")


def test_every_responsible_unit_is_reminded_and_the_head_of_its_own_items(mailboxes, run):
    sent = run(DUE - timedelta(days=7))
    # 5 units with users x registration, and the 2 heads x programme.
    assert len(sent) == 7
    head = _to(sent, "truongcum@bacgiang.gov.vn")
    assert sorted(m.subject.split(":")[1].split("–")[0].strip() for m in head) == [
        "Ban hành chương trình, kế hoạch hoạt động",
        "Gửi bản đăng ký thi đua",
    ]


@pytest.mark.parametrize("days_before", [2, 8, 15])
def test_nothing_goes_on_other_days(mailboxes, run, days_before):
    assert run(DUE - timedelta(days=days_before)) == []
    assert not ReminderSent.objects.exists()


@pytest.mark.parametrize("days_before", [13, 6, 0, -2])
def test_with_a_run_every_day_nothing_goes_the_day_after_an_offset(mailboxes, run, days_before):
    run(DUE - timedelta(days=days_before + 1))
    assert run(DUE - timedelta(days=days_before)) == []


def test_nothing_goes_three_days_after(mailboxes, run):
    assert run(DUE + timedelta(days=3)) == []


def test_r14_a_day_without_a_run_is_caught_up_the_next_day(mailboxes, run):
    """Beat could not reach the broker on the 7-days-before day: the next
    day's run sends that reminder, once."""
    sent = run(DUE - timedelta(days=6))
    assert len(sent) == 7
    assert set(ReminderSent.objects.values_list("offset", flat=True)) == {7}
    assert run(DUE - timedelta(days=6)) == []


def test_units_that_are_done_are_not_reminded(mailboxes, run):
    _submit_registration(membership(mailboxes, mailboxes.a_member))
    sent = run(DUE - timedelta(days=7))
    assert _to(sent, "thanhvien@bacgiang.gov.vn") == []
    assert _to(sent, "vanthu@hiephoa.gov.vn") == []
    assert len(sent) == 6
    assert not ReminderSent.objects.filter(membership__unit=mailboxes.a_member).exists()


def _publish_pledge_and_register(world) -> None:
    """Cluster A's pledge is published; HH registers but does not sign."""
    Pledge.objects.create(
        cluster=world.cluster_a, year=world.year, text="Giao ước", published_at=timezone.now()
    )
    _submit_registration(membership(world, world.a_member))


def test_a_published_unsigned_pledge_goes_with_the_registration(mailboxes, run):
    _publish_pledge_and_register(mailboxes)
    (message,) = _to(run(DUE - timedelta(days=7)), "thanhvien@bacgiang.gov.vn")
    assert "Ký giao ước thi đua" in message.subject
    assert "Gửi bản đăng ký" not in message.body


def test_a_pledge_due_at_last_years_conference_is_not_reminded_by_the_31_3(mailboxes, run):
    # #13: signed "vào dịp tổng kết" [I.2.2], the pledge is due on the 2024 annual
    # conference's day, not with the registration; that day has no Deadline row to
    # remind by (R14 counts per deadline).
    from clusters.models import Conference
    from tests.factories import YearFactory

    Conference.objects.create(
        cluster=mailboxes.cluster_a,
        year=YearFactory(year=2024),
        kind="annual",
        held_on=date(2024, 12, 20),
        place="UBND thành phố Bắc Giang",
    )
    _publish_pledge_and_register(mailboxes)
    assert _to(run(DUE - timedelta(days=7)), "thanhvien@bacgiang.gov.vn") == []


LAST_CONFERENCE = date(2024, 12, 20)


def _pledge_due_at_last_years_conference(world) -> None:
    """2025's pledge published before the 2024 annual conference where the
    seed has it signed ("vào dịp tổng kết", [I.2.2]); HH has not signed it."""
    from clusters.models import Conference
    from tests.factories import YearFactory

    Conference.objects.create(
        cluster=world.cluster_a,
        year=YearFactory(year=2024),
        kind="annual",
        held_on=LAST_CONFERENCE,
        place="UBND thành phố Bắc Giang",
    )
    Pledge.objects.create(
        cluster=world.cluster_a, year=world.year, text="Giao ước", published_at=timezone.now()
    )


@pytest.mark.parametrize(
    ("offset", "days_text"),
    [(14, "còn 14 ngày"), (7, "còn 7 ngày"), (1, "còn 1 ngày"), (-1, "đã qua 1 ngày")],
)
def test_a_pledge_due_at_last_years_conference_is_reminded_before_it(
    mailboxes, run, offset, days_text
):
    # #13: with no Deadline row of its own, the pledge is reminded 14, 7 and 1
    # days before the conference where it is signed, and the day after (R14).
    _pledge_due_at_last_years_conference(mailboxes)

    (message,) = _to(run(LAST_CONFERENCE - timedelta(days=offset)), "thanhvien@bacgiang.gov.vn")

    assert "Ký giao ước thi đua" in message.subject
    assert "20/12/2024" in message.subject
    assert days_text in message.body
    reminder = ReminderSent.objects.get(membership__unit=mailboxes.a_member)
    assert (reminder.deadline, reminder.conference.held_on, reminder.offset) == (
        None,
        LAST_CONFERENCE,
        offset,
    )


def test_a_pledge_reminder_goes_once_and_not_to_the_units_that_signed(mailboxes, run):
    _pledge_due_at_last_years_conference(mailboxes)
    services.pledge_sign(
        pledge=Pledge.objects.get(),
        membership=membership(mailboxes, mailboxes.a_deputy),
        user=mailboxes.deputy,
    )
    day = LAST_CONFERENCE - timedelta(days=7)

    sent = run(day)

    assert len(_to(sent, "thanhvien@bacgiang.gov.vn")) == 1
    assert _to(sent, "phocum@bacgiang.gov.vn") == []
    assert run(day) == []


def test_staff_see_the_pledge_reminders_of_the_year(client, mailboxes, run):
    _pledge_due_at_last_years_conference(mailboxes)
    run(LAST_CONFERENCE - timedelta(days=7))
    client.force_login(mailboxes.staff)

    page = client.get(reverse("reminders_sent", args=[2025])).content.decode()

    assert "Ký giao ước thi đua" in page and "20/12/2024" in page


def test_running_twice_the_same_day_sends_nothing_more(mailboxes, run):
    first = run(DUE - timedelta(days=7))
    claims = ReminderSent.objects.count()
    assert run(DUE - timedelta(days=7)) == []
    assert len(first) == claims == 7
    assert ReminderSent.objects.count() == claims


def test_a_moved_deadline_is_reminded_on_its_new_dates(mailboxes, run):
    Deadline.objects.filter(calendar="standard", kind=deadlines.REGISTRATION).update(
        due_date=date(2025, 4, 15)
    )
    assert _to(run(DUE - timedelta(days=7)), "thanhvien@bacgiang.gov.vn") == []
    (message,) = _to(run(date(2025, 4, 8)), "thanhvien@bacgiang.gov.vn")
    assert "15/04/2025" in message.subject


def test_units_without_an_address_are_not_claimed(mailboxes, run):
    User.objects.filter(unit=mailboxes.a_member).update(email="")
    run(DUE - timedelta(days=7))
    assert not ReminderSent.objects.filter(membership__unit=mailboxes.a_member).exists()


def test_a_unit_that_finishes_before_the_send_is_not_reminded(mailboxes):
    member = membership(mailboxes, mailboxes.a_member)
    deadline = Deadline.objects.get(calendar="standard", kind=deadlines.REGISTRATION)
    claimed = reminders.reminder_claim(
        deadline_id=deadline.pk, membership_id=member.pk, offset=7, send=lambda pk: None
    )
    _submit_registration(member)
    assert reminders.reminder_send(reminder_id=claimed.pk, today=DUE - timedelta(days=7)) is False
    assert mail.outbox == []
    assert not ReminderSent.objects.exists()


# --- Sending failures -----------------------------------------------------------------------


class FailOnceBackend(locmem.EmailBackend):
    """A mail server that refuses the first `failures` sends."""

    failures = 1

    def send_messages(self, messages):
        if FailOnceBackend.failures > 0:
            FailOnceBackend.failures -= 1
            raise SMTPException("451 Máy chủ thư tạm thời không nhận thư")
        return super().send_messages(messages)


@pytest.fixture
def flaky_mail(settings):
    def fail(times: int) -> None:
        FailOnceBackend.failures = times

    settings.EMAIL_BACKEND = "tests.clusters.test_reminders.FailOnceBackend"
    fail(1)
    yield fail
    fail(0)


def _one_claim(world, offset: int = 7) -> ReminderSent:
    deadline = Deadline.objects.get(calendar="standard", kind=deadlines.REGISTRATION)
    return ReminderSent.objects.create(
        deadline=deadline, membership=membership(world, world.a_member), offset=offset
    )


def test_a_failed_send_is_not_recorded_and_a_retry_sends_it_once(mailboxes, flaky_mail):
    reminder = _one_claim(mailboxes)
    today = DUE - timedelta(days=7)
    with pytest.raises(SMTPException):
        reminders.reminder_send(reminder_id=reminder.pk, today=today)
    reminder.refresh_from_db()
    assert reminder.sent_at is None and mail.outbox == []
    assert reminders.reminder_send(reminder_id=reminder.pk, today=today) is True
    assert reminders.reminder_send(reminder_id=reminder.pk, today=today) is False
    reminder.refresh_from_db()
    assert reminder.sent_at is not None
    assert len(mail.outbox) == 1


def test_the_task_retries_after_a_failing_mail_server(mailboxes, flaky_mail):
    reminder = _one_claim(mailboxes)
    # apply() runs the task here the way a worker would, retries included.
    result = send_reminder.apply(args=[reminder.pk], throw=False)
    assert result.successful() and result.result is True
    reminder.refresh_from_db()
    assert reminder.sent_at is not None
    assert len(mail.outbox) == 1
    assert send_reminder.autoretry_for == (SMTPException, OSError, ConnectionError)
    assert send_reminder.max_retries == 5 and send_reminder.retry_backoff is True


def test_a_claim_never_sent_is_sent_by_the_next_run(mailboxes, flaky_mail, run):
    flaky_mail(100)  # down for the whole first run, retries included
    run(DUE - timedelta(days=7))
    assert mail.outbox == []
    unsent = ReminderSent.objects.filter(sent_at__isnull=True)
    assert unsent.count() == 7
    flaky_mail(0)
    sent = run(DUE - timedelta(days=6))
    assert len(sent) == 7 and not unsent.exists()
    # Sent a day late, it says what is true that day.
    (message,) = _to(sent, "thanhvien@bacgiang.gov.vn")
    assert "còn 6 ngày" in message.body
    assert run(DUE - timedelta(days=5)) == []


def test_a_fresh_claim_is_not_taken_again(mailboxes):
    reminder = _one_claim(mailboxes)
    today, now = DUE - timedelta(days=7), timezone.now()
    assert reminders.reminders_reclaim(today=today, now=now) == []
    later = now + reminders.RECLAIM_AFTER + timedelta(minutes=1)
    assert reminders.reminders_reclaim(today=today, now=later) == [reminder.pk]
    # Taken again, it is fresh again: a second worker at the same moment gets nothing.
    assert reminders.reminders_reclaim(today=today, now=later) == []


def test_of_two_workers_that_found_a_claim_stale_only_one_takes_it(mailboxes):
    reminder = _one_claim(mailboxes)
    later = timezone.now() + reminders.RECLAIM_AFTER + timedelta(minutes=1)
    # Both listed it as stale; their UPDATEs come one after the other.
    assert reminders.reminder_reclaim(reminder_id=reminder.pk, now=later)
    assert not reminders.reminder_reclaim(reminder_id=reminder.pk, now=later)


def test_a_failed_claim_is_left_to_the_next_offset_after_two_days(mailboxes):
    _one_claim(mailboxes, offset=14)
    later = timezone.now() + timedelta(days=5)
    today = DUE - timedelta(days=14 - 3)
    assert reminders.reminders_reclaim(today=today, now=later) == []


# --- Two workers at once ----------------------------------------------------------------------


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_claims_send_one_email(mailboxes):
    member = membership(mailboxes, mailboxes.a_member)
    deadline = Deadline.objects.get(calendar="standard", kind=deadlines.REGISTRATION)
    today = DUE - timedelta(days=7)
    inserted = threading.Event()
    results: dict[str, ReminderSent | None] = {}
    errors: list[BaseException] = []

    def send(pk: int) -> None:
        reminders.reminder_send(reminder_id=pk, today=today)

    def claim(name: str, first: bool) -> None:
        try:
            if not first:
                inserted.wait(5)
            with transaction.atomic():
                results[name] = reminders.reminder_claim(
                    deadline_id=deadline.pk, membership_id=member.pk, offset=7, send=send
                )
                if first:
                    inserted.set()
                    # Hold the uncommitted INSERT while the other worker tries its own.
                    time.sleep(0.5)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=claim, args=("a", True)),
        threading.Thread(target=claim, args=("b", False)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert errors == []
    assert results["a"] is not None and results["b"] is None
    assert len(mail.outbox) == 1
    assert ReminderSent.objects.get().sent_at is not None


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_daily_runs_send_each_reminder_once(mailboxes):
    today = DUE - timedelta(days=7)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def send(pk: int) -> None:
        reminders.reminder_send(reminder_id=pk, today=today)

    def job() -> None:
        try:
            start.wait(5)
            reminders.reminders_due(today=today, send=send)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=job) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert errors == []
    assert len(mail.outbox) == 7
    assert len({(*m.to, m.subject) for m in mail.outbox}) == 7
    assert ReminderSent.objects.filter(sent_at__isnull=False).count() == 7


# --- Without beat: the management command -----------------------------------------------------


def test_the_command_sends_the_days_reminders_synchronously(mailboxes, not_eager):
    # Even with a broker configured and no worker, the command sends by itself.
    out = StringIO()
    call_command("send_reminders", "--date", "2025-03-24", stdout=out)
    assert len(mail.outbox) == 7
    assert "24/03/2025: đã gửi 7 thư nhắc việc" in out.getvalue()
    assert "còn 7 ngày" in _to(mail.outbox, "thanhvien@bacgiang.gov.vn")[0].body
    call_command("send_reminders", "--date", "2025-03-24", stdout=StringIO())
    assert len(mail.outbox) == 7


def test_the_command_reports_a_failed_send_and_keeps_it_for_later(mailboxes, flaky_mail):
    flaky_mail(1)
    err = StringIO()
    call_command("send_reminders", "--date", "2025-03-24", stdout=StringIO(), stderr=err)
    assert len(mail.outbox) == 6
    assert "1 thư chưa gửi được" in err.getvalue()
    assert ReminderSent.objects.filter(sent_at__isnull=True).count() == 1


def test_the_command_defaults_to_today(mailboxes):
    with time_machine.travel(at_7am(DUE - timedelta(days=1))):
        call_command("send_reminders", stdout=StringIO())
    assert "còn 1 ngày" in _to(mail.outbox, "thanhvien@bacgiang.gov.vn")[0].body


def test_the_daily_job_is_in_the_beat_schedule():
    entry = celery_app.conf.beat_schedule["remind-due"]
    assert entry["task"] == remind_due.name == "scoring.tasks.remind_due"
    schedule = entry["schedule"]
    assert schedule.hour == {7} and schedule.minute == {0}
    assert celery_app.conf.timezone == "Asia/Ho_Chi_Minh"


def test_the_job_takes_a_day_as_iso_text(mailboxes, eager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert remind_due("2025-03-17") == 7
    assert "còn 14 ngày" in _to(mail.outbox, "thanhvien@bacgiang.gov.vn")[0].body


# --- Staff see what went out ------------------------------------------------------------------

PAGE = reverse("reminders_sent", args=[2025])


@pytest.mark.parametrize("who", ["staff", "admin"])
def test_staff_see_the_reminders_sent(client, mailboxes, run, who):
    run(DUE - timedelta(days=7))
    client.force_login(getattr(mailboxes, who))
    page = client.get(PAGE).content.decode()
    assert "UBND huyện Hiệp Hòa" in page and "Trường THPT Giáp Hải" in page
    assert "7 ngày trước hạn" in page
    assert "Đăng ký thi đua" in page


def test_other_staff_see_their_clusters_reminders_only(client, mailboxes, run):
    run(DUE - timedelta(days=7))
    client.force_login(mailboxes.other_staff)
    page = client.get(PAGE).content.decode()
    assert "Trường THPT Giáp Hải" in page and "UBND huyện Hiệp Hòa" not in page


def test_an_unsent_reminder_is_shown_as_such(client, mailboxes):
    _one_claim(mailboxes)
    client.force_login(mailboxes.staff)
    assert "Chưa gửi được" in client.get(PAGE).content.decode()


@pytest.mark.parametrize("who", ["member", "head"])
def test_units_cannot_see_the_reminders_page(client, mailboxes, who):
    client.force_login(getattr(mailboxes, who))
    assert client.get(PAGE).status_code == 403


def test_anonymous_cannot_see_the_reminders_page(client, mailboxes):
    assert client.get(PAGE).status_code == 302
