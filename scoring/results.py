"""A year's results: the stored records fed to the pure engine and allocation.

The number of queries is fixed, whatever the number of clusters, units and
criteria: each kind of record is read once for the whole selection.
"""

from collections import defaultdict
from dataclasses import dataclass

from awards import allocation
from awards.models import Flag, Quota, Vote
from clusters import participation as participation_rule
from clusters.models import Cluster, EmulationYear, Membership
from clusters.services import registered_plans_of
from scoring import engine
from scoring.models import (
    Band,
    Bonus,
    Criterion,
    Deduction,
    Method,
    Score,
    Scorecard,
    effective_figures,
)
from scoring.regulation import DEFAULT, Regulation, stored_regulation


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
    year: EmulationYear, clusters: list[Cluster] | None = None
) -> list[ClusterResults]:
    """Results of every cluster that has members in `year` (or of `clusters`), by code."""
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
    # R36: every cluster of the year is scored under the year's regulation.
    regulation = stored_regulation(year.regulation)

    scorecards = {
        s.cluster_id: s
        for s in Scorecard.objects.issued().filter(year=year, cluster_id__in=by_cluster)
    }
    criteria = _criteria(scorecards.values())
    in_year = {"membership__year": year, "membership__cluster_id__in": list(by_cluster)}
    scores = _scores(in_year, set(scorecards.values()))
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
    # R27: each unit's one participation record, read by its one rule (two queries).
    participation = participation_rule.records(m for ms in by_cluster.values() for m in ms)
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

    results = []
    for cluster_id in sorted(by_cluster, key=lambda c: cluster_of[c].code):
        scorecard = scorecards.get(cluster_id)
        cluster_criteria = criteria.get(scorecard.pk, []) if scorecard else []
        members = by_cluster[cluster_id]
        inputs = [
            engine.UnitInput(
                unit=m.unit.code,
                scores=tuple(scores.get(m.pk, ())),
                bonuses=tuple(bonuses.get(m.pk, ())),
                deductions=tuple(deductions.get(m.pk, ())),
                participation=participation[m.pk].engine_facts,
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
        rows = [
            UnitRow(by_code[p.unit], computed[p.unit], p, participation[by_code[p.unit].pk])
            for p in placements
        ]
        results.append(
            ClusterResults(
                cluster_of[cluster_id], scorecard, dict(quotas[cluster_id]), rows, regulation
            )
        )
    return results


def cluster_results(cluster: Cluster, year: EmulationYear) -> ClusterResults | None:
    found = year_results(year, [cluster])
    return found[0] if found else None


def _criteria(scorecards) -> dict[int, list[engine.Criterion]]:
    ids = [s.pk for s in scorecards]
    bands: dict[int, list[engine.Band]] = defaultdict(list)
    for band in Band.objects.filter(criterion__scorecard_id__in=ids).order_by("criterion", "order"):
        bands[band.criterion_id].append(band.rule)
    criteria: dict[int, list[engine.Criterion]] = defaultdict(list)
    for c in Criterion.objects.filter(scorecard_id__in=ids, is_leaf=True).order_by("order"):
        criteria[c.scorecard_id].append(
            engine.Criterion(
                code=c.code,
                section=c.section,
                points=c.points,
                method=c.method,
                direction=c.direction,
                bands=tuple(bands.get(c.pk, ())),
            )
        )
    return criteria


def _scores(in_year: dict, scorecards: set[Scorecard]) -> dict[int, list[engine.Score]]:
    scores: dict[int, list[engine.Score]] = defaultdict(list)
    rows = Score.objects.filter(
        **in_year, criterion__scorecard__in=scorecards, criterion__is_leaf=True
    ).values_list(
        "membership_id",
        "criterion_id",
        "criterion__code",
        "criterion__method",
        "plan",
        "actual",
        "points",
        "value",
        "agreed_plan",
        "agreed_actual",
        "agreed_points",
        "agreed_value",
    )
    # The registration's current plan replaces the one stored with the score (R19).
    plans = registered_plans_of(Membership.objects.filter(**_as_member(in_year)))
    for membership_id, criterion_id, code, method, *figures in rows:
        own = list(figures[:4])
        plan = plans.get(membership_id, {}).get(criterion_id)
        if plan is not None and method == Method.QUANTITATIVE and any(v is not None for v in own):
            own[0] = plan
        chosen = effective_figures(tuple(own), tuple(figures[4:]))
        scores[membership_id].append(engine.Score(criterion=code, **chosen))
    return scores


def _as_member(in_year: dict) -> dict:
    return {key.removeprefix("membership__"): value for key, value in in_year.items()}


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
