"""Guidances as records (#16): the 2022 record every year starts under, a
guidance applied to a year or to one kind of cluster in it, copies, versions
and the checks of R36–R40 on every write."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from clusters.models import Membership
from scoring.guidances import (
    GuidanceInfo,
    apply_regulation,
    default_guidance,
    framework_for,
    guidance_apply,
    guidance_copy,
    guidance_update,
    regulation_of,
    stored_regulation,
)
from scoring.models import Criterion, Guidance, GuidanceYear, Quota, Score, Scorecard
from scoring.regulation import DEFAULT, regulation_from_json, regulation_to_json
from scoring.results import cluster_results

pytestmark = pytest.mark.django_db

# Going back before the guidance's migrations and forward to them leaves every
# other table as it is; the test then brings every app to its newest again.
BEFORE = [("scoring", "0019_years_sheet_behalf"), ("clusters", "0019_docs_unit_letterhead")]
AFTER = [
    ("scoring", "0021_guidance_labels"),
    ("clusters", "0020_guidance_year_regulation_moved"),
]
BLOCK_2026 = {"code": "BN-2026", "threshold": 920, "bonuses": {"cluster": 5, "digital": 5}}


@pytest.mark.django_db(transaction=True)
def test_the_migration_makes_the_2022_record_and_applies_it_or_the_years_block():
    # Phụ lục 02 is there, as on every migrated server; a transactional test run
    # before on this worker may have flushed it.
    from tests.conftest import ensure_framework

    ensure_framework()
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(BEFORE)
        old = executor.loader.project_state(BEFORE).apps
        Year = old.get_model("clusters", "EmulationYear")
        Year.objects.create(year=2024)
        Year.objects.create(year=2026, regulation=BLOCK_2026)

        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(AFTER)

        first = Guidance.objects.get(code="BG-2022")
        assert regulation_of(first) == DEFAULT
        assert first.status == Guidance.Status.IN_USE
        assert first.issuer == "Chủ tịch UBND tỉnh Bắc Giang"
        assert first.framework is not None and first.framework.year == 2022
        applied = {
            a.year.year: a.guidance.code
            for a in GuidanceYear.objects.select_related("year", "guidance")
        }
        assert applied == {2024: "BG-2022", 2026: "BN-2026"}
        assert stored_regulation(GuidanceYear.objects.get(year__year=2026).year).threshold == 920
    finally:
        # Every app forward again (the later migrations of both apps, #16), so
        # the tests after this one find the newest tables.
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def test_a_year_without_a_guidance_is_under_the_2022_one(world):
    assert stored_regulation(world.year) == DEFAULT
    assert stored_regulation(world.year, world.cluster_b) == DEFAULT


def test_apply_regulation_reuses_the_record_of_equal_figures(world):
    regulation = regulation_from_json(BLOCK_2026)
    first = apply_regulation(world.year, regulation, name="Hướng dẫn 2026")
    again = apply_regulation(world.year, regulation, name="Hướng dẫn 2026")

    assert again == first
    assert Guidance.objects.filter(code="BN-2026").count() == 1
    assert stored_regulation(world.year) == regulation
    assert first.history.first().history_change_reason


def test_the_default_regulation_is_the_2022_record(world):
    assert apply_regulation(world.year, DEFAULT) == default_guidance()


def test_a_kind_of_cluster_takes_its_own_guidance(world):
    guidance = apply_regulation(world.year, regulation_from_json({"threshold": 800}))
    GuidanceYear.objects.filter(year=world.year, cluster_kind="").delete()
    guidance_apply(guidance=guidance, year=world.year, cluster_kind="khoi", user=world.staff)

    assert stored_regulation(world.year, world.cluster_b).threshold == 800  # a khối
    assert stored_regulation(world.year, world.cluster_a) == DEFAULT  # a cụm
    assert stored_regulation(world.year) == DEFAULT


def _scored(cluster, year, total: int) -> Membership:
    """An issued scorecard of one leaf per section; every member scores `total`."""
    scorecard = Scorecard.objects.create(cluster=cluster, year=year, status=Scorecard.Status.ISSUED)
    leaves = [
        Criterion.objects.create(
            scorecard=scorecard, section=s, code=f"{s}.1", title=s, points=Decimal(p), order=i
        )
        for i, (s, p) in enumerate((("I", 550), ("II", 200), ("III", 200)))
    ]
    members = list(Membership.objects.filter(cluster=cluster, year=year))
    for member in members:
        for leaf, points in zip(leaves, (total - 400, 200, 200), strict=True):
            Score.objects.create(membership=member, criterion=leaf, points=Decimal(points))
    Quota.objects.create(cluster=cluster, year=year, award="bang_khen", count=5)
    return members[0]


def test_the_results_follow_the_kinds_guidance(world):
    lower = apply_regulation(world.year, regulation_from_json({"code": "KHOI", "threshold": 800}))
    guidance_apply(guidance=default_guidance(), year=world.year, user=None)
    guidance_apply(guidance=lower, year=world.year, cluster_kind="khoi", user=None)
    _scored(world.cluster_a, world.year, 850)
    _scored(world.cluster_b, world.year, 850)

    cum = cluster_results(world.cluster_a, world.year)
    khoi = cluster_results(world.cluster_b, world.year)

    assert {row.result.status for row in cum.rows} == {"below_threshold"}
    assert {row.result.status for row in khoi.rows} == {"eligible"}
    assert {row.placement.award for row in khoi.rows} == {"bang_khen"}
    assert khoi.regulation.threshold == 800 and cum.regulation.threshold == 900


def test_a_copy_is_a_draft_with_its_own_framework(world):
    original = default_guidance()
    copy = guidance_copy(guidance=original, user=world.staff)

    assert copy.status == Guidance.Status.DRAFT and copy.code != original.code
    assert regulation_of(copy).threshold == DEFAULT.threshold
    assert copy.framework.pk != original.framework.pk
    assert copy.framework.criteria.count() == original.framework.criteria.count()
    with_parent = copy.framework.criteria.filter(parent__isnull=False).first()
    assert with_parent.parent.framework_id == copy.framework.pk


def _info(guidance: Guidance, **changes) -> GuidanceInfo:
    fields = {
        "code": guidance.code,
        "name": guidance.name,
        "issuer": guidance.issuer,
        "document_number": guidance.document_number,
        "document_date": guidance.document_date,
    }
    return GuidanceInfo(**(fields | changes))


def test_a_draft_is_edited_in_place_with_every_check(world):
    draft = guidance_copy(guidance=default_guidance(), user=world.staff)
    parameters = {**draft.parameters, "threshold": 850}

    saved = guidance_update(guidance=draft, info=_info(draft), parameters=parameters, user=None)

    assert saved.pk == draft.pk and regulation_of(saved).threshold == 850
    with pytest.raises(ValidationError) as refused:
        guidance_update(
            guidance=draft,
            info=_info(draft),
            parameters={**parameters, "threshold": 2000, "added_ratio": 0},
            user=None,
        )
    assert any("threshold" in m for m in refused.value.messages)
    assert any("added_ratio" in m for m in refused.value.messages)
    draft.refresh_from_db()
    assert regulation_of(draft).threshold == 850


def test_a_guidance_under_an_issued_scorecard_is_frozen_and_a_change_is_a_new_version(world):
    draft = guidance_copy(guidance=default_guidance(), user=world.staff)
    guidance_apply(guidance=draft, year=world.year, user=None)
    Scorecard.objects.create(cluster=world.cluster_a, year=world.year, status="issued")
    assert draft.is_frozen

    saved = guidance_update(
        guidance=draft,
        info=_info(draft),
        parameters={**draft.parameters, "threshold": 880},
        user=world.staff,
    )

    draft.refresh_from_db()
    assert saved.pk != draft.pk
    assert (saved.code, saved.version, saved.status) == (draft.code, 2, Guidance.Status.DRAFT)
    assert draft.status == Guidance.Status.IN_USE
    assert regulation_of(draft).threshold == 900  # the year's results keep their guidance
    assert stored_regulation(world.year).threshold == 900


def test_a_new_scorecard_is_built_from_its_guidances_framework(world):
    copy = guidance_copy(guidance=default_guidance(), user=world.staff)
    guidance_apply(guidance=copy, year=world.year, user=None)

    assert framework_for(world.year, world.cluster_a) == copy.framework


def test_the_stored_parameters_are_the_block_in_full(world):
    guidance = apply_regulation(world.year, regulation_from_json(BLOCK_2026))
    assert guidance.parameters == regulation_to_json(regulation_from_json(BLOCK_2026))
