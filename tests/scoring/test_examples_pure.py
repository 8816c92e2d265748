"""The pure core against the shared examples (`tests/data/NAME.json` →
`NAME.expected.json`), without Django: a small loader turns the dataset into
engine inputs, and every field of the expected results must match exactly.
Invalid datasets (expected `{"error": …}`) belong to the import tests."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from awards.allocation import Entry, allocate
from scoring.engine import (
    Band,
    Bonus,
    Criterion,
    Deduction,
    Participation,
    Score,
    UnitInput,
    compute_cluster,
    validate_bonuses,
    validate_criteria,
    validate_deductions,
    validate_score,
)
from scoring.regulation import DEFAULT, regulation_from_json

DATA = Path(__file__).resolve().parents[1] / "data"
CENT = Decimal("0.01")


def _examples() -> list[Path]:
    return sorted(
        path
        for folder in (DATA, DATA / "frame", DATA / "guidance")
        for path in folder.glob("*.json")
        if not path.name.endswith(".expected.json")
        and path.with_name(path.name[: -len(".json")] + ".expected.json").exists()
    )


def _expected(path: Path) -> dict[str, Any]:
    return json.loads(path.with_name(path.name[: -len(".json")] + ".expected.json").read_text())


def _valid_examples() -> list[Path]:
    """Invalid datasets are refused by the import; their tests live with it."""
    return [path for path in _examples() if "error" not in _expected(path)]


def _num(value: Any) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value))


def _criterion(raw: dict[str, Any]) -> Criterion:
    bands = tuple(
        Band(
            points=_num(tier["points"]),
            min=_num(tier.get("min")),
            max=_num(tier.get("max")),
            min_inclusive=tier.get("min_inclusive", True),
            max_inclusive=tier.get("max_inclusive", True),
        )
        for tier in raw.get("tiers", ())
    )
    return Criterion(
        code=raw["code"],
        section=raw["section"],
        points=_num(raw["points"]),
        method=raw["method"],
        direction=raw.get("direction", "higher"),
        bands=bands,
    )


def _by_unit(records: list[dict[str, Any]], unit: str) -> list[dict[str, Any]]:
    return [r for r in records if r["unit"] == unit]


def _load_cluster(dataset: dict[str, Any], cluster: dict[str, Any]):
    criteria = [_criterion(c) for c in cluster["criteria"]]
    units: list[UnitInput] = []
    votes: dict[str, int] = {}
    head = next(m["unit"] for m in cluster["members"] if m["role"] == "head")
    for member in cluster["members"]:
        code = member["unit"]
        participation = next(iter(_by_unit(dataset.get("participation", []), code)), {})
        flags = _by_unit(dataset.get("flags", []), code)
        units.append(
            UnitInput(
                unit=code,
                scores=tuple(
                    Score(
                        criterion=s["criterion"],
                        plan=_num(s.get("plan")),
                        actual=_num(s.get("actual")),
                        points=_num(s.get("points")),
                        value=_num(s.get("value")),
                    )
                    for s in _by_unit(dataset.get("scores", []), code)
                ),
                bonuses=tuple(
                    Bonus(b["kind"], _num(b["points"]))
                    for b in _by_unit(dataset.get("bonuses", []), code)
                ),
                deductions=tuple(
                    Deduction(d["kind"], d.get("count", 1))
                    for d in _by_unit(dataset.get("deductions", []), code)
                ),
                participation=Participation(
                    **{
                        k: participation.get(k, True)
                        for k in ("registered", "pledge_signed", "mid_year_report", "annual_report")
                    }
                ),
                exclusions=frozenset(f["reason"] for f in flags if f["kind"] == "exclude"),
                deferrals=frozenset(f["reason"] for f in flags if f["kind"] == "defer"),
            )
        )
        for vote in _by_unit(dataset.get("votes", []), code):
            votes[code] = vote["votes"]
    added = {c["code"] for c in cluster["criteria"] if c.get("added")}
    parents = {c["code"]: c["parent"] for c in cluster["criteria"] if "parent" in c}
    return criteria, units, votes, added, parents, head


@pytest.mark.parametrize("path", _valid_examples(), ids=lambda p: p.stem)
def test_example_results_match_expected(path: Path) -> None:
    expected = _expected(path)
    dataset = json.loads(path.read_text())
    expected_clusters = {c["code"]: c for c in expected["clusters"]}
    # R36: guidance/ examples carry their regulation; the others are 2022's.
    regulation = regulation_from_json(dataset["regulation"]) if "regulation" in dataset else DEFAULT
    assert sorted(expected_clusters) == sorted(c["code"] for c in dataset["clusters"])

    for cluster in dataset["clusters"]:
        criteria, units, votes, added, parents, head = _load_cluster(dataset, cluster)
        # The examples are valid datasets, so the shared validators accept them.
        assert validate_criteria(criteria, added, cluster["group"], parents, regulation) == []
        by_code = {c.code: c for c in criteria}
        cap = _num(cluster.get("cluster_bonus_max", regulation.cluster_bonus_cap))
        for unit in units:
            assert [e for s in unit.scores for e in validate_score(by_code[s.criterion], s)] == []
            assert validate_bonuses(unit.bonuses, cap, regulation) == []
            is_head = unit.unit == head
            assert (
                validate_deductions(unit.deductions, is_head=is_head, regulation=regulation) == []
            )

        results = {r.unit: r for r in compute_cluster(criteria, units, regulation)}
        placements = allocate(
            [Entry(r.unit, r.total, r.status, votes.get(r.unit)) for r in results.values()],
            cluster["quotas"],
            regulation,
        )
        actual_units = []
        for placement in placements:
            result = results[placement.unit]
            actual_units.append(
                {
                    "unit": placement.unit,
                    "rank": placement.rank,
                    "base": result.base,
                    "bonus": result.bonus,
                    "deductions": result.deductions,
                    "total": result.total,
                    "sections": result.sections,
                    "status": result.status,
                    "reasons": list(result.reasons),
                    "award": placement.award,
                }
            )
        expected_units = [
            {
                **u,
                **{k: _num(u[k]).quantize(CENT) for k in ("base", "bonus", "deductions", "total")},
                "sections": {k: _num(v).quantize(CENT) for k, v in u["sections"].items()},
            }
            for u in expected_clusters[cluster["code"]]["units"]
        ]
        assert actual_units == expected_units


def test_examples_are_present() -> None:
    # A missing data folder would otherwise turn the whole module into a no-op.
    assert len(_examples()) >= 3
    assert any(path.parent.name == "guidance" for path in _examples())


def test_frame_example_over_the_30_percent_is_refused_by_the_engine() -> None:
    # R17 as the seed has it: concretising II.1 counts like adding II.10 and II.11.
    path = DATA / "frame" / "07-frame-splits-and-added-over-limit.json"
    assert "error" in _expected(path)
    dataset = json.loads(path.read_text())
    [cluster] = dataset["clusters"]
    criteria, _, _, added, parents, _ = _load_cluster(dataset, cluster)

    assert validate_criteria(criteria, added, cluster["group"], parents) == [
        "Phần II: cụ thể hóa 1 và bổ sung 2 tiêu chí, vượt giới hạn 2 "
        "(30% của 9 tiêu chí khung, làm tròn xuống)."
    ]
