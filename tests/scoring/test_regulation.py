"""A guidance as data (R36–R40 of spec/RULES.md): the parser, the engine and the
allocation under a regulation, rule by rule, then properties for any valid one."""

from __future__ import annotations

import copy
import re
from decimal import ROUND_DOWN
from decimal import Decimal as D
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from awards.allocation import Entry, allocate
from scoring.engine import (
    Bonus,
    Criterion,
    Deduction,
    Participation,
    Score,
    UnitInput,
    compute_cluster,
    compute_unit,
    earned,
    status_of,
    validate_bonuses,
    validate_criteria,
    validate_deductions,
)
from scoring.regulation import (
    DEFAULT,
    PARTICIPATION_REASONS,
    ExceedBonus,
    Regulation,
    RegulationError,
    regulation_from_json,
    regulation_to_json,
)

# DATASET.md's `regulation` block written out in full: the 2022 guidance.
FULL_2022: dict[str, Any] = {
    "code": "BG-2022",
    "name": (
        "Hướng dẫn tổ chức hoạt động và bình xét thi đua, khen thưởng đối với các cụm, "
        "khối thi đua (Bắc Giang, 2022)"
    ),
    "sections": [
        {"code": "I", "points": 550, "framework_criteria": {"A": 19, "B": 12, "C": 10, "D": 10}},
        {"code": "II", "points": 200, "framework_criteria": 9},
        {
            "code": "III",
            "points": 200,
            "framework_criteria": 7,
            "items": {
                "III.1": 35,
                "III.2": 50,
                "III.3": 30,
                "III.4": 35,
                "III.5": 15,
                "III.6": 20,
                "III.7": 15,
            },
        },
    ],
    "added_ratio": 0.3,
    "threshold": 900,
    "exceed_bonus": {
        "points_per_percent": 1,
        "criterion_cap_share": 0.1,
        "sections": ["I"],
        "cap": 30,
    },
    "bonuses": {"cluster": 5, "reporting": 5, "council": 10},
    "deductions": {
        "head_duty": {"points": 10, "once_a_year": True, "head_only": True},
        "member_duty": {"points": 5},
        "award_structure": {"points": 5, "once_a_year": True},
        "reminder_letter": {"points": 5},
        "criticism_letter": {"points": 10},
    },
    "exclusion_reasons": ["leader_rating", "security", "culture", "violation"],
    "deferral_reasons": ["state_obligation", "under_review"],
    "awards": ["co_thi_dua", "bang_khen", "tap_the_ldxs"],
}

TWO_SECTIONS = [
    {"code": "A1", "points": 600, "framework_criteria": 10},
    {"code": "B1", "points": 400, "framework_criteria": {"A": 5, "B": 6, "C": 7, "D": 8}},
]


def refusals(block: object) -> list[str]:
    with pytest.raises(RegulationError) as caught:
        regulation_from_json(block)
    return caught.value.messages


def with_section(**changes: object) -> dict:
    section = {"code": "I", "points": 1000, "framework_criteria": 10} | changes
    return {"sections": [{k: v for k, v in section.items() if v is not ...}]}


# ---------------------------------------------------------------------------
# R36: one regulation a year; defaults; what a block is


def test_r36_no_field_is_the_2022_guidance() -> None:
    assert regulation_from_json({}) == DEFAULT


def test_r36_the_2022_block_written_out_is_the_default() -> None:
    # The default record cites the seed; DATASET.md's full block must agree with it
    # (its titles, elided there, are Phụ lục 02's).
    titles = {s.code: s.title for s in DEFAULT.sections}
    block = copy.deepcopy(FULL_2022)
    for section in block["sections"]:
        section["title"] = titles[section["code"]]
    assert regulation_from_json(block) == DEFAULT
    assert regulation_from_json(regulation_to_json(DEFAULT)) == DEFAULT


def test_r36_default_figures_are_the_seeds() -> None:
    assert DEFAULT.section_codes == ("I", "II", "III")
    assert [s.points for s in DEFAULT.sections] == [550, 200, 200]
    assert DEFAULT.threshold == 900 and DEFAULT.added_ratio == D("0.3")
    assert DEFAULT.exceed_bonus == ExceedBonus(D(1), D("0.1"), ("I",), D(30))
    assert DEFAULT.awards == ("co_thi_dua", "bang_khen", "tap_the_ldxs")


def test_r36_a_given_field_replaces_its_default_whole() -> None:
    regulation = regulation_from_json({"bonuses": {"council": 10}})

    assert dict(regulation.bonuses) == {"council": D(10)}
    assert regulation.cluster_bonus_cap == 0
    assert validate_bonuses([Bonus("reporting", D(1))], D(0), regulation) == [
        "Loại điểm thưởng 'reporting' không hợp lệ."
    ]


def test_r36_code_and_name_are_kept_not_scored() -> None:
    regulation = regulation_from_json({"code": "BN-2026", "name": "Hướng dẫn 2026"})
    assert (regulation.code, regulation.name) == ("BN-2026", "Hướng dẫn 2026")
    assert regulation.sections == DEFAULT.sections


def test_r36_numbers_as_decimal_strings_are_exact() -> None:
    regulation = regulation_from_json({"added_ratio": "0.25", "threshold": " 899.5 "})
    assert regulation.added_ratio == D("0.25") and regulation.threshold == D("899.5")


def test_r36_defaults_are_checked_as_if_given() -> None:
    # Without a section I, the default exceed_bonus names a section that is not there;
    # sections totalling 1000 - 600 = 600 < 900 leave the default threshold out of reach.
    messages = refusals({"sections": TWO_SECTIONS[:1]})
    assert any(m.startswith("regulation.threshold:") for m in messages)
    assert any(m.startswith("regulation.exceed_bonus.sections:") for m in messages)

    regulation = regulation_from_json(
        {"sections": TWO_SECTIONS[:1], "threshold": 500, "exceed_bonus": None}
    )
    assert regulation.threshold == 500 and regulation.exceed_bonus is None


@pytest.mark.parametrize(
    ("block", "where"),
    [
        # not an object
        (None, "regulation:"),
        ([], "regulation:"),
        ("BG-2022", "regulation:"),
        # an unknown field at any level
        ({"treshold": 900}, "regulation:"),
        (with_section(pionts=1), "regulation.sections[0]:"),
        ({"exceed_bonus": {"caps": 30}}, "regulation.exceed_bonus:"),
        ({"deductions": {"late": {"points": 3, "once": True}}}, "regulation.deductions.late:"),
        # more than 2 decimals, or not a number
        ({"threshold": "900.001"}, "regulation.threshold:"),
        ({"added_ratio": D("0.333")}, "regulation.added_ratio:"),
        ({"bonuses": {"council": "5.005"}}, "regulation.bonuses.council:"),
        ({"deductions": {"late": {"points": D("1.001")}}}, "regulation.deductions.late.points:"),
        (with_section(points="1000.001"), "regulation.sections[0].points:"),
        (with_section(items={"I.1": D("0.001")}), "regulation.sections[0].items.I.1:"),
        ({"threshold": "chín trăm"}, "regulation.threshold:"),
        ({"threshold": True}, "regulation.threshold:"),
        ({"threshold": [900]}, "regulation.threshold:"),
        ({"threshold": "NaN"}, "regulation.threshold:"),
        ({"exceed_bonus": {"cap": "1e999999"}}, "regulation.exceed_bonus.cap:"),
        # framework_criteria: JSON integers ≥ 0
        (with_section(framework_criteria=D("9.0")), "regulation.sections[0].framework_criteria:"),
        (with_section(framework_criteria="9"), "regulation.sections[0].framework_criteria:"),
        (with_section(framework_criteria=-1), "regulation.sections[0].framework_criteria:"),
        (with_section(framework_criteria=True), "regulation.sections[0].framework_criteria:"),
        (
            with_section(framework_criteria={"A": 1, "B": 2, "C": 3, "D": 1.5}),
            "regulation.sections[0].framework_criteria.D:",
        ),
        # code, name, title: strings
        ({"code": 2026}, "regulation.code:"),
        ({"name": ["Hướng dẫn"]}, "regulation.name:"),
        (with_section(title=3), "regulation.sections[0].title:"),
        # empty codes, kinds, reasons, awards
        (with_section(code=""), "regulation.sections[0].code:"),
        (with_section(code=" "), "regulation.sections[0].code:"),
        (with_section(items={"": 5}), "regulation.sections[0].items:"),
        ({"bonuses": {"": 5}}, "regulation.bonuses:"),
        ({"deductions": {"": {"points": 5}}}, "regulation.deductions:"),
        ({"exclusion_reasons": [""]}, "regulation.exclusion_reasons[0]:"),
        ({"deferral_reasons": ["under_review", ""]}, "regulation.deferral_reasons[1]:"),
        ({"awards": [""]}, "regulation.awards[0]:"),
        ({"exceed_bonus": {"sections": [""]}}, "regulation.exceed_bonus.sections[0]:"),
        # lists of codes with a duplicate
        ({"awards": ["co_thi_dua", "co_thi_dua"]}, "regulation.awards:"),
        ({"exclusion_reasons": ["security", "security"]}, "regulation.exclusion_reasons:"),
        ({"deferral_reasons": ["a", "a"]}, "regulation.deferral_reasons:"),
        ({"exceed_bonus": {"sections": ["I", "I"]}}, "regulation.exceed_bonus.sections:"),
        # a given null, except exceed_bonus
        *(
            ({key: None}, f"regulation.{key}:")
            for key in (
                "code",
                "name",
                "sections",
                "added_ratio",
                "threshold",
                "bonuses",
                "deductions",
                "exclusion_reasons",
                "deferral_reasons",
                "awards",
            )
        ),
        (with_section(title=None), "regulation.sections[0].title:"),
        (with_section(items=None), "regulation.sections[0].items:"),
        ({"exceed_bonus": {"cap": None}}, "regulation.exceed_bonus.cap:"),
        # the wrong shape for a map or a list
        ({"bonuses": [5]}, "regulation.bonuses:"),
        ({"deductions": {"late": 3}}, "regulation.deductions.late:"),
        ({"awards": "co_thi_dua"}, "regulation.awards:"),
        ({"exceed_bonus": 30}, "regulation.exceed_bonus:"),
    ],
    ids=repr,
)
def test_r36_refusals_name_the_field(block: object, where: str) -> None:
    messages = refusals(block)
    assert any(m.startswith(where) for m in messages), messages
    # Plain Vietnamese for the people who import: no rule code (issue 15).
    assert not any(re.search(r"\(R\d", m) for m in messages)


# ---------------------------------------------------------------------------
# R37: sections, ratio, threshold


@pytest.mark.parametrize(
    ("block", "where"),
    [
        ({"sections": []}, "regulation.sections:"),
        ({"sections": {"code": "I"}}, "regulation.sections:"),
        ({"sections": ["I"]}, "regulation.sections[0]:"),
        ({"sections": [TWO_SECTIONS[0], TWO_SECTIONS[0]], "exceed_bonus": None}, "sections[1]:"),
        (with_section(points=0), "regulation.sections[0].points:"),
        (with_section(points=-5), "regulation.sections[0].points:"),
        (with_section(code=...), "regulation.sections[0]:"),
        (with_section(points=...), "regulation.sections[0]:"),
        (with_section(framework_criteria=...), "regulation.sections[0]:"),
        (
            with_section(framework_criteria={"A": 1, "B": 1, "C": 1}),
            "regulation.sections[0].framework_criteria:",
        ),
        (
            with_section(framework_criteria={"A": 1, "B": 1, "C": 1, "D": 1, "E": 1}),
            "regulation.sections[0].framework_criteria:",
        ),
        (with_section(items={"I.1": 600, "I.2": 401}), "regulation.sections[0].items:"),
        (with_section(items={"I.1": 0}), "regulation.sections[0].items.I.1:"),
        ({"added_ratio": 0}, "regulation.added_ratio:"),
        ({"added_ratio": "-0.1"}, "regulation.added_ratio:"),
        ({"added_ratio": "1.01"}, "regulation.added_ratio:"),
        ({"threshold": -1}, "regulation.threshold:"),
        ({"threshold": "950.01"}, "regulation.threshold:"),
    ],
    ids=repr,
)
def test_r37_refusals(block: dict, where: str) -> None:
    messages = refusals(block)
    assert any(where in m for m in messages), messages


def test_r37_threshold_and_ratio_bounds_are_included() -> None:
    assert regulation_from_json({"threshold": 950}).threshold == 950
    assert regulation_from_json({"threshold": 0}).threshold == 0
    assert regulation_from_json({"added_ratio": 1}).added_ratio == 1
    assert regulation_from_json(with_section(items={"I.1": 600, "I.2": 400})).sections[0].items


def test_r37_the_limit_is_floor_of_ratio_times_count_exactly() -> None:
    regulation = regulation_from_json(
        {"sections": [{"code": "I", "points": 950, "framework_criteria": 10}]}
    )
    assert regulation.added_limit("I", "A") == 3  # 0.3 × 10 is exactly 3
    assert regulation_from_json({"added_ratio": "0.35"}).added_limit("I", "A") == 6  # 6.65
    assert DEFAULT.added_limit("I", "B") == 3 and DEFAULT.added_limit("II", "A") == 2


def two_section_regulation(**changes: object) -> Regulation:
    block = {"sections": TWO_SECTIONS, "exceed_bonus": {"sections": ["B1"]}} | changes
    return regulation_from_json(block)


def two_section_criteria() -> list[Criterion]:
    return [
        Criterion("A1.1", "A1", D(600), "qualitative"),
        Criterion("B1.1", "B1", D(300), "quantitative"),
        Criterion("B1.2", "B1", D(100), "qualitative"),
    ]


def test_r37_a_cluster_is_checked_against_the_regulations_sections() -> None:
    regulation = two_section_regulation()

    assert validate_criteria(two_section_criteria(), set(), "A", None, regulation) == []
    wrong = [*two_section_criteria(), Criterion("I.1", "I", D(10), "qualitative")]
    assert validate_criteria(wrong, set(), "A", None, regulation) == [
        "Tiêu chí I.1: mục 'I' không hợp lệ, chỉ có A1, B1."
    ]
    short = two_section_criteria()[:2]
    assert validate_criteria(short, set(), "A", None, regulation) == [
        "Phần B1: tổng điểm các tiêu chí là 300, phải đúng 400."
    ]


def test_r37_the_30_percent_follows_the_regulations_counts_and_ratio() -> None:
    regulation = two_section_regulation(added_ratio="0.5")
    # B1 has 8 framework criteria for group D: 0.5 × 8 = 4 added criteria allowed.
    criteria = [
        Criterion("A1.1", "A1", D(600), "qualitative"),
        *(Criterion(f"B1.{i}", "B1", D(80), "qualitative") for i in range(1, 6)),
    ]
    added = {f"B1.{i}" for i in range(1, 6)}
    assert validate_criteria(criteria, added, "D", None, regulation) == [
        "Phần B1: cụ thể hóa 0 và bổ sung 5 tiêu chí, vượt giới hạn 4 (50% của 8 tiêu chí "
        "khung, làm tròn xuống)."
    ]
    assert validate_criteria(criteria, added - {"B1.5"}, "D", None, regulation) == []


def test_r37_items_apply_only_where_given() -> None:
    with_items = regulation_from_json(
        {
            "sections": [
                {"code": "I", "points": 900, "framework_criteria": 10},
                {"code": "X", "points": 100, "framework_criteria": 3, "items": {"X.1": 40}},
            ]
        }
    )
    criteria = [
        Criterion("I.1", "I", D(900), "qualitative"),
        Criterion("X.1", "X", D(50), "qualitative"),
        Criterion("X.2", "X", D(50), "qualitative"),
    ]
    assert validate_criteria(criteria, set(), "A", None, with_items) == [
        "Phần X, mục X.1: các tiêu chí có tổng 50 điểm, phải đúng 40 điểm Phụ lục 02 quy "
        "định cho mục; không được thay đổi điểm của mục."
    ]
    # DEFAULT's section III items are gone when sections are given without them.
    regulation = regulation_from_json(
        {
            "sections": [{"code": "III", "points": 950, "framework_criteria": 7}],
            "exceed_bonus": None,
        }
    )
    leaves = [
        Criterion("III.1", "III", D(900), "qualitative"),
        Criterion("III.2", "III", D(50), "qualitative"),
    ]
    assert validate_criteria(leaves, set(), "A", None, regulation) == []


def test_r37_results_sections_follow_the_regulations_order() -> None:
    regulation = regulation_from_json(
        {
            "sections": [TWO_SECTIONS[1], TWO_SECTIONS[0]],
            "exceed_bonus": None,
            "threshold": 950,
        }
    )
    unit = UnitInput("U", scores=(Score("A1.1", points=D(600)), Score("B1.2", points=D(100))))

    result = compute_unit(two_section_criteria(), unit, regulation)

    assert list(result.sections) == ["B1", "A1"]
    assert result.sections == {"B1": D("100.00"), "A1": D("600.00")}
    assert result.status == "below_threshold"


def test_r37_threshold_decides_below_threshold() -> None:
    regulation = regulation_from_json({"threshold": "700.5"})
    assert status_of(D("700.49"), Participation(), (), (), regulation) == ("below_threshold", ())
    assert status_of(D("700.50"), Participation(), (), (), regulation) == ("eligible", ())


# ---------------------------------------------------------------------------
# R38: exceed-plan bonus


def quantitative(code: str, section: str, points: str) -> Criterion:
    return Criterion(code, section, D(points), "quantitative")


def test_r38_null_is_no_exceed_bonus_at_all() -> None:
    regulation = regulation_from_json({"exceed_bonus": None})
    criterion = quantitative("I.1", "I", "40")
    unit = UnitInput("U", scores=(Score("I.1", plan=D(100), actual=D(150)),))

    assert earned(criterion, unit.scores[0], regulation.exceed_bonus).exceed_bonus == 0
    assert compute_unit([criterion], unit, regulation).exceed_bonus == 0
    assert compute_unit([criterion], unit).exceed_bonus == D("4.00")  # 2022: capped at 10%


def test_r38_each_figure_is_the_regulations() -> None:
    rule = ExceedBonus(D("0.5"), D("0.25"), ("II",), D(3))
    in_ii, in_i = quantitative("II.1", "II", "25"), quantitative("I.1", "I", "25")
    over = Score("II.1", plan=D(100), actual=D("104.9"))

    assert earned(in_ii, over, rule).exceed_bonus == D("2.00")  # 0.5 × 4 full percents
    assert earned(in_ii, Score("II.1", plan=D(100), actual=D(200)), rule).exceed_bonus == D(
        "6.25"
    )  # its own cap: 0.25 × 25
    assert earned(in_i, Score("I.1", plan=D(100), actual=D(200)), rule).exceed_bonus == 0


def test_r38_lower_with_actual_zero_earns_its_own_cap_and_the_unit_cap_holds() -> None:
    regulation = regulation_from_json(
        {"exceed_bonus": {"criterion_cap_share": "0.2", "cap": 7, "sections": ["I", "II"]}}
    )
    criteria = [
        Criterion("I.1", "I", D(25), "quantitative", "lower"),
        quantitative("II.1", "II", "25"),
    ]
    unit = UnitInput(
        "U",
        scores=(Score("I.1", plan=D(3), actual=D(0)), Score("II.1", plan=D(1), actual=D(2))),
    )

    result = compute_unit(criteria, unit, regulation)

    assert result.criteria["I.1"].exceed_bonus == D("5.00")
    assert result.criteria["II.1"].exceed_bonus == D("5.00")
    assert result.exceed_bonus == D("7.00")


@pytest.mark.parametrize(
    ("exceed", "where"),
    [
        ({"sections": ["IV"]}, "regulation.exceed_bonus.sections:"),
        ({"points_per_percent": -1}, "regulation.exceed_bonus.points_per_percent:"),
        ({"cap": "-0.01"}, "regulation.exceed_bonus.cap:"),
        ({"criterion_cap_share": 0}, "regulation.exceed_bonus.criterion_cap_share:"),
        ({"criterion_cap_share": "1.01"}, "regulation.exceed_bonus.criterion_cap_share:"),
    ],
    ids=repr,
)
def test_r38_refusals(exceed: dict, where: str) -> None:
    messages = refusals({"exceed_bonus": exceed})
    assert [m for m in messages if m.startswith(where)], messages


def test_r38_no_sections_and_zeros_are_allowed() -> None:
    rule = regulation_from_json(
        {"exceed_bonus": {"sections": [], "points_per_percent": 0, "cap": 0}}
    ).exceed_bonus
    assert rule == ExceedBonus(D(0), D("0.1"), (), D(0))


# ---------------------------------------------------------------------------
# R39: bonuses and deductions


def test_r39_bonus_kinds_and_caps_are_the_regulations() -> None:
    regulation = regulation_from_json({"bonuses": {"cluster": 8, "digital": "2.5"}})

    assert validate_bonuses([Bonus("digital", D("2.5"))], D(8), regulation) == []
    assert validate_bonuses([Bonus("cluster", D(8))], D(8), regulation) == []
    assert validate_bonuses([Bonus("digital", D(2)), Bonus("digital", D(1))], D(8), regulation) == [
        "Thực hiện tốt chuyển đổi số: tổng 3 điểm vượt mức tối đa 2,5 điểm."
    ]
    assert validate_bonuses([Bonus("council", D(1))], D(8), regulation) == [
        "Loại điểm thưởng 'council' không hợp lệ."
    ]


@pytest.mark.parametrize(
    ("bonuses", "cap", "ok"),
    [
        ({"cluster": 8}, D(8), True),
        ({"cluster": 8}, D("8.01"), False),
        ({"cluster": 8}, D(-1), False),
        ({"reporting": 5}, D(0), True),
        ({"reporting": 5}, D("0.01"), False),  # no cluster kind: its cap is 0
    ],
)
def test_r39_cluster_bonus_max_is_within_the_cluster_cap(bonuses, cap, ok) -> None:
    regulation = regulation_from_json({"bonuses": bonuses})
    assert (validate_bonuses([], cap, regulation) == []) is ok


def test_r39_deduction_kinds_points_and_flags_are_the_regulations() -> None:
    regulation = regulation_from_json(
        {
            "deductions": {
                "late_report": {"points": 3},
                "chair_absent": {"points": "7.5", "once_a_year": True, "head_only": True},
            }
        }
    )
    unit = UnitInput("U", deductions=(Deduction("late_report", 2), Deduction("chair_absent")))

    assert compute_unit([], unit, regulation).deductions == D("13.50")
    assert validate_deductions(unit.deductions, is_head=True, regulation=regulation) == []
    assert validate_deductions(unit.deductions, is_head=False, regulation=regulation) == [
        "chair_absent: chỉ áp dụng cho đơn vị trưởng cụm/khối."
    ]
    assert validate_deductions(
        [Deduction("chair_absent", 2)], is_head=True, regulation=regulation
    ) == ["chair_absent: chỉ được trừ tối đa 1 lần trong năm."]
    assert validate_deductions([Deduction("head_duty")], is_head=True, regulation=regulation) == [
        "Loại điểm trừ 'head_duty' không hợp lệ."
    ]


@pytest.mark.parametrize(
    ("block", "where"),
    [
        ({"bonuses": {"council": -1}}, "regulation.bonuses.council:"),
        ({"deductions": {"late": {"points": -1}}}, "regulation.deductions.late.points:"),
        ({"deductions": {"late": {}}}, "regulation.deductions.late:"),
        ({"deductions": {"late": {"points": None}}}, "regulation.deductions.late:"),
        (
            {"deductions": {"late": {"points": 3, "once_a_year": "true"}}},
            "regulation.deductions.late.once_a_year:",
        ),
        (
            {"deductions": {"late": {"points": 3, "once_a_year": None}}},
            "regulation.deductions.late.once_a_year:",
        ),
        (
            {"deductions": {"late": {"points": 3, "head_only": 1}}},
            "regulation.deductions.late.head_only:",
        ),
    ],
    ids=repr,
)
def test_r39_refusals(block: dict, where: str) -> None:
    messages = refusals(block)
    assert [m for m in messages if m.startswith(where)], messages


# ---------------------------------------------------------------------------
# R40: reasons and awards


def test_r40_flag_reasons_are_the_regulations_and_participation_always_excludes() -> None:
    regulation = regulation_from_json({"exclusion_reasons": ["fraud"], "deferral_reasons": []})

    assert status_of(D(950), Participation(), {"fraud"}, (), regulation) == (
        "excluded",
        ("fraud",),
    )
    assert status_of(D(950), Participation(pledge_signed=False), (), (), regulation) == (
        "excluded",
        ("no_pledge",),
    )
    with pytest.raises(ValueError, match="security"):
        status_of(D(950), Participation(), {"security"}, (), regulation)
    with pytest.raises(ValueError, match="under_review"):
        status_of(D(950), Participation(), (), {"under_review"}, regulation)


@pytest.mark.parametrize(
    ("block", "where"),
    [
        (
            {"exclusion_reasons": ["security"], "deferral_reasons": ["security"]},
            "regulation.deferral_reasons:",
        ),
        *(
            ({key: [reason]}, f"regulation.{key}:")
            for key in ("exclusion_reasons", "deferral_reasons")
            for reason in PARTICIPATION_REASONS
        ),
        ({"awards": ["co_thi_dua", "tie_vote_needed"]}, "regulation.awards:"),
    ],
    ids=repr,
)
def test_r40_refusals(block: dict, where: str) -> None:
    messages = refusals(block)
    assert [m for m in messages if m.startswith(where)], messages


def test_r40_awards_fill_in_the_regulations_order() -> None:
    regulation = regulation_from_json({"awards": ["bang_khen", "giay_khen"]})
    entries = [Entry(u, D(t), "eligible") for u, t in (("A", "990"), ("B", "980"), ("C", "970"))]

    placements = allocate(entries, {"bang_khen": 1, "giay_khen": 1}, regulation)

    assert [p.award for p in placements] == ["bang_khen", "giay_khen", None]
    with pytest.raises(ValueError, match="co_thi_dua"):
        allocate(entries, {"co_thi_dua": 0}, regulation)
    assert [p.award for p in allocate(entries, {}, regulation_from_json({"awards": []}))] == [
        None,
        None,
        None,
    ]


# ---------------------------------------------------------------------------
# Properties for any valid regulation

CODES = ("I", "II", "III", "IV", "V")
KINDS = ("cluster", "reporting", "council", "digital")
AWARD_CODES = ("co_thi_dua", "bang_khen", "tap_the_ldxs", "giay_khen")


def cents(low: int, high: int) -> st.SearchStrategy[D]:
    return st.integers(low * 100, high * 100).map(lambda c: D(c) / 100)


@st.composite
def regulations(draw) -> dict:
    codes = draw(st.lists(st.sampled_from(CODES), min_size=1, max_size=4, unique=True))
    sections = []
    for code in codes:
        points = draw(st.integers(50, 600))
        section: dict[str, Any] = {
            "code": code,
            "points": points,
            "framework_criteria": draw(
                st.one_of(
                    st.integers(0, 20),
                    st.fixed_dictionaries({g: st.integers(0, 20) for g in "ABCD"}),
                )
            ),
        }
        if draw(st.booleans()):
            section["items"] = {f"{code}.1": str(draw(cents(1, points)))}
        sections.append(section)
    total = sum(s["points"] for s in sections)
    block: dict[str, Any] = {
        "sections": sections,
        "added_ratio": str(D(draw(st.integers(1, 100))) / 100),
        "threshold": str(draw(cents(0, total))),
        "exceed_bonus": draw(
            st.one_of(
                st.none(),
                st.fixed_dictionaries(
                    {
                        "points_per_percent": cents(0, 3).map(str),
                        "criterion_cap_share": st.integers(1, 100).map(lambda p: str(D(p) / 100)),
                        "sections": st.lists(st.sampled_from(codes), unique=True),
                        "cap": cents(0, 40).map(str),
                    }
                ),
            )
        ),
        "bonuses": draw(st.dictionaries(st.sampled_from(KINDS), cents(0, 20).map(str), max_size=4)),
        "deductions": draw(
            st.dictionaries(
                st.sampled_from(("head_duty", "member_duty", "late_report")),
                st.fixed_dictionaries(
                    {
                        "points": cents(0, 20).map(str),
                        "once_a_year": st.booleans(),
                        "head_only": st.booleans(),
                    }
                ),
                max_size=3,
            )
        ),
        "awards": draw(st.lists(st.sampled_from(AWARD_CODES), unique=True)),
    }
    return block


@settings(max_examples=50, deadline=None)
@given(regulations())
def test_property_any_valid_regulation_is_read_and_written_back(block: dict) -> None:
    regulation = regulation_from_json(block)
    assert regulation_from_json(regulation_to_json(regulation)) == regulation
    assert regulation_from_json(copy.deepcopy(block)) == regulation


@st.composite
def clusters(draw):
    """A valid regulation, a scorecard meeting it (R37), and scored units."""
    regulation = regulation_from_json(draw(regulations()))
    criteria: list[Criterion] = []
    for section in regulation.sections:
        rest = section.points
        for code, points in section.items.items():
            criteria.append(Criterion(code, section.code, points, "qualitative"))
            rest -= points
        if rest >= D("0.02"):
            # A quantitative leaf for the exceed bonus and a qualitative one.
            half = (rest / 2).quantize(D("0.01"), rounding=ROUND_DOWN)
            criteria.append(Criterion(f"{section.code}.q", section.code, half, "quantitative"))
            criteria.append(
                Criterion(f"{section.code}.p", section.code, rest - half, "qualitative")
            )
        elif rest:
            criteria.append(Criterion(f"{section.code}.p", section.code, rest, "qualitative"))
    units = []
    for index in range(draw(st.integers(1, 6))):
        scores = []
        for criterion in criteria:
            if criterion.method == "qualitative":
                share = draw(st.integers(0, 100))
                points = (criterion.points * share / 100).quantize(D("0.01"))
                scores.append(Score(criterion.code, points=min(points, criterion.points)))
            else:
                actual = draw(st.integers(0, 300))
                scores.append(Score(criterion.code, plan=D(100), actual=D(actual)))
        bonuses = tuple(
            Bonus(kind, cap if kind != "cluster" else regulation.cluster_bonus_cap)
            for kind, cap in regulation.bonuses.items()
            if draw(st.booleans())
        )
        units.append(UnitInput(f"U{index}", scores=tuple(scores), bonuses=bonuses))
    return regulation, criteria, units


@settings(max_examples=50, deadline=None)
@given(clusters(), st.data())
def test_property_totals_caps_ranking_and_quotas_hold(cluster, data) -> None:
    regulation, criteria, units = cluster
    assert validate_criteria(criteria, set(), "A", None, regulation) == []
    for unit in units:
        assert validate_bonuses(unit.bonuses, regulation.cluster_bonus_cap, regulation) == []

    results = compute_cluster(criteria, units, regulation)

    for result in results:
        assert list(result.sections) == list(regulation.section_codes)
        for section in regulation.sections:
            assert 0 <= result.sections[section.code] <= section.points
        assert result.base == sum(result.sections.values())
        assert result.base <= regulation.total_points
        rule = regulation.exceed_bonus
        assert result.exceed_bonus <= (rule.cap if rule else 0)
        assert result.other_bonus <= sum(regulation.bonuses.values())
        assert result.total >= 0
        assert (result.status == "below_threshold") == (result.total < regulation.threshold)
    totals = [r.total for r in results]
    assert totals == sorted(totals, reverse=True)

    quotas = {award: data.draw(st.integers(0, 3)) for award in regulation.awards}
    placements = allocate([Entry(r.unit, r.total, r.status) for r in results], quotas, regulation)
    given_awards = [p.award for p in placements]
    for award in regulation.awards:
        assert given_awards.count(award) <= quotas[award]
    status = {r.unit: r.status for r in results}
    for placement in placements:
        assert placement.award in (*regulation.awards, "tie_vote_needed", None)
        if placement.award is not None:
            assert status[placement.unit] == "eligible"
    # R32: a strictly higher eligible total never gets a later award in the order.
    order = {award: i for i, award in enumerate(regulation.awards)}
    total_of = {r.unit: r.total for r in results}
    awarded = [p for p in placements if p.award in order]
    for a in awarded:
        for b in awarded:
            if total_of[a.unit] > total_of[b.unit]:
                assert order[a.award] <= order[b.award]


def test_a_record_of_a_kind_the_guidance_lacks_keeps_its_2022_name() -> None:
    """A bonus, deduction, flag or award left from an earlier guidance of the year
    is named in Vietnamese by the 2022 kind of its code; an unknown code by itself."""
    from dataclasses import replace

    bare = replace(
        DEFAULT, bonuses={}, deductions={}, exclusion_reasons=(), deferral_reasons=(), awards=()
    )
    bare = replace(bare, bonus_labels={}, deduction_labels={}, reason_labels={}, award_labels={})

    assert bare.bonus_label("reporting") == "Thực hiện tốt chế độ báo cáo"
    assert bare.deduction_label("member_duty") == (
        "Thành viên thực hiện không nghiêm túc quy chế, nhiệm vụ của cụm/khối"
    )
    assert bare.reason_label("culture") == "Không đạt chuẩn văn hóa"
    assert bare.award_label("bang_khen") == "Bằng khen của Chủ tịch UBND tỉnh"
    assert bare.deduction_label("new_kind") == "new_kind"
