"""Province-scale timing of the dataset import and the results export.

Builds a year of 40 clusters × 15 units on a group-A scorecard shaped like the
demo's (example 01: 56 leaf criteria, so 33,600 scores), writes it as a
`thidua-dataset/1` file, and times `import_dataset`, `export_results` and a
second `import_dataset --replace` in a fresh SQLite database.

    make bench        (or: .venv/bin/python bench/province.py [--clusters N] [--units N])

Targets on a 2-core machine: import ≤ 10 s, results ≤ 3 s.
"""

import argparse
import json
import os
import random
import sys
import tempfile
import time
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "clusters" / "demo_data" / "01-cum-huyen-basic.json"
YEAR = 2025
TARGETS = {"import": 10.0, "results": 3.0}


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


def _timed(label: str, *args: str) -> float:
    from django.core.management import call_command

    started = time.perf_counter()
    call_command(*args, stdout=StringIO())
    seconds = time.perf_counter() - started
    target = TARGETS.get(label)
    verdict = ""
    if target is not None:
        verdict = f"  (mục tiêu ≤ {target:g} s: {'đạt' if seconds <= target else 'KHÔNG ĐẠT'})"
    print(f"{label:<8} {seconds:6.2f} s{verdict}", flush=True)
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clusters", type=int, default=40)
    parser.add_argument("--units", type=int, default=15)
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/province.sqlite3"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emulation.settings")
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        document = province(options.clusters, options.units)
        path = Path(tmp) / "province.json"
        path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        print(
            f"{options.clusters} cụm × {options.units} đơn vị, "
            f"{len(document['clusters'][0]['criteria'])} tiêu chí, "
            f"{len(document['scores'])} điểm chấm ({path.stat().st_size / 1e6:.1f} MB)"
        )
        imported = _timed("import", "import_dataset", str(path))
        results = _timed("results", "export_results", "--year", str(YEAR), "--output",
                         str(Path(tmp) / "results.json"))  # fmt: skip
        _timed("replace", "import_dataset", str(path), "--replace")
        _timed("dataset", "export_dataset", "--year", str(YEAR), "--output",
               str(Path(tmp) / "dataset.json"))  # fmt: skip
    return 0 if imported <= TARGETS["import"] and results <= TARGETS["results"] else 1


if __name__ == "__main__":
    sys.exit(main())
