"""A reminder task through the real Redis broker to a Celery worker (R14).

Runs in CI, where REDIS_URL is set and the database is PostgreSQL: the
worker is a separate process that must see the rows this test commits.
"""

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote
from uuid import uuid4

import pytest
from django.conf import settings
from django.core.mail.backends import filebased

from tests.marks import needs_postgres, needs_redis

ROOT = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 30

pytestmark = [needs_redis, needs_postgres]


class DirectoryBackend(filebased.EmailBackend):
    """The file backend, writing where the test tells the worker through the environment."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("file_path", os.environ["REMINDER_MAIL_DIR"])
        super().__init__(*args, **kwargs)


def _database_url() -> str:
    """The test database (test_<name>) as a DATABASE_URL for the worker."""
    db = settings.DATABASES["default"]
    auth = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "localhost"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{auth}@{host}{port}/{quote(db['NAME'], safe='')}"


@pytest.mark.django_db(transaction=True)
def test_a_reminder_goes_through_redis_to_a_worker(world, tmp_path):
    from clusters import deadlines
    from clusters.models import Deadline, Membership, ReminderSent
    from clusters.services import year_create
    from emulation.celery import app as celery_app
    from scoring.tasks import send_reminder

    world.member.email = "thanhvien@hiephoa.gov.vn"
    world.member.save()
    year_create(year=2025)
    deadline = Deadline.objects.get(calendar="standard", kind=deadlines.REGISTRATION)
    reminder = ReminderSent.objects.create(
        deadline=deadline,
        membership=Membership.objects.get(unit=world.a_member, year=world.year),
        offset=7,
    )
    queue = f"test-reminders-{uuid4().hex}"
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "EMAIL_BACKEND": f"{__name__}.DirectoryBackend",
        "REMINDER_MAIL_DIR": str(mail_dir),
    }
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "emulation", "worker"),
            *("--pool=solo", "--concurrency=1", "-Q", queue, "--loglevel=INFO"),
            *("--without-gossip", "--without-mingle", "--without-heartbeat"),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        day = (deadline.due_date - timedelta(days=7)).isoformat()
        send_reminder.apply_async(args=[reminder.pk, day], queue=queue)
        deadline_at = time.monotonic() + WAIT_SECONDS
        while not any(mail_dir.iterdir()) and time.monotonic() < deadline_at:
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()
            time.sleep(0.2)
        files = list(mail_dir.iterdir())
        assert files, "no e-mail within 30 s:\n" + (tmp_path / "worker.log").read_text()
        # The worker marks the reminder sent right after the file is written.
        while time.monotonic() < deadline_at:
            reminder.refresh_from_db()
            if reminder.sent_at is not None:
                break
            time.sleep(0.2)
    finally:
        celery_app.conf.task_always_eager = eager
        worker.terminate()
        try:
            worker.wait(10)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        log.close()
    text = files[0].read_text()
    assert "thanhvien@hiephoa.gov.vn" in text
    assert "còn 7 ngày" in text or "c=C3=B2n 7 ng=C3=A0y" in text
    assert reminder.sent_at is not None
