"""The deadline peak: 300 member units saving their self-scores at once.

Builds a fresh PostgreSQL database (20 clusters × 15 units on the group-A
scorecard of bench/province.py, 56 leaves each, about half of the scores
already entered so that first saves and saves over a revision both happen),
one user per unit, and serves the app with gunicorn (DEBUG=false) as the
Dockerfile does on 2 cores: 2 sync workers.

Clients: a pool of processes, each running one thread per user session with
its own cookie jar (stdlib http.client, a new connection per request). Every
user logs in through /dang-nhap/ (the login page's CSRF token, then the
credentials: a full hash of the default password hasher each, so a few at a
time) and opens its sheet, which gives the rows' revisions. Once all are in,
for `--duration` seconds each saves rows of its own sheet as the page does: an
htmx POST of one row's figures (valid for the row's method) with the revision
the row holds, the next revision read back from the answer.

Think time: after each answer the user waits uniform(2, 8) s (mean 5 s). The
sheet saves a row on every change of an input, and at the deadline people
copy in figures they have already gathered (a quantitative row is two inputs,
two saves), so one save every few seconds is a busy person; 300 of them offer
about 60 saves/s. The first save comes at a random moment of a first think
time, so the peak starts spread rather than as one burst.

Afterwards every unit's stored figures are compared with the last figures it
saved for each criterion; an acknowledged save that is not there is "lost".
The CPU the server side spent per save is printed too: on a machine others
are loading, it says what two idle cores would carry.

    make peak [USERS=600]   (or: .venv/bin/python bench/peak.py [--users N] [--duration S]
                 [--think MIN MAX] [--workers N] [--threads N]
                 [--worker-class sync|gthread] [--keep])

`--users N` is N units (and users) in clusters of `--units` (15): 300 by
default, 600 for the whole province (#17).

Targets on a 2-core machine: 95th percentile of a save < 150 ms, no errors,
nothing lost. The exit status is 0 only if all three hold.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import math
import multiprocessing
import os
import queue
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DATABASE_URL = "postgres://postgres@127.0.0.1:5432/thidua_peak"
PASSWORD = "Dinh-diem-2025"  # every bench user's; hashed once with the default hasher
TARGET_P95_MS = 150.0  # #17: the whole province (600 users) at the deadline
THINK = (2.0, 8.0)
FIGURES = ("plan", "actual", "points", "value")
TOKEN_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
REVISION_RE = re.compile(r'name="r(\d+)-revision" value="(\d*)"')
SAVED_MARK = "Đã lưu."


# ---------------------------------------------------------------------------
# What each client session is given (plain, picklable data)


@dataclass(frozen=True)
class Leaf:
    id: int
    code: str
    method: str
    points: Decimal
    direction: str


@dataclass(frozen=True)
class Member:
    username: str
    leaves: tuple[Leaf, ...]


@dataclass(frozen=True)
class Load:
    base_url: str
    year: int
    password: str
    duration: float
    think: tuple[float, float] = THINK
    timeout: float = 60.0
    seed: int = 2025


# ---------------------------------------------------------------------------
# The dataset and the users (run where Django is set up)


def province_document(clusters: int, units: int, *, scored: float = 0.5, seed: int = 2025):
    """bench/province.py's province with only a share of its scores kept (the
    rest are first saves during the peak)."""
    from bench.province import province

    document = province(clusters, units, seed=seed)
    rng = random.Random(seed)
    document["scores"] = [s for s in document["scores"] if rng.random() < scored]
    return document


def prepare(document: dict, *, password: str = PASSWORD) -> list[Member]:
    """Import the document and create one member user per unit (bulk, one hash)."""
    from django.contrib.auth.hashers import make_password

    from clusters.models import Membership
    from emulation.models import User
    from scoring.dataset import dataset_import
    from scoring.models import Criterion, Scorecard

    dataset_import(document=document, replace=False)
    memberships = list(
        Membership.objects.filter(year__year=document["year"]).select_related("unit")
    )
    encoded = make_password(password)  # the default hasher: a real login costs one hash
    User.objects.bulk_create(
        [User(username=m.unit.code.lower(), unit=m.unit, password=encoded) for m in memberships]
    )
    leaves: dict[int, list[Leaf]] = {}
    criteria = Criterion.objects.filter(
        is_leaf=True,
        scorecard__year__year=document["year"],
        scorecard__status=Scorecard.Status.ISSUED,
    ).select_related("scorecard")
    for c in criteria.order_by("order"):
        leaves.setdefault(c.scorecard.cluster_id, []).append(
            Leaf(c.pk, c.code, c.method, Decimal(c.points), c.direction)
        )
    return [
        Member(m.unit.code.lower(), tuple(leaves[m.cluster_id]))
        for m in sorted(memberships, key=lambda m: m.unit.code)
    ]


def verify(members: list[Member], saved: dict) -> tuple[int, list[str]]:
    """Compare the stored own figures with the last ones each unit saved.

    `saved` maps (username, leaf id) to the accepted figures, or to a list of
    candidates when the last save's outcome is unknown (an exception).
    Returns (rows checked, descriptions of the rows lost).
    """
    from scoring.models import Score

    usernames = {m.username for m in members}
    stored = {
        (username, criterion): dict(zip(FIGURES, figures, strict=True))
        for username, criterion, *figures in Score.objects.filter(
            membership__unit__users__username__in=usernames,
            criterion_id__in={leaf.id for m in members for leaf in m.leaves},
        ).values_list("membership__unit__users__username", "criterion_id", *FIGURES)
    }
    lost = []
    for key, expected in sorted(saved.items()):
        candidates = expected if isinstance(expected, list) else [expected]
        row = stored.get(key)
        if None in candidates:  # an unknown outcome over figures saved before the run
            continue
        if row is None or not any(_same(row, c) for c in candidates):
            lost.append(f"{key[0]} tiêu chí #{key[1]}: lưu {candidates[-1]}, còn {row}")
    return len(saved), lost


def _same(row: dict, figures: dict) -> bool:
    return all(
        row[name] == (Decimal(figures[name]) if name in figures else None) for name in FIGURES
    )


# ---------------------------------------------------------------------------
# The client: one cookie jar per user, a fresh connection per request


class HTTPError(Exception):
    pass


class Session:
    def __init__(self, base_url: str, timeout: float) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port or 80
        self.prefix = parts.path.rstrip("/")
        self.timeout = timeout
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, data=None, headers=None) -> tuple[int, str]:
        """(status, body); keep-alive is left out so that a think time longer
        than the server's keep-alive never meets a closed connection."""
        head = {"Connection": "close", **(headers or {})}
        if self.cookies:
            head["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data).encode()
            head["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            connection.request(method, self.prefix + path, body=body, headers=head)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            for header in response.headers.get_all("Set-Cookie") or []:
                self._keep(header)
            return response.status, text
        finally:
            connection.close()

    def _keep(self, header: str) -> None:
        cookie: SimpleCookie = SimpleCookie()
        cookie.load(header)
        for name, morsel in cookie.items():
            if morsel.value == "" or morsel["max-age"] == "0":
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value


def login(session: Session, username: str, password: str) -> None:
    status, text = session.request("GET", "/dang-nhap/")
    token = TOKEN_RE.search(text)
    if status != 200 or token is None:
        raise HTTPError(f"trang đăng nhập: {status}")
    status, text = session.request(
        "POST",
        "/dang-nhap/",
        {"csrfmiddlewaretoken": token.group(1), "username": username, "password": password},
    )
    if status != 302 or "sessionid" not in session.cookies:
        raise HTTPError(f"đăng nhập {username}: {status}")


def open_sheet(session: Session, year: int) -> tuple[str, dict[int, int | None]]:
    """The sheet's CSRF token and each row's revision, as the page holds them."""
    status, text = session.request("GET", f"/cham-diem/{year}/")
    token = TOKEN_RE.search(text)
    if status != 200 or token is None:
        raise HTTPError(f"phiếu tự chấm: {status}")
    revisions = {int(pk): int(rev) if rev else None for pk, rev in REVISION_RE.findall(text)}
    return token.group(1), revisions


def figures_for(leaf: Leaf, rng: random.Random) -> dict[str, str]:
    """Valid figures for the leaf's method, typed as people type them (a
    decimal comma now and then)."""
    if leaf.method == "quantitative":
        if leaf.direction == "lower":
            figures = {"plan": str(rng.randint(5, 30)), "actual": str(rng.randint(0, 40))}
        else:
            figures = {"plan": str(rng.randint(50, 500)), "actual": f"{rng.uniform(0, 600):.2f}"}
    elif leaf.method == "qualitative":
        quarters = int(leaf.points * 4)
        figures = {"points": str(Decimal(rng.randint(0, quarters)) / 4)}
    else:
        figures = {"value": str(rng.randint(0, 15))}
    return figures


def _typed(value: str, rng: random.Random) -> str:
    return value.replace(".", ",") if rng.random() < 0.5 else value


@dataclass
class Tally:
    """What one client process measured."""

    logins: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    samples: list[str] = field(default_factory=list)
    saved: dict = field(default_factory=dict)
    sessions: int = 0
    cpu: float = 0.0  # seconds of this process's CPU during the save phase

    def error(self, kind: str, detail: str) -> None:
        self.errors[kind] += 1
        if len(self.samples) < 10:
            self.samples.append(f"{kind}: {detail}")


class Person:
    """One person: logs in, opens the sheet, then saves rows until the end."""

    def __init__(self, member: Member, load: Load, tally: Tally, lock: threading.Lock) -> None:
        self.member, self.load, self.tally, self.lock = member, load, tally, lock
        self.session = Session(load.base_url, load.timeout)
        self.rng = random.Random(f"{load.seed}-{member.username}")
        self.token = ""
        self.revisions: dict[int, int | None] = {}

    def start(self, gate: threading.Semaphore) -> bool:
        with gate:  # logins are a full password hash each: a few at a time
            started = time.perf_counter()
            try:
                login(self.session, self.member.username, self.load.password)
                self.token, self.revisions = open_sheet(self.session, self.load.year)
            except (OSError, http.client.HTTPException, HTTPError) as error:
                with self.lock:
                    self.tally.error("login", f"{self.member.username}: {error!r}")
                return False
        missing = {leaf.id for leaf in self.member.leaves} - self.revisions.keys()
        with self.lock:
            self.tally.logins.append((time.perf_counter() - started) * 1000)
            if missing:
                self.tally.error("sheet", f"{self.member.username}: thiếu dòng {sorted(missing)}")
        return not missing

    def run(self, begin: float, end: float) -> None:
        low, high = self.load.think
        pause = begin + self.rng.uniform(0, high) - time.time()
        while True:
            pause = min(pause, end - time.time())
            if pause > 0:
                time.sleep(pause)
            if time.time() >= end:
                return
            self.save(self.rng.choice(self.member.leaves))
            pause = self.rng.uniform(low, high)

    def save(self, leaf: Leaf) -> None:
        figures = figures_for(leaf, self.rng)
        revision = self.revisions[leaf.id]
        prefix = f"r{leaf.id}"
        data = {"csrfmiddlewaretoken": self.token, f"{prefix}-revision": revision or ""}
        data |= {f"{prefix}-{name}": _typed(v, self.rng) for name, v in figures.items()}
        headers = {"HX-Request": "true", "X-CSRFToken": self.token}
        path = f"/cham-diem/{self.load.year}/tieu-chi/{leaf.id}/"
        key = (self.member.username, leaf.id)
        started = time.perf_counter()
        try:
            status, text = self.session.request("POST", path, data, headers)
        except (OSError, http.client.HTTPException) as error:
            status, text = None, repr(error)
        elapsed = (time.perf_counter() - started) * 1000
        answered = dict(REVISION_RE.findall(text)).get(str(leaf.id))
        with self.lock:
            self.tally.latencies.append(elapsed)
            if status is None:
                self.tally.error("exception", f"{leaf.code}: {text}")
            elif not 200 <= status < 300:
                self.tally.error(f"http {status}", f"{leaf.code}: {text[:200]!r}")
            elif "hx-swap-oob" not in text or SAVED_MARK not in text:
                kind = "conflict" if "vừa được người khác cập nhật" in text else "refused"
                self.tally.error(kind, f"{leaf.code} {figures}: {_messages(text)}")
            elif answered != str((revision or 0) + 1):
                self.tally.error("revision", f"{leaf.code}: {revision} → {answered}")
            else:
                self.tally.saved[key] = figures
                self.revisions[leaf.id] = int(answered)
                return
            # A failed save (always an error) may or may not have been stored:
            # the check afterwards accepts what was there before or these figures.
            before = self.tally.saved.get(key)
            self.tally.saved[key] = [*(before if isinstance(before, list) else [before]), figures]
        self._reload()

    def _reload(self) -> None:
        """After a failed save, the revisions as the server has them now."""
        try:
            self.token, self.revisions = open_sheet(self.session, self.load.year)
        except (OSError, http.client.HTTPException, HTTPError) as error:
            with self.lock:
                self.tally.error("exception", f"tải lại phiếu: {error!r}")


def _messages(text: str) -> str:
    found = re.findall(r'<div class="text-danger">([^<]*)</div>', text)
    return " | ".join(found)[:300] or text[:200]


def _client_process(members, load, logins, ready, go, begin, results) -> None:
    """A pool process: one thread per user session."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops the run
    tally, lock = Tally(), threading.Lock()
    gate = threading.Semaphore(logins)
    users = [Person(m, load, tally, lock) for m in members]
    started: list[Person] = []

    def sign_in(user: Person) -> None:
        if user.start(gate):
            with lock:
                started.append(user)

    threads = [threading.Thread(target=sign_in, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ready.put(len(started))
    go.wait()
    cpu = time.process_time()
    threads = [
        threading.Thread(target=u.run, args=(begin.value, begin.value + load.duration))
        for u in started
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    tally.sessions = len(started)
    tally.cpu = time.process_time() - cpu
    results.put(tally)


@dataclass
class Report:
    users: int
    sessions: int
    login_seconds: float
    logins: list[float]
    seconds: float
    latencies: list[float]
    errors: Counter
    samples: list[str]
    saved: dict
    client_cpu: float = 0.0

    @property
    def saves(self) -> int:
        return len(self.latencies)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def percentile(self, p: float, values: list[float] | None = None) -> float:
        """Nearest-rank percentile (0 without values)."""
        ordered = sorted(self.latencies if values is None else values)
        if not ordered:
            return 0.0
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def run_load(
    members: list[Member],
    load: Load,
    *,
    processes: int = 6,
    logins: int = 1,
    on_phase: Callable[[str], None] = lambda phase: None,
) -> Report:
    """Log every member in, then run the save phase; `logins` concurrent
    logins per process (each is a full password hash on the server).
    `on_phase("start")` and `on_phase("end")` bracket the save phase."""
    context = multiprocessing.get_context("spawn")  # no fork of a threaded parent
    processes = max(1, min(processes, len(members)))
    ready, results = context.Queue(), context.Queue()
    go, begin = context.Event(), context.Value("d", 0.0)
    pool = [
        context.Process(
            target=_client_process,
            args=(members[i::processes], load, logins, ready, go, begin, results),
            daemon=True,
        )
        for i in range(processes)
    ]
    started = time.time()
    for p in pool:
        p.start()
    try:
        sessions = sum(_collect(ready, pool, limit=load.timeout * len(members)))
        login_seconds = time.time() - started
        on_phase("start")
        begin.value = time.time() + 0.2
        go.set()
        tallies = _collect(results, pool, limit=load.duration + 3 * load.timeout + 30)
        seconds = time.time() - begin.value
        on_phase("end")
    finally:
        for p in pool:
            p.join(timeout=5)
            if p.is_alive():
                p.terminate()
    report = Report(len(members), sessions, login_seconds, [], seconds, [], Counter(), [], {})
    for tally in tallies:
        report.logins += tally.logins
        report.latencies += tally.latencies
        report.errors += tally.errors
        report.samples += tally.samples
        report.saved |= tally.saved
        report.client_cpu += tally.cpu
    return report


def _collect(channel, pool, *, limit: float) -> list:
    """One message from every process, failing loudly if one of them died."""
    found, deadline = [], time.time() + limit
    while len(found) < len(pool):
        try:
            found.append(channel.get(timeout=1))
        except queue.Empty:
            if time.time() > deadline:
                raise RuntimeError("client processes did not answer in time") from None
            dead = [p for p in pool if not p.is_alive() and p.exitcode not in (0, None)]
            if dead:
                raise RuntimeError(f"client process exited with {dead[0].exitcode}") from None
    return found


def print_report(report: Report, lost: list[str], load: Load, checked: int) -> None:
    low, high = load.think
    print(
        f"users: {report.users} ({report.sessions} logged in in {report.login_seconds:.1f} s; "
        f"login+sheet p50 {report.percentile(50, report.logins):.0f} ms, "
        f"p95 {report.percentile(95, report.logins):.0f} ms)"
    )
    print(f"think time: uniform {low:g}–{high:g} s after each answer")
    print(
        f"saves: {report.saves} (started within {load.duration:g} s, "
        f"the last answered at {report.seconds:.1f} s)"
    )
    print(f"rate: {report.saves / load.duration:.1f} saves/s")
    for p in (50, 95, 99):
        print(f"p{p}: {report.percentile(p):.0f} ms")
    print(f"max: {max(report.latencies, default=0):.0f} ms")
    detail = ", ".join(f"{k} {v}" for k, v in sorted(report.errors.items()))
    print(f"errors: {report.error_count}" + (f" ({detail})" if detail else ""))
    for sample in report.samples[:10]:
        print(f"  {sample}")
    print(f"lost: {len(lost)} (of {checked} rows saved)")
    for line in lost[:10]:
        print(f"  {line}")
    target = report.percentile(95) < TARGET_P95_MS
    print(
        f"target p95 < {TARGET_P95_MS:g} ms: {'đạt' if target else 'KHÔNG ĐẠT'}; "
        f"no errors: {'đạt' if not report.error_count else 'KHÔNG ĐẠT'}; "
        f"none lost: {'đạt' if not lost else 'KHÔNG ĐẠT'}"
    )


def print_cpu(report: Report, used: dict[str, float]) -> None:
    """CPU per save on each side, and the most saves/s two cores carry at that cost."""
    if not report.saves:
        return
    per_save = {side: seconds * 1000 / report.saves for side, seconds in used.items()}
    kernel = per_save.pop("kernel", 0.0)
    per_save["clients"] = report.client_cpu * 1000 / report.saves
    total = sum(per_save.values())
    parts = ", ".join(
        f"{side} {ms:.1f}" + (f" (kernel {kernel:.1f})" if side == "gunicorn" else "")
        for side, ms in per_save.items()
    )
    print(f"cpu per save: {total:.1f} ms ({parts})")
    print(f"at this cost 2 cores carry at most {2000 / total:.0f} saves/s")


def passed(report: Report, lost: list[str]) -> bool:
    return (
        report.saves > 0
        and report.percentile(95) < TARGET_P95_MS
        and report.error_count == 0
        and report.sessions == report.users
        and not lost
    )


# ---------------------------------------------------------------------------
# The run: database, server, load, check, clean-up


def _admin_url(url: str) -> tuple[str, str]:
    """(the maintenance database's URL, the bench database's name)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres")), parts.path.lstrip("/")


def _recreate(url: str, *, drop_only: bool = False) -> None:
    import psycopg

    admin, name = _admin_url(url)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            connection.execute(f'CREATE DATABASE "{name}"')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_up(base_url: str, server: subprocess.Popen, limit: float = 60) -> None:
    deadline = time.time() + limit
    while time.time() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        try:
            if Session(base_url, 5).request("GET", "/dang-nhap/")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer in time")


def _stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


class CpuMeter:
    """CPU seconds the server side spends in the save phase: gunicorn's
    workers and the PostgreSQL backends serving the bench database. On a
    machine others are loading too, CPU per save says more than latency.

    A worker's connection is closed after CONN_MAX_AGE and its backend exits
    in the middle of the phase, taking its CPU figure with it: the backends
    are read every `every` seconds during the phase, each counted at its last
    reading (an exiting backend's last second or less is missed)."""

    def __init__(self, server: subprocess.Popen, database_url: str, every: float = 0.5) -> None:
        self.server, self.database_url, self.every = server, database_url, every
        self.start: dict[str, dict] = {}  # by side: CPU by worker pid, or by backend
        self.seen: dict[tuple[int, str], float] = {}
        self.used: dict[str, float] = {}
        self._stop = threading.Event()
        self._follower: threading.Thread | None = None

    def __call__(self, phase: str) -> None:
        if phase != "start":
            self._stop.set()
            self._follower.join()
        backends = self._backends()
        self.seen.update(backends)
        now = {
            "gunicorn": self._workers(_cpu),
            "postgres": dict(self.seen),
            # Of gunicorn's, the kernel's part: a connection accepted, read,
            # answered and closed per request (sync workers keep none alive).
            "kernel": self._workers(_kernel_cpu),
        }
        if phase == "start":
            self.start = now
            self._follower = threading.Thread(target=self._follow, daemon=True)
            self._follower.start()
        else:
            self.used = {
                side: sum(cpu - self.start[side].get(pid, 0.0) for pid, cpu in pids.items())
                for side, pids in now.items()
            }

    def _follow(self) -> None:
        import psycopg

        with psycopg.connect(_admin_url(self.database_url)[0], autocommit=True) as connection:
            while not self._stop.wait(self.every):
                self.seen.update(self._backends(connection))

    def _workers(self, cpu: Callable[[list[str]], float]) -> dict[int, float]:
        found = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            fields = _stat_fields(stat)
            if fields and int(fields[1]) == self.server.pid:
                found[int(stat.parent.name)] = cpu(fields)
        return found

    def _backends(self, connection=None) -> dict[tuple[int, str], float]:
        """By (pid, start time): a pid the system gives again is another backend."""
        import psycopg

        admin, name = _admin_url(self.database_url)
        with contextlib.ExitStack() as stack:
            if connection is None:
                connection = stack.enter_context(psycopg.connect(admin, autocommit=True))
            pids = connection.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s", [name]
            ).fetchall()
        found = {}
        for (pid,) in pids:
            fields = _stat_fields(Path(f"/proc/{pid}/stat"))
            if fields:
                found[pid, fields[19]] = _cpu(fields)
        return found


def _stat_fields(path: Path) -> list[str] | None:
    """/proc/<pid>/stat after the command name: state, ppid, …, utime, stime."""
    try:
        return path.read_text().rpartition(")")[2].split()
    except OSError:
        return None


def _cpu(fields: list[str]) -> float:
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _kernel_cpu(fields: list[str]) -> float:
    return int(fields[12]) / os.sysconf("SC_CLK_TCK")


def _loadavg() -> str:
    try:
        return Path("/proc/loadavg").read_text().strip()
    except OSError:
        return "?"


def collect_static() -> None:
    """The manifest DEBUG=false serves static files from (the Dockerfile's step).

    The vendored Bootstrap files end with sourceMappingURL comments naming .map
    files that are not vendored, which the manifest storage refuses; the bench
    collects without rewriting those comments (the maps are never served).
    """
    from django.contrib.staticfiles.management.commands.collectstatic import Command
    from django.core.management import call_command
    from whitenoise.storage import CompressedManifestStaticFilesStorage

    class WithoutSourceMaps(CompressedManifestStaticFilesStorage):
        patterns = tuple(
            (kind, tuple(p for p in found if "sourceMappingURL" not in str(p)))
            for kind, found in CompressedManifestStaticFilesStorage.patterns
        )

    command = Command()
    command.storage = WithoutSourceMaps()
    call_command(command, interactive=False, verbosity=0)


@contextlib.contextmanager
def gunicorn(options, port: int):
    """The app under gunicorn, answering on 127.0.0.1:`port`; its log is kept
    in a temporary file and its tail printed when the run had errors."""
    base_url = f"http://127.0.0.1:{port}"
    command = [
        sys.executable, "-m", "gunicorn", "emulation.wsgi:application",
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(options.workers),
        "--threads", str(options.threads),
        "--worker-class", options.worker_class,
        "--timeout", "120",
        "--graceful-timeout", "10",
    ]  # fmt: skip
    with tempfile.TemporaryFile("w+", prefix="peak-gunicorn-") as log:
        server = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_until_up(base_url, server)
            yield base_url, log, server
        finally:
            _stop(server)


def run(options) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    collect_static()
    document = province_document(options.clusters, options.units)
    members = prepare(document)
    # The import's rows vacuumed and analysed now, as the nightly autovacuum
    # would have done long before a deadline: otherwise autovacuum runs during
    # the save phase, on the backends the CPU per save counts.
    with connections["default"].cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    connections.close_all()
    print(
        f"dataset: {options.clusters} clusters × {options.units} units, "
        f"{len(members[0].leaves)} criteria each, {len(document['scores'])} scores "
        f"pre-entered, {len(members)} users ({time.perf_counter() - started:.1f} s)",
        flush=True,
    )
    threads = f" × {options.threads} threads" if options.worker_class == "gthread" else ""
    with gunicorn(options, _free_port()) as (base_url, log, server):
        print(
            f"server: gunicorn {options.worker_class} × {options.workers} workers{threads} "
            f"on {base_url}, PostgreSQL on {urlsplit(options.database_url).hostname}",
            flush=True,
        )
        load = Load(
            base_url=base_url,
            year=document["year"],
            password=PASSWORD,
            duration=options.duration,
            think=tuple(options.think),
        )
        print(
            f"clients: {options.processes} processes, one thread per user session, "
            f"{options.duration:g} s of saves",
            flush=True,
        )
        meter = CpuMeter(server, options.database_url)
        report = run_load(members, load, processes=options.processes, on_phase=meter)
        if report.error_count:
            log.seek(0)
            print("gunicorn log (tail):\n" + log.read()[-3000:])
    checked, lost = verify(members, report.saved)
    print_report(report, lost, load, checked)
    print_cpu(report, meter.used)
    connections.close_all()
    return 0 if passed(report, lost) else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, help="member users in all (default 300)")
    parser.add_argument("--clusters", type=int, default=20)
    parser.add_argument("--units", type=int, default=15, help="units per cluster")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of saving")
    parser.add_argument("--think", type=float, nargs=2, default=THINK, metavar=("MIN", "MAX"))
    parser.add_argument("--processes", type=int, default=6, help="client processes")
    # The server as the Dockerfile and docker-compose.yml run it on 2 cores: one
    # sync worker per core (WEB_CONCURRENCY=2). Measured at this peak: gthread
    # 5 × 4 spent 36 ms of CPU per save, sync × 3 about 23, sync × 2 about 21;
    # threads of one process only take turns holding the GIL, and more processes
    # than cores only take turns on them.
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=1, help="threads per gthread worker")
    parser.add_argument("--worker-class", default="sync")
    parser.add_argument("--database-url", default=os.environ.get("PEAK_DATABASE_URL", DATABASE_URL))
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    options = parser.parse_args()
    if options.users is not None:
        options.clusters = max(1, math.ceil(options.users / options.units))

    print(f"loadavg before: {_loadavg()}", flush=True)
    os.environ.update(
        DATABASE_URL=options.database_url,
        DJANGO_SETTINGS_MODULE="emulation.settings",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        LOG_LEVEL="WARNING",
    )
    staticfiles = ROOT / "staticfiles"
    collected = not staticfiles.exists()
    _recreate(options.database_url)
    try:
        return run(options)
    finally:
        print(f"loadavg after: {_loadavg()}")
        if not options.keep:
            _recreate(options.database_url, drop_only=True)
        if collected and staticfiles.exists():
            shutil.rmtree(staticfiles)


if __name__ == "__main__":
    sys.exit(main())
