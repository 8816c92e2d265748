"""Flag, Quota and Vote moved from awards down to scoring (#16) without moving
their data: the rows and the history written on either side of the move are
read by the models on the other side, and their content types follow them."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from scoring.models import Flag, Quota, Vote
from tests.factories import MembershipFactory

BEFORE = [
    ("scoring", "0022_deductions_participation_to_clusters"),
    ("awards", "0011_decisions_council_and_dossier"),
]
AFTER = [("awards", "0012_flags_quotas_votes_to_scoring")]
MOVED = ("flag", "quota", "vote", "historicalflag", "historicalquota", "historicalvote")


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def _type_ids(app_label: str) -> dict[str, int]:
    return dict(
        ContentType.objects.filter(app_label=app_label, model__in=MOVED).values_list("model", "pk")
    )


@pytest.mark.django_db(transaction=True)
def test_the_rows_and_their_history_stay_where_they_were_across_the_move():
    membership = MembershipFactory()
    other = MembershipFactory(cluster=membership.cluster, year=membership.year)
    flag = Flag.objects.create(membership=membership, kind="exclude", reason="security")
    quota = Quota.objects.create(
        cluster=membership.cluster, year=membership.year, award="bang_khen", count=2
    )
    vote = Vote.objects.create(membership=membership, votes=7)
    for model in (Flag, Quota, Vote):
        ContentType.objects.get_for_model(model)
        ContentType.objects.get_for_model(model.history.model)
    types = _type_ids("scoring")
    assert set(types) == set(MOVED)
    ContentType.objects.clear_cache()

    try:
        old = _migrate(BEFORE).loader.project_state(BEFORE).apps
        OldFlag = old.get_model("awards", "Flag")
        OldQuota = old.get_model("awards", "Quota")
        OldVote = old.get_model("awards", "Vote")
        assert OldFlag._meta.db_table == "awards_flag"
        assert list(OldFlag.objects.values_list("pk", "kind", "reason")) == [
            (flag.pk, "exclude", "security")
        ]
        assert list(OldQuota.objects.values_list("pk", "count")) == [(quota.pk, 2)]
        assert list(OldVote.objects.values_list("pk", "votes")) == [(vote.pk, 7)]
        history = old.get_model("awards", "HistoricalFlag").objects
        assert list(history.values_list("id", "history_type")) == [(flag.pk, "+")]
        assert _type_ids("awards") == types and not _type_ids("scoring")
        # Written before the move, as a server would have.
        deferred = OldFlag.objects.create(
            membership_id=other.pk, kind="defer", reason="under_review"
        )
        OldVote.objects.filter(pk=vote.pk).update(votes=9)

        _migrate(AFTER)
        ContentType.objects.clear_cache()

        # Named by the year's guidance (#16), the 2022 one here.
        assert str(Flag.objects.get(pk=deferred.pk)) == (
            "Chưa xét: Đang bị xem xét kỷ luật, điều tra, thanh tra, kiểm tra hoặc xác minh"
        )
        assert Vote.objects.get(pk=vote.pk).votes == 9
        assert Quota.objects.get().count == 2
        assert [h.history_type for h in Flag.history.filter(id=flag.pk)] == ["+"]
        assert _type_ids("scoring") == types and not _type_ids("awards")
        assert ContentType.objects.get_for_model(Flag).pk == types["flag"]
    finally:
        # Every app at its newest again, for the tests after this one.
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
        ContentType.objects.clear_cache()
