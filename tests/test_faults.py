"""Faults (issue 7): with Redis stopped every page still answers and the daily
reminders wait, unsent, until Redis is back, then go once; a broker that
accepts but never answers does not hold the job; a database error late in an
import leaves nothing behind.

The Redis tests start a redis-server of their own on a free port, so that they
can stop it: the shared Redis of the other tests is never touched.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from io import StringIO
from pathlib import Path

import kombu.pools
import pytest
import redis
import time_machine
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clusters.models import ReminderSent
from emulation.celery import app as celery_app
from scoring.tasks import remind_due
from tests.clusters.test_reminders_redis import _database_url
from tests.marks import needs_postgres

ROOT = Path(__file__).resolve().parents[1]
BASIC = ROOT / "tests" / "data" / "01-cum-huyen-basic.json"
REDIS_SERVER = shutil.which("redis-server")
WAIT_SECONDS = 60

needs_redis_server = pytest.mark.skipif(
    REDIS_SERVER is None,
    reason="redis-server is not on PATH: the Redis fault tests stop and start one of their own "
    "(CI has it)",
)

# The standard calendar's registration is due 31/03/2025 (R5, R6): this day is 7 days before.
DAY = date(2025, 3, 24)
CLUSTER = "CUM-HUYEN"

# The main pages of each demo role (seed_demo), all of which must answer with Redis stopped
# (units see the results once published, which the demo year is not).
PAGES: dict[str, list[tuple[str, tuple]]] = {
    "sonoivu": [
        ("home", ()),
        ("todo", ()),
        ("results", (CLUSTER, 2025)),
        ("province", (2025,)),
        ("deadlines", (2025,)),
        ("reminders_sent", (2025,)),
    ],
    "truongcum": [
        ("home", ()),
        ("todo", ()),
        ("sheet", (2025,)),
        ("review", (CLUSTER, 2025)),
        ("cluster_detail", (CLUSTER, 2025)),
    ],
    "thanhvien": [
        ("home", ()),
        ("todo", ()),
        ("sheet", (2025,)),
        ("cluster_detail", (CLUSTER, 2025)),
    ],
    "admin": [("home", ()), ("province", (2025,)), ("admin:index", ())],
}


def at_7am(day: date) -> datetime:
    """07:00 in Asia/Ho_Chi_Minh, when the beat job runs."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    """A redis-server of the test's own, stopped and started again on the same port."""

    def __init__(self, log: Path) -> None:
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                [
                    *(REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1"),
                    *("--save", "", "--appendonly", "no", "--daemonize", "no"),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                assert self.process.poll() is None, self.log.read_text()
                assert time.monotonic() < deadline, "redis-server did not start:\n" + (
                    self.log.read_text()
                )
                time.sleep(0.05)
            finally:
                client.close()

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None


def _reset_broker_pools() -> None:
    """Close and forget every broker connection, so that the next task goes to
    the broker now configured (kombu keeps its pools in a global registry)."""
    kombu.pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@contextmanager
def sending_tasks_to(url: str, settings) -> Iterator[None]:
    """Tasks go to the broker at `url`, not eagerly, as in production; restored after."""
    conf = celery_app.conf
    # Read first: the app loads its configuration from Django's settings lazily.
    saved = conf.broker_url, conf.task_always_eager
    settings.CELERY_BROKER_URL = url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    conf.broker_url, conf.task_always_eager = url, False
    _reset_broker_pools()
    try:
        yield
    finally:
        _reset_broker_pools()
        conf.broker_url, conf.task_always_eager = saved


@pytest.fixture
def private_redis(tmp_path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path / "redis.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def broker(private_redis, settings) -> Iterator[PrivateRedis]:
    """The app sends its tasks to the private Redis."""
    with sending_tasks_to(private_redis.url, settings):
        yield private_redis


@pytest.fixture
def demo(db):
    """The demo province (seed_demo) made on the daily job's day, so that its
    heads have the day's reminders due: every role has a login and an e-mail address."""
    with time_machine.travel(at_7am(DAY - timedelta(days=1))):
        call_command("seed_demo", stdout=StringIO())


def _run_the_daily_job(day: date, capture) -> int:
    """The beat job's body, as the worker runs it, on `day` at 07:00."""
    with time_machine.travel(at_7am(day)), capture(execute=True):
        return remind_due(day.isoformat())


def _work_off_the_queue() -> int:
    """Run every task waiting in the broker's default queue here, as a worker
    would, each acknowledged once run. Returns how many ran."""
    done = 0
    with celery_app.connection_for_read() as broker_connection:
        queue = broker_connection.SimpleQueue(celery_app.conf.task_default_queue)
        try:
            while True:
                try:
                    message = queue.get(block=True, timeout=1)
                except queue.Empty:
                    return done
                args, kwargs, _ = message.decode()
                task = celery_app.tasks[message.headers["task"]]
                task.apply(args=args, kwargs=kwargs, throw=True)
                message.ack()
                done += 1
        finally:
            queue.close()


@needs_redis_server
def test_pages_work_with_redis_stopped(
    client, demo, broker, caplog, django_capture_on_commit_callbacks
):
    broker.stop()

    for username, pages in PAGES.items():
        client.force_login(get_user_model().objects.get(username=username))
        for name, args in pages:
            url = reverse(name, args=args)
            assert client.get(url).status_code == 200, (username, url)
    client.logout()
    assert client.get(reverse("login")).status_code == 200

    # The daily job: it claims the day's reminders and queues none, without
    # raising and without waiting long on the missing broker.
    started = time.monotonic()
    claimed = _run_the_daily_job(DAY, django_capture_on_commit_callbacks)
    assert time.monotonic() - started < 10
    assert claimed > 0
    unsent = ReminderSent.objects.filter(sent_at__isnull=True)
    assert unsent.count() == ReminderSent.objects.count() == claimed
    assert mail.outbox == []
    assert "Không kết nối được hàng đợi tác vụ (Redis)" in caplog.text
    assert caplog.text.count("chưa vào hàng đợi; lần chạy sau sẽ gửi lại") == claimed

    # Redis is back, empty. The next day's run takes the unsent claims again
    # and queues each once; a worker sends them.
    broker.start()
    assert _run_the_daily_job(DAY + timedelta(days=1), django_capture_on_commit_callbacks) == (
        claimed
    )
    assert _work_off_the_queue() == claimed
    assert len(mail.outbox) == claimed
    assert len({(*m.to, m.subject) for m in mail.outbox}) == claimed
    assert not unsent.exists()
    assert "còn 6 ngày" in mail.outbox[0].body  # sent a day late, it says so

    # Nothing goes twice: a later run finds nothing to send.
    assert _run_the_daily_job(DAY + timedelta(days=1), django_capture_on_commit_callbacks) == 0
    assert _work_off_the_queue() == 0
    assert len(mail.outbox) == claimed


def test_a_broker_that_never_answers_does_not_hold_the_job(
    demo, settings, caplog, django_capture_on_commit_callbacks
):
    """A Redis that accepts connections but never replies (a hung server, a
    half-open firewall): the job gives up after the socket timeout."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)  # never accepted, never answered
        url = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        with sending_tasks_to(url, settings):
            started = time.monotonic()
            claimed = _run_the_daily_job(DAY, django_capture_on_commit_callbacks)
            elapsed = time.monotonic() - started
    assert claimed > 0
    # socket_timeout (5 s) once: the job stops trying after the first failure.
    assert elapsed < 15
    assert ReminderSent.objects.filter(sent_at__isnull=True).count() == claimed
    assert mail.outbox == []
    assert "Không kết nối được hàng đợi tác vụ (Redis)" in caplog.text


def _mail_count(mail_dir: Path) -> int:
    return sum(path.read_text().count("\nMessage-ID: ") for path in mail_dir.iterdir())


def _wait_for(condition, seconds: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"{what} within {seconds} s:\n{log.read_text()}"
        time.sleep(0.2)


def _start_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("w") as out:
        return subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "emulation", "worker"),
                *("--pool=solo", "--concurrency=1", "--loglevel=INFO"),
                *("--without-gossip", "--without-mingle", "--without-heartbeat"),
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _stop(worker: subprocess.Popen) -> None:
    worker.terminate()
    try:
        worker.wait(10)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


@needs_redis_server
@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_sends_the_reminders_once_redis_is_back(demo, broker, settings, tmp_path, caplog):
    """End to end on PostgreSQL: a real worker outlives the outage, reconnects
    to Redis and sends each reminder once."""
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": broker.url,
        "EMAIL_BACKEND": "tests.clusters.test_reminders_redis.DirectoryBackend",
        "REMINDER_MAIL_DIR": str(mail_dir),
    }
    unsent = ReminderSent.objects.filter(sent_at__isnull=True)
    # The private Redis is the test's own: the worker takes the default queue.
    worker = _start_worker(env, log)
    try:
        _wait_for(lambda: "ready." in log.read_text(), WAIT_SECONDS, "no worker ready", log)

        broker.stop()
        with time_machine.travel(at_7am(DAY)):
            claimed = remind_due(DAY.isoformat())
        assert claimed > 0
        assert unsent.count() == claimed
        assert "Không kết nối được hàng đợi tác vụ (Redis)" in caplog.text
        time.sleep(1)
        assert worker.poll() is None, log.read_text()  # it waits for Redis

        broker.start()
        next_day = DAY + timedelta(days=1)
        with time_machine.travel(at_7am(next_day)):
            assert remind_due(next_day.isoformat()) == claimed
        _wait_for(lambda: not unsent.exists(), WAIT_SECONDS, "reminders not all sent", log)
        with time_machine.travel(at_7am(next_day) + timedelta(hours=2)):
            assert remind_due(next_day.isoformat()) == 0
        time.sleep(1)  # anything queued twice would be sent by now
    finally:
        _stop(worker)
    assert _mail_count(mail_dir) == claimed


# ---------------------------------------------------------------------------
# A database error late in an import


def _counts() -> dict[str, int]:
    """Rows of every table of the project, history and accounts included."""
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def _refuse_inserts(table: str) -> tuple[str, str]:
    """SQL that makes the database itself refuse new rows of `table` with an
    integrity error, and the SQL that undoes it."""
    name = "thidua_fault_refused"
    if connection.vendor == "postgresql":
        # NOT VALID: the rows already there are not checked, new ones are.
        return (
            f'ALTER TABLE "{table}" ADD CONSTRAINT {name} CHECK (false) NOT VALID',
            f'ALTER TABLE "{table}" DROP CONSTRAINT IF EXISTS {name}',
        )
    return (
        f'CREATE TRIGGER {name} BEFORE INSERT ON "{table}" '
        f"BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: {name}'); END",
        f"DROP TRIGGER IF EXISTS {name}",
    )


@pytest.mark.django_db(transaction=True)
def test_an_integrity_error_late_in_an_import_leaves_nothing():
    """The database, not a stub, refuses the import's last statement: the
    participation history, written after every row of the year. The import's
    own transaction is the outermost one, as when the command runs alone."""
    from clusters.models import Participation

    history = Participation.history.model._meta.db_table
    refuse, allow = _refuse_inserts(history)
    before = _counts()
    with connection.cursor() as cursor:
        cursor.execute(refuse)
    try:
        with (
            CaptureQueriesContext(connection) as queries,
            pytest.raises(CommandError, match=r"Lỗi cơ sở dữ liệu.*không có gì được lưu") as error,
        ):
            call_command("import_dataset", str(BASIC), stdout=StringIO())
    finally:
        with connection.cursor() as cursor:
            cursor.execute(allow)

    # The database's own error, with its own message.
    assert isinstance(error.value.__context__, IntegrityError)
    assert "thidua_fault_refused" in str(error.value)
    statements = [q["sql"] for q in queries.captured_queries]
    # The refused statement is the last one into the history table (an empty one
    # records the deletions of a replaced year first).
    failed = max(i for i, sql in enumerate(statements) if f'INSERT INTO "{history}"' in sql)
    # Everything else of the year was written before the refused statement.
    for table in (
        "clusters_membership",
        "scoring_score",
        "awards_quota",
        "scoring_historicalscore",
    ):
        assert any(f'INSERT INTO "{table}"' in sql for sql in statements[:failed]), table
    assert _counts() == before

    # The connection is sound and the same file imports once the database accepts it.
    call_command("import_dataset", str(BASIC), stdout=StringIO())
    assert Participation.objects.filter(membership__year__year=2025).exists()
