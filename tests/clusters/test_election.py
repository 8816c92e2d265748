"""Election of next year's head and deputy (R2, R13) and the Chairman's assignment."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from clusters.models import Deadline, Election, EmulationYear, Membership
from clusters.services import (
    election_assign,
    election_candidates,
    election_record,
    election_suggestion,
)
from scoring.models import Scorecard
from tests.factories import MembershipFactory, UnitFactory, YearFactory

pytestmark = pytest.mark.django_db

PAGE = reverse("election", args=["CUM-A", 2025])
RECORD = reverse("election_record", args=["CUM-A", 2025])
ASSIGN = reverse("election_assign", args=["CUM-A", 2025])


@pytest.fixture
def past(world):
    """2023: HH head, TPBG deputy. 2024: LG head, HH deputy. 2025 (world): TPBG head, VY deputy."""
    for year, head, deputy in ((2023, "HH", "TPBG"), (2024, "LG", "HH")):
        emulation_year = YearFactory(year=year)
        for unit in (world.a_head, world.a_deputy, world.a_member, world.a_member2):
            role = {head: "head", deputy: "deputy"}.get(unit.code, "member")
            MembershipFactory(cluster=world.cluster_a, year=emulation_year, unit=unit, role=role)


def test_suggestion_is_the_member_that_held_the_role_least_recently(world, past):
    candidates = election_candidates(cluster=world.cluster_a, year=world.year)
    heads = [(c.membership.unit.code, c.last_held) for c in candidates["head"]]
    assert heads == [("VY", None), ("HH", 2023), ("LG", 2024), ("TPBG", 2025)]
    deputies = [(c.membership.unit.code, c.last_held) for c in candidates["deputy"]]
    assert deputies == [("LG", None), ("TPBG", 2023), ("HH", 2024), ("VY", 2025)]
    head, deputy = election_suggestion(candidates)
    assert (head.code, deputy.code) == ("VY", "LG")


def test_never_held_comes_first_and_ties_go_by_unit_code(world):
    candidates = election_candidates(cluster=world.cluster_a, year=world.year)
    assert [c.membership.unit.code for c in candidates["head"]] == ["HH", "LG", "VY", "TPBG"]
    head, deputy = election_suggestion(candidates)
    assert head.code == "HH" and deputy.code == "LG"  # the deputy is never the head


def test_a_role_held_in_another_cluster_does_not_count(world):
    YearFactory(year=2024)
    MembershipFactory(
        cluster=world.cluster_b,
        year=EmulationYear.objects.get(year=2024),
        unit=world.a_member,
        role="head",
    )
    candidates = election_candidates(cluster=world.cluster_a, year=world.year)
    assert candidates["head"][0].membership.unit.code == "HH"


@pytest.mark.parametrize("who", ["head", "staff"])
def test_head_and_staff_see_the_suggestion(client, world, past, who):
    client.force_login(getattr(world, who))
    response = client.get(PAGE)
    assert response.status_code == 200
    assert "Trưởng cụm, khối: <strong>UBND huyện Việt Yên</strong>" in response.content.decode()


@pytest.mark.parametrize("who", ["member", "deputy", "other_head", "other_staff"])
def test_others_cannot_see_the_election(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(PAGE).status_code == 403


def test_election_page_needs_login(client, world):
    response = client.get(PAGE)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_head_records_the_vote(client, world):
    client.force_login(world.head)
    response = client.post(
        RECORD,
        {"head": world.a_deputy.pk, "deputy": world.a_member.pk, "elected_on": "20/12/2025"},
    )
    assert response.status_code == 302
    election = Election.objects.get()
    assert (election.head, election.deputy) == (world.a_deputy, world.a_member)
    assert election.elected_on == date(2025, 12, 20)
    assert not election.is_assigned


def test_member_cannot_record_the_vote(client, world):
    client.force_login(world.member)
    data = {"head": world.a_member.pk, "deputy": "", "elected_on": "20/12/2025"}
    assert client.post(RECORD, data).status_code == 403
    assert not Election.objects.exists()


def test_the_same_unit_cannot_be_head_and_deputy(world):
    with pytest.raises(ValidationError):
        election_record(
            cluster=world.cluster_a,
            year=world.year,
            head=world.a_member,
            deputy=world.a_member,
            elected_on=date(2025, 12, 20),
            user=None,
        )


def test_a_unit_outside_the_cluster_cannot_be_elected(world):
    with pytest.raises(ValidationError):
        election_record(
            cluster=world.cluster_a,
            year=world.year,
            head=world.b_member,
            deputy=None,
            elected_on=date(2025, 12, 20),
            user=None,
        )


@pytest.fixture
def elected(world):
    return election_record(
        cluster=world.cluster_a,
        year=world.year,
        head=world.a_deputy,
        deputy=world.a_member,
        elected_on=date(2025, 12, 20),
        user=world.head,
    )


def test_staff_assignment_creates_next_year_and_its_memberships(client, world, elected):
    client.force_login(world.staff)
    response = client.post(
        ASSIGN, {"decision_number": "123/QĐ-UBND", "decision_date": "31/12/2025"}
    )
    assert response.status_code == 302
    next_year = EmulationYear.objects.get(year=2026)
    assert Deadline.objects.filter(year=next_year).count() == 14
    roles = dict(
        Membership.objects.filter(cluster=world.cluster_a, year=next_year).values_list(
            "unit__code", "role"
        )
    )
    assert roles == {"VY": "head", "HH": "deputy", "TPBG": "member", "LG": "member"}
    elected.refresh_from_db()
    assert elected.decision_number == "123/QĐ-UBND"
    assert elected.decision_date == date(2025, 12, 31)
    assert elected.assigned_by == world.staff
    assert elected.history.latest().history_user == world.staff


def test_assignment_is_refused_when_next_year_has_another_head(world, elected):
    # Next year's list was changed by hand after the vote: another unit heads it.
    next_year = EmulationYear.objects.get(year=2026)
    Membership.objects.filter(year=next_year, role="head").update(role="member")
    Membership.objects.filter(year=next_year, unit=world.a_head).update(role="head")
    with pytest.raises(ValidationError) as refused:
        election_assign(
            election=elected,
            decision_number="123/QĐ-UBND",
            decision_date=date(2025, 12, 31),
            user=world.staff,
        )
    assert "khác kết quả bầu" in refused.value.messages[0]
    assert Membership.objects.filter(year=next_year, role="head").get().unit == world.a_head
    elected.refresh_from_db()
    assert not elected.is_assigned


def test_assignment_keeps_next_years_memberships_with_the_same_leaders(world, elected):
    election_assign(
        election=elected, decision_number="1/QĐ", decision_date=date(2025, 12, 31), user=None
    )
    assert (
        election_assign(
            election=elected, decision_number="2/QĐ", decision_date=date(2026, 1, 2), user=None
        )
        == []
    )
    assert Membership.objects.filter(year__year=2026).count() == 4


def test_a_member_already_placed_elsewhere_next_year_is_left_there(world):
    next_year = YearFactory(year=2026)
    MembershipFactory(cluster=world.cluster_b, year=next_year, unit=world.a_member2)
    election_record(
        cluster=world.cluster_a,
        year=world.year,
        head=world.a_deputy,
        deputy=world.a_member,
        elected_on=date(2025, 12, 20),
        user=world.head,
    )
    placed = Membership.objects.filter(cluster=world.cluster_a, year=next_year)
    assert sorted(placed.values_list("unit__code", flat=True)) == ["HH", "TPBG", "VY"]


def test_the_elected_head_prepares_next_year_before_the_assignment(client, world):
    """The seed: the head is elected at the annual conference, which also holds
    "Ký kết giao ước và phát động thi đua năm tiếp theo" [I.3.2.b]: it leads
    next year from the vote; the Chairman's assignment confirms it."""
    scorecard_2026 = reverse("scorecard", args=["CUM-A", 2026])
    client.force_login(world.member)
    assert client.get(scorecard_2026).status_code in (403, 404)
    election_record(
        cluster=world.cluster_a,
        year=world.year,
        head=world.a_member,
        deputy=world.a_deputy,
        elected_on=date(2025, 12, 20),
        user=world.head,
    )
    assert client.get(scorecard_2026).status_code == 200
    assert client.post(reverse("scorecard_create", args=["CUM-A", 2026])).status_code == 302
    assert Scorecard.objects.filter(cluster=world.cluster_a, year__year=2026).exists()


def test_a_vote_recorded_again_before_the_assignment_moves_next_years_roles(world, elected):
    election_record(
        cluster=world.cluster_a,
        year=world.year,
        head=world.a_member,
        deputy=None,
        elected_on=date(2025, 12, 20),
        user=world.head,
    )
    roles = dict(Membership.objects.filter(year__year=2026).values_list("unit__code", "role"))
    assert roles == {"HH": "head", "VY": "member", "TPBG": "member", "LG": "member"}


@pytest.mark.parametrize("who", ["head", "member", "other_staff"])
def test_only_staff_record_the_assignment(client, world, elected, who):
    client.force_login(getattr(world, who))
    response = client.post(ASSIGN, {"decision_number": "1/QĐ", "decision_date": "31/12/2025"})
    assert response.status_code == 403
    elected.refresh_from_db()
    assert not elected.is_assigned


def test_the_vote_cannot_change_after_the_assignment(world, elected):
    election_assign(
        election=elected, decision_number="1/QĐ", decision_date=date(2025, 12, 31), user=None
    )
    with pytest.raises(ValidationError):
        election_record(
            cluster=world.cluster_a,
            year=world.year,
            head=world.a_member2,
            deputy=None,
            elected_on=date(2025, 12, 21),
            user=None,
        )


def test_a_new_unit_in_the_suggestion_has_never_held_a_role(world, past):
    newcomer = UnitFactory(code="AA", name="UBND huyện mới")
    MembershipFactory(cluster=world.cluster_a, year=world.year, unit=newcomer)
    candidates = election_candidates(cluster=world.cluster_a, year=world.year)
    assert [c.membership.unit.code for c in candidates["head"]][:2] == ["AA", "VY"]


# --- Rotation (issue 13): "được bầu (luân phiên) tại hội nghị tổng kết hằng năm" ------


def test_re_electing_the_current_head_needs_a_reason(client, world):
    """The seed asks for rotation ("Trưởng cụm, trưởng khối … được bầu (luân
    phiên) tại hội nghị tổng kết hằng năm"): keeping this year's head for next
    year is refused without a reason, and the reason goes to the history (R35)."""
    client.force_login(world.head)
    data = {"head": world.a_head.pk, "deputy": world.a_member.pk, "elected_on": "20/12/2025"}
    response = client.post(RECORD, data, follow=True)
    assert "luân phiên" in response.content.decode()
    assert not Election.objects.exists()

    reason = "Hội nghị thống nhất bầu lại vì đơn vị luân phiên kế tiếp xin rút."
    client.post(RECORD, {**data, "reason": reason})
    election = Election.objects.get()
    assert election.head == world.a_head
    assert reason in election.history.get().history_change_reason


def test_another_unit_is_elected_without_a_reason(client, world):
    client.force_login(world.head)
    data = {"head": world.a_member.pk, "deputy": "", "elected_on": "20/12/2025"}
    client.post(RECORD, data)
    assert Election.objects.get().head == world.a_member


# --- Correcting the assignment's date (issue #12: "a wrong date can be
# corrected with a reason", R35's history) -------------------------------------

REDATE = reverse("election_assign_correct", args=["CUM-A", 2025])


def _assigned(client, world):
    client.force_login(world.staff)
    client.post(ASSIGN, {"decision_number": "123/QĐ-UBND", "decision_date": "31/12/2025"})


def test_staff_correct_the_assignment_date_with_a_reason_in_the_history(client, world, elected):
    _assigned(client, world)
    response = client.post(
        REDATE, {"decision_date": "30/12/2025", "reason": "Ghi nhầm ngày quyết định giao."}
    )
    assert response.status_code == 302
    elected.refresh_from_db()
    assert elected.decision_date == date(2025, 12, 30)
    last = elected.history.latest()
    assert last.history_user == world.staff
    assert last.history_change_reason == (
        "Sửa ngày Quyết định giao số 123/QĐ-UBND từ 31/12/2025 thành 30/12/2025. "
        "Lý do: Ghi nhầm ngày quyết định giao."
    )
    history = client.get(reverse("history", args=["CUM-A", 2025])).content.decode()
    assert "Ghi nhầm ngày quyết định giao." in history


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"decision_date": "20/01/2031", "reason": "Ghi nhầm."}, "không thuộc năm thi đua 2025"),
        ({"decision_date": "30/12/2025", "reason": ""}, "Cần ghi lý do sửa ngày quyết định giao."),
    ],
)
def test_an_assignment_date_outside_the_year_or_without_reason_is_refused(
    client, world, elected, data, message
):
    _assigned(client, world)
    response = client.post(REDATE, data, follow=True)
    assert message in response.content.decode()
    elected.refresh_from_db()
    assert elected.decision_date == date(2025, 12, 31)


def test_the_head_cannot_correct_the_assignment(client, world, elected):
    _assigned(client, world)
    client.force_login(world.head)
    response = client.post(REDATE, {"decision_date": "30/12/2025", "reason": "Ghi nhầm."})
    assert response.status_code == 403
    elected.refresh_from_db()
    assert elected.decision_date == date(2025, 12, 31)
