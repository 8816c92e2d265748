"""A year's results: the stored records fed to the pure engine and allocation.

The number of queries is fixed, whatever the number of clusters, units and
criteria: each kind of record is read once for the whole selection.

A cluster's year is computed once per state of its records and kept in
Django's cache (#17): the key holds the token every write to those records
renews (scoring/revisions.py) and the facts read fresh on each call (the
members, their participation today), so a stored result can never be read
for another state. Computing again only happens after a write.
"""

import hashlib
import logging
import sys
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.core.cache import caches

from awards import allocation
from clusters import participation as participation_rule
from clusters.models import Cluster, Deduction, EmulationYear, Membership
from clusters.services import registered_plans_of
from scoring import engine, revisions
from scoring import regulation as regulations
from scoring.guidances import YearRegulations, year_regulations
from scoring.models import (
    Band,
    Bonus,
    Criterion,
    Flag,
    Method,
    Quota,
    Score,
    Scorecard,
    Vote,
    chosen_figures,
)
from scoring.regulation import DEFAULT, Regulation


@dataclass(frozen=True)
class UnitRow:
    """One line of a cluster's ranking table."""

    membership: Membership
    result: engine.UnitResult
    placement: allocation.Placement
    participation: participation_rule.Record | None = None

    @property
    def not_due(self) -> list[str]:
        """R27 facts missing but not yet due: they do not count yet ("chưa đến hạn")."""
        facts = self.participation.facts if self.participation else ()
        return [f.label for f in facts if f.state == participation_rule.NOT_DUE]

    @property
    def unit(self):
        return self.membership.unit


@dataclass(frozen=True)
class ClusterResults:
    cluster: Cluster
    scorecard: Scorecard | None
    quotas: dict[str, int]
    rows: list[UnitRow]
    regulation: Regulation = DEFAULT


def year_results(
    year: EmulationYear, clusters: list[Cluster] | None = None, *, details: bool = True
) -> list[ClusterResults]:
    """Results of every cluster that has members in `year` (or of `clusters`), by
    code. `details=False` leaves out each unit's points per criterion
    (`UnitResult.criteria` is empty) and its participation record
    (`UnitRow.participation` is None): the province's tables show totals and
    sections, and reading 56 criteria and a record of each of 600 units would
    cost more than the rest of their page (#17)."""
    memberships = Membership.objects.filter(year=year).select_related("unit", "cluster")
    if clusters is not None:
        memberships = memberships.filter(cluster__in=clusters)
    by_cluster: dict[int, list[Membership]] = defaultdict(list)
    cluster_of: dict[int, Cluster] = {}
    for membership in memberships:
        by_cluster[membership.cluster_id].append(membership)
        cluster_of[membership.cluster_id] = membership.cluster
    if not by_cluster:
        return []
    # R36: each cluster is scored under its year's regulation, or the one its
    # kind of cluster was given in that year.
    regulations_of = year_regulations(year)

    scorecards = {
        s.cluster_id: s
        for s in Scorecard.objects.issued().filter(year=year, cluster_id__in=by_cluster)
    }
    # R27: each unit's one participation record, read by its one rule (three queries).
    everyone = [m for ms in by_cluster.values() for m in ms]
    if details:
        records = participation_rule.records(everyone)
        participation = {pk: record.engine_facts for pk, record in records.items()}
    else:
        records, participation = {}, participation_rule.participation_facts(everyone)
    # The registration's current plans replace those stored with the scores (R19).
    plans = registered_plans_of(memberships)
    facts = Facts(regulations_of, participation, plans)
    keys = _cache_keys(year, by_cluster, facts)
    computed = _cache_get(keys, details)
    missing = [c for c in by_cluster if c not in computed]
    if missing:
        fresh = _compute(year, {c: by_cluster[c] for c in missing}, scorecards, facts, details)
        if _cache_keys(year, by_cluster, facts) == keys:  # no write in between
            _cache_set({keys[c]: fresh[c] for c in missing})
        computed |= {c: _unpack(packed, details) for c, packed in fresh.items()}

    results = []
    for cluster_id in sorted(by_cluster, key=lambda c: cluster_of[c].code):
        members = {m.pk: m for m in by_cluster[cluster_id]}
        quotas, rows = computed[cluster_id]
        results.append(
            ClusterResults(
                cluster_of[cluster_id],
                scorecards.get(cluster_id),
                quotas,
                [
                    UnitRow(members[pk], result, placement, records.get(pk))
                    for pk, result, placement in rows
                ],
                regulations_of.for_cluster(cluster_of[cluster_id]),
            )
        )
    return results


@dataclass(frozen=True)
class Facts:
    """What the results read fresh on every call, beside the records the
    token answers for: the year's regulations (R36), each unit's participation
    as the rule reads it today (R27) and the registrations' current plans (R19)."""

    regulations: YearRegulations
    participation: dict[int, engine.Participation]
    plans: dict[int, dict[int, Decimal]]


@dataclass(frozen=True)
class _Computed:
    """What the cache keeps of a cluster's year: plain values, no model
    instance, so that a renamed unit or cluster is read fresh; tuples rather
    than the engine's dataclasses, which unpickle an order of magnitude
    slower (#17). Each row is `_pack`'s; `criteria` holds each row's points
    per criterion, apart, read only by those who show them, and kept only by
    them (None otherwise: packing and storing 33,600 of them costs an export
    a tenth of its time)."""

    quotas: tuple[tuple[str, int], ...]
    rows: tuple[tuple, ...]
    criteria: tuple[tuple[tuple, ...], ...] | None


def _pack(membership_id: int, result: engine.UnitResult, placement: allocation.Placement) -> tuple:
    return (
        membership_id,
        result.unit,
        result.base,
        tuple(result.sections.items()),
        result.exceed_bonus,
        result.other_bonus,
        result.bonus,
        result.deductions,
        result.total,
        result.status,
        result.reasons,
        placement.rank,
        placement.award,
        placement.tie_group,
    )


def _unpack(computed: _Computed, criteria: bool) -> tuple[dict[str, int], list[tuple]]:
    """The quotas and the rows (membership id, UnitResult, Placement) again."""
    rows = []
    for index, row in enumerate(computed.rows):
        pk, unit, base, sections, exceed, other, bonus, deductions, total, status, reasons = row[
            :11
        ]
        by_code = (
            {c[0]: engine.CriterionResult(*c) for c in computed.criteria[index]} if criteria else {}
        )
        result = engine.UnitResult(
            unit, base, dict(sections), exceed, other, bonus, deductions, total, status, reasons,
            by_code,
        )  # fmt: skip
        rows.append((pk, result, allocation.Placement(unit, *row[11:])))
    return dict(computed.quotas), rows


def _compute(
    year: EmulationYear,
    by_cluster: dict[int, list[Membership]],
    scorecards: dict[int, Scorecard],
    facts: Facts,
    details: bool,
) -> dict[int, _Computed]:
    """The engine and the allocation over the clusters' stored records; a fixed
    number of queries whatever the number of clusters."""
    criteria, leaves = _criteria(scorecards[c] for c in by_cluster if c in scorecards)
    in_year = {"membership__year": year, "membership__cluster_id__in": list(by_cluster)}
    issued = {scorecards[c] for c in by_cluster if c in scorecards}
    scores = _scores(in_year, issued, facts.plans, leaves)
    participation = facts.participation
    bonuses = _by_membership(
        Bonus.objects.filter(**in_year).values_list("membership_id", "kind", "points"),
        lambda kind, points: engine.Bonus(kind=kind, points=points),
    )
    deductions = _by_membership(
        Deduction.objects.filter(**in_year, status=Deduction.Status.CONFIRMED).values_list(
            "membership_id", "kind", "count"
        ),
        lambda kind, count: engine.Deduction(kind=kind, count=count),
    )
    flags: dict[int, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for membership_id, kind, reason in Flag.objects.filter(**in_year).values_list(
        "membership_id", "kind", "reason"
    ):
        flags[membership_id][kind].add(reason)
    votes = dict(Vote.objects.filter(**in_year).values_list("membership_id", "votes"))
    quotas: dict[int, dict[str, int]] = defaultdict(dict)
    for cluster_id, award, count in Quota.objects.filter(
        year=year, cluster_id__in=by_cluster
    ).values_list("cluster_id", "award", "count"):
        quotas[cluster_id][award] = count

    found = {}
    for cluster_id, members in by_cluster.items():
        regulation = facts.regulations.for_cluster(members[0].cluster)
        scorecard = scorecards.get(cluster_id)
        cluster_criteria = criteria.get(scorecard.pk, []) if scorecard else []
        inputs = [
            engine.UnitInput(
                unit=m.unit.code,
                scores=tuple(scores.get(m.pk, ())),
                bonuses=tuple(bonuses.get(m.pk, ())),
                deductions=tuple(deductions.get(m.pk, ())),
                participation=participation[m.pk],
                exclusions=frozenset(flags[m.pk]["exclude"]) if m.pk in flags else frozenset(),
                deferrals=frozenset(flags[m.pk]["defer"]) if m.pk in flags else frozenset(),
            )
            for m in members
        ]
        computed = {r.unit: r for r in engine.compute_cluster(cluster_criteria, inputs, regulation)}
        by_code = {m.unit.code: m for m in members}
        placements = allocation.allocate(
            [
                allocation.Entry(
                    unit=code,
                    total=r.total,
                    status=r.status,
                    votes=votes.get(by_code[code].pk),
                )
                for code, r in computed.items()
            ],
            quotas[cluster_id],
            regulation,
        )
        found[cluster_id] = _Computed(
            tuple(quotas[cluster_id].items()),
            tuple(_pack(by_code[p.unit].pk, computed[p.unit], p) for p in placements),
            tuple(
                tuple(
                    (c.code, c.earned, c.exceed_bonus, c.achievement)
                    for c in computed[p.unit].criteria.values()
                )
                for p in placements
            )
            if details
            else None,
        )
    return found


# ---------------------------------------------------------------------------
# The cache (#17): a cluster's year is computed once per state of its records

CACHE_SECONDS = 24 * 60 * 60
logger = logging.getLogger(__name__)


@cache
def _code_version() -> str:
    """The rules' source: a deployment that changes them never reads results
    an older one stored (a shared Redis outlives the processes)."""
    digest = hashlib.blake2b(digest_size=8)
    for module in (engine, allocation, regulations, participation_rule, sys.modules[__name__]):
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()


def _cache_keys(
    year: EmulationYear, by_cluster: dict[int, list[Membership]], facts: Facts
) -> dict[int, str]:
    """Cluster → the key of its results: the year's tokens for its records
    (scoring/revisions.py) and the facts read fresh on every call: the
    regulation, its members' codes, participation as the rule reads them today
    and registered plans. One query."""
    tokens = revisions.tokens(year_id=year.pk, cluster_ids=list(by_cluster))
    keys = {}
    for cluster_id, members in by_cluster.items():
        units = sorted(
            (
                m.pk,
                m.unit.code,
                facts.participation[m.pk],
                sorted(facts.plans.get(m.pk, {}).items()),
            )
            for m in members
        )
        regulation = facts.regulations.for_cluster(members[0].cluster)
        read = (tokens[cluster_id], repr(regulation), units)
        digest = hashlib.blake2b(repr(read).encode(), digest_size=16).hexdigest()
        keys[cluster_id] = f"results:{_code_version()}:{year.pk}:{cluster_id}:{digest}"
    return keys


def _cache_get(keys: dict[int, str], criteria: bool) -> dict[int, tuple]:
    """Cluster → its unpacked (quotas, rows), for the clusters found. The
    criteria are kept under a key of their own, read only when asked for."""
    wanted = [*keys.values(), *(f"{key}:criteria" for key in keys.values() if criteria)]
    try:
        stored = caches["default"].get_many(wanted)
    except Exception:  # the results never depend on the cache being up
        logger.warning("Không đọc được bộ nhớ đệm kết quả", exc_info=True)
        return {}
    found = {}
    for cluster_id, key in keys.items():
        if key not in stored or (criteria and f"{key}:criteria" not in stored):
            continue
        quotas, rows = stored[key]
        by_row = stored[f"{key}:criteria"] if criteria else ()
        found[cluster_id] = _unpack(_Computed(quotas, rows, by_row), criteria)
    return found


def _cache_set(entries: dict[str, _Computed]) -> None:
    stored = {}
    for key, computed in entries.items():
        stored[key] = (computed.quotas, computed.rows)
        if computed.criteria is not None:
            stored[f"{key}:criteria"] = computed.criteria
    try:
        caches["default"].set_many(stored, CACHE_SECONDS)
    except Exception:
        logger.warning("Không ghi được bộ nhớ đệm kết quả", exc_info=True)


def cluster_results(cluster: Cluster, year: EmulationYear) -> ClusterResults | None:
    found = year_results(year, [cluster])
    return found[0] if found else None


def _criteria(scorecards) -> tuple[dict[int, list[engine.Criterion]], dict[int, tuple[str, str]]]:
    """Scorecard → its leaves for the engine, and leaf id → (code, method)."""
    ids = [s.pk for s in scorecards]
    bands: dict[int, list[engine.Band]] = defaultdict(list)
    for band in Band.objects.filter(criterion__scorecard_id__in=ids).order_by("criterion", "order"):
        bands[band.criterion_id].append(band.rule)
    criteria: dict[int, list[engine.Criterion]] = defaultdict(list)
    leaves: dict[int, tuple[str, str]] = {}
    for pk, scorecard_id, code, section, points, method, direction in (
        Criterion.objects.filter(scorecard_id__in=ids, is_leaf=True)
        .order_by("order")
        .values_list("pk", "scorecard_id", "code", "section", "points", "method", "direction")
    ):
        criteria[scorecard_id].append(
            engine.Criterion(
                code=code,
                section=section,
                points=points,
                method=method,
                direction=direction,
                bands=tuple(bands.get(pk, ())),
            )
        )
        leaves[pk] = (code, method)
    return criteria, leaves


def _scores(
    in_year: dict,
    scorecards: set[Scorecard],
    plans: dict[int, dict[int, Decimal]],
    leaves: dict[int, tuple[str, str]],
) -> dict[int, list[engine.Score]]:
    scores: dict[int, list[engine.Score]] = defaultdict(list)
    rows = Score.objects.filter(
        **in_year, criterion__scorecard__in=scorecards, criterion__is_leaf=True
    ).values_list(
        "membership_id",
        "criterion_id",
        "plan",
        "actual",
        "points",
        "value",
        "agreed_plan",
        "agreed_actual",
        "agreed_points",
        "agreed_value",
    )
    for membership_id, criterion_id, *figures in rows:
        code, method = leaves[criterion_id]
        own = figures[:4]
        plan = plans.get(membership_id, {}).get(criterion_id)
        if plan is not None and method == Method.QUANTITATIVE and own.count(None) < 4:
            own[0] = plan
        chosen = chosen_figures(tuple(own), tuple(figures[4:]))
        scores[membership_id].append(engine.Score(code, *chosen))
    return scores


def _by_membership(rows, make) -> dict[int, list]:
    grouped: dict[int, list] = defaultdict(list)
    for membership_id, *fields in rows:
        grouped[membership_id].append(make(*fields))
    return grouped


def results_document(year: EmulationYear, results: list[ClusterResults]) -> dict:
    """The `thidua-results/1` document (DATASET.md)."""
    return {
        "format": "thidua-results/1",
        "year": year.year,
        "clusters": [
            {
                "code": c.cluster.code,
                "units": [
                    {
                        "unit": row.unit.code,
                        "rank": row.placement.rank,
                        "base": _number(row.result.base),
                        "bonus": _number(row.result.bonus),
                        "deductions": _number(row.result.deductions),
                        "total": _number(row.result.total),
                        "sections": {s: _number(v) for s, v in row.result.sections.items()},
                        "status": row.result.status,
                        "reasons": list(row.result.reasons),
                        "award": row.placement.award,
                    }
                    for row in c.rows
                ],
            }
            for c in results
        ],
    }


def _number(value) -> float | int:
    """JSON numbers with at most 2 decimals: the Decimal's exact 2-place text."""
    text = format(value.quantize(engine.CENT), "f")
    return int(text[:-3]) if text.endswith(".00") else float(text)
