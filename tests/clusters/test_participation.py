"""R27's participation facts from the year's records, and the product decision
that keeps an imported dataset year (without activity records) unchanged."""

from datetime import date

import pytest

from clusters.models import Membership
from clusters.services import (
    TargetInput,
    participation_facts,
    pledge_publish,
    pledge_save,
    pledge_sign,
    registration_save,
    registration_submit,
    report_upload,
)
from scoring import engine
from scoring.models import Participation
from scoring.results import cluster_results
from tests.clusters.helpers import membership, pdf

pytestmark = pytest.mark.django_db

ALL_TRUE = engine.Participation()


def _reasons(world) -> dict[str, tuple[str, ...]]:
    found = cluster_results(world.cluster_a, world.year)
    return {row.unit.code: row.result.reasons for row in found.rows}


def _register(member: Membership, *, submit: bool = True) -> None:
    registration_save(
        membership=member,
        objectives="Mục tiêu",
        other_targets="",
        targets=[TargetInput("A")],
        user=None,
    )
    if submit:
        registration_submit(membership=member, user=None)


def _report(member: Membership, kind: str) -> None:
    report_upload(
        membership=member,
        kind=kind,
        number="",
        reported_on=date(2025, 6, 30),
        file=pdf(),
        user=None,
    )


@pytest.fixture
def complete(world, media_root):
    """Every unit of cluster A has registered, signed and reported, except as a test removes."""
    pledge = pledge_publish(
        pledge=pledge_save(
            cluster=world.cluster_a, year=world.year, text="Giao ước", file=None, user=None
        ),
        user=None,
    )
    members = Membership.objects.filter(cluster=world.cluster_a, year=world.year)
    for member in members:
        _register(member)
        pledge_sign(pledge=pledge, membership=member, user=None)
        _report(member, "mid_year")
        _report(member, "annual")
    return pledge


def test_imported_year_without_activity_records_excludes_nobody(world):
    assert all(reasons == () for reasons in _reasons(world).values())
    members = Membership.objects.filter(cluster=world.cluster_a, year=world.year)
    assert set(participation_facts(members).values()) == {ALL_TRUE}


def test_units_with_every_record_are_not_excluded(world, complete):
    assert all(reasons == () for reasons in _reasons(world).values())


def test_a_missing_mid_year_report_excludes_the_unit(world, complete):
    membership(world, world.a_member).reports.filter(kind="mid_year").delete()
    reasons = _reasons(world)
    assert reasons["HH"] == ("no_mid_year_report",)
    assert reasons["LG"] == ()


def test_once_activities_are_in_use_every_missing_record_is_a_reason(world, media_root):
    _register(membership(world, world.a_member))  # one registration: the cluster's year is in use
    reasons = _reasons(world)
    assert set(reasons["HH"]) == {"no_pledge", "no_mid_year_report", "no_annual_report"}
    assert set(reasons["LG"]) == {
        "no_registration",
        "no_pledge",
        "no_mid_year_report",
        "no_annual_report",
    }


def test_a_draft_registration_is_not_a_registration(world, complete):
    membership(world, world.a_member2).registration.delete()
    _register(membership(world, world.a_member2), submit=False)
    assert _reasons(world)["LG"] == ("no_registration",)


def test_a_published_pledge_alone_puts_the_activities_in_use(world):
    pledge_publish(
        pledge=pledge_save(
            cluster=world.cluster_a, year=world.year, text="Giao ước", file=None, user=None
        ),
        user=None,
    )
    assert "no_pledge" in _reasons(world)["HH"]


def test_a_draft_pledge_does_not_put_the_activities_in_use(world):
    pledge_save(cluster=world.cluster_a, year=world.year, text="Giao ước", file=None, user=None)
    assert _reasons(world)["HH"] == ()


def test_activities_of_one_cluster_do_not_touch_another(world, media_root):
    _register(membership(world, world.a_member))
    facts = participation_facts(Membership.objects.filter(cluster=world.cluster_b))
    assert set(facts.values()) == {ALL_TRUE}


def test_a_stored_participation_row_wins_over_the_records(world, complete):
    member = membership(world, world.a_member)
    member.reports.all().delete()
    Participation.objects.create(membership=member, registered=False)
    assert _reasons(world)["HH"] == ("no_registration",)


def test_a_stored_row_applies_in_an_imported_year_too(world):
    Participation.objects.create(membership=membership(world, world.a_member), annual_report=False)
    assert _reasons(world)["HH"] == ("no_annual_report",)


@pytest.mark.parametrize("units", [1, 4])
def test_participation_facts_take_one_query(world, complete, django_assert_num_queries, units):
    members = list(Membership.objects.filter(cluster=world.cluster_a, year=world.year))[:units]
    with django_assert_num_queries(1):
        facts = participation_facts(members)
    assert len(facts) == units
