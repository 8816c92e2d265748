"""Fixtures for the year's activities: the year's deadlines and an issued scorecard."""

from decimal import Decimal

import pytest


@pytest.fixture
def dated(world):
    """The year's default deadlines (R5–R10): registration and programme due 31/03/2025."""
    from clusters.services import year_create

    return year_create(year=world.year.year)


@pytest.fixture
def issued_criteria(world):
    """Cluster A's issued scorecard: a quantitative leaf, a `lower` one and a qualitative one."""
    from scoring.models import Criterion, Scorecard

    scorecard = Scorecard.objects.create(
        cluster=world.cluster_a, year=world.year, status=Scorecard.Status.ISSUED
    )

    def leaf(code, method, direction="higher", order=0):
        return Criterion.objects.create(
            scorecard=scorecard,
            section="I",
            code=code,
            title=f"Tiêu chí {code}",
            points=Decimal(10),
            method=method,
            direction=direction,
            order=order,
        )

    return {
        "quantitative": leaf("I.1", "quantitative", order=1),
        "lower": leaf("I.2", "quantitative", "lower", order=2),
        "qualitative": leaf("I.3", "qualitative", order=3),
    }
