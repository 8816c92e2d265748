"""Ranking and award allocation for one cluster's year (R30–R33), pure Python.

The input is each unit's total and status from `scoring.engine`, the votes of
a tie ballot where one was held, and the quotas the authority set; the output
is a rank and an award (or None, or `tie_vote_needed`) per unit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby

from scoring.regulation import DEFAULT, TIE_VOTE_NEEDED, Regulation

# The 2022 guidance's awards in allocation order, from its record, for the
# code that does not read a year's regulation yet; `allocate` takes it.
AWARDS = DEFAULT.awards
AWARD_LABELS = dict(DEFAULT.award_labels)


@dataclass(frozen=True)
class Entry:
    unit: str
    total: Decimal
    status: str
    votes: int | None = None


@dataclass(frozen=True)
class Placement:
    unit: str
    rank: int
    award: str | None
    # Codes (sorted) of the eligible units sharing this unit's total when that
    # total straddles an award boundary, itself included; empty otherwise. It
    # stays filled after a ballot resolved the tie, so a screen can show what
    # the vote decided.
    tie_group: tuple[str, ...] = ()


def _check_units(entries: Sequence[Entry]) -> None:
    codes = [e.unit for e in entries]
    if len(set(codes)) != len(codes):
        raise ValueError("a unit is listed twice")


def rank(entries: Iterable[Entry]) -> list[tuple[Entry, int]]:
    """R30: all units by total, highest first; equal totals share a rank
    (1, 1, 3…) and are listed by unit code."""
    ordered = sorted(entries, key=lambda e: (-e.total, e.unit))
    ranked: list[tuple[Entry, int]] = []
    for position, entry in enumerate(ordered, start=1):
        shares_rank = ranked and ranked[-1][0].total == entry.total
        ranked.append((entry, ranked[-1][1] if shares_rank else position))
    return ranked


def _slots(quotas: Mapping[str, int], awards: Sequence[str]) -> list[str]:
    """R31/R32, R40: award slots in the regulation's order; a missing quota is 0."""
    unknown = sorted(set(quotas) - set(awards))
    if unknown:
        raise ValueError(f"unknown award types in quotas: {unknown}")
    slots: list[str] = []
    for award in awards:
        quota = quotas.get(award, 0)
        if isinstance(quota, bool) or not isinstance(quota, int) or quota < 0:
            raise ValueError(f"quota for {award} must be an integer ≥ 0, got {quota!r}")
        slots.extend([award] * quota)
    return slots


def _place_tied(group: list[Entry], outcomes: list[str | None]) -> dict[str, str | None]:
    """R33 for one group of eligible units with equal totals, holding `outcomes`
    (the slots at their positions, None past all quotas) which differ.

    The ballot orders the group by votes only if every member has votes. A run
    of members with equal votes then takes the outcomes at its positions: one
    outcome for all is theirs; different outcomes leave them undetermined. With
    any vote missing nobody in the group is determined.
    """
    if any(e.votes is None for e in group):
        return dict.fromkeys((e.unit for e in group), TIE_VOTE_NEEDED)
    awards: dict[str, str | None] = {}
    by_votes = sorted(group, key=lambda e: (-(e.votes or 0), e.unit))
    position = 0
    for _, run_iter in groupby(by_votes, key=lambda e: e.votes):
        run = list(run_iter)
        at_stake = set(outcomes[position : position + len(run)])
        award = at_stake.pop() if len(at_stake) == 1 else TIE_VOTE_NEEDED
        awards.update(dict.fromkeys((e.unit for e in run), award))
        position += len(run)
    return awards


def allocate(
    entries: Sequence[Entry], quotas: Mapping[str, int], regulation: Regulation = DEFAULT
) -> list[Placement]:
    """R30–R33: rank every unit and give awards to the eligible ones.

    R32, R40: eligible units by total, highest first, fill the quotas in the
    regulation's award order (2022: the flag, then certificates of merit, then
    excellent labour collective); one award at most;
    past all quotas, none. Other statuses get no award but keep their rank.
    R33: eligible units with equal totals take consecutive slots; when those
    slots hold different outcomes the tie is settled by `_place_tied`, and the
    slots stay consumed by the group either way, so the units after it are
    allocated as usual. A group whose slots all hold the same outcome needs no
    vote. Placements come in R30 order: rank, then unit code.
    """
    _check_units(entries)
    slots = _slots(quotas, regulation.awards)
    ranked = rank(entries)
    eligible = [entry for entry, _ in ranked if entry.status == "eligible"]

    awards: dict[str, str | None] = {}
    tie_groups: dict[str, tuple[str, ...]] = {}
    position = 0
    for _, group_iter in groupby(eligible, key=lambda e: e.total):
        group = list(group_iter)
        outcomes = [
            slots[i] if i < len(slots) else None for i in range(position, position + len(group))
        ]
        position += len(group)
        if len(set(outcomes)) == 1:
            awards.update(dict.fromkeys((e.unit for e in group), outcomes[0]))
            continue
        awards.update(_place_tied(group, outcomes))
        codes = tuple(sorted(e.unit for e in group))
        tie_groups.update(dict.fromkeys(codes, codes))

    return [
        Placement(entry.unit, place, awards.get(entry.unit), tie_groups.get(entry.unit, ()))
        for entry, place in ranked
    ]
