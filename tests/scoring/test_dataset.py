"""The `thidua-dataset/1` import and export (spec/DATASET.md) through the commands:
the shared examples give their expected results, every refusal of the contract
is refused with nothing stored, and export → import → export is stable."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection
from django.db.models.query import QuerySet
from django.test.utils import CaptureQueriesContext

from awards.models import Proposal
from clusters.models import (
    Authority,
    Cluster,
    Conference,
    Deadline,
    Deduction,
    EmulationYear,
    Membership,
    Participation,
    Registration,
    Report,
    Unit,
)
from scoring.dataset import DatasetError, dataset_import, validate_dataset
from scoring.models import (
    Band,
    Bonus,
    Criterion,
    Evidence,
    Flag,
    Quota,
    Score,
    ScoreAgreement,
    Scorecard,
    Sheet,
    Vote,
)
from tests.factories import AuthorityFactory, ClusterFactory, UserFactory

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parents[1] / "data"
CENT = Decimal("0.01")
BASIC = DATA / "01-cum-huyen-basic.json"
MODELS = (
    Authority,
    Unit,
    Cluster,
    EmulationYear,
    Deadline,
    Membership,
    Scorecard,
    Criterion,
    Band,
    Score,
    Bonus,
    Deduction,
    Participation,
    Flag,
    Vote,
    Quota,
    Proposal,
    Score.history.model,
)


def _examples(*, valid: bool) -> list[Path]:
    found = []
    # frame/: R17's concretised and added criteria (`parent`), from spec/examples/frame;
    # guidance/: a year under its own regulation (R36–R40), from spec/examples/guidance.
    folders = (DATA, DATA / "frame", DATA / "guidance")
    for path in sorted(path for folder in folders for path in folder.glob("*.json")):
        expected = path.with_name(path.stem + ".expected.json")
        if path.name.endswith(".expected.json") or not expected.exists():
            continue
        if ("error" not in json.loads(expected.read_text("utf-8"))) == valid:
            found.append(path)
    return found


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text("utf-8"))


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def _write(tmp_path: Path, document: dict[str, Any], name: str = "dataset.json") -> Path:
    path = tmp_path / name
    # allow_nan: the refusal tests write NaN and Infinity as JSON constants.
    path.write_text(json.dumps(document, ensure_ascii=False, allow_nan=True), "utf-8")
    return path


def _import(path: Path, *args: str) -> str:
    out = StringIO()
    call_command("import_dataset", str(path), *args, stdout=out)
    return out.getvalue()


def _results(year: int, *args: str) -> dict[str, Any]:
    out = StringIO()
    call_command("export_results", "--year", str(year), *args, stdout=out)
    return json.loads(out.getvalue(), parse_float=Decimal)


def _export(year: int) -> dict[str, Any]:
    out = StringIO()
    call_command("export_dataset", "--year", str(year), stdout=out)
    return json.loads(out.getvalue())


def _exact(units: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Point figures as Decimals to the cent; everything else as given."""
    return [
        {
            **unit,
            **{k: Decimal(str(unit[k])).quantize(CENT) for k in ("base", "bonus", "deductions")},
            "total": Decimal(str(unit["total"])).quantize(CENT),
            "sections": {s: Decimal(str(v)).quantize(CENT) for s, v in unit["sections"].items()},
        }
        for unit in units
    ]


def _empty_database() -> None:
    """What a fresh database holds of these models: nothing."""
    EmulationYear.objects.all().delete()
    Cluster.objects.all().delete()
    Unit.objects.all().delete()
    Authority.objects.all().delete()


# ---------------------------------------------------------------------------
# The shared examples


@pytest.mark.parametrize("path", _examples(valid=True), ids=lambda p: p.stem)
def test_example_gives_its_expected_results(path: Path) -> None:
    _import(path)

    expected = json.loads(
        path.with_name(path.stem + ".expected.json").read_text("utf-8"), parse_float=Decimal
    )
    got = _results(expected["year"])

    assert got["format"] == "thidua-results/1"
    assert got["year"] == expected["year"]
    assert [c["code"] for c in got["clusters"]] == [c["code"] for c in expected["clusters"]]
    for got_cluster, expected_cluster in zip(got["clusters"], expected["clusters"], strict=True):
        assert _exact(got_cluster["units"]) == _exact(expected_cluster["units"])


@pytest.mark.parametrize("path", _examples(valid=False), ids=lambda p: p.stem)
def test_invalid_example_is_refused_and_leaves_nothing(path: Path) -> None:
    before = _counts()

    with pytest.raises(CommandError, match="không có gì được lưu"):
        _import(path)

    assert _counts() == before
    assert _results(_load(path)["year"])["clusters"] == []


def test_examples_are_present() -> None:
    assert len(_examples(valid=True)) >= 3
    assert _examples(valid=False)
    stems = {path.stem for path in [*_examples(valid=True), *_examples(valid=False)]}
    assert {
        "05-regulation-two-tier-2026",
        "06-frame-splits-within-limit",
        "07-frame-splits-and-added-over-limit",
    } <= stems


# ---------------------------------------------------------------------------
# Refusals: DATASET.md's list, one by one


def _criterion(doc: dict, code: str) -> dict:
    return next(c for c in doc["clusters"][0]["criteria"] if c["code"] == code)


def _score(doc: dict, unit: str, code: str) -> dict:
    return next(s for s in doc["scores"] if s["unit"] == unit and s["criterion"] == code)


def _unit(doc: dict, code: str) -> dict:
    return next(u for u in doc["units"] if u["code"] == code)


def _member(doc: dict, unit: str) -> dict:
    return next(m for m in doc["clusters"][0]["members"] if m["unit"] == unit)


def _set(getter: Callable[[dict], dict], key: str, value: object) -> Callable[[dict], None]:
    def mutate(doc: dict) -> None:
        getter(doc)[key] = value

    return mutate


def _drop(getter: Callable[[dict], dict], key: str) -> Callable[[dict], None]:
    def mutate(doc: dict) -> None:
        del getter(doc)[key]

    return mutate


def _append(key: str, *records: dict) -> Callable[[dict], None]:
    def mutate(doc: dict) -> None:
        doc.setdefault(key, []).extend(copy.deepcopy(records))

    return mutate


def _duplicate(key: str) -> Callable[[dict], None]:
    def mutate(doc: dict) -> None:
        doc[key].append(copy.deepcopy(doc[key][0]))

    return mutate


def _second_cluster_with(unit: str) -> Callable[[dict], None]:
    def mutate(doc: dict) -> None:
        other = copy.deepcopy(doc["clusters"][0])
        other["code"] = "CUM-KHAC"
        other["members"] = [{"unit": unit, "role": "head"}]
        doc["clusters"].append(other)

    return mutate


def _mark_added(count: int) -> Callable[[dict], None]:
    def mutate(doc: dict) -> None:
        section_i = [c for c in doc["clusters"][0]["criteria"] if c["section"] == "I"]
        for criterion in section_i[:count]:
            criterion["added"] = True

    return mutate


def _parents(parents: dict[str, object], added: tuple[str, ...] = ()) -> Callable[[dict], None]:
    """Leaves given a `parent` (R17), some of them marked added."""

    def mutate(doc: dict) -> None:
        for code, parent in parents.items():
            _criterion(doc, code)["parent"] = parent
        for code in added:
            _criterion(doc, code)["added"] = True

    return mutate


def _unit_outside_clusters(doc: dict) -> None:
    doc["units"].append({"code": "NGOAI", "name": "Đơn vị ngoài cụm", "kind": "district"})
    doc["bonuses"].append({"unit": "NGOAI", "kind": "reporting", "points": 1})


def _cluster(doc: dict) -> dict:
    return doc["clusters"][0]


def _quotas(doc: dict) -> dict:
    return doc["clusters"][0]["quotas"]


def _tiered(doc: dict) -> dict:
    return _criterion(doc, "III.4.1")  # 20 points, tiers 20/15/10/5


# (id, mutation, what the message must say: the record and the rule). Wording
# that comes from the engine's validators is matched by its key parts only.
REFUSALS: list[tuple[str, Callable[[dict], None], str | tuple[str, ...]]] = [
    ("unknown-format", lambda d: d.update(format="thidua-dataset/2"), "format: định dạng"),
    ("missing-format", lambda d: d.pop("format"), "format: thiếu định dạng"),
    ("duplicate-authority", _duplicate("authorities"), "authorities[1] (SNV): mã cơ quan"),
    ("duplicate-unit", _duplicate("units"), "units[10] (TPBG): mã đơn vị “TPBG” bị trùng"),
    ("duplicate-cluster", _duplicate("clusters"), "clusters[1] (CUM-HUYEN): mã cụm, khối"),
    (
        "duplicate-criterion",
        _set(lambda d: _criterion(d, "I.2"), "code", "I.1"),
        ("clusters[0] (CUM-HUYEN): ", "I.1", "trùng", ""),
    ),
    (
        "authority-not-listed",
        _set(_cluster, "authority", "SYT"),
        "clusters[0] (CUM-HUYEN): cơ quan hướng dẫn “SYT” không có trong authorities",
    ),
    (
        "member-not-in-units",
        lambda d: _cluster(d)["members"].append({"unit": "LAI", "role": "member"}),
        "members[10] (LAI): đơn vị “LAI” không có trong units",
    ),
    ("unit-in-two-clusters", _second_cluster_with("HH"), "đã là thành viên của “CUM-HUYEN”"),
    (
        "referenced-unit-in-no-cluster",
        _unit_outside_clusters,
        "bonuses[3] (NGOAI): đơn vị “NGOAI” không là thành viên cụm, khối nào trong năm",
    ),
    (
        "record-unit-not-in-units",
        _append("votes", {"unit": "LAI", "votes": 1}),
        "votes[0] (LAI): đơn vị “LAI” không có trong units",
    ),
    ("no-head", _set(lambda d: _member(d, "TPBG"), "role", "member"), "có 0 trưởng cụm"),
    ("two-heads", _set(lambda d: _member(d, "HH"), "role", "head"), "có 2 trưởng cụm"),
    ("two-deputies", _set(lambda d: _member(d, "HH"), "role", "deputy"), "có 2 phó trưởng"),
    ("unknown-role", _set(lambda d: _member(d, "HH"), "role", "chair"), "vai trò “chair”"),
    (
        "section-total",
        _set(lambda d: _criterion(d, "I.1"), "points", 30),
        ("clusters[0] (CUM-HUYEN): ", "540", "550", ""),
    ),
    (
        "added-over-30-percent",
        _mark_added(6),
        ("clusters[0] (CUM-HUYEN): ", "bổ sung 6 tiêu chí", "vượt giới hạn 5", ""),
    ),
    (
        "concretised-over-30-percent",
        _parents({f"II.{n}": f"II.{n}.x" for n in (1, 2, 3)}),
        ("clusters[0] (CUM-HUYEN): ", "Phần II: cụ thể hóa 3 và bổ sung 0", "giới hạn 2", ""),
    ),
    ("parent-null", _parents({"I.1": None}), ("criteria[0] (I.1)", "parent phải là mã")),
    ("parent-number", _parents({"I.1": 5}), ("criteria[0] (I.1)", "parent phải là mã")),
    ("parent-empty", _parents({"I.1": " "}), ("criteria[0] (I.1)", "parent phải là mã")),
    (
        "parent-is-a-leaf",
        _parents({"I.1": "I.2"}),
        ("Tiêu chí cha I.2 trùng mã với một tiêu chí chấm điểm", ""),
    ),
    (
        "parent-in-two-sections",
        _parents({"I.1": "X", "II.1": "X"}),
        ("Tiêu chí cha X có tiêu chí con ở nhiều phần (I, II)", ""),
    ),
    (
        "parent-added-and-not",
        _parents({"I.1": "X", "I.2": "X"}, added=("I.2",)),
        ("Tiêu chí cha X có cả tiêu chí con bổ sung và tiêu chí con không bổ sung", ""),
    ),
    (
        "item-points-changed",
        # III.1.1a … named III.1 by their parent: 20 of the item's 35 points.
        _parents({code: "III.1" for code in ("III.1.1a", "III.1.1b", "III.1.1c", "III.1.1d")}),
        ("Phần III, mục III.1: các tiêu chí có tổng 20 điểm, phải đúng 35", ""),
    ),
    (
        "criterion-points-zero",
        _set(lambda d: _criterion(d, "II.1"), "points", 0),
        ("clusters[0] (CUM-HUYEN): ", "II.1", "lớn hơn 0", ""),
    ),
    (
        "criterion-points-negative",
        _set(lambda d: _criterion(d, "II.1"), "points", -25),
        ("clusters[0] (CUM-HUYEN): ", "II.1", "lớn hơn 0", ""),
    ),
    (
        "tiered-without-bands",
        _set(_tiered, "tiers", []),
        ("clusters[0] (CUM-HUYEN): ", "III.4.1", "ít nhất một mức", ""),
    ),
    (
        "tiered-without-tiers-key",
        _drop(_tiered, "tiers"),
        ("clusters[0] (CUM-HUYEN): ", "III.4.1", "ít nhất một mức", ""),
    ),
    (
        "band-points-above-criterion",
        _set(lambda d: _tiered(d)["tiers"][0], "points", 21),
        ("clusters[0] (CUM-HUYEN): ", "III.4.1, mức 1", "0 đến 20", ""),
    ),
    (
        "band-points-negative",
        _set(lambda d: _tiered(d)["tiers"][1], "points", -1),
        ("clusters[0] (CUM-HUYEN): ", "III.4.1, mức 2", "0 đến 20", ""),
    ),
    (
        "score-unknown-criterion",
        _set(lambda d: _score(d, "HH", "II.1"), "criterion", "II.99"),
        "(HH, II.99): tiêu chí “II.99” không có trong bảng chấm điểm",
    ),
    (
        "score-given-twice",
        lambda d: d["scores"].append(dict(_score(d, "HH", "II.1"))),
        "scores[560] (HH, II.1): đơn vị “HH” có hai điểm chấm cho tiêu chí II.1",
    ),
    (
        "quantitative-without-actual",
        _drop(lambda d: _score(d, "HH", "I.1"), "actual"),
        ("scores[", "(HH, I.1): ", "thực hiện", ""),
    ),
    (
        "quantitative-without-plan",
        _drop(lambda d: _score(d, "HH", "I.1"), "plan"),
        ("scores[", "(HH, I.1): ", "kế hoạch", ""),
    ),
    (
        "qualitative-without-points",
        _drop(lambda d: _score(d, "HH", "II.1"), "points"),
        ("scores[", "(HH, II.1): ", "điểm", ""),
    ),
    (
        "tiered-without-value",
        _drop(lambda d: _score(d, "HH", "III.4.1"), "value"),
        ("scores[", "(HH, III.4.1): ", "giá trị", ""),
    ),
    (
        "qualitative-above-max",
        _set(lambda d: _score(d, "HH", "II.1"), "points", 25.5),
        ("scores[", "(HH, II.1): ", "0 đến 25", ""),
    ),
    (
        "qualitative-negative",
        _set(lambda d: _score(d, "HH", "II.1"), "points", -1),
        ("scores[", "(HH, II.1): ", "0 đến 25", ""),
    ),
    (
        "criterion-points-three-decimals",
        _set(lambda d: _criterion(d, "II.1"), "points", "25.005"),
        ("clusters[0] (CUM-HUYEN): ", "II.1", "2 chữ số thập phân", ""),
    ),
    (
        "band-points-three-decimals",
        _set(lambda d: _tiered(d)["tiers"][1], "points", 14.999),
        ("clusters[0] (CUM-HUYEN): ", "mức 2", "2 chữ số thập phân"),
    ),
    (
        "score-points-three-decimals",
        _set(lambda d: _score(d, "HH", "II.1"), "points", 24.125),
        ("scores[", "(HH, II.1): ", "2 chữ số thập phân", ""),
    ),
    (
        "bonus-points-three-decimals",
        _set(lambda d: d["bonuses"][0], "points", 1.005),
        ("bonuses[0] (HH): ", "2 chữ số thập phân", ""),
    ),
    (
        "higher-plan-zero",
        _set(lambda d: _score(d, "HH", "I.1"), "plan", 0),
        ("scores[", "(HH, I.1): ", "kế hoạch", "lớn hơn 0", ""),
    ),
    (
        "negative-plan",
        _set(lambda d: _score(d, "HH", "I.1"), "plan", -100),
        ("scores[", "(HH, I.1): ", "kế hoạch", "âm", ""),
    ),
    (
        "negative-actual",
        _set(lambda d: _score(d, "HH", "I.13"), "actual", -1),
        ("scores[", "(HH, I.13): ", "thực hiện", "âm", ""),
    ),
    (
        "nan-constant",
        _set(lambda d: _score(d, "HH", "I.1"), "actual", float("nan")),
        ("scores[", "(HH, I.1): ", "thực hiện", "hữu hạn", ""),
    ),
    (
        "infinity-constant",
        _set(lambda d: _score(d, "HH", "I.1"), "plan", float("inf")),
        ("scores[", "(HH, I.1): ", "kế hoạch", "hữu hạn", ""),
    ),
    (
        "nan-string",
        _set(lambda d: _score(d, "HH", "II.1"), "points", "NaN"),
        ("scores[", "(HH, II.1): ", "hữu hạn", ""),
    ),
    (
        "non-numeric-string",
        _set(lambda d: _score(d, "HH", "III.4.1"), "value", "không"),
        ("scores[", "(HH, III.4.1): ", "hữu hạn", ""),
    ),
    (
        "boolean-number",
        _set(lambda d: _criterion(d, "II.1"), "points", True),
        ("clusters[0] (CUM-HUYEN): ", "II.1", "hữu hạn", ""),
    ),
    (
        "boolean-bonus",
        _set(lambda d: d["bonuses"][0], "points", True),
        ("bonuses[0] (HH): ", "hữu hạn", ""),
    ),
    (
        "figure-beyond-storage",
        _set(lambda d: _score(d, "HH", "I.1"), "actual", "104.1234567"),
        "(HH, I.1): actual vượt giới hạn lưu trữ",
    ),
    (
        "negative-bonus",
        _set(lambda d: d["bonuses"][0], "points", -1),
        ("bonuses[0] (HH): ", "âm", ""),
    ),
    (
        "bonus-entry-over-cap",
        _set(lambda d: d["bonuses"][0], "points", 6),
        ("bonuses[0] (HH): ", "6", "5", ""),
    ),
    (
        "bonus-kind-sum-over-cap",
        _append("bonuses", {"unit": "HH", "kind": "reporting", "points": 0.5}),
        ("bonuses (HH): ", "5,5", ""),
    ),
    (
        "cluster-bonus-over-cluster-cap",
        _set(_cluster, "cluster_bonus_max", 2),
        ("bonuses[2] (VY): ", "3", "2", ""),
    ),
    (
        "unknown-bonus-kind",
        _set(lambda d: d["bonuses"][0], "kind", "extra"),
        ("bonuses[0] (HH): ", "extra", ""),
    ),
    (
        "head-duty-for-non-head",
        _append("deductions", {"unit": "HH", "kind": "head_duty", "reason": "Chậm"}),
        ("deductions[1] (HH): ", "trưởng cụm/khối"),
    ),
    (
        "head-duty-twice",
        _append(
            "deductions",
            {"unit": "TPBG", "kind": "head_duty", "reason": "Chậm kế hoạch"},
            {"unit": "TPBG", "kind": "head_duty", "reason": "Chậm bảng chấm điểm"},
        ),
        ("deductions (TPBG): ", "1 lần", ""),
    ),
    (
        "award-structure-twice",
        _append(
            "deductions", {"unit": "HH", "kind": "award_structure", "count": 2, "reason": "Cơ cấu"}
        ),
        ("deductions[1] (HH): ", "1 lần", ""),
    ),
    (
        "count-below-one",
        _set(lambda d: d["deductions"][0], "count", 0),
        ("deductions[0] (LN): ", "số nguyên", ""),
    ),
    (
        "count-not-integer",
        _set(lambda d: d["deductions"][0], "count", 1.5),
        ("deductions[0] (LN): ", "số nguyên", ""),
    ),
    (
        "unknown-deduction-kind",
        _set(lambda d: d["deductions"][0], "kind", "late"),
        ("deductions[0] (LN): ", "late", ""),
    ),
    (
        "exclude-with-defer-reason",
        _append("flags", {"unit": "LG", "kind": "exclude", "reason": "under_review"}),
        "flags[0] (LG): lý do “under_review” không dùng cho loại “exclude”",
    ),
    (
        "defer-with-exclude-reason",
        _append("flags", {"unit": "LG", "kind": "defer", "reason": "security"}),
        "flags[0] (LG): lý do “security” không dùng cho loại “defer”",
    ),
    (
        "unknown-flag-kind",
        _append("flags", {"unit": "LG", "kind": "ban", "reason": "security"}),
        "flags[0] (LG): loại “ban” không hợp lệ (exclude hoặc defer)",
    ),
    (
        "unknown-flag-reason",
        _append("flags", {"unit": "LG", "kind": "exclude", "reason": "late"}),
        "flags[0] (LG): lý do “late” không hợp lệ",
    ),
    (
        "negative-quota",
        _set(_quotas, "co_thi_dua", -1),
        "clusters[0] (CUM-HUYEN): quotas.co_thi_dua: chỉ tiêu phải là số nguyên không âm",
    ),
    (
        "non-integer-quota",
        _set(_quotas, "bang_khen", 1.5),
        "clusters[0] (CUM-HUYEN): quotas.bang_khen: chỉ tiêu phải là số nguyên không âm",
    ),
    ("unknown-quota-award", _set(_quotas, "huan_chuong", 1), "danh hiệu “huan_chuong”"),
    (
        "negative-votes",
        _append("votes", {"unit": "HH", "votes": -1}),
        "votes[0] (HH): số phiếu phải là số nguyên không âm, có -1",
    ),
    (
        "non-integer-votes",
        _append("votes", {"unit": "HH", "votes": 2.5}),
        "votes[0] (HH): số phiếu phải là số nguyên không âm",
    ),
    (
        "two-vote-records",
        _append("votes", {"unit": "HH", "votes": 2}, {"unit": "HH", "votes": 3}),
        "votes[1] (HH): đơn vị “HH” có hai bản ghi số phiếu",
    ),
    (
        "two-participation-records",
        _append("participation", {"unit": "SD", "annual_report": False}),
        "participation[1] (SD): đơn vị “SD” có hai bản ghi tham gia",
    ),
    (
        "participation-not-boolean",
        _set(lambda d: d["participation"][0], "pledge_signed", "không"),
        "participation[0] (SD): pledge_signed phải là true hoặc false",
    ),
    (
        "record-cluster-mismatch",
        _set(lambda d: _score(d, "HH", "I.1"), "cluster", "KHOI-KT"),
        "(HH, I.1): cụm, khối “KHOI-KT” không đúng: đơn vị “HH” thuộc “CUM-HUYEN”",
    ),
    (
        "cluster-bonus-max-above-5",
        _set(_cluster, "cluster_bonus_max", 6),
        ("clusters[0] (CUM-HUYEN): cluster_bonus_max: ", "0 đến 5", ""),
    ),
    (
        "cluster-bonus-max-negative",
        _set(_cluster, "cluster_bonus_max", -1),
        ("clusters[0] (CUM-HUYEN): cluster_bonus_max: ", "0 đến 5", ""),
    ),
    ("unknown-group", _set(_cluster, "group", "E"), ("clusters[0] (CUM-HUYEN): ", "'E'", "")),
    ("missing-unit-name", _drop(lambda d: d["units"][0], "name"), ("units[0] (TPBG): ", "tên")),
    ("year-not-a-number", lambda d: d.update(year="năm nay"), "year: năm phải là số nguyên"),
    # DATASET.md, "Details that decide edge cases" (#18), statement by statement.
    # Quotas, votes and deduction counts are JSON integers: not 2.0, not "2".
    (
        "count-written-2.0",
        _set(lambda d: d["deductions"][0], "count", 2.0),
        ("deductions[0] (LN): count: ", "số nguyên", "có 2.0", ""),
    ),
    (
        "count-as-string",
        _set(lambda d: d["deductions"][0], "count", "2"),
        ("deductions[0] (LN): count: ", "số nguyên", "có “2”", ""),
    ),
    (
        "quota-as-string",
        _set(_quotas, "co_thi_dua", "1"),
        "clusters[0] (CUM-HUYEN): quotas.co_thi_dua: chỉ tiêu phải là số nguyên không âm, có “1”",
    ),
    (
        "quota-written-1.0",
        _set(_quotas, "bang_khen", 1.0),
        "clusters[0] (CUM-HUYEN): quotas.bang_khen: chỉ tiêu phải là số nguyên không âm, có 1.0",
    ),
    (
        "votes-as-string",
        _append("votes", {"unit": "HH", "votes": "6"}),
        "votes[0] (HH): số phiếu phải là số nguyên không âm, có “6”",
    ),
    (
        "votes-written-6.0",
        _append("votes", {"unit": "HH", "votes": 6.0}),
        "votes[0] (HH): số phiếu phải là số nguyên không âm, có 6.0",
    ),
    ("year-as-string", lambda d: d.update(year="2025"), "year: năm phải là số nguyên"),
    # A list or map may be absent (empty); a given null is refused.
    *[
        (
            f"{key}-null",
            lambda d, key=key: d.update({key: None}),
            f"{key}: phải là một danh sách, không được là null.",
        )
        for key in ("units", "scores", "bonuses", "deductions", "participation", "flags", "votes")
    ],
    (
        "quotas-null",
        _set(_cluster, "quotas", None),
        "clusters[0] (CUM-HUYEN): quotas phải là một đối tượng {danh hiệu: số lượng}, có null",
    ),
    # A decimal string is a finite decimal number: ASCII digits, sign, point, exponent.
    *[
        (
            f"decimal-string-{name}",
            _set(lambda d: _score(d, "HH", "II.1"), "points", text),
            ("scores[", "(HH, II.1): ", "điểm chấm: phải là một số hữu hạn"),
        )
        for name, text in (
            ("underscore", "2_4"),
            ("other-script-digits", "٢٤"),
            ("infinity", "Infinity"),
            ("hexadecimal", "0x18"),
            ("comma", "24,5"),
            ("empty", " "),
        )
    ],
    # cluster_bonus_max is a points figure: at most 2 decimals.
    (
        "cluster-bonus-max-three-decimals",
        _set(_cluster, "cluster_bonus_max", "4.995"),
        ("clusters[0] (CUM-HUYEN): cluster_bonus_max: ", "2 chữ số thập phân", ""),
    ),
    # A cluster's kind is cum or khoi (required); calendar standard or education.
    (
        "cluster-kind-missing",
        _drop(_cluster, "kind"),
        "clusters[0] (CUM-HUYEN): thiếu trường “kind”",
    ),
    ("cluster-kind-other", _set(_cluster, "kind", "CUM"), "(CUM-HUYEN): loại “CUM” không hợp lệ"),
    ("calendar-other", _set(_cluster, "calendar", "school"), "(CUM-HUYEN): lịch “school”"),
    ("calendar-null", _set(_cluster, "calendar", None), "(CUM-HUYEN): lịch null không hợp lệ"),
    # Every member has unit and role, both required.
    ("member-without-role", _drop(lambda d: _member(d, "HH"), "role"), "(HH): thiếu trường “role”"),
    (
        "member-without-unit",
        _drop(lambda d: _member(d, "HH"), "unit"),
        ("clusters[0] (CUM-HUYEN).members[", "thiếu trường “unit”"),
    ),
    # Every criterion has a non-empty title string.
    *[
        (
            f"criterion-title-{name}",
            mutate,
            ("clusters[0] (CUM-HUYEN).criteria[", "(II.1): ", fragment),
        )
        for name, mutate, fragment in (
            ("empty", _set(lambda d: _criterion(d, "II.1"), "title", ""), "title: nội dung"),
            ("blank", _set(lambda d: _criterion(d, "II.1"), "title", "  "), "title: nội dung"),
            ("missing", _drop(lambda d: _criterion(d, "II.1"), "title"), "thiếu trường “title”"),
            ("number", _set(lambda d: _criterion(d, "II.1"), "title", 5), "“title” phải là chuỗi"),
        )
    ],
    # min_inclusive, max_inclusive, added and the participation fields are true or
    # false; anything else (null, "false") is refused.
    *[
        (
            f"{key}-{name}",
            _set(lambda d: _tiered(d)["tiers"][1], key, value),
            "(III.4.1): mức 2: min_inclusive, max_inclusive phải là true/false.",
        )
        for key in ("min_inclusive", "max_inclusive")
        for name, value in (("null", None), ("string", "false"), ("number", 0))
    ],
    *[
        (
            f"added-{name}",
            _set(lambda d: _criterion(d, "II.1"), "added", value),
            "(II.1): added phải là true hoặc false.",
        )
        for name, value in (("null", None), ("string", "false"), ("number", 1))
    ],
    *[
        (
            f"participation-field-{name}",
            _set(lambda d: d["participation"][0], "registered", value),
            "participation[0] (SD): registered phải là true hoặc false.",
        )
        for name, value in (("null", None), ("string", "false"), ("number", 1))
    ],
    # The texts' limits (emulation/limits.py): refused with a message, not by
    # the database's check constraint halfway through the import.
    (
        "criterion-title-too-long",
        _set(lambda d: _criterion(d, "I.2"), "title", "x" * 401),
        ("(I.2): title: nội dung", "tối đa 400 ký tự"),
    ),
    (
        "deduction-reason-too-long",
        _set(lambda d: d["deductions"][0], "reason", "x" * 1001),
        ("deductions[0]", "lý do (“reason”) dài tối đa 1000 ký tự"),
    ),
]


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [pytest.param(m, f, id=i) for i, m, f in REFUSALS],
)
def test_dataset_breaking_a_rule_is_refused_with_nothing_stored(
    tmp_path: Path, mutate: Callable[[dict], None], fragment: str | tuple[str, ...]
) -> None:
    document = _load(BASIC)
    mutate(document)
    before = _counts()

    with pytest.raises(CommandError) as refused:
        _import(_write(tmp_path, document))

    message = str(refused.value)
    fragments = (fragment,) if isinstance(fragment, str) else fragment
    assert any(all(part in line for part in fragments) for line in message.splitlines()), message
    assert _counts() == before


def test_the_base_document_of_the_refusals_is_valid(tmp_path: Path) -> None:
    # Otherwise every refusal test would pass whatever the mutation.
    _import(_write(tmp_path, _load(BASIC)))
    assert Score.objects.count() == 560


def test_every_error_is_reported_at_once(tmp_path: Path) -> None:
    document = _load(BASIC)
    _criterion(document, "I.1")["points"] = 30
    _score(document, "HH", "II.1")["points"] = 99
    document["votes"] = [{"unit": "HH", "votes": -1}]

    with pytest.raises(CommandError) as refused:
        _import(_write(tmp_path, document))

    message = str(refused.value)
    assert "" in message and "" in message and "" in message
    assert len(message.splitlines()) == 4  # the heading and the three errors


def test_numbers_may_be_decimal_strings(tmp_path: Path) -> None:
    document = _load(BASIC)
    _criterion(document, "I.1")["points"] = "40.00"
    _score(document, "HH", "I.1").update(plan="100", actual="104.5")
    _score(document, "HH", "II.1")["points"] = "24.5"

    _import(_write(tmp_path, document))

    score = Score.objects.get(membership__unit__code="HH", criterion__code="I.1")
    assert (score.plan, score.actual) == (Decimal(100), Decimal("104.5"))
    qualitative = Score.objects.get(membership__unit__code="HH", criterion__code="II.1")
    assert qualitative.points == Decimal("24.5")


def test_decimal_strings_take_sign_point_exponent_and_spaces(tmp_path: Path) -> None:
    """DATASET.md: "5.1", "+5", ".5", "1e2"; surrounding spaces ignored."""
    document = _load(BASIC)
    _score(document, "HH", "I.1").update(plan="1e2", actual=" 104.5 ")
    _score(document, "HH", "II.1")["points"] = "+24"
    _score(document, "VY", "II.1")["points"] = "2.45E1"
    _score(document, "HH", "III.4.1")["value"] = ".5"

    _import(_write(tmp_path, document))

    def figure(unit: str, code: str, field: str) -> Decimal:
        return getattr(Score.objects.get(membership__unit__code=unit, criterion__code=code), field)

    assert (figure("HH", "I.1", "plan"), figure("HH", "I.1", "actual")) == (100, Decimal("104.5"))
    assert figure("HH", "II.1", "points") == 24
    assert figure("VY", "II.1", "points") == Decimal("24.5")
    assert figure("HH", "III.4.1", "value") == Decimal("0.5")


def test_two_decimals_are_judged_by_value(tmp_path: Path) -> None:
    """DATASET.md: "499.500" has 2 decimals."""
    document = _load(BASIC)
    _criterion(document, "II.1")["points"] = "25.000"
    _score(document, "HH", "II.1")["points"] = "24.500"
    document["bonuses"][0]["points"] = 4.5
    _cluster(document)["cluster_bonus_max"] = "5.000"

    _import(_write(tmp_path, document))

    assert Score.objects.get(membership__unit__code="HH", criterion__code="II.1").points == (
        Decimal("24.5")
    )


def test_figures_may_have_more_decimals_than_points_and_a_tiered_value_may_be_negative(
    tmp_path: Path,
) -> None:
    document = _load(BASIC)
    _score(document, "HH", "I.1").update(plan="100.125", actual=104.0625)
    _tiered(document)["tiers"][2]["min"] = "10.000001"
    _score(document, "HH", "III.4.1")["value"] = "-0.125"

    _import(_write(tmp_path, document))

    hh = Score.objects.filter(membership__unit__code="HH")
    assert (hh.get(criterion__code="I.1").plan, hh.get(criterion__code="I.1").actual) == (
        Decimal("100.125"),
        Decimal("104.0625"),
    )
    assert hh.get(criterion__code="III.4.1").value == Decimal("-0.125")
    assert Band.objects.get(criterion__code="III.4.1", order=3).min_value == Decimal("10.000001")


def test_a_tier_bound_given_null_is_open(tmp_path: Path) -> None:
    document = _load(BASIC)
    for tier in _tiered(document)["tiers"]:
        tier.setdefault("max", None)  # the last band had no max: now a null one

    _import(_write(tmp_path, document))

    expected = _load(DATA / "01-cum-huyen-basic.expected.json")
    assert _exact(_results(2025)["clusters"][0]["units"]) == _exact(
        expected["clusters"][0]["units"]
    )
    assert Band.objects.get(criterion__code="III.4.1", order=5).max_value is None


def test_overlapping_bands_are_accepted_and_the_first_that_matches_wins(tmp_path: Path) -> None:
    # LG's III.4.1 value is 5: band 2 (15 points) before, the new first band (20) now.
    document = _load(BASIC)
    _tiered(document)["tiers"].insert(0, {"min": 0, "max": 100, "points": 20})

    _import(_write(tmp_path, document))

    expected = _load(DATA / "01-cum-huyen-basic.expected.json")["clusters"][0]["units"]
    before = next(u for u in expected if u["unit"] == "LG")
    after = next(u for u in _results(2025)["clusters"][0]["units"] if u["unit"] == "LG")
    assert Decimal(str(after["sections"]["III"])) == Decimal(str(before["sections"]["III"])) + 5


def test_absent_lists_and_quotas_are_empty(tmp_path: Path) -> None:
    document = _load(BASIC)
    for key in ("bonuses", "deductions", "participation", "flags", "votes"):
        del document[key]
    del _cluster(document)["quotas"]
    del _cluster(document)["calendar"]

    _import(_write(tmp_path, document))

    assert not (Bonus.objects.exists() or Deduction.objects.exists() or Flag.objects.exists())
    assert not Vote.objects.exists()
    # Absent participation: every unit took part (one record each, every fact done).
    facts = Participation.FACTS
    assert {tuple(getattr(p, f) for f in facts) for p in Participation.objects.all()} == {
        (True,) * 4
    }
    assert set(Quota.objects.values_list("count", flat=True)) == {0}
    assert Cluster.objects.get().calendar == "standard"


def test_absent_units_are_no_units() -> None:
    document = {"format": "thidua-dataset/1", "year": 2025, "authorities": [], "clusters": []}

    assert validate_dataset(document).units == ()


def test_a_deductions_reason_is_kept_and_shown_not_checked(tmp_path: Path) -> None:
    document = _load(BASIC)
    reason = "Lý do không thuộc danh mục nào: vắng 2 buổi (xem biên bản số 12/BB)"
    document["deductions"][0]["reason"] = reason

    _import(_write(tmp_path, document))

    assert Deduction.objects.get().reason == reason
    assert _export(2025)["deductions"][0]["reason"] == reason


def test_r33_a_tie_with_a_missing_vote_is_wholly_undecided_and_keeps_its_slots(
    tmp_path: Path,
) -> None:
    """R33: HH and LG tie across the flag boundary; only HH has a vote, so both
    need a vote, and YT after them still takes the third slot (DATASET.md: a
    tied group occupies its award slots even when tie_vote_needed)."""
    document = _load(DATA / "03-tie-resolved-by-vote.json")
    document["votes"] = [v for v in document["votes"] if v["unit"] == "HH"]

    _import(_write(tmp_path, document))

    awards = {u["unit"]: u["award"] for u in _results(2025)["clusters"][0]["units"]}
    assert (awards["HH"], awards["LG"], awards["YT"]) == (
        "tie_vote_needed",
        "tie_vote_needed",
        "tap_the_ldxs",
    )


def test_codes_are_case_sensitive(tmp_path: Path) -> None:
    document = _load(BASIC)
    document["bonuses"][0]["unit"] = "hh"

    with pytest.raises(CommandError, match="đơn vị “hh” không có trong units"):
        _import(_write(tmp_path, document))


def test_validation_refuses_a_document_that_is_not_an_object() -> None:
    with pytest.raises(DatasetError, match="đối tượng JSON"):
        dataset_import(document=[], replace=False)


# ---------------------------------------------------------------------------
# Existing years and --replace


def test_a_year_with_data_is_refused_without_replace() -> None:
    _import(BASIC)
    before = _counts()

    with pytest.raises(CommandError, match="năm 2025 đã có dữ liệu"):
        _import(DATA / "02-tie-without-vote.json")

    assert _counts() == before
    assert _results(2025)["clusters"][0]["units"][0]["unit"] == "VY"  # still example 01


def test_replace_swaps_the_year_for_the_file() -> None:
    _import(BASIC)

    out = _import(DATA / "02-tie-without-vote.json", "--replace")

    assert "Đã thay thế dữ liệu năm 2025" in out
    expected = _load(DATA / "02-tie-without-vote.expected.json")
    got = _results(2025)
    assert _exact(got["clusters"][0]["units"]) == _exact(expected["clusters"][0]["units"])
    assert Score.objects.count() == 560
    assert Membership.objects.count() == 10
    assert Scorecard.objects.count() == 1
    assert Quota.objects.count() == 3


def test_replace_after_a_read_gives_the_new_files_results() -> None:
    """The import writes with set-based inserts, past the signals: it renews
    every cluster's results token itself (#17), so a result read before the
    replacement is never read again."""
    _import(BASIC)
    assert _results(2025)["clusters"][0]["units"][0]["unit"] == "VY"  # example 01, now cached

    _import(DATA / "02-tie-without-vote.json", "--replace")

    expected = _load(DATA / "02-tie-without-vote.expected.json")
    got = _results(2025)
    assert _exact(got["clusters"][0]["units"]) == _exact(expected["clusters"][0]["units"])


def test_replace_leaves_other_years_alone(tmp_path: Path) -> None:
    earlier = _load(BASIC)
    earlier["year"] = 2024
    _import(_write(tmp_path, earlier))
    _import(BASIC)

    _import(DATA / "02-tie-without-vote.json", "--replace")

    assert Membership.objects.filter(year__year=2024).count() == 10
    assert Score.objects.filter(membership__year__year=2024).count() == 560
    assert _results(2024)["clusters"][0]["units"][0]["unit"] == "VY"


def test_replace_removes_the_years_proposals_and_records_the_deletions() -> None:
    _import(BASIC)
    year = EmulationYear.objects.get(year=2025)
    Proposal.objects.create(cluster=Cluster.objects.get(code="CUM-HUYEN"), year=year)

    _import(BASIC, "--replace", "--discard-online-records")

    assert not Proposal.objects.exists()
    history = Score.history.model.objects
    assert history.filter(history_type="-").count() == 560
    assert history.filter(history_type="+").count() == 1120


def _online_work() -> None:
    """What people do online in 2025 of example 01 (#11.4)."""
    year = EmulationYear.objects.get(year=2025)
    cluster = Cluster.objects.get(code="CUM-HUYEN")
    hh = Membership.objects.get(year=year, unit__code="HH")
    criterion = Criterion.objects.get(code="II.1")
    Sheet.objects.create(membership=hh, status=Sheet.Status.SUBMITTED)
    Evidence.objects.create(
        membership=hh,
        criterion=criterion,
        file="minh-chung/x",
        original_name="bien-ban.pdf",
        content_type="application/pdf",
        size=10,
    )
    Registration.objects.create(membership=hh)
    Report.objects.create(
        membership=hh, kind=Report.Kind.values[0], reported_on=date(2025, 6, 30), file="r/x"
    )
    Conference.objects.create(
        cluster=cluster,
        year=year,
        kind=Conference.Kind.PREPARATORY,
        held_on=date(2025, 12, 15),
        place="UBND thành phố Bắc Giang",
    )
    ScoreAgreement.objects.create(cluster=cluster, year=year)
    Proposal.objects.create(cluster=cluster, year=year)
    Score.objects.filter(membership=hh, criterion=criterion).update(agreed_points=20)


ONLINE_COUNTS = (
    "1 phiếu tự chấm",
    "1 minh chứng",
    "1 bản đăng ký thi đua",
    "1 báo cáo",
    "1 điểm đã điều chỉnh khi thống nhất",
    "1 hội nghị",
    "1 bản thống nhất điểm",
    "1 hồ sơ đề nghị khen thưởng",
)


def test_replace_refuses_a_year_with_online_records_and_lists_the_losses() -> None:
    _import(BASIC)
    _online_work()

    message = _refusal(BASIC, "--replace")

    assert "year: năm 2025 có dữ liệu làm trực tuyến, thay thế sẽ xóa" in message
    assert "--discard-online-records" in message
    for count in ONLINE_COUNTS:
        assert count in message
    for model in (Sheet, Evidence, Registration, Report, Conference, ScoreAgreement):
        assert model.objects.count() == 1
    adjusted = Score.objects.get(membership__unit__code="HH", criterion__code="II.1")
    assert adjusted.agreed_points == 20 and adjusted.points == 25


def test_replace_discarding_online_records_prints_them_and_records_the_deletions() -> None:
    _import(BASIC)
    _online_work()

    out = _import(BASIC, "--replace", "--discard-online-records")

    assert "Đã thay thế dữ liệu năm 2025" in out
    assert "Đã xóa dữ liệu làm trực tuyến: " in out
    for count in ONLINE_COUNTS:
        assert count in out
    for model in (Sheet, Evidence, Registration, Report, Conference, ScoreAgreement, Proposal):
        assert not model.objects.exists()
    assert not Score.objects.filter(agreed_points__isnull=False).exists()
    for model in (Sheet, Conference, ScoreAgreement, Proposal, Score):
        [deleted, *_] = model.history.filter(history_type="-")
        assert deleted.history_change_reason.startswith("Thay thế dữ liệu năm 2025")
        assert "1 phiếu tự chấm" in deleted.history_change_reason


def test_replace_on_an_empty_year_is_a_plain_import() -> None:
    out = _import(BASIC, "--replace")

    assert "Đã nhập dữ liệu năm 2025" in out
    assert Score.objects.count() == 560


def test_import_records_the_history_of_every_row() -> None:
    """R35: an imported score has its creation in its history, so a later
    change shows the old value."""
    _import(BASIC)

    score = Score.objects.get(membership__unit__code="HH", criterion__code="I.1")
    [record] = score.history.all()
    assert record.history_type == "+"
    assert (record.plan, record.actual) == (score.plan, score.actual)
    assert "thidua-dataset/1" in record.history_change_reason
    for model in (Scorecard, Bonus, Deduction, Participation, Quota):
        assert model.history.count() == model.objects.count()


# ---------------------------------------------------------------------------
# Storage mapping


def test_import_stores_the_documented_mapping() -> None:
    _import(BASIC)

    snv = Authority.objects.get(code="SNV")
    # Named Sở Nội vụ, yet only an administrator makes it the standing agency (issue 13).
    assert snv.kind == Authority.Kind.GUIDING
    cluster = Cluster.objects.get(code="CUM-HUYEN")
    assert (cluster.kind, cluster.group, cluster.calendar, cluster.authority) == (
        "cum",
        "A",
        "standard",
        snv,
    )
    assert Membership.objects.get(unit__code="TPBG").role == "head"
    scorecard = Scorecard.objects.get()
    assert (scorecard.version, scorecard.status, scorecard.cluster_bonus_max) == (
        1,
        "issued",
        Decimal(5),
    )
    criteria = list(Criterion.objects.order_by("order"))
    assert [c.code for c in criteria][:3] == ["I.1", "I.2", "I.3"]
    assert all(c.is_leaf for c in criteria)
    assert Criterion.objects.get(code="I.13").direction == "lower"
    bands = list(Band.objects.filter(criterion__code="III.4.1").order_by("order"))
    assert [(b.min_value, b.max_value, b.points) for b in bands[:2]] == [
        (Decimal(0), Decimal(0), Decimal(20)),
        (Decimal(0), Decimal(10), Decimal(15)),
    ]
    assert not bands[1].min_inclusive and not bands[1].max_inclusive
    assert Score.objects.filter(agreed_points__isnull=False).count() == 0
    deduction = Deduction.objects.get()
    assert (deduction.kind, deduction.count, deduction.status) == ("member_duty", 2, "confirmed")
    assert deduction.reason == "Vắng hội nghị sơ kết"
    # R27: every unit gets its one record from the import, the only source of its year.
    assert Participation.objects.count() == 10
    participation = Participation.objects.get(membership__unit__code="SD")
    assert not participation.pledge_signed and participation.registered
    assert participation.pledge_signed_source == "import"
    assert Participation.objects.filter(pledge_signed=False).count() == 1
    assert dict(Quota.objects.values_list("award", "count")) == {
        "co_thi_dua": 1,
        "bang_khen": 2,
        "tap_the_ldxs": 0,
    }


# ---------------------------------------------------------------------------
# Shared records and powers (#11.3): a file writes its year only


def _refusal(path: Path, *args: str) -> str:
    """The message of an import that must be refused, having stored nothing."""
    before = _counts()
    with pytest.raises(CommandError) as refused:
        _import(path, *args)
    assert _counts() == before
    return str(refused.value)


def _staff_of(authority: str) -> Any:
    return UserFactory(authority=Authority.objects.get(code=authority))


def _other_authoritys_cluster() -> Cluster:
    other = AuthorityFactory(code="SYT", name="Sở Y tế tỉnh Bắc Giang")
    return ClusterFactory(code="KHOI-YTE", authority=other)


def test_an_authority_created_by_an_import_is_never_the_provincial_agency() -> None:
    # SNV is named "Sở Nội vụ tỉnh Bắc Giang": a name grants nothing.
    _import(BASIC)
    elsewhere = _other_authoritys_cluster()

    visible = Cluster.objects.visible_to(_staff_of("SNV"))

    assert elsewhere not in visible
    assert list(visible.values_list("code", flat=True)) == ["CUM-HUYEN"]


def test_renaming_an_authority_sno_noi_vu_is_refused_and_grants_nothing(tmp_path: Path) -> None:
    """#11.3: a 2032 file renaming SGDDT "Sở Nội vụ…" made it provincial."""
    AuthorityFactory(code="SGDDT", name="Sở Giáo dục và Đào tạo tỉnh Bắc Giang")
    elsewhere = _other_authoritys_cluster()
    staff = _staff_of("SGDDT")
    document = _load(BASIC)
    document["year"] = 2032
    document["authorities"].append({"code": "SGDDT", "name": "Sở Nội vụ tỉnh Bắc Giang (mới)"})

    message = _refusal(_write(tmp_path, document))

    assert (
        "authorities[1] (SGDDT): cơ quan “SGDDT” đã có, dùng chung cho mọi năm, và khác trong "
        "tệp (tên “Sở Giáo dục và Đào tạo tỉnh Bắc Giang” → “Sở Nội vụ tỉnh Bắc Giang (mới)”)"
    ) in message
    assert "--update-shared" in message
    assert Authority.objects.get(code="SGDDT").name == "Sở Giáo dục và Đào tạo tỉnh Bắc Giang"

    _import(_write(tmp_path, document), "--update-shared")

    assert Authority.objects.get(code="SGDDT").name == "Sở Nội vụ tỉnh Bắc Giang (mới)"
    assert elsewhere not in Cluster.objects.visible_to(staff)
    assert Authority.objects.get(code="SGDDT").kind == Authority.Kind.GUIDING


def test_a_file_of_one_year_cannot_rename_a_unit_of_every_year(tmp_path: Path) -> None:
    _import(BASIC)
    later = _load(BASIC)
    later["year"] = 2031
    _unit(later, "HH").update(name="UBND thị xã Hiệp Hòa", kind="commune")

    message = _refusal(_write(tmp_path, later))

    assert (
        "units[2] (HH): đơn vị “HH” đã có, dùng chung cho mọi năm, và khác trong tệp "
        "(tên “UBND huyện Hiệp Hòa” → “UBND thị xã Hiệp Hòa”; loại “district” → “commune”)"
    ) in message
    assert Unit.objects.get(code="HH").name == "UBND huyện Hiệp Hòa"


def test_a_file_cannot_rewrite_a_cluster_of_every_year(tmp_path: Path) -> None:
    _import(BASIC)
    later = _load(BASIC)
    later["year"] = 2026
    later["authorities"].append({"code": "SGDDT", "name": "Sở Giáo dục và Đào tạo"})
    _cluster(later).update(authority="SGDDT", calendar="education", name="Cụm các huyện")

    message = _refusal(_write(tmp_path, later))

    assert "clusters[0] (CUM-HUYEN): cụm, khối “CUM-HUYEN” đã có" in message
    for difference in (
        "tên “Cụm thi đua các huyện, thành phố” → “Cụm các huyện”",
        "lịch “standard” → “education”",
        "cơ quan hướng dẫn “SNV” → “SGDDT”",
    ):
        assert difference in message
    cluster = Cluster.objects.get(code="CUM-HUYEN")
    assert (cluster.authority.code, cluster.calendar) == ("SNV", "standard")


def test_update_shared_applies_the_files_data_and_records_it_in_the_history(
    tmp_path: Path,
) -> None:
    _import(BASIC)
    later = _load(BASIC)
    later["year"] = 2026
    _unit(later, "HH")["name"] = "UBND thị xã Hiệp Hòa"
    _cluster(later)["group"] = "B"

    out = _import(_write(tmp_path, later), "--update-shared")

    assert "Đã cập nhật 2 cơ quan, đơn vị, cụm, khối dùng chung" in out
    unit = Unit.objects.get(code="HH")
    assert unit.name == "UBND thị xã Hiệp Hòa"
    change = unit.history.latest("history_date")
    assert change.history_type == "~"
    assert change.history_change_reason.startswith("import: ")
    assert change.prev_record.name == "UBND huyện Hiệp Hòa"
    assert Cluster.objects.get(code="CUM-HUYEN").history.latest("history_date").group == "B"


def test_an_import_records_the_shared_records_it_creates() -> None:
    _import(BASIC)

    for model in (Authority, Unit, Cluster):
        assert model.history.filter(history_type="+").count() == model.objects.count()


def test_a_file_that_repeats_the_shared_data_changes_nothing_shared(tmp_path: Path) -> None:
    _import(BASIC)
    later = _load(BASIC)
    later["year"] = 2026
    del later["units"][2]["kind"]  # no kind: the unit keeps its own

    _import(_write(tmp_path, later))

    assert Unit.objects.get(code="HH").kind == "district"
    assert not Unit.history.filter(history_type="~").exists()


def test_the_number_of_queries_does_not_grow_with_the_clusters(tmp_path: Path) -> None:
    def province(clusters: int) -> dict:
        base = _load(BASIC)
        document = {**base, "units": [], "clusters": [], "scores": []}
        for k in range(clusters):
            rename = {u["code"]: f"{u['code']}{k}" for u in base["units"]}
            document["units"] += [{**u, "code": rename[u["code"]]} for u in base["units"]]
            cluster = copy.deepcopy(base["clusters"][0])
            cluster["code"] = f"CUM-{k}"
            for member in cluster["members"]:
                member["unit"] = rename[member["unit"]]
            document["clusters"].append(cluster)
            document["scores"] += [{**s, "unit": rename[s["unit"]]} for s in base["scores"]]
            for key in ("bonuses", "deductions", "participation"):
                document[key] = [{**r, "unit": r["unit"] + "0"} for r in base[key]]
        return document

    counts = []
    for year, clusters in ((2024, 1), (2025, 3)):
        document = province(clusters)
        document["year"] = year
        with CaptureQueriesContext(connection) as queries:
            dataset_import(document=document, replace=False)
        counts.append(len(queries))
    # Bulk inserts split into batches; allow a few, not one per row.
    assert counts[1] - counts[0] <= 20


def test_a_database_error_midway_leaves_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    before = _counts()
    original = QuerySet.bulk_create

    def failing(self, objs, *args, **kwargs):
        if self.model is Quota:  # the last model the import stores
            raise DatabaseError("disque plein")
        return original(self, objs, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "bulk_create", failing)

    with pytest.raises(CommandError, match=r"Lỗi cơ sở dữ liệu.*không có gì được lưu"):
        _import(BASIC)

    assert _counts() == before
    assert not EmulationYear.objects.filter(year=2025).exists()


# ---------------------------------------------------------------------------
# Export and the round trip


def _rich(document: dict) -> dict:
    """Example 01 with the records it lacks: flags, votes, an added criterion,
    open and exclusive tier bounds, a fractional plan."""
    document = copy.deepcopy(document)
    document["flags"] = [
        {"unit": "LG", "kind": "exclude", "reason": "leader_rating"},
        {"unit": "LG", "kind": "exclude", "reason": "culture"},
        {"unit": "LN", "kind": "defer", "reason": "under_review"},
    ]
    document["votes"] = [{"unit": "HH", "votes": 3}, {"unit": "LNG", "votes": 0}]
    _criterion(document, "I.19")["added"] = True
    _score(document, "HH", "I.1").update(plan="100.25", actual=104.5)
    return document


@pytest.mark.parametrize(
    "path", [*_examples(valid=True), "rich"], ids=lambda p: getattr(p, "stem", p)
)
def test_export_import_export_gives_the_same_document(tmp_path: Path, path) -> None:
    original = _rich(_load(BASIC)) if path == "rich" else _load(path)
    _import(_write(tmp_path, original, "original.json"))
    results = _results(original["year"])
    exported = _export(original["year"])

    _empty_database()
    _import(_write(tmp_path, exported, "exported.json"))

    assert _export(original["year"]) == exported
    assert _results(original["year"]) == results


def test_export_keeps_the_files_figures(tmp_path: Path) -> None:
    original = _rich(_load(BASIC))
    _import(_write(tmp_path, original))

    exported = _export(2025)

    def figures(doc: dict) -> dict:
        return {
            (s["unit"], s["criterion"]): {
                k: Decimal(str(v)) for k, v in s.items() if k not in ("unit", "criterion")
            }
            for s in doc["scores"]
        }

    assert figures(exported) == figures(original)
    assert _score(exported, "HH", "I.1") == {
        "unit": "HH",
        "criterion": "I.1",
        "plan": 100.25,
        "actual": 104.5,
    }
    assert [u["code"] for u in exported["units"]] == sorted(u["code"] for u in original["units"])
    assert [(s["unit"], s["criterion"]) for s in exported["scores"][:2]] == [
        ("HH", "I.1"),
        ("HH", "I.2"),
    ]
    assert exported["flags"] == sorted(
        original["flags"], key=lambda f: (f["unit"], f["kind"], f["reason"])
    )
    assert _tiered(exported)["tiers"][1] == {
        "min": 0,
        "min_inclusive": False,
        "max": 10,
        "max_inclusive": False,
        "points": 15,
    }
    assert exported["clusters"][0]["quotas"] == original["clusters"][0]["quotas"]


def test_export_writes_the_agreed_figures_where_set() -> None:
    _import(BASIC)
    score = Score.objects.get(membership__unit__code="HH", criterion__code="II.1")
    score.agreed_points = Decimal("20.50")
    score.save()

    assert _score(_export(2025), "HH", "II.1")["points"] == 20.5


def test_r18_a_cluster_without_an_issued_scorecard_round_trips(tmp_path):
    """A year exported before every scorecard is issued imports back (backups)."""
    import json as _json

    from django.core.management import call_command as _call

    from scoring.models import Scorecard as _Scorecard

    document = _json.loads((DATA / "01-cum-huyen-basic.json").read_text("utf-8"))
    document["clusters"][0]["criteria"] = []
    document["scores"] = []
    path = tmp_path / "no-scorecard.json"
    path.write_text(_json.dumps(document, ensure_ascii=False), "utf-8")
    _call("import_dataset", str(path))
    assert not _Scorecard.objects.exists()
    exported = tmp_path / "exported.json"
    _call("export_dataset", "--year", "2025", "--output", str(exported))
    assert _json.loads(exported.read_text("utf-8"))["clusters"][0]["criteria"] == []
