"""Figures shown the one Vietnamese way (#15): decimal comma, dot thousands,
including where the admin names a record and the province chart's axis."""

from decimal import Decimal

import pytest

from awards.province import province_summary
from clusters.models import Cluster
from scoring.models import Band, Bonus
from tests.awards.test_review_views import score_cluster

pytestmark = pytest.mark.django_db


def test_records_name_their_figures_the_vietnamese_way():
    bonus = Bonus(kind="reporting", points=Decimal("4.50"))
    assert str(bonus).endswith(": 4,5")
    band = Band(min_value=Decimal("1200.5"), max_value=None, points=Decimal("12.50"))
    assert str(band) == "1.200,5–…: 12,5 điểm"


def test_the_province_chart_axis_groups_thousands(world):
    score_cluster(world, world.cluster_a, {"TPBG": "945", "HH": "900"})
    chart = province_summary(world.year, Cluster.objects.all()).chart
    assert [label for _, label in chart.ticks][-1] == "1.000"
