"""The award review page (bình xét, R29–R33): ranking, allocation, ties and the ballot.

The helpers at the top build a cluster's scored year; the quota and proposal
tests import them.
"""

import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from awards import services
from awards.models import Ballot, Proposal
from clusters.models import Membership
from scoring.models import Bonus, Criterion, Flag, Quota, Score, Scorecard, Vote
from tests.factories import (
    ClusterFactory,
    MembershipFactory,
    UnitFactory,
    UserFactory,
    hold_annual_conference,
)

pytestmark = pytest.mark.django_db


# --- Building a scored year -------------------------------------------------


def issue_scorecard(cluster, year) -> list[Criterion]:
    """An issued scorecard with one qualitative leaf per section (550/200/200)."""
    scorecard = Scorecard.objects.create(cluster=cluster, year=year, status=Scorecard.Status.ISSUED)
    return [
        Criterion.objects.create(
            scorecard=scorecard,
            section=section,
            code=f"{section}.1",
            title=f"Tiêu chí phần {section}",
            points=Decimal(points),
            order=order,
        )
        for order, (section, points) in enumerate((("I", 550), ("II", 200), ("III", 200)))
    ]


def give_total(membership, criteria, total: str) -> None:
    """Scores adding up to `total` (400–970): section I takes what II and III
    leave, and above 950 the council's and the cluster's bonuses the rest."""
    total = Decimal(total)
    base = min(total, Decimal(950))
    for criterion, points in zip(criteria, (base - 400, 200, 200), strict=True):
        Score.objects.create(membership=membership, criterion=criterion, points=Decimal(points))
    extra = total - base
    if extra:
        council = min(extra, Decimal(10))
        Bonus.objects.create(membership=membership, kind="council", points=council)
        if extra - council:
            Bonus.objects.create(membership=membership, kind="cluster", points=extra - council)


def member_of(world, code: str) -> Membership:
    return Membership.objects.select_related("unit").get(unit__code=code, year=world.year)


def score_cluster(world, cluster, totals: dict[str, str]) -> None:
    criteria = issue_scorecard(cluster, world.year)
    for code, total in totals.items():
        give_total(member_of(world, code), criteria, total)


def set_quotas(cluster, year, flag: int = 0, merit: int = 0, labour: int = 0) -> None:
    for award, count in (("co_thi_dua", flag), ("bang_khen", merit), ("tap_the_ldxs", labour)):
        Quota.objects.update_or_create(
            cluster=cluster, year=year, award=award, defaults={"count": count}
        )


def tied_world(world):
    """Cluster A: TPBG 945 first; VY and HH tied on 930,50 across the border
    between the certificate and the LĐXS title; LG 910 past all quotas."""
    score_cluster(
        world, world.cluster_a, {"TPBG": "945", "VY": "930.50", "HH": "930.50", "LG": "910"}
    )
    set_quotas(world.cluster_a, world.year, flag=1, merit=1, labour=1)
    return world


@pytest.fixture
def tied(world):
    return tied_world(world)


def review_url(code: str = "CUM-A", year: int = 2025) -> str:
    return reverse("award_review", args=[code, year])


def vote_url(code: str = "CUM-A", year: int = 2025) -> str:
    return reverse("award_vote", args=[code, year])


def page_of(client, user, url: str) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def row_of(page: str, code: str) -> str:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return next(row for row in body.split("<tr")[1:] if f">{code}</span>" in row)


# --- Who sees the review page -------------------------------------------------

REVIEW_ACCESS = {
    "staff": 200,
    "admin": 200,
    "head": 200,
    "other_staff": 403,
    "deputy": 403,
    "member": 403,
    "other_member": 403,
    "other_head": 403,
}


@pytest.mark.parametrize(("who", "status"), REVIEW_ACCESS.items())
def test_review_page_access(client, tied, who, status):
    client.force_login(getattr(tied, who))
    assert client.get(review_url()).status_code == status


def test_review_page_is_open_to_members_read_only_after_announcement(client, tied):
    """Issue 13: the members "bình xét" together; they see the review, without the ballot."""
    Proposal.objects.create(
        cluster=tied.cluster_a, year=tied.year, announced_at="2026-01-10T08:00Z"
    )
    page = page_of(client, tied.member, review_url())
    assert "Ghi kết quả bỏ phiếu" not in page and vote_url() not in page


def test_delegated_deputy_leads_the_review(client, tied):
    Membership.objects.filter(unit=tied.a_deputy).update(acts_for_head=True)
    page = page_of(client, tied.deputy, review_url())
    assert "Ghi kết quả bỏ phiếu" in page


def test_other_authority_staff_reviews_its_own_cluster(client, world):
    score_cluster(world, world.cluster_b, {"NQ": "920", "GH": "905"})
    assert "Trường THPT Ngô Quyền" in page_of(client, world.other_staff, review_url("KHOI-B"))


@pytest.mark.parametrize("url", [review_url(), vote_url()])
def test_anonymous_visitor_is_sent_to_login(client, tied, url):
    response = client.get(url) if url == review_url() else client.post(url, {})
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_unknown_cluster_or_year_is_404(client, tied):
    client.force_login(tied.staff)
    assert client.get(review_url(code="KHONG-CO")).status_code == 404
    assert client.get(review_url(year=1999)).status_code == 404


# --- What the page shows ------------------------------------------------------


def test_page_shows_ranking_statuses_reasons_and_quotas(client, world):
    score_cluster(world, world.cluster_a, {"TPBG": "945", "VY": "920", "HH": "930", "LG": "880"})
    Flag.objects.create(membership=member_of(world, "HH"), kind="defer", reason="under_review")
    set_quotas(world.cluster_a, world.year, flag=1, merit=1)
    page = page_of(client, world.staff, review_url())
    assert "Chỉ tiêu: Cờ thi đua 1, Bằng khen 1, Tập thể LĐXS 0" in page
    tpbg, hh, vy, lg = (row_of(page, code) for code in ("TPBG", "HH", "VY", "LG"))
    assert "945,00" in tpbg and "Đủ điều kiện" in tpbg and "Cờ thi đua của UBND tỉnh" in tpbg
    assert "Chưa xét" in hh and "Đang bị xem xét kỷ luật" in hh and "Bằng khen" not in hh
    assert "Bằng khen của Chủ tịch UBND tỉnh" in vy
    assert "Dưới 900 điểm" in lg and "880,00" in lg
    assert page.index(">TPBG<") < page.index(">HH<") < page.index(">VY<") < page.index(">LG<")
    assert "<script>" not in page


def test_page_says_when_no_quota_is_allotted(client, world):
    score_cluster(world, world.cluster_a, {"TPBG": "945"})
    page = page_of(client, world.head, review_url())
    assert "Sở Nội vụ chưa phân bổ chỉ tiêu khen thưởng cho cụm, khối." in page


def test_tie_is_highlighted_with_what_is_at_stake(client, tied):
    page = page_of(client, tied.head, review_url())
    assert "2 đơn vị bằng điểm 930,50 tranh 1 Bằng khen và 1 Tập thể LĐXS — cần bỏ phiếu" in page
    for code in ("VY", "HH"):
        assert 'class="table-warning"' in row_of(page, code)
        assert "Cần bỏ phiếu" in row_of(page, code)
    assert "Chưa thể trình hồ sơ: còn đơn vị bằng điểm cần bỏ phiếu." in page
    assert "Cờ thi đua của UBND tỉnh" in row_of(page, "TPBG")


def test_three_way_tie_names_every_award_at_stake(client, world):
    score_cluster(
        world, world.cluster_a, {"TPBG": "962.25", "VY": "962.25", "HH": "962.25", "LG": "910"}
    )
    set_quotas(world.cluster_a, world.year, flag=1, merit=1)
    page = page_of(client, world.staff, review_url())
    assert "3 đơn vị bằng điểm 962,25 tranh 1 Cờ thi đua và 1 Bằng khen — cần bỏ phiếu" in page


def test_staff_sees_the_tie_but_no_ballot_form(client, tied):
    page = page_of(client, tied.staff, review_url())
    assert "cần bỏ phiếu" in page
    assert vote_url() not in page and "Trình hồ sơ" not in page
    assert reverse("award_quotas", args=["CUM-A", 2025]) in page


def test_head_sees_no_quota_link(client, tied):
    page = page_of(client, tied.head, review_url())
    assert reverse("award_quotas", args=["CUM-A", 2025]) not in page


# --- The ballot (R33) -----------------------------------------------------------


def _ballot(world, voters: int = 4, fresh=True, **votes) -> dict[str, int]:
    """The ballot form's data: the members voting and each tied unit's votes;
    `fresh`: with the revisions a page loaded just now carries."""
    data = {f"u{member_of(world, code).pk}": count for code, count in votes.items()}
    if fresh:
        stored = Vote.objects.values_list("membership_id", "revision")
        data |= {f"u{pk}_revision": revision for pk, revision in stored}
    return {"voters": voters} | data


def test_ballot_resolves_the_tie(client, tied):
    client.force_login(tied.head)
    response = client.post(vote_url(), _ballot(tied, VY=1, HH=3))
    assert response.status_code == 302 and response.url == review_url()
    page = client.get(review_url()).content.decode()
    assert "Bằng khen của Chủ tịch UBND tỉnh" in row_of(page, "HH")
    assert "Tập thể Lao động xuất sắc" in row_of(page, "VY")
    assert "Cần bỏ phiếu" not in page
    assert "tranh 1 Bằng khen và 1 Tập thể LĐXS — đã phân định bằng bỏ phiếu" in page
    assert "Đã ghi kết quả bỏ phiếu" in page
    assert "Chưa thể trình hồ sơ" not in page


def test_tied_ballot_keeps_the_tie_open(client, tied):
    client.force_login(tied.head)
    client.post(vote_url(), _ballot(tied, VY=2, HH=2))
    page = client.get(review_url()).content.decode()
    assert page.count('<span class="badge text-bg-warning">Cần bỏ phiếu</span>') == 2
    assert "số phiếu bằng nhau ở ranh giới, cần bỏ phiếu lại" in page
    assert "Chưa thể trình hồ sơ" in page


def test_ballot_can_be_corrected_and_the_history_keeps_both(client, tied):
    client.force_login(tied.head)
    client.post(vote_url(), _ballot(tied, VY=2, HH=2))
    client.post(vote_url(), _ballot(tied, VY=3, HH=1) | {"reason": "Đếm lại phiếu"})
    page = client.get(review_url()).content.decode()
    assert "Bằng khen của Chủ tịch UBND tỉnh" in row_of(page, "VY")
    vy = member_of(tied, "VY")
    history = list(Vote.history.filter(membership_id=vy.pk).order_by("history_date"))
    assert [h.votes for h in history] == [2, 3]
    assert all(h.history_user == tied.head for h in history)
    assert (
        "Ghi kết quả bỏ phiếu tại hội nghị tổng kết: VY 2 phiếu" in history[0].history_change_reason
    )
    assert "Sửa kết quả bỏ phiếu của VY: 2 → 3 phiếu" in history[1].history_change_reason
    assert "Lý do: Đếm lại phiếu" in history[1].history_change_reason
    assert "Sửa kết quả bỏ phiếu của VY: 2 → 3 phiếu" in page  # the page's history


def test_impossible_counts_are_refused_for_the_members_voting(client, tied):
    """Issue 11.7: 60 and 50 votes in a cluster of 4 members (R33)."""
    client.force_login(tied.head)
    response = client.post(vote_url(), _ballot(tied, VY=60, HH=50))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Số phiếu của UBND huyện Việt Yên (60) vượt số thành viên bỏ phiếu (4)" in page
    assert not Vote.objects.exists()


def test_members_voting_are_at_least_one_and_at_most_the_clusters_members(client, tied):
    client.force_login(tied.head)
    for voters in (0, 5):
        response = client.post(vote_url(), _ballot(tied, VY=0, HH=0) | {"voters": voters})
        assert response.status_code == 200
        assert "Số thành viên bỏ phiếu phải từ 1 đến 4" in response.content.decode()
    assert not Vote.objects.exists() and not Ballot.objects.exists()


def test_counts_of_a_tie_sum_to_at_most_members_times_awards_decided(client, world):
    """Three units tied on 930,50 for one flag: each member chooses one unit, so
    the three counts sum to at most the members voting (R33)."""
    score_cluster(
        world, world.cluster_a, {"TPBG": "930.50", "VY": "930.50", "HH": "930.50", "LG": "910"}
    )
    set_quotas(world.cluster_a, world.year, flag=1)
    client.force_login(world.head)
    response = client.post(vote_url(), _ballot(world, TPBG=2, VY=2, HH=1, voters=4))
    assert response.status_code == 200
    assert "Tổng số phiếu của nhóm bằng điểm 930,50 (5) vượt 4 thành viên × 1 danh hiệu" in (
        response.content.decode()
    )
    assert not Vote.objects.exists()
    response = client.post(vote_url(), _ballot(world, TPBG=2, VY=1, HH=1, voters=4))
    assert response.status_code == 302
    assert Ballot.objects.get().voters == 4


def test_ballot_records_the_members_voting_and_the_form_stays_to_correct_it(client, tied):
    client.force_login(tied.head)
    client.post(vote_url(), _ballot(tied, VY=3, HH=1))
    ballot = Ballot.objects.get(cluster=tied.cluster_a, year=tied.year)
    assert ballot.voters == 4
    page = client.get(review_url()).content.decode()
    assert vote_url() in page and 'name="voters"' in page and 'value="4"' in page
    assert "Lý do sửa kết quả bỏ phiếu" in page


def test_a_correction_needs_a_reason_and_every_change_is_in_the_history(client, tied):
    client.force_login(tied.head)
    client.post(vote_url(), _ballot(tied, VY=3, HH=1))
    response = client.post(vote_url(), _ballot(tied, VY=1, HH=2, voters=3))
    assert response.status_code == 200
    assert "Cần ghi lý do sửa kết quả bỏ phiếu" in response.content.decode()
    assert Vote.objects.get(membership=member_of(tied, "VY")).votes == 3
    assert Ballot.objects.get().voters == 4

    reason = "Một thành viên vắng, kiểm phiếu lại"
    response = client.post(vote_url(), _ballot(tied, VY=1, HH=2, voters=3) | {"reason": reason})
    assert response.status_code == 302
    history_page = client.get(reverse("history", args=["CUM-A", 2025])).content.decode()
    text = " ".join(re.sub(r"<[^>]+>", " ", history_page).split())
    assert "số thành viên bỏ phiếu: 4 → 3" in text
    assert "số phiếu: 3 → 1" in text and "số phiếu: 1 → 2" in text
    assert "số phiếu: — → 3" in text  # the first entry is there too
    assert text.count(reason) == 3  # the ballot's and both units' counts
    assert tied.head.get_full_name() in text


@pytest.mark.parametrize("value", ["-1", "2.5", "", "nhiều"])
def test_ballot_takes_whole_numbers_only(client, tied, value):
    client.force_login(tied.head)
    data = _ballot(tied, VY=3) | {f"u{member_of(tied, 'HH').pk}": value}
    response = client.post(vote_url(), data)
    assert response.status_code == 200
    assert not Vote.objects.exists()
    assert "text-danger small" in response.content.decode()


def test_two_ballots_from_the_same_page_the_second_is_told_the_current_votes(client, tied):
    # #11.8: the head and the deputy acting for it record the ballot at once.
    client.force_login(tied.head)
    client.post(vote_url(), _ballot(tied, VY=2, HH=2))
    loaded = _ballot(tied, VY=0, HH=0)  # the revisions both pages carry
    why = {"reason": "Đếm lại phiếu"}
    first = loaded | _ballot(tied, fresh=False, VY=3, HH=1) | why
    assert client.post(vote_url(), first).status_code == 302
    response = client.post(vote_url(), loaded | _ballot(tied, fresh=False, VY=1, HH=3) | why)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Số phiếu của VY vừa được người khác ghi; giá trị hiện tại: 3 phiếu." in page
    assert "Số phiếu của HH vừa được người khác ghi; giá trị hiện tại: 1 phiếu." in page
    assert dict(Vote.objects.values_list("membership__unit__code", "votes")) == {"VY": 3, "HH": 1}
    vy = member_of(tied, "VY").pk
    assert f'name="u{vy}_revision" value="2"' in page  # saving again is deliberate


def test_a_ballot_without_revisions_is_refused_over_recorded_votes(client, tied):
    client.force_login(tied.head)
    client.post(vote_url(), _ballot(tied, VY=2, HH=2))
    data = _ballot(tied, fresh=False, VY=3, HH=1) | {"reason": "Đếm lại phiếu"}
    response = client.post(vote_url(), data)
    assert response.status_code == 200
    assert "vừa được người khác ghi; giá trị hiện tại: 2 phiếu" in response.content.decode()
    assert set(Vote.objects.values_list("votes", flat=True)) == {2}


def test_ballot_is_only_for_tied_units(tied):
    tpbg = member_of(tied, "TPBG")
    with pytest.raises(ValidationError, match="nhóm bằng điểm cần bỏ phiếu"):
        services.vote_record(
            cluster=tied.cluster_a,
            year=tied.year,
            voters=4,
            votes={tpbg.pk: 3},
            revisions={},
            user=tied.head,
        )
    assert not Vote.objects.exists()


@pytest.mark.parametrize("who", ["staff", "member", "deputy", "other_head", "other_member"])
def test_only_the_head_records_the_ballot(client, tied, who):
    client.force_login(getattr(tied, who))
    assert client.post(vote_url(), _ballot(tied, VY=1, HH=3)).status_code == 403
    assert not Vote.objects.exists()


def test_another_clusters_head_cannot_record_a_ballot_through_the_service(tied):
    with pytest.raises(PermissionDenied):
        services.vote_record(
            cluster=tied.cluster_a,
            year=tied.year,
            voters=4,
            votes={member_of(tied, "VY").pk: 1},
            revisions={},
            user=tied.other_head,
        )


def test_ballot_is_refused_once_the_proposal_is_submitted(tied):
    services.vote_record(
        cluster=tied.cluster_a,
        year=tied.year,
        voters=4,
        votes={member_of(tied, "VY").pk: 1, member_of(tied, "HH").pk: 3},
        revisions={},
        user=tied.head,
    )
    hold_annual_conference(tied.cluster_a, tied.year)
    services.proposal_submit(cluster=tied.cluster_a, year=tied.year, user=tied.head)
    with pytest.raises(ValidationError, match="kết quả bỏ phiếu đã khóa"):
        services.vote_record(
            cluster=tied.cluster_a,
            year=tied.year,
            voters=4,
            votes={member_of(tied, "VY").pk: 4},
            reason="Đếm lại phiếu",
            revisions={member_of(tied, "VY").pk: 1},
            user=tied.head,
        )


def test_get_on_the_ballot_url_is_not_allowed(client, tied):
    client.force_login(tied.head)
    assert client.get(vote_url()).status_code == 405


# --- Query count ------------------------------------------------------------------


def _big_cluster(world, units: int):
    """`units` units in pairs of equal totals (every pair a tie across a border),
    each with votes and a vote history."""
    cluster = ClusterFactory(code=f"CUM-{units}", authority=world.snv)
    criteria = issue_scorecard(cluster, world.year)
    head = None
    for n in range(units):
        role = Membership.Role.HEAD if n == 0 else Membership.Role.MEMBER
        membership = MembershipFactory(
            cluster=cluster, year=world.year, unit=UnitFactory(), role=role
        )
        head = head or UserFactory(unit=membership.unit)
        give_total(membership, criteria, str(950 - (n // 2) * 3))
        if n % 5 == 4:
            Flag.objects.create(membership=membership, kind="defer", reason="under_review")
        Vote.objects.create(membership=membership, votes=n % 2)
    set_quotas(cluster, world.year, flag=1, merit=2, labour=2)
    return cluster, head


def _review_queries(client, world, units: int) -> int:
    cluster, head = _big_cluster(world, units)
    client.force_login(head)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(review_url(cluster.code))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Ghi kết quả bỏ phiếu" in page and "bằng điểm" in page
    return len(queries)


def test_review_query_count_does_not_grow_with_units(client, world):
    small = _review_queries(client, world, 3)
    large = _review_queries(client, world, 20)
    assert small == large
    # About 20 today: session, user, seat, results, votes, history…, and four
    # that count the unit's open items beside "Việc cần làm" in the bar.
    # The results' cache key adds the revision and the registered plans (#17),
    # the results the year's guidances (#16); the bell counts the unread notifications (#15).
    assert large <= 34


def test_ballot_takes_ascii_digits_only(client, tied):
    client.force_login(tied.head)
    response = client.post(vote_url(), _ballot(tied, VY=3, HH="９"))
    assert response.status_code == 200
    assert "Chỉ dùng các chữ số 0–9." in response.content.decode()
    assert not Vote.objects.exists()
