"""Reminders of the year's deadlines (R14): claim, then send.

Each day, for every deadline 14, 7 or 1 days ahead or 1 day past, each
responsible unit that has not done an item due by it (`scoring.progress`)
gets one e-mail. The row `ReminderSent(deadline, membership, offset)` is
inserted before the e-mail goes: its unique constraint lets only one of two
workers running the job at once claim it, so no reminder goes twice. A claim
whose send never succeeded (the mail server was down past the task's
retries, a worker died) is taken again by a later run, through an UPDATE that
only one worker wins.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from clusters.models import (
    AdhocRequest,
    Cluster,
    Conference,
    EmulationYear,
    Membership,
    ReminderSent,
)
from emulation.models import User
from emulation.notifications import notify, unit_users
from scoring import progress

# Days before the due date; -1 is the day after it (R14).
OFFSETS = (14, 7, 1, -1)
# A claim still unsent this long after it was made is taken to have failed.
RECLAIM_AFTER = timedelta(hours=1)
# Past this many days after its day a failed reminder is left to the next offset's.
RETRY_DAYS = 2
# A day whose run never happened (beat could not reach the broker) is caught up
# by the next run: a reminder not claimed on its day goes out the day after.
CATCH_UP_DAYS = 1

Send = Callable[[int], object]


def reminders_due(
    *, today: date, send: Send | None = None, now: datetime | None = None
) -> list[int]:
    """Claim the reminders of `today` and the failed ones still worth sending,
    and hand each claimed id to `send` once its claim is committed (without
    `send` the caller sends the returned ids itself).

    Returns the claimed ids. Queries grow with the years in play and the
    reminders claimed, not with the units that have nothing to be reminded of.
    """
    now = now or timezone.now()
    # Oldest day first, so that where two days name the same due date, today's
    # offset is the one claimed.
    offsets = {
        today - timedelta(days=late) + timedelta(days=o): o
        for late in range(CATCH_UP_DAYS, -1, -1)
        for o in OFFSETS
    }
    # A year's pledge is due on the day of the previous year's annual
    # conference (participation.pledge_due_on), which no Deadline row holds;
    # a unit's extension (#14) is reminded of against its new date.
    conferences = Conference.objects.filter(kind=Conference.Kind.ANNUAL, held_on__in=offsets)
    years = EmulationYear.objects.filter(
        Q(deadlines__due_date__in=offsets)
        | Q(extensions__due_date__in=offsets, extensions__revoked_at__isnull=True)
        | Q(year__in=[y + 1 for y in _years_of(conferences)])
    ).distinct()
    wanted: dict[tuple[int | None, int | None, int], int] = {}
    unit_of: dict[int, int] = {}
    for year in years:
        pledge_conferences = _pledge_conferences(year)
        for item in progress.outstanding(year, today):
            offset = offsets.get(item.due_date)
            if offset is None:
                continue
            if item.deadline is not None:
                key = (item.deadline.pk, None, item.membership.pk)
            else:
                conference = pledge_conferences[item.membership.cluster_id]
                key = (None, conference.pk, item.membership.pk)
            wanted[key] = offset
            unit_of[item.membership.pk] = item.membership.unit_id
    # Ad-hoc reports asked by Sở Nội vụ (#14), each addressee not yet answered.
    adhoc_wanted: dict[tuple[int, int], int] = {}
    for asked in AdhocRequest.objects.filter(due_date__in=offsets).select_related("cluster"):
        answered = set(asked.answers.values_list("membership_id", flat=True))
        addressees = Membership.objects.filter(cluster=asked.cluster_id, year=asked.year_id)
        if asked.audience == AdhocRequest.Audience.HEAD:
            addressees = addressees.filter(role=Membership.Role.HEAD)
        for membership_id, unit_id in addressees.values_list("pk", "unit_id"):
            if membership_id not in answered:
                adhoc_wanted[(asked.pk, membership_id)] = offsets[asked.due_date]
                unit_of[membership_id] = unit_id
    reachable = set(_recipients(unit_of.values()).values_list("unit_id", flat=True))
    claimed = []
    for (deadline_id, conference_id, membership_id), offset in wanted.items():
        if unit_of[membership_id] not in reachable:
            continue
        reminder = reminder_claim(
            deadline_id=deadline_id,
            conference_id=conference_id,
            membership_id=membership_id,
            offset=offset,
            send=send,
        )
        if reminder is not None:
            claimed.append(reminder.pk)
    for (adhoc_id, membership_id), offset in adhoc_wanted.items():
        if unit_of[membership_id] not in reachable:
            continue
        reminder = reminder_claim(
            deadline_id=None,
            adhoc_id=adhoc_id,
            membership_id=membership_id,
            offset=offset,
            send=send,
        )
        if reminder is not None:
            claimed.append(reminder.pk)
    return claimed + reminders_reclaim(today=today, now=now, send=send)


def _years_of(conferences) -> list[int]:
    return list(conferences.values_list("year__year", flat=True).distinct())


def _pledge_conferences(year: EmulationYear) -> dict[int, Conference]:
    """Cluster → the annual conference of the year before, where `year`'s pledge is signed."""
    found = Conference.objects.filter(year__year=year.year - 1, kind=Conference.Kind.ANNUAL)
    return {conference.cluster_id: conference for conference in found}


def reminder_claim(
    *,
    deadline_id: int | None,
    membership_id: int,
    offset: int,
    conference_id: int | None = None,
    adhoc_id: int | None = None,
    send: Send | None = None,
) -> ReminderSent | None:
    """Insert the reminder's row, or None when another run already has it. It
    is about a deadline, or about the pledge signed at a conference.

    The INSERT runs in its own transaction (a savepoint when called inside
    one): on PostgreSQL a second worker's INSERT waits on the unique index
    until the first commits, then fails.
    """
    try:
        with transaction.atomic():
            reminder = ReminderSent.objects.create(
                deadline_id=deadline_id,
                conference_id=conference_id,
                adhoc_id=adhoc_id,
                membership_id=membership_id,
                offset=offset,
            )
            _send_on_commit(send, reminder.pk)
    except IntegrityError:
        return None
    return reminder


def reminders_reclaim(*, today: date, now: datetime, send: Send | None = None) -> list[int]:
    """Take again the claims whose send never succeeded, for up to RETRY_DAYS
    after their day."""
    stale = (
        ReminderSent.objects.filter(sent_at__isnull=True, claimed_at__lt=now - RECLAIM_AFTER)
        .annotate(due=Coalesce("deadline__due_date", "conference__held_on", "adhoc__due_date"))
        .values_list("pk", "offset", "due", "reminded_on")
    )
    return [
        pk
        for pk, offset, due, reminded_on in stale
        # One sent by hand is of its own day, not of an offset (#15).
        if (today - (reminded_on or due - timedelta(days=offset))).days <= RETRY_DAYS
        and reminder_reclaim(reminder_id=pk, now=now, send=send)
    ]


def reminder_reclaim(*, reminder_id: int, now: datetime, send: Send | None = None) -> bool:
    """Take one stale claim again. Of two workers that both found it stale,
    only the one whose UPDATE still matches wins: the other sees it fresh."""
    with transaction.atomic():
        won = ReminderSent.objects.filter(
            pk=reminder_id, sent_at__isnull=True, claimed_at__lt=now - RECLAIM_AFTER
        ).update(claimed_at=now)
        if won:
            _send_on_commit(send, reminder_id)
    return bool(won)


def _send_on_commit(send: Send | None, reminder_id: int) -> None:
    # robust: one failed send must not stop the job from claiming the others.
    if send is not None:
        transaction.on_commit(lambda: send(reminder_id), robust=True)


@transaction.atomic
def reminder_send(*, reminder_id: int, today: date | None = None) -> bool:
    """Send a claimed reminder to its unit's users and mark it sent.

    The row is locked while sending, so a task delivered twice sends once. A
    failed send raises and leaves `sent_at` empty. A reminder with nothing
    left to remind of (the unit did it meanwhile) or nobody to write to is
    dropped, unsent. Returns whether an e-mail went.
    """
    today = today or timezone.localdate()
    reminder = (
        ReminderSent.objects.select_for_update(of=("self",))
        .select_related("deadline", "conference", "adhoc")
        .filter(pk=reminder_id)
        .first()
    )
    if reminder is None or reminder.sent_at is not None:
        return False
    membership = Membership.objects.select_related("unit", "cluster", "year").get(
        pk=reminder.membership_id
    )
    if reminder.adhoc_id is not None:
        return _send_adhoc(reminder, membership, today)
    pending = [
        item
        for item in progress.outstanding(
            membership.year, today, memberships=Membership.objects.filter(pk=membership.pk)
        )
        if (item.deadline.pk if item.deadline else None) == reminder.deadline_id
        and (reminder.deadline_id is not None or item.kind == progress.PLEDGE)
        and (not reminder.kind or item.kind == reminder.kind)
    ]
    recipients = list(_recipients([membership.unit_id]).values_list("email", flat=True))
    if not pending or not recipients:
        # One sent by hand stays, as the record of who reminded whom (#15);
        # its unit was told in the product already.
        if not reminder.by_hand:
            reminder.delete()
        return False
    _message(reminder.due_date, membership, pending, recipients, today).send()
    reminder.sent_at = timezone.now()
    reminder.save(update_fields=["sent_at"])
    if not reminder.by_hand:
        for item in pending:
            notify(
                recipients=unit_users([membership.unit_id]),
                text=_notice(item, today, by=None),
                link=item.url,
                email=False,
            )
    return True


def _send_adhoc(reminder: ReminderSent, membership: Membership, today: date) -> bool:
    """An ad-hoc report's reminder: dropped once the unit has sent it."""
    asked = reminder.adhoc
    recipients = list(_recipients([membership.unit_id]).values_list("email", flat=True))
    if asked.answers.filter(membership=membership).exists() or not recipients:
        reminder.delete()
        return False
    days = (asked.due_date - today).days
    context = {
        "unit": membership.unit,
        "cluster": membership.cluster,
        "year": membership.year,
        "items": [reminder.label],
        "title": reminder.label,
        "due_date": asked.due_date,
        "days": days,
        "days_text": progress.days_text(days),
        "late": days < 0,
        "late_days": -days,
        "url": f"{settings.SITE_URL.rstrip('/')}"
        + reverse("adhoc_answer", args=[membership.cluster.code, membership.year.year, asked.pk]),
    }
    subject = " ".join(render_to_string("emails/reminder_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject, render_to_string("emails/reminder.txt", context), to=recipients
    )
    message.attach_alternative(render_to_string("emails/reminder.html", context), "text/html")
    message.send()
    reminder.sent_at = timezone.now()
    reminder.save(update_fields=["sent_at"])
    return True


def _recipients(unit_ids: Iterable[int]) -> QuerySet[User]:
    return (
        User.objects.filter(unit_id__in=list(unit_ids), is_active=True)
        .exclude(email="")
        .order_by("pk")
    )


def todo_url(year: EmulationYear) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{reverse('todo')}?nam={year.year}"


def _message(
    due_date: date,
    membership: Membership,
    pending: list[progress.Item],
    recipients: list[str],
    today: date,
) -> EmailMultiAlternatives:
    due_date = pending[0].due_date  # the unit's extension's date, when it has one (#14)
    days = (due_date - today).days
    context = {
        "unit": membership.unit,
        "cluster": membership.cluster,
        "year": membership.year,
        "items": [item.label for item in pending],
        "title": "; ".join(item.label for item in pending),
        "due_date": due_date,
        "days": days,
        "days_text": progress.days_text(days),
        "late": days < 0,
        "late_days": -days,
        "url": todo_url(membership.year),
    }
    subject = " ".join(render_to_string("emails/reminder_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject, render_to_string("emails/reminder.txt", context), to=recipients
    )
    message.attach_alternative(render_to_string("emails/reminder.html", context), "text/html")
    return message


# ---------------------------------------------------------------------------
# Reminders sent by hand (#15): the head (or delegated deputy) and Sở Nội vụ
# remind a member of an item it has not done, at most once a day per item.


@dataclass(frozen=True)
class HandRow:
    """An item a member has not done yet, and when it was last reminded of it."""

    item: progress.Item
    last: ReminderSent | None
    reminded_today: bool
    days_text: str
    late: bool


def reminders_by_hand_page(
    *, cluster: Cluster, year: EmulationYear, today: date, viewer: Membership | None
) -> list[HandRow]:
    """The cluster's open items of the year but the viewer's own, by due date,
    each with its last reminder (by hand or automatic). Five queries."""
    members = Membership.objects.filter(cluster=cluster)
    if viewer is not None:
        members = members.exclude(pk=viewer.pk)
    found = progress.outstanding(year, today, memberships=members)
    sent = ReminderSent.objects.filter(
        membership__in=[item.membership.pk for item in found], sent_by__isnull=False
    ).select_related("sent_by")
    last: dict[tuple[int, str], ReminderSent] = {}
    for reminder in sent.order_by("reminded_on", "pk"):
        last[(reminder.membership_id, reminder.kind)] = reminder
    rows = []
    for item in found:
        reminder = last.get((item.membership.pk, item.kind))
        today_one = reminder is not None and reminder.reminded_on == today
        days = item.days_left(today) or 0
        rows.append(HandRow(item, reminder, today_one, progress.days_text(days), days < 0))
    return rows


ONCE_A_DAY = (
    "Đơn vị {unit} đã được nhắc việc “{item}” hôm nay ({day:%d/%m/%Y}); mỗi ngày chỉ nhắc một lần."
)


def reminder_send_by_hand(
    *, membership: Membership, kind: str, user: User, today: date | None = None
) -> ReminderSent:
    """Remind a member now of one item it has not done: an in-app
    notification to its users at once, an e-mail after commit through the
    reminders' own task. Refused (ValidationError) for an item done or not
    due, or a second time the same day."""
    today = today or timezone.localdate()
    pending = [
        item
        for item in progress.outstanding(
            membership.year, today, memberships=Membership.objects.filter(pk=membership.pk)
        )
        if item.kind == kind
    ]
    if not pending:
        raise ValidationError("Đơn vị đã làm việc này, hoặc việc này chưa có hạn; không cần nhắc.")
    item = pending[0]
    if item.deadline is not None:
        where = {"deadline": item.deadline}
    else:
        where = {"conference": _pledge_conferences(membership.year)[membership.cluster_id]}
    try:
        with transaction.atomic():
            reminder = ReminderSent.objects.create(
                **where,
                membership=membership,
                kind=kind,
                reminded_on=today,
                sent_by=user,
                claimed_at=timezone.now(),
            )
    except IntegrityError:
        raise ValidationError(
            ONCE_A_DAY.format(unit=membership.unit.name, item=item.label, day=today)
        ) from None
    notify(
        recipients=unit_users([membership.unit_id]),
        text=_notice(item, today, by=user),
        link=item.url,
        email=False,  # the reminder's own e-mail goes below
    )
    transaction.on_commit(lambda: _enqueue(reminder.pk), robust=True)
    return reminder


def _enqueue(reminder_id: int) -> None:
    from scoring.tasks import send_reminder  # the tasks call this module

    send_reminder.delay(reminder_id)


def _notice(item: progress.Item, today: date, *, by: User | None) -> str:
    days = item.days_left(today)
    when = f"hạn {item.due_date:%d/%m/%Y}, {progress.days_text(days)}" if days is not None else ""
    who = f" ({by.get_full_name() or by.username})" if by is not None else ""
    return f"Nhắc việc{who}: {item.label}, {item.membership.cluster.name} – {when}."
