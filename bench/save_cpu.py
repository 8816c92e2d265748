"""CPU of one save on the sheet, in one process, without the load (#17).

The deadline peak (bench/peak.py) measures a save under gunicorn with 300 or
600 people; this measures what one save costs and where the time goes: one
cluster of bench/peak.py's province (56 leaves a unit), its units logged in
through the login page, then `--saves` htmx POSTs of one row's figures as the
sheet sends them (form-encoded), through Django's test client (the whole
middleware stack, CSRF enforced, DEBUG off). Printed: the Django process's CPU per save, the
database backend's (PostgreSQL: its process's CPU), the queries per save, and
with `--profile` the functions that cost most.

    .venv/bin/python bench/save_cpu.py [--database-url URL] [--saves N] [--rounds R] [--profile]

Without `--database-url` a fresh SQLite file in a temporary folder; with a
PostgreSQL URL, that database is dropped and created again (and dropped after).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import peak  # noqa: E402


def _backend_cpu(connection) -> float:
    """The PostgreSQL backend's CPU seconds (0 on SQLite: it runs in this process)."""
    if connection.vendor != "postgresql":
        return 0.0
    pid = connection.connection.info.backend_pid
    fields = peak._stat_fields(Path(f"/proc/{pid}/stat"))
    return peak._cpu(fields) if fields else 0.0


def _create(url: str, *, template: str | None) -> None:
    import psycopg

    admin, name = peak._admin_url(url)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        copy = f' TEMPLATE "{template}"' if template else ""
        connection.execute(f'CREATE DATABASE "{name}"{copy}')


def measure(
    saves: int,
    profile: bool,
    units: int,
    stats_file: str | None,
    migrated: bool,
    rounds: int = 1,
) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    started = time.perf_counter()
    if not migrated:
        call_command("migrate", verbosity=0)
    peak.collect_static()
    print(f"migrated in {time.perf_counter() - started:.1f} s", flush=True)
    document = peak.province_document(1, units)
    members = peak.prepare(document)
    print(f"prepared in {time.perf_counter() - started:.1f} s", flush=True)
    year = document["year"]
    rng = random.Random(17)
    people = []
    for member in members:
        client = Client(enforce_csrf_checks=True)
        page = client.get("/dang-nhap/").content.decode()
        token = peak.TOKEN_RE.search(page).group(1)
        answer = client.post(
            "/dang-nhap/",
            {"csrfmiddlewaretoken": token, "username": member.username, "password": peak.PASSWORD},
        )
        assert answer.status_code == 302, answer.status_code
        sheet = client.get(f"/cham-diem/{year}/").content.decode()
        token = peak.TOKEN_RE.search(sheet).group(1)
        revisions = {int(pk): int(r) if r else None for pk, r in peak.REVISION_RE.findall(sheet)}
        people.append((client, member, token, revisions))

    def save(client, member, token, revisions) -> None:
        leaf = rng.choice(member.leaves)
        prefix = f"r{leaf.id}"
        data = {
            f"{prefix}-{k}": peak._typed(v, rng) for k, v in peak.figures_for(leaf, rng).items()
        }
        data |= {"csrfmiddlewaretoken": token, f"{prefix}-revision": revisions[leaf.id] or ""}
        # Form-encoded, as htmx and bench/peak.py send it (the test client's
        # default multipart costs more to parse).
        answer = client.post(
            f"/cham-diem/{year}/tieu-chi/{leaf.id}/",
            urlencode(data),
            content_type="application/x-www-form-urlencoded",
            headers={"HX-Request": "true", "X-CSRFToken": token},
        )
        text = answer.content.decode()
        assert answer.status_code == 200 and peak.SAVED_MARK in text, text[:500]
        revisions[leaf.id] = int(dict(peak.REVISION_RE.findall(text))[str(leaf.id)])

    print(f"logged in in {time.perf_counter() - started:.1f} s", flush=True)
    for person in people:  # warm: templates, the frozen criteria, the connection
        save(*person)
    with CaptureQueriesContext(connection) as queries:
        save(*people[0])
    print(f"queries per save: {len(queries)}")
    for query in queries:
        print(f"  {query['sql'][:160]}")

    profiler = cProfile.Profile(time.process_time) if profile else None
    if profiler:
        profiler.enable()
    per_round = []
    for _ in range(rounds):
        backend, cpu, wall = _backend_cpu(connection), time.process_time(), time.perf_counter()
        for i in range(saves):
            save(*people[i % len(people)])
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        backend = _backend_cpu(connection) - backend
        per_round.append(cpu * 1000 / saves)
        print(
            f"{saves} saves on {connection.vendor}: django {cpu * 1000 / saves:.2f} ms CPU per "
            f"save, database backend {backend * 1000 / saves:.2f} ms, wall "
            f"{wall * 1000 / saves:.2f} ms",
            flush=True,
        )
    if profiler:
        profiler.disable()
    if rounds > 1:
        # The least is the save's own cost: others' load on the machine only adds.
        print(
            f"django CPU per save over {rounds} rounds: least {min(per_round):.2f} ms, "
            f"median {statistics.median(per_round):.2f} ms"
        )
    if profiler:
        if stats_file:
            profiler.dump_stats(stats_file)
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--saves", type=int, default=500)
    parser.add_argument("--units", type=int, default=15)
    parser.add_argument(
        "--rounds", type=int, default=1, help="measure --saves this many times; print the least"
    )
    parser.add_argument("--profile", action="store_true", help="print the costliest functions")
    parser.add_argument("--stats", help="with the profile, write its pstats to this file")
    parser.add_argument(
        "--migrated",
        help="start from a copy of this migrated database (an SQLite file, or a PostgreSQL "
        "database's name used as the template): migrating takes minutes on a loaded machine",
    )
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="save-cpu-") as folder:
        url = options.database_url or f"sqlite:///{folder}/save.sqlite3"
        os.environ.update(
            DATABASE_URL=url,
            DJANGO_SETTINGS_MODULE="emulation.settings",
            DEBUG="false",
            SECRET_KEY=secrets.token_urlsafe(50),
            ALLOWED_HOSTS="testserver",
            SECURE_SSL_REDIRECT="false",
            LOG_LEVEL="WARNING",
        )
        os.environ.pop("REDIS_URL", None)
        postgres = url.startswith("postgres")
        staticfiles = ROOT / "staticfiles"
        collected = not staticfiles.exists()
        if postgres:
            _create(url, template=options.migrated)
        elif options.migrated:
            shutil.copyfile(options.migrated, url.removeprefix("sqlite:///"))
        try:
            measure(
                options.saves,
                options.profile or bool(options.stats),
                options.units,
                options.stats,
                bool(options.migrated),
                options.rounds,
            )
        finally:
            if postgres:
                from django.db import connections

                connections.close_all()
                peak._recreate(url, drop_only=True)
            if collected and staticfiles.exists():
                shutil.rmtree(staticfiles)
    return 0


if __name__ == "__main__":
    sys.exit(main())
