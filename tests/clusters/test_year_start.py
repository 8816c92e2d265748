"""Sở Nội vụ starts a cluster's next year in the browser (#14): the
memberships carried from this year with the elected head and deputy, edited
before confirming (units joining and leaving), the deadlines from the
calendar, and the scorecard copied from this year's issued one as a draft.
Idempotent, all or nothing, with history (R35)."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from clusters.models import Deadline, Election, EmulationYear, Membership
from scoring.models import Criterion, Scorecard
from tests.factories import UnitFactory

pytestmark = pytest.mark.django_db


def _url(code="CUM-A", year=2025) -> str:
    return reverse("year_start", args=[code, year])


@pytest.fixture
def issued(world):
    scorecard = Scorecard.objects.create(
        cluster=world.cluster_a, year=world.year, status=Scorecard.Status.ISSUED
    )
    for order, (section, points) in enumerate([("I", 550), ("II", 200), ("III", 200)]):
        Criterion.objects.create(
            scorecard=scorecard,
            section=section,
            code=f"{section}.1",
            title=f"Tiêu chí {section}.1",
            points=Decimal(points),
            order=order,
            method="qualitative",
        )
    return scorecard


@pytest.fixture
def elected(world):
    return Election.objects.create(
        cluster=world.cluster_a,
        year=world.year,
        head=world.a_deputy,
        deputy=world.a_member,
        elected_on=date(2025, 12, 15),
    )


def _units(year=2026, code="CUM-A") -> dict[str, str]:
    return dict(
        Membership.objects.filter(cluster__code=code, year__year=year).values_list(
            "unit__code", "role"
        )
    )


def _data(world, keep=("TPBG", "VY", "HH", "LG"), add=(), head=None, deputy=None) -> dict:
    from clusters.models import Unit

    pk = {u.code: u.pk for u in Unit.objects.all()}
    return {
        "keep": [pk[c] for c in keep],
        "add": [pk[c] for c in add],
        "head": pk[head or "VY"],
        "deputy": pk[deputy] if deputy else "",
    }


def test_the_page_proposes_this_years_members_with_the_elected_leaders(
    client, world, elected, issued
):
    client.force_login(world.staff)
    page = client.get(_url()).content.decode()
    assert "Bắt đầu năm 2026" in page
    for name in ("UBND thành phố Bắc Giang", "UBND huyện Việt Yên", "UBND huyện Hiệp Hòa"):
        assert name in page
    form = page.split('name="head"', 1)[1].split("</select>", 1)[0]
    assert f'value="{world.a_deputy.pk}" selected' in form


def test_staff_start_the_next_year(client, world, elected, issued):
    client.force_login(world.staff)
    joining = UnitFactory(code="YD", name="UBND huyện Yên Dũng")
    data = _data(world, keep=("TPBG", "VY", "HH"), add=("YD",), head="VY", deputy="HH")
    answer = client.post(_url(), data, follow=True)
    assert "Đã bắt đầu năm 2026" in answer.content.decode()
    assert _units() == {"TPBG": "member", "VY": "head", "HH": "deputy", "YD": "member"}
    nxt = EmulationYear.objects.get(year=2026)
    # The deadlines of both calendars from the defaults (R5–R10).
    assert Deadline.objects.filter(year=nxt, calendar="standard").count() == 7
    draft = Scorecard.objects.get(cluster=world.cluster_a, year=nxt)
    assert draft.status == Scorecard.Status.DRAFT
    assert sorted(draft.criteria.values_list("code", flat=True)) == ["I.1", "II.1", "III.1"]
    history = Membership.history.filter(unit=joining).first()
    assert history.history_user == world.staff
    assert "năm 2026" in history.history_change_reason


def test_starting_again_changes_nothing(client, world, elected, issued):
    client.force_login(world.staff)
    client.post(_url(), _data(world))
    rows = Membership.history.count(), Scorecard.objects.count(), Criterion.objects.count()
    client.post(_url(), _data(world))
    assert (
        Membership.history.count(),
        Scorecard.objects.count(),
        Criterion.objects.count(),
    ) == rows


def test_a_second_start_edits_the_memberships_without_a_second_scorecard(
    client, world, elected, issued
):
    client.force_login(world.staff)
    client.post(_url(), _data(world))
    client.post(_url(), _data(world, keep=("TPBG", "VY", "HH")))
    assert "LG" not in _units()
    assert Scorecard.objects.filter(year__year=2026).count() == 1


def test_a_unit_of_another_cluster_next_year_is_refused_and_nothing_is_saved(
    client, world, elected, issued
):
    client.force_login(world.staff)
    # GH (cluster_b) already sits in KHOI-B in 2026.
    nxt = EmulationYear.objects.create(year=2026)
    Membership.objects.create(cluster=world.cluster_b, year=nxt, unit=world.b_member)
    answer = client.post(_url(), _data(world, add=("GH",)))
    assert answer.status_code == 200
    assert "đã thuộc cụm, khối khác trong năm" in answer.content.decode()
    assert _units() == {}
    assert not Scorecard.objects.filter(year=nxt).exists()
    assert not Deadline.objects.filter(year=nxt).exists()


def test_the_service_refuses_a_unit_placed_elsewhere_and_saves_nothing(world, elected, issued):
    """The page offers only free units; the service holds the rule too (two
    people starting two clusters at once)."""
    from django.core.exceptions import ValidationError

    from scoring.services import year_start

    nxt = EmulationYear.objects.create(year=2026)
    Membership.objects.create(cluster=world.cluster_b, year=nxt, unit=world.b_member)
    with pytest.raises(ValidationError, match="GH \\(KHOI-B\\)"):
        year_start(
            cluster=world.cluster_a,
            year=world.year,
            units=[world.a_head, world.b_member],
            head=world.a_deputy,
            deputy=None,
            user=world.staff,
        )
    assert _units() == {}
    assert not Scorecard.objects.filter(year=nxt).exists()


def test_head_and_deputy_must_differ(client, world, elected, issued):
    client.force_login(world.staff)
    answer = client.post(_url(), _data(world, head="VY", deputy="VY"))
    assert "hai đơn vị khác nhau" in answer.content.decode()
    assert _units() == {}


def test_without_an_issued_scorecard_the_year_starts_without_one(client, world, elected):
    client.force_login(world.staff)
    client.post(_url(), _data(world))
    assert _units()["VY"] == "head"
    assert not Scorecard.objects.filter(year__year=2026).exists()


@pytest.mark.parametrize("who", ["other_staff", "head", "member"])
def test_only_the_standing_agency_starts_a_year(client, world, elected, issued, who):
    client.force_login(getattr(world, who))
    assert client.get(_url()).status_code == 403
    assert client.post(_url(), _data(world)).status_code == 403
    assert _units() == {}


def test_anonymous_is_sent_to_login(client, world):
    answer = client.get(_url())
    assert answer.status_code == 302 and reverse("login") in answer["Location"]


def test_the_cluster_page_links_the_start_for_staff_only(client, world, elected):
    client.force_login(world.staff)
    assert _url() in client.get(reverse("cluster_detail", args=["CUM-A", 2025])).content.decode()
    client.force_login(world.head)
    assert (
        _url() not in client.get(reverse("cluster_detail", args=["CUM-A", 2025])).content.decode()
    )


def test_the_history_page_of_the_new_year_lists_who_joined(client, world, elected, issued):
    client.force_login(world.staff)
    UnitFactory(code="YD", name="UBND huyện Yên Dũng")
    client.post(_url(), _data(world, add=("YD",)))
    page = client.get(reverse("history", args=["CUM-A", 2026])).content.decode()
    assert "YD vào cụm, khối" in page


# The cluster page offers the start of the year it shows until that year is
# started (it has its scorecard), and the next year's start only then.


@pytest.fixture
def voted(world):
    """The annual conference's vote, which sets up 2026 and its memberships."""
    from clusters.services import election_record

    return election_record(
        cluster=world.cluster_a,
        year=world.year,
        head=world.a_deputy,
        deputy=world.a_member,
        elected_on=date(2025, 12, 15),
        user=world.head,
    )


def _start_links(client, year: int) -> list[tuple[str, str]]:
    """The (text, target) of each "Bắt đầu năm" link on the cluster's page of `year`."""
    import re

    page = client.get(reverse("cluster_detail", args=["CUM-A", year])).content.decode()
    return re.findall(r'<a href="([^"]*nam-sau/)">(Bắt đầu năm \d+)</a>', page)


def test_a_year_not_yet_started_offers_its_own_start(client, world, issued, voted):
    client.force_login(world.staff)
    assert _start_links(client, 2026) == [(_url(year=2025), "Bắt đầu năm 2026")]


def test_once_started_the_year_offers_the_next(client, world, issued, voted):
    client.force_login(world.staff)
    client.post(_url(), _data(world))
    assert _start_links(client, 2026) == [(_url(year=2026), "Bắt đầu năm 2027")]
    assert _start_links(client, 2025) == [(_url(year=2025), "Bắt đầu năm 2026")]


def test_a_year_started_without_a_scorecard_is_offered_again_until_it_has_one(client, world, voted):
    client.force_login(world.staff)
    client.post(_url(), _data(world))
    assert _start_links(client, 2026) == [(_url(year=2025), "Bắt đầu năm 2026")]
    Scorecard.objects.create(cluster=world.cluster_a, year=EmulationYear.objects.get(year=2026))
    assert _start_links(client, 2026) == [(_url(year=2026), "Bắt đầu năm 2027")]


def test_the_first_year_with_nothing_before_it_offers_the_next(client, world):
    client.force_login(world.staff)
    assert _start_links(client, 2025) == [(_url(year=2025), "Bắt đầu năm 2026")]


@pytest.mark.parametrize("who", ["head", "member", "other_staff"])
@pytest.mark.parametrize("started", [False, True])
def test_no_start_is_offered_to_others(client, world, issued, voted, who, started):
    if started:
        client.force_login(world.staff)
        client.post(_url(), _data(world))
    client.force_login(getattr(world, who))
    for year in (2025, 2026):
        assert _start_links(client, year) == []
