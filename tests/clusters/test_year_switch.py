"""The year selector (#14): every page of a year links the same page for the
viewer's other years, a school-year cluster shows under its school year
("2025–2026"), and the home pages open on the year in progress for the
viewer's clusters, not on the newest year."""

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from clusters import years
from clusters.models import Cluster, Membership
from tests.factories import MembershipFactory, YearFactory

pytestmark = pytest.mark.django_db

# The school year 2025–2026 still runs; the calendar year 2026 has begun.
FEBRUARY_2026 = date(2026, 2, 10)
# Both 2025 years have ended (the school year's annual conference is due in June 2026).
AUGUST_2026 = date(2026, 8, 10)


@pytest.fixture
def two_years(world):
    """cluster_b is a block of schools (school-year calendar); 2026 exists and
    cluster_a's units are members of it; cluster_b has no 2026 members yet."""
    Cluster.objects.filter(pk=world.cluster_b.pk).update(calendar=Cluster.Calendar.EDUCATION)
    world.cluster_b.refresh_from_db()
    y2026 = YearFactory(year=2026)
    for m in Membership.objects.filter(cluster=world.cluster_a, year=world.year):
        MembershipFactory(cluster=world.cluster_a, year=y2026, unit=m.unit, role=m.role)
    world.y2026 = y2026
    return world


def _page(client, user, url, **params) -> str:
    client.force_login(user)
    response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_year_labels_name_the_school_year():
    assert years.label(2025, Cluster.Calendar.EDUCATION) == "2025–2026"
    assert years.label(2025, Cluster.Calendar.STANDARD) == "2025"


def test_the_year_in_progress_is_the_oldest_not_yet_ended():
    ends = {}
    pairs = [(2025, Cluster.Calendar.STANDARD), (2026, Cluster.Calendar.STANDARD)]
    assert years.in_progress(pairs, date(2025, 12, 20), ends) == 2025
    assert years.in_progress(pairs, FEBRUARY_2026, ends) == 2026
    school = [(2025, Cluster.Calendar.EDUCATION), (2026, Cluster.Calendar.EDUCATION)]
    assert years.in_progress(school, FEBRUARY_2026, ends) == 2025
    # Every year ended: the newest.
    assert years.in_progress(pairs, date(2027, 3, 1), ends) == 2026
    # A moved annual conference moves the end of the year.
    assert years.in_progress(pairs, FEBRUARY_2026, {(2025, "standard"): date(2026, 3, 1)}) == 2025


def test_guiding_authority_of_a_school_block_sees_it_once_2026_exists(client, two_years):
    with time_machine.travel(FEBRUARY_2026, tick=False):
        page = _page(client, two_years.other_staff, reverse("home"))
    assert "Khối các trường" in page
    assert "2025–2026" in page
    assert reverse("cluster_detail", args=["KHOI-B", 2025]) in page
    assert "Chưa có cụm, khối nào" not in page


def test_province_home_shows_each_cluster_under_the_year_it_is_in(client, two_years):
    with time_machine.travel(FEBRUARY_2026, tick=False):
        page = _page(client, two_years.staff, reverse("home"))
    assert reverse("cluster_detail", args=["CUM-A", 2026]) in page
    assert reverse("cluster_detail", args=["KHOI-B", 2025]) in page
    assert reverse("cluster_detail", args=["CUM-A", 2025]) not in page
    # A chosen year shows that year's clusters.
    with time_machine.travel(FEBRUARY_2026, tick=False):
        chosen = _page(client, two_years.staff, reverse("home"), nam=2025)
    assert reverse("cluster_detail", args=["CUM-A", 2025]) in chosen


def test_school_unit_home_opens_on_the_school_year_in_progress(client, two_years):
    with time_machine.travel(FEBRUARY_2026, tick=False):
        page = _page(client, two_years.other_member, reverse("home"))
        todo = _page(client, two_years.other_member, reverse("todo"))
    assert "chưa thuộc cụm, khối thi đua nào" not in page
    assert reverse("registration_edit", args=[2025]) in page
    assert "2025–2026" in page
    assert "không thuộc cụm, khối nào" not in todo


def test_member_home_opens_on_the_year_in_progress(client, two_years):
    with time_machine.travel(date(2025, 12, 20), tick=False):
        december = _page(client, two_years.member, reverse("home"))
    assert reverse("registration_edit", args=[2025]) in december
    with time_machine.travel(FEBRUARY_2026, tick=False):
        february = _page(client, two_years.member, reverse("home"))
    assert reverse("registration_edit", args=[2026]) in february


def test_home_switch_links_the_other_years(client, two_years):
    with time_machine.travel(FEBRUARY_2026, tick=False):
        page = _page(client, two_years.member, reverse("home"))
    assert 'href="/?nam=2025"' in page


def test_cluster_pages_link_the_same_page_in_the_other_years(client, two_years):
    page = _page(client, two_years.head, reverse("cluster_detail", args=["CUM-A", 2026]))
    assert "Năm thi đua" in page
    assert f'href="{reverse("cluster_detail", args=["CUM-A", 2025])}"' in page
    review = _page(client, two_years.staff, reverse("review", args=["CUM-A", 2025]))
    assert f'href="{reverse("review", args=["CUM-A", 2026])}"' in review


def test_own_unit_pages_link_the_units_other_years(client, two_years):
    page = _page(client, two_years.member, reverse("registration_edit", args=[2026]))
    assert f'href="{reverse("registration_edit", args=[2025])}"' in page


def test_school_block_pages_name_the_school_year(client, two_years):
    page = _page(client, two_years.other_staff, reverse("cluster_detail", args=["KHOI-B", 2025]))
    assert "năm học 2025–2026" in page


def test_switch_offers_only_the_viewers_years(client, two_years):
    """A school's unit has no 2026: no link to a year it could not open."""
    page = _page(client, two_years.other_member, reverse("registration_edit", args=[2025]))
    assert reverse("registration_edit", args=[2026]) not in page


def test_province_page_defaults_to_the_year_in_progress(client, two_years):
    client.force_login(two_years.other_staff)
    with time_machine.travel(FEBRUARY_2026, tick=False):
        response = client.get(reverse("province_current"))
    assert response.url == reverse("province", args=[2025])
    client.force_login(two_years.staff)
    with time_machine.travel(FEBRUARY_2026, tick=False):
        response = client.get(reverse("province_current"))
    assert response.url == reverse("province", args=[2026])


def test_staff_todo_shows_each_cluster_in_its_year(client, two_years):
    with time_machine.travel(FEBRUARY_2026, tick=False):
        page = _page(client, two_years.other_staff, reverse("todo"))
    assert reverse("cluster_detail", args=["KHOI-B", 2025]) in page
    assert "Chưa có cụm, khối nào có thành viên" not in page


def test_school_year_runs_until_its_annual_conference(client, two_years):
    MembershipFactory(cluster=two_years.cluster_b, year=two_years.y2026, unit=two_years.b_member)
    with time_machine.travel(AUGUST_2026, tick=False):
        page = _page(client, two_years.other_member, reverse("home"))
    assert reverse("registration_edit", args=[2026]) in page
