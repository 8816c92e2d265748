"""The results' revision of a cluster's year (#17): what the results cache
(scoring/results.py) is keyed by.

Every write to a record the results are computed from gives the cluster's
year a new random token, in the same statement sequence and transaction as
the write: scores, bonuses, deductions, flags, votes, quotas, scorecards,
criteria and bands. Saves and deletes of single rows do it through the
signals connected here (`connect`); the writers that bypass signals (the
dataset import's set-based inserts, bulk updates) call `bump_*` themselves.
What the results read of the memberships and their participation facts is
not counted here: the cache key holds those facts themselves.

A token is written after the row it answers for, so that a reader can only
pair old data with an old token (then dead) and never new data with an old
one: the results cache checks the token again before it stores anything.
"""

import secrets
from collections.abc import Iterable

from django.db import connection
from django.db.models.signals import post_delete, post_save

from clusters.models import Cluster, Deduction, Membership
from clusters.results_records import results_written
from scoring.models import (
    Band,
    Bonus,
    Criterion,
    Flag,
    Quota,
    ResultsRevision,
    Score,
    Scorecard,
    Vote,
)


def new_token() -> int:
    return secrets.randbits(63)


def _upsert(source: str, params: list) -> None:
    """INSERT the (cluster_id, year_id, part, token) rows `source` selects, or
    give the existing ones the new token (both SQLite and PostgreSQL)."""
    table = connection.ops.quote_name(ResultsRevision._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (cluster_id, year_id, part, token) {source} "
            "ON CONFLICT (cluster_id, year_id, part) DO UPDATE SET token = excluded.token",
            params,
        )


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def bump(*, cluster_id: int, year_id: int, part: int = 0) -> None:
    _upsert("SELECT %s, %s, %s, %s WHERE 1 = 1", [cluster_id, year_id, part, new_token()])


def bump_membership(membership_id: int) -> None:
    _upsert(
        f"SELECT cluster_id, year_id, id, %s FROM {_table(Membership)} WHERE id = %s",
        [new_token(), membership_id],
    )


def bump_scorecard(scorecard_id: int) -> None:
    _upsert(
        f"SELECT cluster_id, year_id, 0, %s FROM {_table(Scorecard)} WHERE id = %s",
        [new_token(), scorecard_id],
    )


def bump_criterion(criterion_id: int) -> None:
    _upsert(
        f"SELECT s.cluster_id, s.year_id, 0, %s FROM {_table(Scorecard)} s "
        f"JOIN {_table(Criterion)} c ON c.scorecard_id = s.id WHERE c.id = %s",
        [new_token(), criterion_id],
    )


def bump_year(*, year_id: int, cluster_ids: Iterable[int]) -> None:
    """Every listed cluster of the year at once (the dataset import)."""
    ids = sorted(set(cluster_ids))
    if ids:
        placeholders = ", ".join(["%s"] * len(ids))
        _upsert(
            f"SELECT id, %s, 0, %s FROM {_table(Cluster)} WHERE id IN ({placeholders})",
            [year_id, new_token(), *ids],
        )


def tokens(*, year_id: int, cluster_ids: list[int]) -> dict[int, str]:
    """The current state of each cluster's year: its tokens, the cluster's own
    and its units', in one string; the cluster's own token is made for a
    cluster without one."""
    parts: dict[int, list[tuple[int, int]]] = {c: [] for c in cluster_ids}
    for cluster_id, part, token in ResultsRevision.objects.filter(
        year_id=year_id, cluster_id__in=cluster_ids
    ).values_list("cluster_id", "part", "token"):
        parts[cluster_id].append((part, token))
    missing = [
        ResultsRevision(cluster_id=c, year_id=year_id, part=0, token=new_token())
        for c, found in parts.items()
        if not any(part == 0 for part, _ in found)
    ]
    if missing:
        # A concurrent reader may insert first: its token stands, ours then
        # only names entries nobody reads again.
        ResultsRevision.objects.bulk_create(missing, ignore_conflicts=True)
        for row in missing:
            parts[row.cluster_id].append((0, row.token))
    return {c: ",".join(f"{p}:{t}" for p, t in sorted(found)) for c, found in parts.items()}


# ---------------------------------------------------------------------------
# Single-row writes


def _by_membership(sender, instance, **kwargs) -> None:
    field = sender._meta.get_field("membership")
    if field.is_cached(instance):  # a save at the deadline peak: no join
        membership = instance.membership
        bump(cluster_id=membership.cluster_id, year_id=membership.year_id, part=membership.pk)
    else:
        bump_membership(instance.membership_id)


def _by_cluster_year(sender, instance, **kwargs) -> None:
    bump(cluster_id=instance.cluster_id, year_id=instance.year_id)


def _by_scorecard(sender, instance, **kwargs) -> None:
    bump_scorecard(instance.scorecard_id)


def _by_criterion(sender, instance, **kwargs) -> None:
    bump_criterion(instance.criterion_id)


def connect_membership_records(*models) -> None:
    for model in models:
        for signal in (post_save, post_delete):
            signal.connect(_by_membership, sender=model, dispatch_uid=f"results-{model.__name__}")


def connect_cluster_year_records(*models) -> None:
    for model in models:
        for signal in (post_save, post_delete):
            signal.connect(_by_cluster_year, sender=model, dispatch_uid=f"results-{model.__name__}")


def _by_bulk_write(sender, cluster_years: set[tuple[int, int]], **kwargs) -> None:
    """A bulk write of the results' records (clusters/results_records.py)."""
    for year_id in sorted({year_id for _, year_id in cluster_years}):
        bump_year(year_id=year_id, cluster_ids=[c for c, y in cluster_years if y == year_id])


def connect() -> None:
    """The scoring app's records (flags, votes and quotas among them, #16) and
    the organisation's deductions, and every bulk write of them."""
    results_written.connect(_by_bulk_write, dispatch_uid="results-bulk-write")
    connect_membership_records(Score, Bonus, Deduction, Flag, Vote)
    connect_cluster_year_records(Scorecard, Quota)
    for signal in (post_save, post_delete):
        signal.connect(_by_scorecard, sender=Criterion, dispatch_uid="results-Criterion")
        signal.connect(_by_criterion, sender=Band, dispatch_uid="results-Band")
