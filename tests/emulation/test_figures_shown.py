"""Figures shown the one Vietnamese way (#15): decimal comma, dot thousands,
including where the admin names a record and the province chart's axis."""

import re
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


def test_the_admin_shows_an_issued_criterions_bands_as_figures(client, world):
    from django.urls import reverse

    from tests.scoring.test_sheets_services import make_scorecard

    card = make_scorecard(world.cluster_a, world.year)  # issued; III.1 has bands
    client.force_login(world.admin)
    page = client.get(reverse("admin:scoring_criterion_change", args=[card["III.1"].pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert ",000000" not in text
    shown = re.findall(r'field-points_shown">\s*<p>([^<]*)</p>', text)
    assert "150" in shown and "200" in shown
