"""The results cache (scoring/results.py, scoring/revisions.py, #17): a
cluster's year is computed once, and every kind of write to what the results
read gives the next read the new figures, as the province page shows them."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clusters.models import Cluster, Deadline, Deduction, Membership, Participation
from scoring.guidances import apply_regulation
from scoring.models import (
    Band,
    Bonus,
    Criterion,
    Flag,
    Guidance,
    Quota,
    ResultsRevision,
    Score,
    Scorecard,
    Vote,
)
from scoring.regulation import regulation_from_json
from scoring.results import year_results
from tests.awards.test_review_views import give_total, member_of, score_cluster, set_quotas
from tests.factories import MembershipFactory, UnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(world):
    """Cluster A: TPBG 945 the flag, VY 930 and HH 920 certificates, LG 880."""
    score_cluster(world, world.cluster_a, {"TPBG": "945", "VY": "930", "HH": "920", "LG": "880"})
    set_quotas(world.cluster_a, world.year, flag=1, merit=2)
    return world


def read(world) -> dict[str, tuple]:
    """Cluster A's rows as the results give them: unit → (total, status, award)."""
    (found,) = year_results(world.year, [world.cluster_a])
    return {
        row.unit.code: (row.result.total, row.result.status, row.placement.award)
        for row in found.rows
    }


def total(world, code: str) -> Decimal:
    return read(world)[code][0]


def lg_section_one(world) -> Score:
    return Score.objects.get(membership=member_of(world, "LG"), criterion__section="I")


def count_queries(function) -> int:
    with CaptureQueriesContext(connection) as queries:
        function()
    return len(queries)


def test_a_second_read_is_served_from_the_cache(scored):
    computed = count_queries(lambda: read(scored))
    cached = count_queries(lambda: read(scored))
    # memberships, scorecards, participation (2, and the units' extensions), the
    # registered plans, the revisions and the year's guidances (#16): no score is read
    assert cached == 8 < computed
    assert read(scored)["TPBG"] == (Decimal("945.00"), "eligible", "co_thi_dua")


def test_the_points_per_criterion_follow_a_read_without_them(scored):
    """The province reads no details (#17): the documents' read after it still
    gets each unit's points per criterion, and the province's after theirs
    the same totals."""
    (summary,) = year_results(scored.year, [scored.cluster_a], details=False)
    assert all(row.result.criteria == {} and row.participation is None for row in summary.rows)
    (detailed,) = year_results(scored.year, [scored.cluster_a])
    row = next(r for r in detailed.rows if r.unit.code == "LG")
    assert sum(c.earned for c in row.result.criteria.values()) == Decimal("880.00")
    assert row.participation is not None
    (again,) = year_results(scored.year, [scored.cluster_a], details=False)
    assert [r.result.total for r in again.rows] == [r.result.total for r in detailed.rows]


# ---------------------------------------------------------------------------
# Every kind of write changes what the next read gives


def test_saving_a_score(scored):
    assert total(scored, "LG") == Decimal("880.00")
    score = lg_section_one(scored)
    score.points += 10
    score.save()
    assert total(scored, "LG") == Decimal("890.00")


def test_updating_scores_in_bulk(scored):
    read(scored)
    Score.objects.filter(membership=member_of(scored, "LG"), criterion__section="I").update(
        points=Decimal(500)
    )
    assert total(scored, "LG") == Decimal("900.00")


def test_agreeing_a_score(scored):
    read(scored)
    score = lg_section_one(scored)
    score.agreed_points = Decimal(530)
    score.save()
    assert total(scored, "LG") == Decimal("930.00")


def test_deleting_a_score(scored):
    read(scored)
    lg_section_one(scored).delete()
    assert total(scored, "LG") == Decimal("400.00")


def test_a_bonus(scored):
    read(scored)
    bonus = Bonus.objects.create(membership=member_of(scored, "LG"), kind="council", points=5)
    assert total(scored, "LG") == Decimal("885.00")
    bonus.delete()
    assert total(scored, "LG") == Decimal("880.00")


def test_a_deduction_and_its_confirmation(scored):
    read(scored)
    deduction = Deduction.objects.create(
        membership=member_of(scored, "TPBG"),
        kind="member_duty",
        reason="Vắng hội nghị",
        status=Deduction.Status.PROPOSED,
    )
    assert total(scored, "TPBG") == Decimal("945.00")
    deduction.status = Deduction.Status.CONFIRMED
    deduction.save()
    assert total(scored, "TPBG") == Decimal("940.00")


def test_a_flag(scored):
    assert read(scored)["TPBG"][1] == "eligible"
    Flag.objects.create(
        membership=member_of(scored, "TPBG"), kind=Flag.Kind.DEFER, reason="under_review"
    )
    assert read(scored)["TPBG"][1] == "deferred"
    assert read(scored)["VY"][2] == "co_thi_dua"


def test_a_flag_lifted(scored):
    flag = Flag.objects.create(
        membership=member_of(scored, "TPBG"), kind=Flag.Kind.DEFER, reason="under_review"
    )
    assert read(scored)["TPBG"][1] == "deferred"
    flag.delete()
    assert read(scored)["TPBG"] == (Decimal("945.00"), "eligible", "co_thi_dua")


def test_a_quota(scored):
    assert read(scored)["HH"][2] == "bang_khen"
    Quota.objects.filter(cluster=scored.cluster_a, award="bang_khen").update(count=1)
    assert read(scored)["HH"][2] is None
    quota = Quota.objects.get(cluster=scored.cluster_a, award="bang_khen")
    quota.count = 2
    quota.save()
    assert read(scored)["HH"][2] == "bang_khen"


def test_a_vote(world):
    score_cluster(
        world, world.cluster_a, {"TPBG": "945", "VY": "930.50", "HH": "930.50", "LG": "910"}
    )
    set_quotas(world.cluster_a, world.year, flag=1, merit=1, labour=1)
    before = read(world)
    assert before["VY"][2] == before["HH"][2]  # tied across the border: a ballot decides
    Vote.objects.create(membership=member_of(world, "VY"), votes=5)
    Vote.objects.create(membership=member_of(world, "HH"), votes=3)
    after = read(world)
    assert (after["VY"][2], after["HH"][2]) == ("bang_khen", "tap_the_ldxs")


def test_a_vote_corrected(world):
    score_cluster(
        world, world.cluster_a, {"TPBG": "945", "VY": "930.50", "HH": "930.50", "LG": "910"}
    )
    set_quotas(world.cluster_a, world.year, flag=1, merit=1, labour=1)
    Vote.objects.create(membership=member_of(world, "VY"), votes=5)
    hh = Vote.objects.create(membership=member_of(world, "HH"), votes=3)
    assert read(world)["HH"][2] == "tap_the_ldxs"
    hh.votes = 7
    hh.save()
    assert (read(world)["VY"][2], read(world)["HH"][2]) == ("tap_the_ldxs", "bang_khen")


def test_participation(scored):
    assert read(scored)["TPBG"][1] == "eligible"
    Participation.objects.create(
        membership=member_of(scored, "TPBG"),
        pledge_signed=False,
        pledge_signed_source=Participation.Source.IMPORT,
    )
    assert read(scored)["TPBG"][1] == "excluded"


def test_a_deadline_passing(scored):
    assert read(scored)["TPBG"][1] == "eligible"
    Deadline.objects.create(
        year=scored.year,
        calendar=Cluster.Calendar.STANDARD,
        kind="registration",
        due_date=date.today() - timedelta(days=2),
    )
    assert read(scored)["TPBG"][1] == "excluded"  # never registered, now past due


def test_a_guidance_applied_to_the_year(scored):
    assert read(scored)["TPBG"] == (Decimal("945.00"), "eligible", "co_thi_dua")
    apply_regulation(scored.year, regulation_from_json({"code": "CAO", "threshold": 950}))
    assert {status for _, status, _ in read(scored).values()} == {"below_threshold"}


def test_a_guidance_edited_where_it_applies(scored):
    guidance = apply_regulation(
        scored.year, regulation_from_json({"code": "CAO", "threshold": 900})
    )
    assert read(scored)["LG"][1] == "below_threshold"  # 880
    Guidance.objects.filter(pk=guidance.pk).update(
        parameters={**guidance.parameters, "threshold": 850}
    )
    assert read(scored)["LG"][1] == "eligible"


def test_a_criterion(scored):
    (before,) = year_results(scored.year, [scored.cluster_a])
    assert before.rows[0].result.sections["I"] == Decimal("545.00")
    criterion = Criterion.objects.get(scorecard__cluster=scored.cluster_a, section="I")
    criterion.section = "II"
    criterion.save()
    (after,) = year_results(scored.year, [scored.cluster_a])
    assert after.rows[0].result.sections["I"] == Decimal("0.00")


def test_a_new_scorecard_issued(scored):
    read(scored)
    Scorecard.objects.filter(cluster=scored.cluster_a).update(status=Scorecard.Status.SUPERSEDED)
    new = Scorecard.objects.create(
        cluster=scored.cluster_a, year=scored.year, version=2, status=Scorecard.Status.ISSUED
    )
    Criterion.objects.create(scorecard=new, section="I", code="I.9", title="Mới", points=550)
    assert total(scored, "TPBG") == Decimal("0.00")


def test_a_member_joining_and_leaving(scored):
    read(scored)
    criteria = list(Criterion.objects.filter(scorecard__cluster=scored.cluster_a).order_by("order"))
    newcomer = MembershipFactory(
        cluster=scored.cluster_a, year=scored.year, unit=UnitFactory(code="YD")
    )
    give_total(newcomer, criteria, "950")
    assert read(scored)["YD"] == (Decimal("950.00"), "eligible", "co_thi_dua")
    newcomer.delete()
    assert "YD" not in read(scored)
    assert read(scored)["TPBG"][2] == "co_thi_dua"


def test_a_unit_renamed_or_recoded(scored):
    read(scored)
    unit = scored.a_member2
    unit.name, unit.code = "UBND huyện Lạng Giang (mới)", "LG2"
    unit.save()
    (found,) = year_results(scored.year, [scored.cluster_a])
    row = next(r for r in found.rows if r.result.unit == "LG2")
    assert row.unit.name == "UBND huyện Lạng Giang (mới)"


# ---------------------------------------------------------------------------
# Each kind of record renews its cluster's year's token


def token(world) -> tuple:
    """The cluster's year's tokens: its own and its units'."""
    return tuple(
        ResultsRevision.objects.filter(cluster=world.cluster_a, year=world.year)
        .order_by("part")
        .values_list("part", "token")
    )


def test_bands_renew_the_token(scored):
    criterion = Criterion.objects.filter(scorecard__cluster=scored.cluster_a).first()
    read(scored)
    before = token(scored)
    band = Band.objects.create(criterion=criterion, points=5)
    assert token(scored) != before
    before = token(scored)
    band.delete()
    assert token(scored) != before


def test_writes_to_another_cluster_keep_the_token(scored):
    read(scored)
    before = token(scored)
    Quota.objects.create(cluster=scored.cluster_b, year=scored.year, award="bang_khen", count=1)
    assert token(scored) == before


def test_a_rolled_back_write_leaves_no_stale_result(scored):
    from django.db import transaction

    assert total(scored, "LG") == Decimal("880.00")
    with pytest.raises(RuntimeError), transaction.atomic():
        score = lg_section_one(scored)
        score.points += 20
        score.save()
        assert total(scored, "LG") == Decimal("900.00")  # cached under the new token
        raise RuntimeError
    assert total(scored, "LG") == Decimal("880.00")
    score = lg_section_one(scored)
    score.points += 10
    score.save()
    assert total(scored, "LG") == Decimal("890.00")


# ---------------------------------------------------------------------------
# Through the province page


def test_the_province_page_shows_a_score_saved_after_it_was_read(client, scored):
    client.force_login(scored.staff)
    url = reverse("province", args=[scored.year.year])
    assert "880,00" in client.get(url).content.decode()
    score = lg_section_one(scored)
    score.points = Decimal(470)
    score.save()
    page = client.get(url).content.decode()
    assert "870,00" in page and "880,00" not in page
    assert Membership.objects.filter(cluster=scored.cluster_a).count() == 4
