"""Celery tasks of the year's activities: they take ids and call a service."""

import logging
from datetime import date
from smtplib import SMTPException

from django.utils import timezone
from kombu.exceptions import OperationalError

from emulation.celery import app
from scoring import reminders

logger = logging.getLogger(__name__)

# What sending a task raises while the broker is away: kombu wraps the
# transport's errors in OperationalError, a bare socket error may still get out.
BROKER_ERRORS = (OperationalError, ConnectionError, OSError)


@app.task
def remind_due(today_iso: str | None = None) -> int:
    """The daily reminders (R14): claim them, and send each in its own task.
    `today_iso` runs the job as on another day (YYYY-MM-DD).

    With the broker away, a claim whose task cannot be queued keeps `sent_at`
    empty: a later run takes it again (`reminders.RECLAIM_AFTER`) and sends it
    once. After the first failure the job stops trying, so that an outage costs
    one connection timeout, not one per reminder."""
    today = date.fromisoformat(today_iso) if today_iso else timezone.localdate()
    broker_down = False

    def send(reminder_id: int) -> None:
        nonlocal broker_down
        if not broker_down:
            try:
                send_reminder.delay(reminder_id, today_iso)
                return
            except BROKER_ERRORS as error:
                broker_down = True
                logger.warning("Không kết nối được hàng đợi tác vụ (Redis): %s", error)
        logger.warning("Thư nhắc số %s chưa vào hàng đợi; lần chạy sau sẽ gửi lại.", reminder_id)

    return len(reminders.reminders_due(today=today, send=send))


@app.task(
    autoretry_for=(SMTPException, OSError, ConnectionError),
    retry_backoff=True,
    max_retries=5,
)
def send_reminder(reminder_id: int, today_iso: str | None = None) -> bool:
    today = date.fromisoformat(today_iso) if today_iso else None
    return reminders.reminder_send(reminder_id=reminder_id, today=today)
