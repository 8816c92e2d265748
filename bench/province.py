"""Province-scale timings beside their targets (#17).

Builds a year of 40 clusters × 15 units on a group-A scorecard shaped like the
demo's (example 01: 56 leaf criteria, so 33,600 scores), writes it as a
`thidua-dataset/1` file, and in a fresh SQLite database measures, best of
`--repeat` runs each, as the server runs (DEBUG off):

- plain: the exact computation of the whole year in plain Python (the file
  read, the engine and the allocation over its figures, no database): the
  yardstick;
- import: `manage.py import_dataset`, the whole command;
- export: `manage.py export_results`, the whole command;
- check: `manage.py check`, Django's start-up alone;
- page and xlsx: the province page `/tinh/<năm>/` and its workbook, server time
  in the process (the first request of a state computes, the next read the
  results cache; both are printed, the target is the cached one).

Each figure is the CPU time spent (the command's process, or this process
for plain, page and xlsx), which on idle cores is the wall time of these
single-threaded runs less their disk waits; the wall time is printed beside
it. Each is printed beside its target and its ratio to `plain` measured in
the same run: on a machine others are loading, the ratios say more than the
seconds. The exit status is 1 when a target is missed; `--relative` judges
the ratios instead, against the targets' ratios to the 0.6 s the plain
computation takes on the reference machine (2 idle cores).

    make bench        (or: .venv/bin/python bench/province.py [--clusters N] [--units N]
                       [--repeat N] [--relative])
"""

import argparse
import json
import os
import random
import resource
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "clusters" / "demo_data" / "01-cum-huyen-basic.json"
YEAR = 2025
# Seconds on the reference machine, where the plain computation takes REFERENCE.
TARGETS = {"import": 2.0, "export": 1.0, "check": 0.4, "page": 0.150, "xlsx": 0.300}
REFERENCE = 0.6
# The server's environment (DEBUG off), with what a bench needs to run it locally.
SERVER_ENV = {
    "DJANGO_SETTINGS_MODULE": "emulation.settings",
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "testserver,127.0.0.1",
    "SECURE_SSL_REDIRECT": "false",
    "LOG_LEVEL": "WARNING",
}


def province(clusters: int, units: int, seed: int = 2025) -> dict:
    """A valid dataset: every unit scored on every criterion, a few bonuses,
    deductions, flags and an absent pledge, quotas 1/2/3 per cluster."""
    rng = random.Random(seed)
    template = json.loads(TEMPLATE.read_text(encoding="utf-8"))
    criteria = template["clusters"][0]["criteria"]
    document: dict = {
        "format": "thidua-dataset/1",
        "year": YEAR,
        "authorities": [{"code": "SNV", "name": "Sở Nội vụ tỉnh Bắc Giang"}],
        "units": [],
        "clusters": [],
        "scores": [],
        "bonuses": [],
        "deductions": [],
        "participation": [],
        "flags": [],
        "votes": [],
    }
    for k in range(1, clusters + 1):
        members = []
        for j in range(1, units + 1):
            code = f"C{k:02d}-U{j:02d}"
            role = "head" if j == 1 else "deputy" if j == 2 else "member"
            document["units"].append(
                {"code": code, "name": f"Đơn vị {j} của cụm {k}", "kind": "commune"}
            )
            members.append({"unit": code, "role": role})
            document["scores"].extend(_scores(rng, code, criteria))
            if rng.random() < 0.3:
                document["bonuses"].append({"unit": code, "kind": "reporting", "points": 5})
            if rng.random() < 0.1:
                document["deductions"].append(
                    {"unit": code, "kind": "member_duty", "count": 1, "reason": "Vắng hội nghị"}
                )
            if rng.random() < 0.02:
                document["flags"].append({"unit": code, "kind": "defer", "reason": "under_review"})
            if rng.random() < 0.02:
                document["participation"].append({"unit": code, "pledge_signed": False})
        document["clusters"].append(
            {
                "code": f"CUM-{k:02d}",
                "name": f"Cụm thi đua số {k}",
                "kind": "cum",
                "group": "A",
                "calendar": "standard",
                "authority": "SNV",
                "members": members,
                "quotas": {"co_thi_dua": 1, "bang_khen": 2, "tap_the_ldxs": 3},
                "cluster_bonus_max": 5,
                "criteria": criteria,
            }
        )
    return document


def _scores(rng: random.Random, unit: str, criteria: list[dict]) -> list[dict]:
    scores = []
    for criterion in criteria:
        score = {"unit": unit, "criterion": criterion["code"]}
        if criterion["method"] == "quantitative":
            if criterion.get("direction") == "lower":
                score |= {"plan": 20, "actual": rng.randint(10, 25)}
            else:
                score |= {"plan": 100, "actual": rng.randint(1900, 2240) / 20}
        elif criterion["method"] == "qualitative":
            score["points"] = max(0, criterion["points"] - rng.choice((0, 0, 0, 0.5, 1)))
        else:
            score["value"] = rng.randint(0, 12)
        scores.append(score)
    return scores


def plain(path: Path) -> float:
    """The whole year computed in plain Python from the file: read, parsed,
    the engine and the allocation over exact Decimals; no database, no Django."""
    from decimal import Decimal

    from awards import allocation
    from scoring import engine

    def number(value) -> Decimal | None:
        return None if value is None else Decimal(str(value))

    started = time.process_time()
    document = json.loads(path.read_text(encoding="utf-8"))
    by_unit: dict[str, list] = {}
    for s in document["scores"]:
        by_unit.setdefault(s["unit"], []).append(
            engine.Score(
                criterion=s["criterion"],
                plan=number(s.get("plan")),
                actual=number(s.get("actual")),
                points=number(s.get("points")),
                value=number(s.get("value")),
            )
        )
    bonuses: dict[str, list] = {}
    for b in document["bonuses"]:
        bonuses.setdefault(b["unit"], []).append(engine.Bonus(b["kind"], number(b["points"])))
    deductions: dict[str, list] = {}
    for d in document["deductions"]:
        deductions.setdefault(d["unit"], []).append(engine.Deduction(d["kind"], d["count"]))
    for cluster in document["clusters"]:
        criteria = [
            engine.Criterion(
                code=c["code"],
                section=c["section"],
                points=number(c["points"]),
                method=c["method"],
                direction=c.get("direction", "higher"),
                bands=tuple(
                    engine.Band(
                        points=number(t["points"]),
                        min=number(t.get("min")),
                        max=number(t.get("max")),
                        min_inclusive=t.get("min_inclusive", True),
                        max_inclusive=t.get("max_inclusive", True),
                    )
                    for t in c.get("tiers", ())
                ),
            )
            for c in cluster["criteria"]
        ]
        units = [m["unit"] for m in cluster["members"]]
        computed = engine.compute_cluster(
            criteria,
            [
                engine.UnitInput(
                    unit=u,
                    scores=tuple(by_unit.get(u, ())),
                    bonuses=tuple(bonuses.get(u, ())),
                    deductions=tuple(deductions.get(u, ())),
                )
                for u in units
            ],
        )
        allocation.allocate(
            [allocation.Entry(unit=r.unit, total=r.total, status=r.status) for r in computed],
            cluster["quotas"],
        )
    return time.process_time() - started


def command(database: Path, *args: str) -> tuple[float, float]:
    """(CPU, wall) seconds of one `manage.py` command, the whole process."""
    env = {**os.environ, **SERVER_ENV, "DATABASE_URL": f"sqlite:///{database}"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, wall


def served(repeat: int) -> dict[str, list[tuple[float, float]]]:
    """The province page and its workbook in this process: per URL, the first
    (computing) request and the cached ones."""
    from django.core.cache import cache
    from django.test import Client, override_settings

    from clusters.models import Authority
    from emulation.models import User

    simple = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    staff = User.objects.create(username="bench-staff", authority=Authority.objects.get(code="SNV"))
    client = Client()
    client.force_login(staff)
    found: dict[str, list[tuple[float, float]]] = {}
    with override_settings(STORAGES={"default": simple, "staticfiles": simple}):
        for label, url in (("page", f"/tinh/{YEAR}/"), ("xlsx", f"/tinh/{YEAR}/tai-ve.xlsx")):
            cache.clear()
            times = []
            for _ in range(repeat + 1):
                cpu, started = time.process_time(), time.perf_counter()
                response = client.get(url)
                times.append((time.process_time() - cpu, time.perf_counter() - started))
                assert response.status_code == 200, (url, response.status_code)
            found[label] = times
    return found


def report(label: str, run: tuple[float, float], yardstick: float, relative: bool, note="") -> bool:
    seconds, wall = run
    target = TARGETS.get(label)
    ratio = seconds / yardstick
    line = f"{label:<8} {seconds * 1000:7.0f} ms CPU ({wall * 1000:6.0f} ms) {ratio:5.2f} × plain"
    met = True
    if target is not None:
        goal = target / REFERENCE
        met = ratio <= goal if relative else seconds <= target
        line += (
            f"   mục tiêu ≤ {target * 1000:.0f} ms (≤ {goal:.2f} × plain): "
            f"{'đạt' if met else 'KHÔNG ĐẠT'}"
        )
    print(line + note, flush=True)
    return met


def best(runs: list[tuple[float, float]]) -> tuple[float, float]:
    return min(runs)


def compile_bytecode() -> None:
    """Compile the project once, as the image does: with PYTHONDONTWRITEBYTECODE
    set (as on our machines) every command would otherwise compile every module."""
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "emulation", "clusters", "scoring", "awards",
         "manage.py"],
        cwd=ROOT, env={k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clusters", type=int, default=40)
    parser.add_argument("--units", type=int, default=15)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the best counts")
    parser.add_argument("--relative", action="store_true", help="judge the ratios to plain")
    options = parser.parse_args()
    compile_bytecode()

    with tempfile.TemporaryDirectory() as tmp:
        empty, database = Path(tmp) / "empty.sqlite3", Path(tmp) / "province.sqlite3"
        os.environ.update(SERVER_ENV, DATABASE_URL=f"sqlite:///{database}")
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        warnings.filterwarnings("ignore", message="No directory at")  # whitenoise, no collectstatic
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", verbosity=0)
        connections.close_all()
        shutil.copy(database, empty)
        document = province(options.clusters, options.units)
        path = Path(tmp) / "province.json"
        path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        print(
            f"{options.clusters} cụm × {options.units} đơn vị, "
            f"{len(document['clusters'][0]['criteria'])} tiêu chí, "
            f"{len(document['scores'])} điểm chấm ({path.stat().st_size / 1e6:.1f} MB); "
            f"tốt nhất của {options.repeat} lần",
            flush=True,
        )
        times: dict[str, list[tuple[float, float]]] = {
            "plain": [],
            "import": [],
            "export": [],
            "check": [],
        }
        for _ in range(options.repeat):
            cpu = plain(path)
            times["plain"].append((cpu, cpu))
            shutil.copy(empty, database)
            times["import"].append(command(database, "import_dataset", str(path)))
        output = str(Path(tmp) / "results.json")
        for _ in range(options.repeat):
            times["export"].append(
                command(database, "export_results", "--year", str(YEAR), "--output", output)
            )
            times["check"].append(command(database, "check"))
        pages = served(options.repeat)
        yardstick = best(times["plain"])[0]
        met = [report("plain", best(times["plain"]), yardstick, options.relative)]
        for label in ("import", "export", "check"):
            met.append(report(label, best(times[label]), yardstick, options.relative))
        for label, runs in pages.items():
            met.append(
                report(
                    label,
                    best(runs[1:]),
                    yardstick,
                    options.relative,
                    f"   (lần đầu, tính toán: {runs[0][0] * 1000:.0f} ms CPU)",
                )
            )
        replace = command(database, "import_dataset", str(path), "--replace")
        report("replace", replace, yardstick, options.relative)
        connections.close_all()
    return 0 if all(met) else 1


if __name__ == "__main__":
    sys.exit(main())
