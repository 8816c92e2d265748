"""The score engine, rule by rule (R15–R29 of spec/RULES.md), then properties."""

from __future__ import annotations

import random
from decimal import Decimal as D
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.engine import (
    BONUS_LABELS,
    DEDUCTION_LABELS,
    DEDUCTION_POINTS,
    DEFER_REASONS,
    DIRECTION_LABELS,
    EXCLUDE_REASONS,
    FLAG_EXCLUDE_REASONS,
    FRAMEWORK_COUNTS,
    METHOD_LABELS,
    REASON_LABELS,
    SECTION_ITEMS,
    SECTION_POINTS,
    STATUS_LABELS,
    THRESHOLD,
    Band,
    Bonus,
    Criterion,
    Deduction,
    Participation,
    Score,
    UnitInput,
    added_limit,
    compute_cluster,
    compute_unit,
    earned,
    exceed_cap,
    frame_counts,
    status_of,
    validate_bonuses,
    validate_criteria,
    validate_deductions,
    validate_score,
)

# ---------------------------------------------------------------------------
# Builders


def quant(code: str = "I.1", points: str = "25", section: str = "I", direction: str = "higher"):
    return Criterion(code, section, D(points), "quantitative", direction)


def qual(code: str = "II.1", points: str = "25", section: str = "II"):
    return Criterion(code, section, D(points), "qualitative")


def plan_actual(criterion: Criterion, plan: str, actual: str) -> Score:
    return Score(criterion.code, plan=D(plan), actual=D(actual))


# The III.4 example of R19: share of dossiers returned.
RETURNED_DOSSIERS = Criterion(
    "III.4.1",
    "III",
    D(20),
    "tiered",
    bands=(
        Band(D(20), min=D(0), max=D(0)),
        Band(D(15), min=D(0), max=D(10), min_inclusive=False, max_inclusive=False),
        Band(D(10), min=D(10), max=D(20)),
        Band(D(5), min=D(20), max=D(50), min_inclusive=False),
    ),
)


def full_scorecard(group: str = "A") -> list[Criterion]:
    """A valid scorecard with the framework's criterion counts: section I
    quantitative, II qualitative, III qualitative plus one tiered."""
    criteria: list[Criterion] = []
    for section in ("I", "II", "III"):
        count = FRAMEWORK_COUNTS[section][group]
        total = SECTION_POINTS[section]
        each = (total / count).quantize(D("0.01"), rounding="ROUND_DOWN")
        points = [each] * (count - 1) + [total - each * (count - 1)]
        if section in SECTION_ITEMS:  # R17: Phụ lục 02 fixes III.1 … III.7
            points = list(SECTION_ITEMS[section].values())
        for i, p in enumerate(points, start=1):
            method = "quantitative" if section == "I" else "qualitative"
            criteria.append(Criterion(f"{section}.{i}", section, p, method))
    criteria[-1] = Criterion(
        criteria[-1].code,
        "III",
        criteria[-1].points,
        "tiered",
        bands=(Band(criteria[-1].points, max=D(0)), Band(D(0), min=D(0), min_inclusive=False)),
    )
    return criteria


def perfect_scores(criteria: list[Criterion], over: str = "1") -> tuple[Score, ...]:
    """Every criterion at full marks; quantitative ones at `over` × plan."""
    scores = []
    for c in criteria:
        if c.method == "quantitative":
            scores.append(Score(c.code, plan=D(100), actual=D(100) * D(over)))
        elif c.method == "qualitative":
            scores.append(Score(c.code, points=c.points))
        else:
            scores.append(Score(c.code, value=D(0)))
    return tuple(scores)


# ---------------------------------------------------------------------------
# R15/R16/R17: the scorecard frame


def test_r15_perfect_unit_with_every_bonus_scores_exactly_1000() -> None:
    criteria = full_scorecard()
    unit = UnitInput(
        "HH",
        scores=perfect_scores(criteria, over="2"),
        bonuses=(Bonus("cluster", D(5)), Bonus("reporting", D(5)), Bonus("council", D(10))),
    )
    result = compute_unit(criteria, unit)
    assert result.sections == {"I": D("550.00"), "II": D("200.00"), "III": D("200.00")}
    assert result.base == D("950.00")
    assert result.exceed_bonus == D("30.00")
    assert result.bonus == D("50.00")
    assert result.total == D("1000.00")


@pytest.mark.parametrize(
    ("section", "group", "limit"),
    [
        ("I", "A", 5),
        ("I", "B", 3),
        ("I", "C", 3),
        ("I", "D", 3),
        ("II", "A", 2),
        ("II", "D", 2),
        ("III", "A", 2),
        ("III", "C", 2),
    ],
)
def test_r17_added_limit_is_30_percent_of_framework_rounded_down(section, group, limit) -> None:
    assert added_limit(section, group) == limit


def test_r16_framework_counts_per_group() -> None:
    assert {g: FRAMEWORK_COUNTS["I"][g] for g in "ABCD"} == {"A": 19, "B": 12, "C": 10, "D": 10}
    assert FRAMEWORK_COUNTS["II"]["B"] == 9
    assert FRAMEWORK_COUNTS["III"]["D"] == 7


@pytest.mark.parametrize("group", ["A", "B", "C", "D"])
def test_r17_valid_scorecard_has_no_errors(group: str) -> None:
    assert validate_criteria(full_scorecard(group), set(), group) == []


def _replace(criteria: list[Criterion], index: int, **changes) -> list[Criterion]:
    from dataclasses import replace

    criteria = list(criteria)
    criteria[index] = replace(criteria[index], **changes)
    return criteria


def test_r17_section_total_below_frame_refused() -> None:
    criteria = full_scorecard()
    criteria = _replace(criteria, 0, points=criteria[0].points - 1)
    errors = validate_criteria(criteria, set(), "A")
    assert errors == ["Phần I: tổng điểm các tiêu chí là 549, phải đúng 550."]


def test_r17_section_total_above_frame_refused() -> None:
    criteria = full_scorecard()
    criteria = _replace(criteria, 20, points=criteria[20].points + D("0.5"))
    errors = validate_criteria(criteria, set(), "A")
    assert errors == ["Phần II: tổng điểm các tiêu chí là 200,5, phải đúng 200."]


def test_r17_section_without_criteria_refused() -> None:
    criteria = [c for c in full_scorecard() if c.section != "III"]
    assert validate_criteria(criteria, set(), "A") == [
        "Phần III: tổng điểm các tiêu chí là 0, phải đúng 200."
    ]


@pytest.mark.parametrize("points", ["0", "-5"])
def test_r17_criterion_points_must_be_positive(points: str) -> None:
    criteria = _replace(full_scorecard(), 0, points=D(points))
    errors = validate_criteria(criteria, set(), "A")
    assert "Tiêu chí I.1: điểm phải lớn hơn 0." in errors


def test_r17_criterion_points_at_most_two_decimals() -> None:
    criteria = _replace(full_scorecard(), 0, points=D("28.945"))
    errors = validate_criteria(criteria, set(), "A")
    assert "Tiêu chí I.1: điểm: chỉ được có tối đa 2 chữ số thập phân." in errors
    # Trailing zeros are not decimals: 28.9500 is 28.95.
    ok = _replace(full_scorecard(), 0, points=full_scorecard()[0].points.quantize(D("0.0000")))
    assert validate_criteria(ok, set(), "A") == []


@pytest.mark.parametrize("bad", [D("NaN"), D("Infinity"), 28.94, "28.94", True, None])
def test_r17_criterion_points_must_be_a_finite_number(bad) -> None:
    criteria = _replace(full_scorecard(), 0, points=bad)
    errors = validate_criteria(criteria, set(), "A")
    assert "Tiêu chí I.1: điểm: phải là một số hữu hạn." in errors


def test_r17_duplicate_codes_refused() -> None:
    criteria = _replace(full_scorecard(), 1, code="I.1")
    assert "Tiêu chí I.1: mã tiêu chí bị trùng." in validate_criteria(criteria, set(), "A")


def test_r17_added_criteria_at_limit_accepted_and_over_limit_refused() -> None:
    criteria = full_scorecard("A")
    section_one = [c.code for c in criteria if c.section == "I"]
    assert validate_criteria(criteria, set(section_one[:5]), "A") == []
    errors = validate_criteria(criteria, set(section_one[:6]), "A")
    assert errors == [
        "Phần I: cụ thể hóa 0 và bổ sung 6 tiêu chí, vượt giới hạn 5 "
        "(30% của 19 tiêu chí khung, làm tròn xuống)."
    ]


def test_r17_added_limit_depends_on_group() -> None:
    criteria = full_scorecard("B")
    section_one = {c.code for c in criteria if c.section == "I"}
    added = set(sorted(section_one)[:4])
    assert any("vượt giới hạn 3" in e for e in validate_criteria(criteria, added, "B"))
    three = set(sorted(section_one)[:3])
    assert validate_criteria(criteria, three, "B") == []


def test_r17_added_limit_in_sections_two_and_three() -> None:
    criteria = full_scorecard()
    two = {c.code for c in criteria if c.section == "II"}
    errors = validate_criteria(criteria, set(sorted(two)[:3]), "A")
    assert errors == [
        "Phần II: cụ thể hóa 0 và bổ sung 3 tiêu chí, vượt giới hạn 2 "
        "(30% của 9 tiêu chí khung, làm tròn xuống)."
    ]


def split(criteria: list[Criterion], code: str, *points: str) -> list[Criterion]:
    """`code` concretised into sub-criteria code.a, code.b … of these points."""
    at = next(i for i, c in enumerate(criteria) if c.code == code)
    whole = criteria[at]
    parts = [
        Criterion(f"{code}.{chr(97 + n)}", whole.section, D(p), whole.method)
        for n, p in enumerate(points)
    ]
    return criteria[:at] + parts + criteria[at + 1 :]


def parents_of(criteria: list[Criterion]) -> dict[str, str]:
    return {c.code: c.code.rsplit(".", 1)[0] for c in criteria if c.code.count(".") == 2}


def test_r17_concretising_a_framework_criterion_counts_toward_the_30_percent() -> None:
    # Seed [II.1]: "cụ thể hoá hoặc bổ sung thêm tiêu chí … nhưng không vượt quá
    # 30% số tiêu chí đã quy định cho từng nội dung": II.1 and II.2 split, II.3 added.
    criteria = split(split(full_scorecard(), "II.1", "10", "12.22"), "II.2", "20", "2.22")
    parents = parents_of(criteria)
    assert validate_criteria(criteria, set(), "A", parents) == []
    assert frame_counts(criteria, set(), parents)["II"].used == 2

    errors = validate_criteria(criteria, {"II.3"}, "A", parents)

    assert errors == [
        "Phần II: cụ thể hóa 2 và bổ sung 1 tiêu chí, vượt giới hạn 2 "
        "(30% của 9 tiêu chí khung, làm tròn xuống)."
    ]


def test_r17_each_parent_counts_once_however_many_leaves_name_it() -> None:
    criteria = split(full_scorecard(), "I.1", "10", "10", "8.94")
    parents = parents_of(criteria)

    assert frame_counts(criteria, set(), parents)["I"].concretised == 1
    # An added criterion split into leaves (all added, parent = its code) counts once too.
    added = split(full_scorecard(), "I.19", "15", "13.58")
    added_parents = parents_of(added)
    counts = frame_counts(added, {"I.19.a", "I.19.b"}, added_parents)
    assert (counts["I"].concretised, counts["I"].added) == (0, 1)


def test_r17_parent_named_by_added_and_non_added_leaves_is_refused() -> None:
    criteria = split(full_scorecard(), "II.1", "10", "12.22")

    errors = validate_criteria(criteria, {"II.1.a"}, "A", parents_of(criteria))

    assert errors == [
        "Tiêu chí cha II.1 có cả tiêu chí con bổ sung và tiêu chí con không bổ sung; một tiêu "
        "chí cụ thể hóa từ khung hoặc là tiêu chí bổ sung, không thể cả hai."
    ]


def test_r17_parent_equal_to_a_leaf_code_or_across_sections_is_refused() -> None:
    criteria = full_scorecard()

    errors = validate_criteria(criteria, set(), "A", {"I.2": "I.1", "II.1": "I.1"})

    assert "Tiêu chí cha I.1 trùng mã với một tiêu chí chấm điểm của bảng." in errors
    assert (
        "Tiêu chí cha I.1 có tiêu chí con ở nhiều phần (I, II); tiêu chí con phải cùng phần."
        in errors
    )


def test_r17_section_iii_item_keeps_its_phu_luc_02_points() -> None:
    # Phụ lục 02's table: III.1 = 35, III.6 = 20. Raising one and lowering the
    # other keeps the section at 200 but re-weights the items.
    criteria = full_scorecard()
    criteria = _replace(criteria, -7, points=D(45))  # III.1
    criteria = _replace(criteria, -2, points=D(10))  # III.6

    errors = validate_criteria(criteria, set(), "A")

    assert errors == [
        "Phần III, mục III.1: các tiêu chí có tổng 45 điểm, phải đúng 35 điểm Phụ lục 02 "
        "quy định cho mục; không được thay đổi điểm của mục.",
        "Phần III, mục III.6: các tiêu chí có tổng 10 điểm, phải đúng 20 điểm Phụ lục 02 "
        "quy định cho mục; không được thay đổi điểm của mục.",
    ]


def test_r17_a_split_items_leaves_total_its_points_and_it_counts_as_concretised() -> None:
    good = split(full_scorecard(), "III.4", "20", "10", "5")
    assert validate_criteria(good, set(), "A", parents_of(good)) == []
    assert frame_counts(good, set(), parents_of(good))["III"].concretised == 1

    bad = split(split(full_scorecard(), "III.4", "25", "10", "5"), "III.5", "5", "5")
    errors = validate_criteria(bad, set(), "A", parents_of(bad))

    assert "Phần III, mục III.4: các tiêu chí có tổng 40 điểm" in errors[-2]
    assert "Phần III, mục III.5: các tiêu chí có tổng 10 điểm" in errors[-1]


def test_r17_leaves_that_name_no_item_are_checked_only_by_the_section_total() -> None:
    # The shared examples list III.1.1a … without a parent: no item is named.
    criteria = [c for c in full_scorecard() if c.code != "III.1"] + [
        Criterion(f"III.1.{n}", "III", D(p), "qualitative") for n, p in ((1, "20"), (2, "15"))
    ]
    assert validate_criteria(criteria, set(), "A") == []


def test_r17_added_code_must_exist() -> None:
    errors = validate_criteria(full_scorecard(), {"I.99"}, "A")
    assert errors == ["Tiêu chí bổ sung không có trong bảng chấm điểm: I.99."]


def test_r16_unknown_group_refused() -> None:
    errors = validate_criteria(full_scorecard(), set(), "E")
    assert errors == ["Nhóm 'E' không hợp lệ, chỉ có A, B, C, D."]


def test_r15_unknown_section_refused() -> None:
    criteria = [*full_scorecard(), Criterion("IV.1", "IV", D(10), "qualitative")]
    errors = validate_criteria(criteria, set(), "A")
    assert errors == ["Tiêu chí IV.1: mục 'IV' không hợp lệ, chỉ có I, II, III."]


def test_r19_unknown_method_and_direction_refused() -> None:
    criteria = _replace(full_scorecard(), 0, method="guess", direction="sideways")
    errors = validate_criteria(criteria, set(), "A")
    assert any(e.startswith("Tiêu chí I.1: phương pháp chấm 'guess'") for e in errors)
    assert any(e.startswith("Tiêu chí I.1: chiều 'sideways'") for e in errors)
    assert all(e.endswith(".") for e in errors)


def test_r19_tiered_needs_at_least_one_band() -> None:
    criteria = _replace(full_scorecard(), -1, bands=())
    errors = validate_criteria(criteria, set(), "A")
    assert errors == ["Tiêu chí III.7: chấm theo mức cần ít nhất một mức."]


@pytest.mark.parametrize("band_points", ["-1", "15.01"])
def test_r21_band_points_within_zero_and_criterion_points(band_points: str) -> None:
    criteria = full_scorecard()
    assert criteria[-1].points == D("15")  # III.7 in Phụ lục 02
    criteria = _replace(criteria, -1, bands=(Band(D(band_points), max=D(0)),))
    errors = validate_criteria(criteria, set(), "A")
    assert errors == ["Tiêu chí III.7, mức 1: điểm phải từ 0 đến 15."]


def test_r21_band_points_at_bounds_accepted() -> None:
    criteria = full_scorecard()
    bands = (Band(criteria[-1].points, max=D(0)), Band(D(0), min=D(0), min_inclusive=False))
    assert validate_criteria(_replace(criteria, -1, bands=bands), set(), "A") == []


def test_r17_band_points_at_most_two_decimals() -> None:
    criteria = _replace(full_scorecard(), -1, bands=(Band(D("1.001")),))
    errors = validate_criteria(criteria, set(), "A")
    assert errors == ["Tiêu chí III.7, mức 1: điểm: chỉ được có tối đa 2 chữ số thập phân."]


@pytest.mark.parametrize(
    "band",
    [
        Band(D(1), min=D(5), max=D(4)),
        Band(D(1), min=D(5), max=D(5), max_inclusive=False),
    ],
)
def test_r19_band_that_can_never_match_refused(band: Band) -> None:
    criteria = _replace(full_scorecard(), -1, bands=(band,))
    errors = validate_criteria(criteria, set(), "A")
    assert errors == ["Tiêu chí III.7, mức 1: khoảng giá trị rỗng, mức này không bao giờ khớp."]


# ---------------------------------------------------------------------------
# R19/R21: qualitative and tiered scoring


@pytest.mark.parametrize(
    ("value", "points"),
    [
        ("0", "20"),  # [0, 0]
        ("0.01", "15"),  # (0, 10)
        ("9.99", "15"),
        ("10", "10"),  # [10, 20]: 10 is not "under 10%"
        ("20", "10"),
        ("20.01", "5"),  # (20, 50]
        ("50", "5"),
        ("50.01", "0"),  # no band matches
        ("-1", "0"),
    ],
)
def test_r21_tier_bounds_inclusive_exclusive(value: str, points: str) -> None:
    result = earned(RETURNED_DOSSIERS, Score("III.4.1", value=D(value)))
    assert result.earned == D(points)
    assert result.exceed_bonus == 0
    assert result.achievement is None


def test_r21_first_matching_band_in_order_wins() -> None:
    overlapping = Criterion(
        "III.1", "III", D(10), "tiered", bands=(Band(D(4), min=D(0)), Band(D(10), min=D(5)))
    )
    assert earned(overlapping, Score("III.1", value=D(7))).earned == D(4)
    reordered = Criterion("III.1", "III", D(10), "tiered", bands=overlapping.bands[::-1])
    assert earned(reordered, Score("III.1", value=D(7))).earned == D(10)


def test_r21_band_with_open_bounds() -> None:
    assert Band(D(1)).matches(D("-1E+9"))
    assert Band(D(1), min=D(9)).matches(D("1E+9"))
    assert not Band(D(1), min=D(9)).matches(D("8.99"))
    assert Band(D(1), max=D(3)).matches(D(3))
    assert not Band(D(1), max=D(3), max_inclusive=False).matches(D(3))
    assert Band(D(1), min=D(3)).matches(D(3))
    assert not Band(D(1), min=D(3), min_inclusive=False).matches(D(3))
    assert Band(D(1), min=D(3), min_inclusive=False).matches(D("3.01"))


def test_r21_exclusive_lower_bound_decides_alone() -> None:
    # Without the [0, 0] band in front, 0 falls through the (0, 10) band.
    criterion = Criterion("III.4.1", "III", D(20), "tiered", bands=RETURNED_DOSSIERS.bands[1:])
    assert earned(criterion, Score("III.4.1", value=D(0))).earned == 0
    assert earned(criterion, Score("III.4.1", value=D("0.01"))).earned == D(15)


def test_r21_qualitative_earns_the_entered_points() -> None:
    result = earned(qual(), Score("II.1", points=D("24.5")))
    assert result.earned == D("24.50")
    assert result.exceed_bonus == 0


def test_r24_missing_score_earns_zero() -> None:
    for criterion in (quant(), qual(), RETURNED_DOSSIERS):
        assert earned(criterion, None).earned == D("0.00")
    assert earned(quant(), Score("I.1", plan=D(100))).earned == 0
    assert earned(qual(), Score("II.1")).earned == 0
    assert earned(RETURNED_DOSSIERS, Score("III.4.1")).earned == 0


def test_r24_base_counts_missing_scores_as_zero() -> None:
    criteria = [quant("I.1", "40"), qual("II.1", "25"), RETURNED_DOSSIERS]
    unit = UnitInput("HH", scores=(Score("II.1", points=D(25)),))
    result = compute_unit(criteria, unit)
    assert result.base == D("25.00")
    assert result.sections == {"I": D(0), "II": D(25), "III": D(0)}


# ---------------------------------------------------------------------------
# R20: quantitative achievement


def test_r20_higher_exact_decimal_102_percent() -> None:
    # As floats 2.55 / 2.5 = 1.0199999999999998, which would give 1 point.
    result = earned(quant(points="25"), Score("I.1", plan=D("2.5"), actual=D("2.55")))
    assert result.achievement == D("1.02")
    assert result.earned == D("25.00")
    assert result.exceed_bonus == D("2.00")


def test_r20_half_up_rounding_24_325() -> None:
    # 25 × 0.973 = 24.325: banker's rounding would give 24.32.
    result = earned(quant(points="25"), Score("I.1", plan=D(1000), actual=D(973)))
    assert result.earned == D("24.33")
    assert result.exceed_bonus == 0


@pytest.mark.parametrize(
    ("points", "plan", "actual", "expected"),
    [
        ("10", "3", "1", "3.33"),  # 3.333…
        ("20", "3", "2", "13.33"),  # 13.333…
        ("10", "3", "2", "6.67"),  # 6.666…
        ("1", "8", "1", "0.13"),  # 0.125 → half up
        ("30", "100", "0", "0.00"),
        ("40", "100", "99.5", "39.80"),
    ],
)
def test_r20_higher_proportional_and_rounded(points, plan, actual, expected) -> None:
    assert earned(quant(points=points), plan_actual(quant(), plan, actual)).earned == D(expected)


def test_r20_higher_above_plan_earns_full_points_only() -> None:
    result = earned(quant(points="40"), plan_actual(quant(), "100", "180"))
    assert result.earned == D("40.00")
    assert result.achievement == D("1.8")


def test_r20_lower_ratio_is_plan_over_actual() -> None:
    criterion = quant(points="30", direction="lower")
    below = earned(criterion, plan_actual(criterion, "20", "25"))  # a = 0.8
    assert below.earned == D("24.00")
    assert below.exceed_bonus == 0
    better = earned(criterion, plan_actual(criterion, "20", "18"))  # a = 1.111…
    assert better.earned == D("30.00")
    assert better.exceed_bonus == D("3.00")  # floor(11.1) = 11, capped at 3


def test_r20_lower_actual_zero_full_points_and_bonus() -> None:
    criterion = quant(points="25", direction="lower")
    result = earned(criterion, plan_actual(criterion, "5", "0"))
    assert result.earned == D("25.00")
    assert result.exceed_bonus == D("2.50")
    assert result.achievement == D("Infinity")


def test_r20_lower_plan_zero_actual_zero_is_exactly_100_percent() -> None:
    criterion = quant(points="25", direction="lower")
    result = earned(criterion, plan_actual(criterion, "0", "0"))
    assert result.earned == D("25.00")
    assert result.exceed_bonus == 0
    assert result.achievement == 1


def test_r20_lower_plan_zero_actual_positive_is_zero_percent() -> None:
    criterion = quant(points="25", direction="lower")
    result = earned(criterion, plan_actual(criterion, "0", "1"))
    assert result.earned == D("0.00")
    assert result.exceed_bonus == 0
    assert result.achievement == 0


def test_r20_engine_refuses_invalid_plan() -> None:
    with pytest.raises(ValueError, match="R20"):
        earned(quant(), plan_actual(quant(), "0", "5"))
    with pytest.raises(ValueError, match="R20"):
        earned(quant(), plan_actual(quant(), "10", "-1"))


def test_r20_engine_refuses_floats() -> None:
    with pytest.raises(TypeError):
        earned(quant(), Score("I.1", plan=2.5, actual=2.55))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        earned(qual(), Score("II.1", points=24.5))  # type: ignore[arg-type]


def test_r20_a_float_equal_to_a_remembered_decimal_is_still_refused() -> None:
    # earned() remembers results; 24.5 == D("24.5") and they hash alike.
    assert earned(qual(), Score("II.1", points=D("24.5"))).earned == D("24.50")
    with pytest.raises(TypeError):
        earned(qual(), Score("II.1", points=24.5))  # type: ignore[arg-type]


def test_r20_remembered_results_follow_the_criterion() -> None:
    twice = qual()
    assert earned(twice, Score("II.1", points=D("10"))).earned == D("10.00")
    assert earned(twice, Score("II.1", points=D("12"))).earned == D("12.00")
    assert earned(twice, None).earned == D("0")


def test_r20_validate_higher_plan_must_be_positive() -> None:
    criterion = quant("I.3")
    assert validate_score(criterion, plan_actual(criterion, "0", "5")) == [
        "Tiêu chí I.3: kế hoạch phải lớn hơn 0 với chiều 'cao hơn là tốt'."
    ]
    lower = quant("I.13", direction="lower")
    assert validate_score(lower, plan_actual(lower, "0", "5")) == []


def test_r20_validate_negative_and_missing_figures() -> None:
    criterion = quant("I.3", direction="lower")
    assert validate_score(criterion, plan_actual(criterion, "-1", "-2")) == [
        "Tiêu chí I.3: kế hoạch không được âm.",
        "Tiêu chí I.3: thực hiện không được âm.",
    ]
    assert validate_score(criterion, Score("I.3", actual=D(1))) == [
        "Tiêu chí I.3: cần nhập số kế hoạch."
    ]
    assert validate_score(criterion, Score("I.3", plan=D(1), points=D(5))) == [
        "Tiêu chí I.3: cần nhập số thực hiện."
    ]


@pytest.mark.parametrize("bad", [D("NaN"), D("-Infinity"), 1.5, "1.5", True])
def test_r20_validate_non_finite_or_non_numeric(bad) -> None:
    criterion = quant("I.3")
    errors = validate_score(criterion, Score("I.3", plan=D(100), actual=bad))
    assert errors == ["Tiêu chí I.3: thực hiện phải là một số hữu hạn."]


def test_r20_validate_accepts_a_valid_quantitative_score() -> None:
    assert validate_score(quant(), plan_actual(quant(), "2.5", "2.555")) == []


def test_r21_validate_qualitative_range_and_decimals() -> None:
    criterion = qual("II.1", "25")
    assert validate_score(criterion, Score("II.1", points=D(25))) == []
    assert validate_score(criterion, Score("II.1", points=D(0))) == []
    assert validate_score(criterion, Score("II.1", points=D("25.01"))) == [
        "Tiêu chí II.1: điểm chấm phải từ 0 đến 25."
    ]
    assert validate_score(criterion, Score("II.1", points=D("-0.5"))) == [
        "Tiêu chí II.1: điểm chấm phải từ 0 đến 25."
    ]
    assert validate_score(criterion, Score("II.1", points=D("24.555"))) == [
        "Tiêu chí II.1: điểm chấm: chỉ được có tối đa 2 chữ số thập phân."
    ]
    assert validate_score(criterion, Score("II.1", plan=D(1), actual=D(1))) == [
        "Tiêu chí II.1: cần nhập số điểm."
    ]


def test_r21_validate_tiered_needs_a_finite_value() -> None:
    assert validate_score(RETURNED_DOSSIERS, Score("III.4.1", value=D("12.5"))) == []
    assert validate_score(RETURNED_DOSSIERS, Score("III.4.1", points=D(20))) == [
        "Tiêu chí III.4.1: cần nhập giá trị để xếp mức."
    ]
    assert validate_score(RETURNED_DOSSIERS, Score("III.4.1", value=D("NaN"))) == [
        "Tiêu chí III.4.1: giá trị phải là một số hữu hạn."
    ]


def test_validate_score_for_the_wrong_criterion() -> None:
    errors = validate_score(qual("II.1"), Score("II.2", points=D(1)))
    assert errors == ["Tiêu chí II.1: điểm chấm thuộc tiêu chí khác (II.2)."]


# ---------------------------------------------------------------------------
# R22: bonus for exceeding plan


def test_r22_per_criterion_cap_fractional() -> None:
    assert exceed_cap(quant(points="25")) == D("2.50")
    result = earned(quant(points="25"), plan_actual(quant(), "100", "150"))
    assert result.exceed_bonus == D("2.50")


def test_r22_cap_rounds_half_up() -> None:
    # 10% of 10.05 is 1.005.
    assert exceed_cap(quant(points="10.05")) == D("1.01")
    result = earned(quant(points="10.05"), plan_actual(quant(), "100", "200"))
    assert result.exceed_bonus == D("1.01")


def test_r22_counts_only_full_percents() -> None:
    criterion = quant(points="40")
    assert earned(criterion, plan_actual(criterion, "100", "101.99")).exceed_bonus == D(1)
    assert earned(criterion, plan_actual(criterion, "100", "102")).exceed_bonus == D(2)
    assert earned(criterion, plan_actual(criterion, "100", "100.99")).exceed_bonus == D(0)
    assert earned(criterion, plan_actual(criterion, "3", "4")).exceed_bonus == D(4)  # 33.3% → cap


def test_r22_at_or_below_plan_earns_no_bonus() -> None:
    criterion = quant(points="40")
    assert earned(criterion, plan_actual(criterion, "100", "100")).exceed_bonus == 0
    assert earned(criterion, plan_actual(criterion, "100", "90")).exceed_bonus == 0


def test_r22_only_section_one_earns_exceed_bonus() -> None:
    other = quant("II.1", points="25", section="II")
    result = earned(other, plan_actual(other, "100", "150"))
    assert result.earned == D("25.00")
    assert result.exceed_bonus == 0
    lower = quant("III.1", points="25", section="III", direction="lower")
    assert earned(lower, plan_actual(lower, "5", "0")).exceed_bonus == 0


def test_r22_qualitative_and_tiered_earn_no_exceed_bonus() -> None:
    tiered = Criterion("I.14", "I", D(30), "tiered", bands=(Band(D(30)),))
    assert earned(tiered, Score("I.14", value=D(1))).exceed_bonus == 0
    assert earned(qual("I.8", "30", "I"), Score("I.8", points=D(30))).exceed_bonus == 0


def test_r22_section_one_cap_30() -> None:
    criteria = [quant(f"I.{i}", points="40") for i in range(1, 9)]  # 8 × cap 4 = 32
    unit = UnitInput("HH", scores=tuple(plan_actual(c, "100", "110") for c in criteria))
    result = compute_unit(criteria, unit)
    assert sum(r.exceed_bonus for r in result.criteria.values()) == D(32)
    assert result.exceed_bonus == D("30.00")
    assert result.bonus == D("30.00")


def test_r22_section_one_below_cap_kept() -> None:
    criteria = [quant("I.1", points="40"), quant("I.2", points="25")]
    scores = (plan_actual(criteria[0], "100", "103"), plan_actual(criteria[1], "100", "150"))
    result = compute_unit(criteria, UnitInput("HH", scores=scores))
    assert result.exceed_bonus == D("5.50")


# ---------------------------------------------------------------------------
# R23/R24: other bonuses


def test_r24_bonus_is_capped_exceed_plus_other_bonuses() -> None:
    criteria = [quant(f"I.{i}", points="40") for i in range(1, 9)]
    unit = UnitInput(
        "HH",
        scores=tuple(plan_actual(c, "100", "110") for c in criteria),
        bonuses=(Bonus("reporting", D("2.5")), Bonus("council", D(4)), Bonus("council", D(6))),
    )
    result = compute_unit(criteria, unit)
    assert result.other_bonus == D("12.50")
    assert result.bonus == D("42.50")
    assert result.total == result.base + D("42.50")


def test_r23_valid_bonuses_up_to_each_cap() -> None:
    bonuses = [
        Bonus("cluster", D(2)),
        Bonus("cluster", D(1)),
        Bonus("reporting", D(5)),
        Bonus("council", D("9.99")),
        Bonus("council", D("0.01")),
    ]
    assert validate_bonuses(bonuses, D(3)) == []


def test_r23_entries_over_a_kind_cap_refused() -> None:
    errors = validate_bonuses([Bonus("reporting", D(3)), Bonus("reporting", D(3))], D(5))
    assert errors == ["Thực hiện tốt chế độ báo cáo: tổng 6 điểm vượt mức tối đa 5 điểm."]
    errors = validate_bonuses([Bonus("council", D("10.01"))], D(5))
    assert errors == [
        "Điểm thưởng của Hội đồng TĐKT tỉnh: tổng 10,01 điểm vượt mức tối đa 10 điểm."
    ]


def test_r23_cluster_bonus_capped_by_the_cluster_regulation() -> None:
    assert validate_bonuses([Bonus("cluster", D(3))], D(3)) == []
    assert validate_bonuses([Bonus("cluster", D("3.5"))], D(3)) == [
        "Điểm thưởng của cụm/khối: tổng 3,5 điểm vượt mức tối đa 3 điểm."
    ]
    assert validate_bonuses([Bonus("cluster", D("0.5"))], D(0)) != []


@pytest.mark.parametrize("cap", [D("5.01"), D(-1), D("NaN")])
def test_r23_cluster_cap_itself_within_zero_and_five(cap) -> None:
    errors = validate_bonuses([], cap)
    assert len(errors) == 1
    assert errors[0].startswith("Mức điểm thưởng tối đa của cụm/khối")
    assert errors[0].endswith(".")


def test_r23_bonus_negative_decimals_and_kind() -> None:
    assert validate_bonuses([Bonus("council", D(-1))], D(5)) == [
        "Điểm thưởng của Hội đồng TĐKT tỉnh: điểm thưởng không được âm."
    ]
    assert validate_bonuses([Bonus("council", D("1.005"))], D(5)) == [
        "Điểm thưởng của Hội đồng TĐKT tỉnh: điểm thưởng: chỉ được có tối đa 2 chữ số thập phân."
    ]
    assert validate_bonuses([Bonus("gift", D(1))], D(5)) == [
        "Loại điểm thưởng 'gift' không hợp lệ."
    ]
    assert validate_bonuses([Bonus("council", 1.5)], D(5)) == [  # type: ignore[arg-type]
        "Điểm thưởng của Hội đồng TĐKT tỉnh: điểm thưởng: phải là một số hữu hạn."
    ]


# ---------------------------------------------------------------------------
# R25/R26: deductions and total


def test_r25_deduction_points_times_count() -> None:
    assert {
        "head_duty": D(10),
        "member_duty": D(5),
        "award_structure": D(5),
        "reminder_letter": D(5),
        "criticism_letter": D(10),
    } == DEDUCTION_POINTS
    criteria = [qual("II.1", "25")]
    unit = UnitInput(
        "LN",
        scores=(Score("II.1", points=D(25)),),
        deductions=(
            Deduction("member_duty", 2),
            Deduction("criticism_letter"),
            Deduction("reminder_letter", 3),
        ),
    )
    result = compute_unit(criteria, unit)
    assert result.deductions == D("35.00")
    assert result.total == D("0.00")  # R26: 25 − 35 floors at 0


def test_r26_total_is_base_plus_bonus_minus_deductions() -> None:
    criteria = full_scorecard()
    unit = UnitInput(
        "LN",
        scores=perfect_scores(criteria, over="1.01"),
        bonuses=(Bonus("reporting", D("1.25")),),
        deductions=(Deduction("head_duty"), Deduction("member_duty")),
    )
    result = compute_unit(criteria, unit)
    assert result.base == D("950.00")
    # 19 quantitative criteria at 101%: 1 point each.
    assert result.exceed_bonus == D("19.00")
    assert result.bonus == D("20.25")
    assert result.deductions == D("15.00")
    assert result.total == D("955.25")


def test_r26_total_never_negative() -> None:
    unit = UnitInput("LN", deductions=(Deduction("criticism_letter", 4),))
    result = compute_unit([qual()], unit)
    assert result.total == D("0.00")
    assert result.status == "below_threshold"


def test_r25_validate_known_kinds_and_counts() -> None:
    assert (
        validate_deductions(
            [Deduction("member_duty", 3), Deduction("reminder_letter", 2)], is_head=False
        )
        == []
    )
    assert validate_deductions([Deduction("late")], is_head=False) == [
        "Loại điểm trừ 'late' không hợp lệ."
    ]
    for count in (0, -1, True, 1.5):
        errors = validate_deductions([Deduction("member_duty", count)], is_head=False)
        assert errors == [
            "Thành viên thực hiện không nghiêm túc quy chế, nhiệm vụ của cụm/khối: "
            "số lần phải là số nguyên từ 1 trở lên."
        ]


def test_r25_head_duty_only_for_the_head() -> None:
    assert validate_deductions([Deduction("head_duty")], is_head=True) == []
    errors = validate_deductions([Deduction("head_duty")], is_head=False)
    assert len(errors) == 1
    assert "chỉ áp dụng cho đơn vị trưởng cụm/khối" in errors[0]


@pytest.mark.parametrize("kind", ["head_duty", "award_structure"])
def test_r25_once_a_year_deductions(kind: str) -> None:
    assert validate_deductions([Deduction(kind)], is_head=True) == []
    twice_in_one = validate_deductions([Deduction(kind, 2)], is_head=True)
    twice_in_two = validate_deductions([Deduction(kind), Deduction(kind)], is_head=True)
    expected = [f"{DEDUCTION_LABELS[kind]}: chỉ được trừ tối đa 1 lần trong năm."]
    assert twice_in_one == expected
    assert twice_in_two == expected


def test_r25_engine_refuses_unknown_deduction() -> None:
    with pytest.raises(ValueError):
        compute_unit([qual()], UnitInput("LN", deductions=(Deduction("late"),)))


# ---------------------------------------------------------------------------
# R27–R29: who may be considered


def _unit_scoring(total_points: str, **kwargs) -> tuple[list[Criterion], UnitInput]:
    """A one-criterion scorecard on which the unit scores exactly `total_points`."""
    criterion = Criterion("II.1", "II", D(1000), "qualitative")
    return [criterion], UnitInput("HH", scores=(Score("II.1", points=D(total_points)),), **kwargs)


def test_r29_threshold_exactly_900_and_899_99() -> None:
    assert D("900.00") == THRESHOLD
    assert compute_unit(*_unit_scoring("900")).status == "eligible"
    assert compute_unit(*_unit_scoring("899.99")).status == "below_threshold"
    assert status_of(D("900.00"), Participation(), (), ()) == ("eligible", ())
    assert status_of(D("899.99"), Participation(), (), ()) == ("below_threshold", ())


def test_r29_threshold_applies_after_deductions() -> None:
    criteria, unit = _unit_scoring("905", deductions=(Deduction("member_duty", 2),))
    result = compute_unit(criteria, unit)
    assert result.total == D("895.00")
    assert (result.status, result.reasons) == ("below_threshold", ())


@pytest.mark.parametrize(
    ("field", "reason"),
    [
        ("registered", "no_registration"),
        ("pledge_signed", "no_pledge"),
        ("mid_year_report", "no_mid_year_report"),
        ("annual_report", "no_annual_report"),
    ],
)
def test_r27_missing_participation_excludes(field: str, reason: str) -> None:
    criteria, unit = _unit_scoring("990", participation=Participation(**{field: False}))
    result = compute_unit(criteria, unit)
    assert (result.status, result.reasons) == ("excluded", (reason,))


@pytest.mark.parametrize("reason", FLAG_EXCLUDE_REASONS)
def test_r27_staff_flag_excludes(reason: str) -> None:
    assert status_of(D(990), Participation(), {reason}, ()) == ("excluded", (reason,))


def test_r27_every_reason_listed_sorted_and_distinct() -> None:
    status, reasons = status_of(
        D(950),
        Participation(registered=False, annual_report=False),
        ["violation", "culture", "violation", "no_registration"],
        (),
    )
    assert status == "excluded"
    assert reasons == ("culture", "no_annual_report", "no_registration", "violation")


def test_r28_deferred_lists_its_reasons() -> None:
    assert status_of(D(950), Participation(), (), {"under_review", "state_obligation"}) == (
        "deferred",
        ("state_obligation", "under_review"),
    )


def test_r28_exclusion_wins_over_deferral_and_lists_only_exclusion_reasons() -> None:
    result = status_of(D(950), Participation(pledge_signed=False), {"security"}, {"under_review"})
    assert result == ("excluded", ("no_pledge", "security"))


def test_r28_deferral_wins_over_threshold() -> None:
    assert status_of(D(10), Participation(), (), {"state_obligation"}) == (
        "deferred",
        ("state_obligation",),
    )
    assert status_of(D(10), Participation(), {"culture"}, ()) == ("excluded", ("culture",))


def test_r27_unknown_reasons_refused() -> None:
    with pytest.raises(ValueError):
        status_of(D(950), Participation(), {"bad_luck"}, ())
    with pytest.raises(ValueError):
        status_of(D(950), Participation(), (), {"violation"})  # an exclusion, not a deferral


def test_r27_r28_labels_are_vietnamese_for_every_code() -> None:
    assert set(REASON_LABELS) == set(EXCLUDE_REASONS) | set(DEFER_REASONS)
    assert REASON_LABELS["no_pledge"] == "Không ký giao ước thi đua"
    assert STATUS_LABELS == {
        "eligible": "Đủ điều kiện",
        "below_threshold": "Dưới 900 điểm",
        "excluded": "Không xét",
        "deferred": "Chưa xét",
    }
    assert set(DEDUCTION_LABELS) == set(DEDUCTION_POINTS)
    assert BONUS_LABELS["cluster"] == "Điểm thưởng của cụm/khối"
    assert set(METHOD_LABELS) == {"quantitative", "qualitative", "tiered"}
    assert set(DIRECTION_LABELS) == {"higher", "lower"}
    all_labels = [
        *REASON_LABELS.values(),
        *DEDUCTION_LABELS.values(),
        *BONUS_LABELS.values(),
        *METHOD_LABELS.values(),
    ]
    assert len(set(all_labels)) == len(all_labels)


# ---------------------------------------------------------------------------
# compute_unit / compute_cluster plumbing


def test_compute_unit_refuses_duplicate_scores_and_criteria() -> None:
    with pytest.raises(ValueError):
        compute_unit([qual()], UnitInput("HH", scores=(Score("II.1"), Score("II.1"))))
    with pytest.raises(ValueError):
        compute_unit([qual(), qual()], UnitInput("HH"))


def test_compute_cluster_orders_by_total_then_code_and_refuses_duplicates() -> None:
    criteria = [qual("II.1", "100")]
    units = [
        UnitInput(code, scores=(Score("II.1", points=D(points)),))
        for code, points in (("YT", "50"), ("HH", "80"), ("LG", "80"), ("AB", "10"))
    ]
    assert [r.unit for r in compute_cluster(criteria, units)] == ["HH", "LG", "YT", "AB"]
    with pytest.raises(ValueError):
        compute_cluster(criteria, [units[0], units[0]])


# ---------------------------------------------------------------------------
# Properties over valid scorecards and scores


def amounts(low: str | D, high: str | D):
    """Two-decimal figures in [low, high], as a form or the import would give them."""
    return st.decimals(
        min_value=D(low), max_value=D(high), places=2, allow_nan=False, allow_infinity=False
    )


@st.composite
def section_points(draw, total: D, max_count: int = 6) -> list[D]:
    """Split a section frame into positive 2-decimal points."""
    cents = int(total * 100)
    count = draw(st.integers(min_value=1, max_value=max_count))
    cuts = draw(
        st.lists(
            st.integers(min_value=1, max_value=cents - 1),
            min_size=count - 1,
            max_size=count - 1,
            unique=True,
        )
    )
    edges = [0, *sorted(cuts), cents]
    return [D(b - a) / 100 for a, b in pairwise(edges)]


@st.composite
def bands(draw, top: D) -> Band:
    """A band that can match something (R19), worth 0..top (R21)."""
    low, high = sorted(
        [draw(st.none() | amounts(-100, 100)), draw(st.none() | amounts(-100, 100))],
        key=lambda b: (b is None, b),
    )
    low_inclusive, high_inclusive = draw(st.booleans()), draw(st.booleans())
    if low is not None and low == high:
        low_inclusive = high_inclusive = True
    return Band(draw(amounts(0, top)), low, high, low_inclusive, high_inclusive)


@st.composite
def scorecards(draw) -> list[Criterion]:
    criteria: list[Criterion] = []
    for section, frame in SECTION_POINTS.items():
        for i, points in enumerate(draw(section_points(frame)), start=1):
            method = draw(st.sampled_from(["quantitative", "qualitative", "tiered"]))
            direction = draw(st.sampled_from(["higher", "lower"]))
            tiers: tuple[Band, ...] = ()
            if method == "tiered":
                tiers = tuple(draw(st.lists(bands(points), min_size=1, max_size=4)))
            # Sub-codes ("III.1a") name no Phụ lục 02 item, so only the
            # section total holds the generated points (R17).
            code = f"{section}.{i}a"
            criteria.append(Criterion(code, section, points, method, direction, tiers))
    return criteria


@st.composite
def score_for(draw, criterion: Criterion) -> Score | None:
    if draw(st.integers(min_value=0, max_value=9)) == 0:
        return None
    if criterion.method == "quantitative":
        plan = draw(amounts("0.01" if criterion.direction == "higher" else "0", 10_000))
        return Score(criterion.code, plan=plan, actual=draw(amounts(0, 10_000)))
    if criterion.method == "qualitative":
        return Score(criterion.code, points=draw(amounts(0, criterion.points)))
    return Score(criterion.code, value=draw(amounts(-200, 200)))


@st.composite
def units_for(draw, criteria: list[Criterion], code: str, cluster_cap: D) -> UnitInput:
    scores = tuple(s for c in criteria if (s := draw(score_for(c))) is not None)
    bonuses = (
        Bonus("cluster", draw(amounts(0, cluster_cap))),
        Bonus("reporting", draw(amounts(0, D(5)))),
        Bonus("council", draw(amounts(0, D(10)))),
    )
    kinds = st.sampled_from(["member_duty", "reminder_letter", "criticism_letter"])
    deductions = tuple(draw(st.lists(st.builds(Deduction, kinds, st.integers(1, 3)), max_size=2)))
    return UnitInput(
        code,
        scores=scores,
        bonuses=bonuses,
        deductions=deductions,
        participation=Participation(pledge_signed=draw(st.booleans()) or draw(st.booleans())),
        exclusions=frozenset(draw(st.sets(st.sampled_from(FLAG_EXCLUDE_REASONS), max_size=1))),
        deferrals=frozenset(draw(st.sets(st.sampled_from(DEFER_REASONS), max_size=1))),
    )


@st.composite
def clusters(draw):
    criteria = draw(scorecards())
    cap = draw(amounts(0, D(5)))
    codes = draw(st.lists(st.sampled_from(["HH", "LG", "VY", "YT", "SD"]), min_size=1, unique=True))
    return criteria, cap, [draw(units_for(criteria, code, cap)) for code in codes]


FAST = settings(max_examples=100, deadline=None)


@FAST
@given(clusters())
def test_property_generated_inputs_are_valid(cluster) -> None:
    # Keeps the generators honest: the properties below are about valid input.
    criteria, cap, units = cluster
    assert validate_criteria(criteria, set(), "A") == []
    by_code = {c.code: c for c in criteria}
    for unit in units:
        assert [e for s in unit.scores for e in validate_score(by_code[s.criterion], s)] == []
        assert validate_bonuses(unit.bonuses, cap) == []
        assert validate_deductions(unit.deductions, is_head=False) == []


@FAST
@given(clusters())
def test_property_r15_r26_total_within_0_and_1000(cluster) -> None:
    criteria, _, units = cluster
    for result in compute_cluster(criteria, units):
        assert D(0) <= result.total <= D(1000)
        assert result.base <= D(950)
        for section, frame in SECTION_POINTS.items():
            assert D(0) <= result.sections[section] <= frame
        assert result.exceed_bonus <= D(30)
        assert result.bonus <= D(50)
        assert result.total == max(D(0), result.base + result.bonus - result.deductions)
        for value in (result.base, result.bonus, result.deductions, result.total):
            assert value == value.quantize(D("0.01"))


@FAST
@given(clusters(), st.data())
def test_property_r20_raising_actual_never_lowers_earned_or_total(cluster, data) -> None:
    criteria, _, units = cluster
    unit = units[0]
    higher = [
        s
        for s in unit.scores
        if any(
            c.code == s.criterion and c.method == "quantitative" and c.direction == "higher"
            for c in criteria
        )
    ]
    if not higher:
        return
    score = data.draw(st.sampled_from(higher))
    raise_by = data.draw(amounts("0.01", 10_000))
    raised = Score(score.criterion, plan=score.plan, actual=score.actual + raise_by)
    better = UnitInput(
        unit.unit,
        scores=tuple(raised if s is score else s for s in unit.scores),
        bonuses=unit.bonuses,
        deductions=unit.deductions,
        participation=unit.participation,
        exclusions=unit.exclusions,
        deferrals=unit.deferrals,
    )
    before, after = compute_unit(criteria, unit), compute_unit(criteria, better)
    code = score.criterion
    assert after.criteria[code].earned >= before.criteria[code].earned
    assert after.criteria[code].exceed_bonus >= before.criteria[code].exceed_bonus
    assert after.total >= before.total


@FAST
@given(clusters(), st.randoms(use_true_random=False))
def test_property_results_do_not_depend_on_input_order(cluster, rnd: random.Random) -> None:
    criteria, _, units = cluster
    expected = compute_cluster(criteria, units)
    shuffled_units = [
        UnitInput(
            u.unit,
            scores=tuple(rnd.sample(u.scores, len(u.scores))),
            bonuses=tuple(rnd.sample(u.bonuses, len(u.bonuses))),
            deductions=tuple(rnd.sample(u.deductions, len(u.deductions))),
            participation=u.participation,
            exclusions=u.exclusions,
            deferrals=u.deferrals,
        )
        for u in rnd.sample(units, len(units))
    ]
    assert compute_cluster(rnd.sample(criteria, len(criteria)), shuffled_units) == expected


@FAST
@given(clusters())
def test_property_r27_r29_status_matches_precedence(cluster) -> None:
    criteria, _, units = cluster
    for unit, result in zip(
        sorted(units, key=lambda u: u.unit),
        sorted(compute_cluster(criteria, units), key=lambda r: r.unit),
        strict=True,
    ):
        if not unit.participation.pledge_signed or unit.exclusions:
            assert result.status == "excluded"
            assert set(result.reasons) <= set(EXCLUDE_REASONS)
        elif unit.deferrals:
            assert result.status == "deferred"
            assert result.reasons == tuple(sorted(unit.deferrals))
        else:
            assert result.reasons == ()
            assert result.status == ("eligible" if result.total >= 900 else "below_threshold")
