"""Ranking and award allocation, rule by rule (R30–R33), then properties."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from awards.allocation import (
    AWARD_LABELS,
    AWARDS,
    TIE_VOTE_NEEDED,
    Entry,
    Placement,
    allocate,
    rank,
)

FLAG_BK_LDXS = {"co_thi_dua": 1, "bang_khen": 1, "tap_the_ldxs": 1}


def eligible(unit: str, total: str, votes: int | None = None) -> Entry:
    return Entry(unit, D(total), "eligible", votes)


def awards_of(placements: list[Placement]) -> dict[str, str | None]:
    return {p.unit: p.award for p in placements}


# ---------------------------------------------------------------------------
# R30: ranking


def test_r30_equal_totals_share_rank_and_are_listed_by_code() -> None:
    entries = [
        eligible("YT", "950"),
        eligible("LG", "972.4"),
        eligible("HH", "972.4"),
        eligible("VY", "960"),
    ]
    assert [(e.unit, r) for e, r in rank(entries)] == [("HH", 1), ("LG", 1), ("VY", 3), ("YT", 4)]


def test_r30_equal_totals_are_listed_in_code_point_order() -> None:
    # DATASET.md: "B2" before "a3"; so "Z9" before "Đ1" (U+0110), whatever the locale.
    entries = [eligible(u, "900") for u in ("a3", "Đ1", "B2", "Z9")]
    placements = allocate(entries, {"co_thi_dua": 0, "bang_khen": 0, "tap_the_ldxs": 0})
    assert [p.unit for p in placements] == ["B2", "Z9", "a3", "Đ1"]


def test_r30_three_way_tie_then_next_rank_skips() -> None:
    entries = [eligible(u, "900") for u in ("C", "A", "B")] + [eligible("D", "899")]
    assert [(e.unit, r) for e, r in rank(entries)] == [("A", 1), ("B", 1), ("C", 1), ("D", 4)]


def test_r30_every_status_is_ranked_and_placements_follow_rank_then_code() -> None:
    entries = [
        Entry("SD", D("962.25"), "excluded"),
        eligible("VY", "970.3"),
        Entry("LN", D("880"), "below_threshold"),
        Entry("YD", D("962.25"), "deferred"),
        eligible("HH", "964.4"),
    ]
    placements = allocate(entries, {"co_thi_dua": 1, "bang_khen": 2})
    assert [(p.unit, p.rank) for p in placements] == [
        ("VY", 1),
        ("HH", 2),
        ("SD", 3),
        ("YD", 3),
        ("LN", 5),
    ]


def test_r30_rank_compares_decimal_values_not_strings() -> None:
    entries = [eligible("A", "950.0"), eligible("B", "950.00"), eligible("C", "99.99")]
    assert [r for _, r in rank(entries)] == [1, 1, 3]


# ---------------------------------------------------------------------------
# R31/R32: quotas and allocation


def test_r32_fill_flag_then_merit_then_ldxs_then_none() -> None:
    entries = [eligible(u, str(990 - i)) for i, u in enumerate("ABCDEF")]
    placements = allocate(entries, {"co_thi_dua": 1, "bang_khen": 2, "tap_the_ldxs": 2})
    assert awards_of(placements) == {
        "A": "co_thi_dua",
        "B": "bang_khen",
        "C": "bang_khen",
        "D": "tap_the_ldxs",
        "E": "tap_the_ldxs",
        "F": None,
    }
    assert all(p.tie_group == () for p in placements)


def test_r32_only_eligible_units_take_slots() -> None:
    entries = [
        Entry("EX", D("999"), "excluded"),
        Entry("DF", D("998"), "deferred"),
        Entry("BT", D("899.99"), "below_threshold"),
        eligible("A", "950"),
        eligible("B", "940"),
    ]
    placements = allocate(entries, {"co_thi_dua": 1, "bang_khen": 5})
    assert awards_of(placements) == {
        "EX": None,
        "DF": None,
        "BT": None,
        "A": "co_thi_dua",
        "B": "bang_khen",
    }


def test_r31_quota_zero_skips_that_award() -> None:
    entries = [eligible(u, str(990 - i)) for i, u in enumerate("ABC")]
    placements = allocate(entries, {"co_thi_dua": 1, "bang_khen": 0, "tap_the_ldxs": 1})
    assert awards_of(placements) == {"A": "co_thi_dua", "B": "tap_the_ldxs", "C": None}


def test_r31_missing_quota_is_zero() -> None:
    entries = [eligible("A", "990"), eligible("B", "980")]
    assert awards_of(allocate(entries, {"bang_khen": 1})) == {"A": "bang_khen", "B": None}
    assert awards_of(allocate(entries, {})) == {"A": None, "B": None}


def test_r31_quotas_larger_than_the_cluster() -> None:
    entries = [eligible("A", "990"), eligible("B", "980")]
    placements = allocate(entries, {"co_thi_dua": 3, "bang_khen": 3})
    assert awards_of(placements) == {"A": "co_thi_dua", "B": "co_thi_dua"}


@pytest.mark.parametrize(
    "quotas",
    [{"co_thi_dua": -1}, {"co_thi_dua": 1.0}, {"co_thi_dua": True}, {"huan_chuong": 1}],
)
def test_r31_invalid_quotas_refused(quotas) -> None:
    with pytest.raises(ValueError):
        allocate([eligible("A", "990")], quotas)


def test_allocate_refuses_a_unit_listed_twice() -> None:
    with pytest.raises(ValueError):
        allocate([eligible("A", "990"), eligible("A", "980")], FLAG_BK_LDXS)


def test_award_labels_are_vietnamese() -> None:
    assert set(AWARD_LABELS) == {*AWARDS, TIE_VOTE_NEEDED}
    assert AWARD_LABELS["co_thi_dua"] == "Cờ thi đua của UBND tỉnh"
    assert AWARD_LABELS[TIE_VOTE_NEEDED] == "Cần bỏ phiếu"


# ---------------------------------------------------------------------------
# R33: ties


def test_r33_tie_without_votes_across_flag_boundary() -> None:
    # Example 02: HH and LG tie for the only flag; YT after them gets the LĐXS
    # slot because the tie consumed the flag and the merit slots.
    entries = [eligible("HH", "972.4"), eligible("LG", "972.4"), eligible("YT", "964.75")]
    placements = allocate(entries, FLAG_BK_LDXS)
    assert awards_of(placements) == {
        "HH": TIE_VOTE_NEEDED,
        "LG": TIE_VOTE_NEEDED,
        "YT": "tap_the_ldxs",
    }
    assert [p.tie_group for p in placements] == [("HH", "LG"), ("HH", "LG"), ()]


def test_r33_tie_resolved_by_vote_across_flag_boundary() -> None:
    # Example 03: the ballot orders the tie; the ranks stay shared.
    entries = [eligible("HH", "972.4", 6), eligible("LG", "972.4", 4), eligible("YT", "964.75")]
    placements = allocate(entries, FLAG_BK_LDXS)
    assert [(p.unit, p.rank, p.award) for p in placements] == [
        ("HH", 1, "co_thi_dua"),
        ("LG", 1, "bang_khen"),
        ("YT", 3, "tap_the_ldxs"),
    ]
    assert placements[0].tie_group == ("HH", "LG")


def test_r33_votes_order_the_tie_not_the_unit_code() -> None:
    entries = [eligible("HH", "972.4", 4), eligible("LG", "972.4", 6)]
    assert awards_of(allocate(entries, FLAG_BK_LDXS)) == {"HH": "bang_khen", "LG": "co_thi_dua"}


def test_r33_tie_without_votes_across_merit_ldxs_boundary() -> None:
    entries = [eligible("A", "990"), eligible("B", "980"), eligible("C", "980"), eligible("D", "1")]
    placements = allocate(entries, FLAG_BK_LDXS)
    assert awards_of(placements) == {
        "A": "co_thi_dua",
        "B": TIE_VOTE_NEEDED,
        "C": TIE_VOTE_NEEDED,
        "D": None,
    }
    assert placements[1].tie_group == ("B", "C")


def test_r33_tie_without_votes_across_ldxs_none_boundary() -> None:
    entries = [eligible("A", "990"), eligible("B", "980"), eligible("C", "970")]
    entries += [eligible("D", "970"), eligible("E", "960")]
    placements = allocate(entries, FLAG_BK_LDXS)
    assert awards_of(placements) == {
        "A": "co_thi_dua",
        "B": "bang_khen",
        "C": TIE_VOTE_NEEDED,
        "D": TIE_VOTE_NEEDED,
        "E": None,
    }


def test_r33_tie_at_end_of_quotas_resolved_by_vote() -> None:
    entries = [eligible("A", "990"), eligible("B", "970", 3), eligible("C", "970", 5)]
    placements = allocate(entries, {"co_thi_dua": 1, "bang_khen": 1})
    assert awards_of(placements) == {"A": "co_thi_dua", "B": None, "C": "bang_khen"}


def test_r33_tie_across_a_zero_quota_gap() -> None:
    # With no certificates of merit, the flag and LĐXS slots are adjacent.
    entries = [eligible("A", "990"), eligible("B", "990")]
    placements = allocate(entries, {"co_thi_dua": 1, "bang_khen": 0, "tap_the_ldxs": 1})
    assert awards_of(placements) == {"A": TIE_VOTE_NEEDED, "B": TIE_VOTE_NEEDED}


def test_r33_tie_with_the_same_outcome_needs_no_vote() -> None:
    entries = [eligible("A", "990"), eligible("B", "980"), eligible("C", "980")]
    entries += [eligible("D", "970"), eligible("E", "970")]
    placements = allocate(entries, {"co_thi_dua": 1, "bang_khen": 2})
    assert awards_of(placements) == {
        "A": "co_thi_dua",
        "B": "bang_khen",
        "C": "bang_khen",
        "D": None,  # both past all quotas: nothing at stake
        "E": None,
    }
    assert all(p.tie_group == () for p in placements)


def test_r33_equal_votes_across_a_boundary_still_need_a_vote() -> None:
    entries = [eligible("HH", "972.4", 5), eligible("LG", "972.4", 5), eligible("YT", "900")]
    assert awards_of(allocate(entries, FLAG_BK_LDXS)) == {
        "HH": TIE_VOTE_NEEDED,
        "LG": TIE_VOTE_NEEDED,
        "YT": "tap_the_ldxs",
    }


def test_r33_a_missing_vote_leaves_the_whole_tie_undetermined() -> None:
    entries = [eligible("HH", "972.4", 9), eligible("LG", "972.4"), eligible("YT", "972.4", 1)]
    assert awards_of(allocate(entries, FLAG_BK_LDXS)) == dict.fromkeys(
        ("HH", "LG", "YT"), TIE_VOTE_NEEDED
    )


def test_r33_tie_straddling_two_boundaries() -> None:
    entries = [eligible(u, "950") for u in "ABCD"]
    assert awards_of(allocate(entries, FLAG_BK_LDXS)) == dict.fromkeys("ABCD", TIE_VOTE_NEEDED)
    voted = [eligible("A", "950", 1), eligible("B", "950", 4)]
    voted += [eligible("C", "950", 3), eligible("D", "950", 2)]
    assert awards_of(allocate(voted, FLAG_BK_LDXS)) == {
        "B": "co_thi_dua",
        "C": "bang_khen",
        "D": "tap_the_ldxs",
        "A": None,
    }


def test_r33_partially_resolved_tie_only_the_undecided_need_a_vote() -> None:
    # Four tied over [flag, merit, merit, LĐXS]: the ballot puts A clearly
    # first; B, C, D share 5 votes over [merit, merit, LĐXS], so none of them
    # knows yet whether it gets merit or LĐXS.
    quotas = {"co_thi_dua": 1, "bang_khen": 2, "tap_the_ldxs": 1}
    entries = [eligible("A", "950", 9), eligible("B", "950", 5)]
    entries += [eligible("C", "950", 5), eligible("D", "950", 5)]
    placements = allocate(entries, quotas)
    assert awards_of(placements) == {
        "A": "co_thi_dua",
        "B": TIE_VOTE_NEEDED,
        "C": TIE_VOTE_NEEDED,
        "D": TIE_VOTE_NEEDED,
    }
    assert {p.tie_group for p in placements} == {("A", "B", "C", "D")}


def test_r33_equal_votes_within_one_award_are_settled() -> None:
    # The 5-vote pair sits on [merit, merit]: the equality does not matter.
    quotas = {"co_thi_dua": 1, "bang_khen": 2, "tap_the_ldxs": 1}
    entries = [eligible("A", "950", 9), eligible("B", "950", 5)]
    entries += [eligible("C", "950", 5), eligible("D", "950", 2)]
    assert awards_of(allocate(entries, quotas)) == {
        "A": "co_thi_dua",
        "B": "bang_khen",
        "C": "bang_khen",
        "D": "tap_the_ldxs",
    }


def test_r33_equal_top_votes_across_the_flag_boundary() -> None:
    # A and B share the top votes over [flag, merit]; C is clearly third.
    entries = [eligible("A", "950", 7), eligible("B", "950", 7), eligible("C", "950", 1)]
    assert awards_of(allocate(entries, FLAG_BK_LDXS)) == {
        "A": TIE_VOTE_NEEDED,
        "B": TIE_VOTE_NEEDED,
        "C": "tap_the_ldxs",
    }


def test_r33_votes_ignored_when_nothing_is_at_stake() -> None:
    entries = [eligible("A", "990", 1), eligible("B", "980", 9), eligible("C", "980", 0)]
    placements = allocate(entries, {"co_thi_dua": 1, "bang_khen": 2})
    assert awards_of(placements) == {"A": "co_thi_dua", "B": "bang_khen", "C": "bang_khen"}


def test_r33_zero_votes_are_recorded_votes() -> None:
    entries = [eligible("A", "990", 0), eligible("B", "990", 2)]
    assert awards_of(allocate(entries, FLAG_BK_LDXS)) == {"A": "bang_khen", "B": "co_thi_dua"}


def test_r33_an_ineligible_unit_with_the_same_total_is_no_tie() -> None:
    entries = [eligible("HH", "972.4"), Entry("LG", D("972.4"), "excluded")]
    placements = allocate(entries, FLAG_BK_LDXS)
    assert awards_of(placements) == {"HH": "co_thi_dua", "LG": None}
    assert [p.rank for p in placements] == [1, 1]
    assert all(p.tie_group == () for p in placements)


def test_r33_units_after_an_unresolved_tie_are_allocated_as_usual() -> None:
    quotas = {"co_thi_dua": 1, "bang_khen": 2, "tap_the_ldxs": 1}
    entries = [eligible("A", "990"), eligible("B", "990"), eligible("C", "980")]
    entries += [eligible("D", "970"), eligible("E", "960")]
    assert awards_of(allocate(entries, quotas)) == {
        "A": TIE_VOTE_NEEDED,
        "B": TIE_VOTE_NEEDED,
        "C": "bang_khen",
        "D": "tap_the_ldxs",
        "E": None,
    }


# ---------------------------------------------------------------------------
# Properties

STATUSES = ("eligible", "eligible", "eligible", "below_threshold", "excluded", "deferred")
totals = st.decimals(
    min_value=D(895), max_value=D(905), places=2, allow_nan=False, allow_infinity=False
)


@st.composite
def cluster_entries(draw) -> list[Entry]:
    codes = draw(st.lists(st.text("ABCDEFGH", min_size=1, max_size=2), unique=True, max_size=12))
    # Few distinct totals, so ties across boundaries are common.
    pool = draw(st.lists(totals, min_size=1, max_size=4))
    return [
        Entry(
            code,
            draw(st.sampled_from(pool)),
            draw(st.sampled_from(STATUSES)),
            draw(st.none() | st.integers(min_value=0, max_value=3)),
        )
        for code in codes
    ]


quota_maps = st.fixed_dictionaries(dict.fromkeys(AWARDS, st.integers(min_value=0, max_value=4)))
FAST = settings(max_examples=200, deadline=None)


@FAST
@given(cluster_entries(), quota_maps)
def test_property_r31_no_award_type_exceeds_its_quota(entries, quotas) -> None:
    placements = allocate(entries, quotas)
    for award in AWARDS:
        assert sum(p.award == award for p in placements) <= quotas[award]
    # An award can only be withheld from a unit by a tie pending a vote.
    eligible_count = sum(e.status == "eligible" for e in entries)
    if not any(p.award == TIE_VOTE_NEEDED for p in placements):
        awarded = sum(p.award is not None for p in placements)
        assert awarded == min(eligible_count, sum(quotas.values()))


@FAST
@given(cluster_entries(), quota_maps)
def test_property_r32_only_eligible_units_get_an_award(entries, quotas) -> None:
    status = {e.unit: e.status for e in entries}
    for placement in allocate(entries, quotas):
        if status[placement.unit] != "eligible":
            assert placement.award is None
            assert placement.tie_group == ()


@FAST
@given(cluster_entries(), quota_maps, st.randoms(use_true_random=False))
def test_property_r30_result_does_not_depend_on_input_order(entries, quotas, rnd) -> None:
    assert allocate(rnd.sample(entries, len(entries)), quotas) == allocate(entries, quotas)


@FAST
@given(cluster_entries(), quota_maps)
def test_property_r32_higher_total_never_gets_a_lesser_award(entries, quotas) -> None:
    order = {award: i for i, award in enumerate(AWARDS)}
    total = {e.unit: e.total for e in entries}
    decided = [
        p for p in allocate(entries, quotas) if p.award != TIE_VOTE_NEEDED and p.award is not None
    ]
    for a in decided:
        for b in decided:
            if total[a.unit] > total[b.unit]:
                assert order[a.award] <= order[b.award]


@FAST
@given(cluster_entries(), quota_maps)
def test_property_r33_vote_needed_only_inside_a_tie_group(entries, quotas) -> None:
    total = {e.unit: e.total for e in entries}
    for placement in allocate(entries, quotas):
        if placement.award == TIE_VOTE_NEEDED:
            assert placement.unit in placement.tie_group
            assert len(placement.tie_group) >= 2
            assert {total[u] for u in placement.tie_group} == {total[placement.unit]}


@FAST
@given(cluster_entries(), quota_maps)
def test_property_r32_distinct_totals_fill_every_slot_in_order(entries, quotas) -> None:
    # Without equal totals among eligible units, no vote is ever needed and
    # the awards are exactly the slot sequence.
    eligible_entries = [e for e in entries if e.status == "eligible"]
    if len({e.total for e in eligible_entries}) != len(eligible_entries):
        return
    slots = [award for award in AWARDS for _ in range(quotas[award])]
    ordered = sorted(eligible_entries, key=lambda e: -e.total)
    expected = {e.unit: slots[i] if i < len(slots) else None for i, e in enumerate(ordered)}
    awards = awards_of(allocate(entries, quotas))
    assert {u: awards[u] for u in expected} == expected
