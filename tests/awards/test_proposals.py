"""The proposal workflow (R34, R35): the head submits, Sở Nội vụ returns or
accepts, the council nominates for the Government's flag within its cap, the
decision is recorded and the results are announced to the members."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from awards import services
from awards.models import Proposal, ProposalItem
from awards.services import Verdict
from clusters.models import Attendance, Conference
from scoring.models import Bonus, ScoreAgreement, Scorecard, Sheet
from tests.awards.test_review_views import (
    member_of,
    page_of,
    score_cluster,
    set_quotas,
    tied_world,
)
from tests.factories import (
    ClusterFactory,
    MembershipFactory,
    UnitFactory,
    UserFactory,
    hold_annual_conference,
)
from tests.permission_data import PDF_BYTES

pytestmark = pytest.mark.django_db

Status = Proposal.Status


# The box that says what an action locks and who is told (#15).
CONFIRM = {"confirm": "on"}


def url(name: str, *args, code: str = "CUM-A", year: int = 2025) -> str:
    return reverse(f"award_{name}", args=[code, year, *args])


@pytest.fixture
def ready(world, media_root):
    """Cluster A scored and allotted: TPBG the flag, VY and HH certificates, LG below 900."""
    score_cluster(world, world.cluster_a, {"TPBG": "945", "VY": "930", "HH": "920", "LG": "880"})
    set_quotas(world.cluster_a, world.year, flag=1, merit=2)
    hold_annual_conference(world.cluster_a, world.year, user=world.head)
    return world


def submit(world) -> Proposal:
    return services.proposal_submit(cluster=world.cluster_a, year=world.year, user=world.head)


def accept(world) -> Proposal:
    return services.proposal_accept(proposal=submit(world), user=world.staff)


def signed_scan() -> SimpleUploadedFile:
    return SimpleUploadedFile("quyet-dinh.pdf", PDF_BYTES, content_type="application/pdf")


def meet_as_proposed(world, proposal: Proposal) -> None:
    """The council's meeting, agreeing with every proposed unit: the Chairman decides after it."""
    services.council_meeting_record(
        proposal=proposal,
        held_on=date(2026, 1, 15),
        members_present="Chủ tịch Hội đồng và 12 thành viên",
        verdicts={i.membership_id: Verdict("agreed") for i in services.proposed_items(proposal)},
        user=world.staff,
    )


def decide(world, proposal=None) -> Proposal:
    proposal = proposal or accept(world)
    if proposal.status == Status.ACCEPTED:
        meet_as_proposed(world, proposal)
    return services.proposal_decide(
        proposal=proposal,
        number="125/QĐ-UBND",
        date=date(2026, 1, 20),
        signer="Lê Ánh Dương",
        user=world.staff,
        file=signed_scan(),
    ).proposal


def announce(world) -> Proposal:
    return services.proposal_announce(proposal=decide(world), user=world.staff)


def awards_of(proposal: Proposal) -> dict[str, str]:
    items = proposal.items.select_related("membership__unit")
    return {item.membership.unit.code: item.award for item in items}


# --- Who sees the proposal page ---------------------------------------------------

BEFORE_ANNOUNCEMENT = {
    "staff": 200,
    "admin": 200,
    "head": 200,
    "other_staff": 403,
    "deputy": 403,
    "member": 403,
    "other_member": 403,
    "other_head": 403,
}
AFTER_ANNOUNCEMENT = {**BEFORE_ANNOUNCEMENT, "deputy": 200, "member": 200}


@pytest.mark.parametrize(("who", "status"), BEFORE_ANNOUNCEMENT.items())
def test_proposal_page_before_announcement(client, ready, who, status):
    decide(ready)
    client.force_login(getattr(ready, who))
    assert client.get(url("proposal")).status_code == status


@pytest.mark.parametrize(("who", "status"), AFTER_ANNOUNCEMENT.items())
def test_proposal_page_after_announcement(client, ready, who, status):
    announce(ready)
    client.force_login(getattr(ready, who))
    assert client.get(url("proposal")).status_code == status


def test_proposal_page_without_a_proposal(client, ready):
    page = page_of(client, ready.head, url("proposal"))
    assert "Cụm, khối chưa trình hồ sơ đề nghị khen thưởng năm này." in page
    assert url("proposal_submit") in page
    client.force_login(ready.member)
    assert client.get(url("proposal")).status_code == 403


LIST_ACCESS = {
    "staff": 200,
    "admin": 200,
    "other_staff": 200,
    "head": 403,
    "member": 403,
    "other_head": 403,
    "other_member": 403,
}


@pytest.mark.parametrize(("who", "status"), LIST_ACCESS.items())
def test_proposal_list_is_for_staff(client, ready, who, status):
    client.force_login(getattr(ready, who))
    assert client.get(reverse("award_proposals", args=[2025])).status_code == status


@pytest.mark.parametrize(
    "target",
    [url("proposal"), reverse("award_proposals", args=[2025]), url("proposal_decide")],
)
def test_anonymous_visitor_is_sent_to_login(client, ready, target):
    response = client.get(target)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_proposal_list_shows_only_the_clusters_the_staff_guide(client, ready):
    accept(ready)
    page = page_of(client, ready.staff, reverse("award_proposals", args=[2025]))
    assert "Cụm thi đua các huyện" in page and "Khối các trường" in page
    assert "Sở Nội vụ đã tiếp nhận" in page and "Chưa trình" in page
    page = page_of(client, ready.other_staff, reverse("award_proposals", args=[2025]))
    assert "Khối các trường" in page and "Cụm thi đua các huyện" not in page


# --- Who may take each step ---------------------------------------------------------

STAFF_STEPS = ["proposal_accept", "proposal_announce", "proposal_decide", "proposal_return"]
NOT_STAFF = ["head", "deputy", "member", "other_staff", "other_head", "other_member"]


@pytest.mark.parametrize("step", STAFF_STEPS)
@pytest.mark.parametrize("who", NOT_STAFF)
def test_only_staff_of_the_authority_review_a_proposal(client, ready, step, who):
    submit(ready)
    client.force_login(getattr(ready, who))
    data = {"reason": "Thiếu biên bản", "number": "1/QĐ", "date": "20/01/2026", "signer": "A"}
    assert client.post(url(step), data).status_code == 403
    assert Proposal.objects.get().status == Status.SUBMITTED


@pytest.mark.parametrize("who", NOT_STAFF)
def test_only_staff_nominate_for_the_government_flag(client, ready, who):
    accept(ready)
    client.force_login(getattr(ready, who))
    assert client.post(url("proposal_nominate", "TPBG")).status_code == 403
    assert not ProposalItem.objects.filter(government_flag=True).exists()


@pytest.mark.parametrize("who", ["staff", "member", "deputy", "other_head", "other_staff"])
def test_only_the_head_submits(client, ready, who):
    client.force_login(getattr(ready, who))
    assert client.post(url("proposal_submit"), CONFIRM).status_code == 403
    assert not Proposal.objects.exists()


def test_another_clusters_head_cannot_submit_through_the_service(ready):
    with pytest.raises(PermissionDenied):
        services.proposal_submit(cluster=ready.cluster_a, year=ready.year, user=ready.other_head)
    assert not Proposal.objects.exists()


# --- Submitting ------------------------------------------------------------------------


def test_head_submits_and_the_proposal_freezes_the_allocation(client, ready):
    client.force_login(ready.head)
    response = client.post(url("proposal_submit"), CONFIRM)
    assert response.status_code == 302 and response.url == url("proposal")
    proposal = Proposal.objects.get()
    assert proposal.status == Status.SUBMITTED
    assert proposal.submitted_by == ready.head and proposal.submitted_at is not None
    assert awards_of(proposal) == {
        "TPBG": "co_thi_dua",
        "VY": "bang_khen",
        "HH": "bang_khen",
        "LG": "",
    }
    lg = proposal.items.get(membership__unit__code="LG")
    assert (lg.rank, lg.total, lg.status) == (4, Decimal("880.00"), "below_threshold")

    # A later change of scores does not alter what was proposed.
    Bonus.objects.create(membership=member_of(ready, "LG"), kind="council", points=Decimal(10))
    Bonus.objects.create(membership=member_of(ready, "LG"), kind="reporting", points=Decimal(5))
    Bonus.objects.create(membership=member_of(ready, "LG"), kind="cluster", points=Decimal(5))
    page = client.get(url("proposal")).content.decode()
    assert "Đã trình Sở Nội vụ" in page and "880,00" in page and "900,00" not in page
    assert awards_of(proposal)["LG"] == ""


def test_proposal_cannot_be_submitted_with_an_open_tie(client, world):
    tied_world(world)
    client.force_login(world.head)
    response = client.post(url("proposal_submit"), CONFIRM, follow=True)
    assert response.redirect_chain[-1][0] == reverse("award_review", args=["CUM-A", 2025])
    assert "Còn đơn vị bằng điểm chưa được phân định bằng bỏ phiếu: HH, VY (930,50 điểm)" in (
        response.content.decode()
    )
    assert not Proposal.objects.exists()


def test_proposal_can_be_submitted_once_the_ballot_settles_the_tie(world):
    tied_world(world)
    votes = {member_of(world, "VY").pk: 3, member_of(world, "HH").pk: 1}
    services.vote_record(
        cluster=world.cluster_a,
        year=world.year,
        voters=4,
        votes=votes,
        revisions={},
        user=world.head,
    )
    hold_annual_conference(world.cluster_a, world.year)
    proposal = submit(world)
    assert awards_of(proposal) == {
        "TPBG": "co_thi_dua",
        "VY": "bang_khen",
        "HH": "tap_the_ldxs",
        "LG": "",
    }


def test_a_tied_ballot_still_blocks_the_proposal(world):
    tied_world(world)
    votes = {member_of(world, "VY").pk: 2, member_of(world, "HH").pk: 2}
    services.vote_record(
        cluster=world.cluster_a,
        year=world.year,
        voters=4,
        votes=votes,
        revisions={},
        user=world.head,
    )
    with pytest.raises(ValidationError, match="chưa được phân định bằng bỏ phiếu"):
        submit(world)


def test_scores_must_be_agreed_when_an_agreement_is_open(ready):
    agreement = ScoreAgreement.objects.create(cluster=ready.cluster_a, year=ready.year)
    with pytest.raises(ValidationError, match="chưa được thống nhất sau họp trù bị"):
        submit(ready)
    agreement.agreed_at = timezone.now()
    agreement.save()
    assert submit(ready).status == Status.SUBMITTED


def test_scores_from_sheets_without_an_agreement_are_not_agreed(ready):
    Sheet.objects.create(membership=member_of(ready, "HH"))
    with pytest.raises(ValidationError, match="chưa được thống nhất sau họp trù bị"):
        submit(ready)


def test_scores_without_sheets_or_agreement_count_as_agreed(ready):
    assert services.scores_agreed(ready.cluster_a, ready.year)
    assert submit(ready).status == Status.SUBMITTED


def test_proposal_needs_quotas_and_an_issued_scorecard(world):
    score_cluster(world, world.cluster_a, {"TPBG": "945"})
    with pytest.raises(ValidationError, match="chưa phân bổ chỉ tiêu"):
        submit(world)
    set_quotas(world.cluster_a, world.year, flag=1)
    Scorecard.objects.update(status=Scorecard.Status.DRAFT)
    with pytest.raises(ValidationError, match="chưa có bảng chấm điểm được ban hành"):
        submit(world)


# --- In which order (issue 13): the proposal follows the annual conference -----------


@pytest.fixture
def before_conference(world):
    """Scored (imported: no sheets, so the scores count as agreed) and allotted,
    with no annual conference yet."""
    score_cluster(world, world.cluster_a, {"TPBG": "945", "VY": "930", "HH": "920", "LG": "880"})
    set_quotas(world.cluster_a, world.year, flag=1, merit=2)
    return world


def _refused(client, world) -> str:
    client.force_login(world.head)
    response = client.post(url("proposal_submit"), CONFIRM, follow=True)
    assert not Proposal.objects.exists()
    return response.content.decode()


def test_no_proposal_before_the_annual_conference(client, before_conference):
    """The seed: "Sau hội nghị tổng kết, các đơn vị trưởng cụm, trưởng khối hoàn
    thiện hồ sơ đề nghị khen thưởng" (R34): imported scores count as agreed,
    but without the annual conference there is nothing to submit yet."""
    assert services.scores_agreed(before_conference.cluster_a, before_conference.year)
    page = _refused(client, before_conference)
    assert "chưa tổ chức hội nghị tổng kết năm 2025" in page
    page = page_of(client, before_conference.head, url("proposal"))
    assert "✗ Đã tổ chức hội nghị tổng kết năm" in page
    assert "✓ Điểm của cụm, khối đã được thống nhất" in page
    assert "✓ Sở Nội vụ đã phân bổ chỉ tiêu khen thưởng" in page


def test_an_annual_conference_set_for_a_later_day_is_not_held(client, before_conference):
    with time_machine.travel(timezone.make_aware(timezone.datetime(2025, 12, 10, 9)), tick=False):
        hold_annual_conference(
            before_conference.cluster_a, before_conference.year, held_on=date(2025, 12, 20)
        )
        assert "chưa tổ chức hội nghị tổng kết năm 2025" in _refused(client, before_conference)


def test_the_conference_needs_its_attendance_and_minutes(client, before_conference):
    world = before_conference
    conference = hold_annual_conference(world.cluster_a, world.year)
    Attendance.objects.filter(membership=member_of(world, "LG")).delete()
    Conference.objects.filter(pk=conference.pk).update(minutes="")
    page = _refused(client, world)
    assert "Chưa ghi nhận thành phần tham dự hội nghị tổng kết" in page
    assert "Chưa tải lên biên bản hội nghị tổng kết" in page
    assert "chưa tổ chức hội nghị tổng kết" not in page
    page = page_of(client, world.head, url("proposal"))
    assert "✓ Đã tổ chức hội nghị tổng kết năm" in page
    assert "✗ Đã tải lên biên bản hội nghị tổng kết" in page


def test_the_checklist_names_every_missing_step_and_then_lets_the_head_submit(client, world):
    score_cluster(world, world.cluster_a, {"TPBG": "945"})
    ScoreAgreement.objects.create(cluster=world.cluster_a, year=world.year)
    page = _refused(client, world)
    for missing in ("chưa tổ chức hội nghị tổng kết", "chưa được thống nhất", "chỉ tiêu"):
        assert missing in page
    ScoreAgreement.objects.update(agreed_at=timezone.now())
    set_quotas(world.cluster_a, world.year, flag=1)
    hold_annual_conference(world.cluster_a, world.year)
    page = page_of(client, world.head, url("proposal"))
    assert "✗" not in page
    client.post(url("proposal_submit"), CONFIRM)
    assert Proposal.objects.get().status == Status.SUBMITTED
    # Once submitted, the checklist has done its work and is not shown.
    assert "Điều kiện để trình hồ sơ" not in page_of(client, world.head, url("proposal"))


# --- Return and resubmit -------------------------------------------------------------


def test_return_with_reason_then_resubmit(client, ready):
    submit(ready)
    client.force_login(ready.staff)
    response = client.post(url("proposal_return"), {"reason": "Thiếu biên bản hội nghị"})
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    assert proposal.status == Status.RETURNED
    assert proposal.return_reason == "Thiếu biên bản hội nghị"

    page = page_of(client, ready.head, url("proposal"))
    assert "Bị trả lại" in page and "Thiếu biên bản hội nghị" in page
    assert "Trình lại hồ sơ" in page

    set_quotas(ready.cluster_a, ready.year, flag=2, merit=1)  # the allocation changed meanwhile
    response = client.post(url("proposal_submit"), CONFIRM)
    assert response.status_code == 302 and response.url == url("proposal")
    proposal.refresh_from_db()
    assert proposal.status == Status.SUBMITTED and proposal.return_reason == ""
    assert awards_of(proposal) == {
        "TPBG": "co_thi_dua",
        "VY": "co_thi_dua",
        "HH": "bang_khen",
        "LG": "",
    }
    assert ProposalItem.objects.count() == 4


def test_return_needs_a_reason(client, ready):
    submit(ready)
    client.force_login(ready.staff)
    response = client.post(url("proposal_return"), {"reason": "  "})
    assert response.status_code == 200
    assert Proposal.objects.get().status == Status.SUBMITTED
    with pytest.raises(ValidationError, match=r"Cần ghi lý do trả lại hồ sơ\."):
        services.proposal_return(proposal=Proposal.objects.get(), reason="", user=ready.staff)


ILLEGAL = [
    ("submit", "submitted", "không trình được nữa"),
    ("accept", "returned", "Không thể tiếp nhận"),
    ("return", "accepted", "Không thể trả lại"),
    ("decide", "submitted", "Không thể ghi nhận quyết định"),
    ("announce", "accepted", "Không thể công bố kết quả"),
    ("nominate", "submitted", "Không thể đề nghị Cờ thi đua của Chính phủ"),
    ("accept", "decided", "Không thể tiếp nhận"),
]


@pytest.mark.parametrize(("step", "state", "message"), ILLEGAL)
def test_illegal_transitions_are_refused_in_vietnamese(ready, step, state, message):
    proposal = submit(ready)
    if state == "returned":
        services.proposal_return(proposal=proposal, reason="Sai sót", user=ready.staff)
    if state in ("accepted", "decided"):
        services.proposal_accept(proposal=proposal, user=ready.staff)
    if state == "decided":
        decide(ready, proposal)
    steps = {
        "submit": lambda: submit(ready),
        "accept": lambda: services.proposal_accept(proposal=proposal, user=ready.staff),
        "return": lambda: services.proposal_return(
            proposal=proposal, reason="Sai", user=ready.staff
        ),
        "decide": lambda: decide(ready, proposal),
        "announce": lambda: services.proposal_announce(proposal=proposal, user=ready.staff),
        "nominate": lambda: services.proposal_nominate_government_flag(
            proposal=proposal, membership=member_of(ready, "TPBG"), user=ready.staff
        ),
    }
    with pytest.raises(ValidationError, match=message):
        steps[step]()
    assert Proposal.objects.get().status == state


def test_announcing_twice_is_refused(ready):
    proposal = announce(ready)
    with pytest.raises(ValidationError, match="Kết quả đã được công bố lúc"):
        services.proposal_announce(proposal=proposal, user=ready.staff)


def test_staff_action_error_is_shown_as_a_message(client, ready):
    proposal = submit(ready)
    services.proposal_return(proposal=proposal, reason="Sai", user=ready.staff)
    client.force_login(ready.staff)
    page = client.post(url("proposal_accept"), follow=True).content.decode()
    assert "Không thể tiếp nhận: hồ sơ đang ở trạng thái “Bị trả lại”" in page


# --- The Government's emulation flag (R34) -----------------------------------------


def _other_proposal(world, flags: int, status: str) -> Proposal:
    """Another cluster's proposal of the year with `flags` flag winners."""
    cluster = ClusterFactory(authority=world.snv)
    proposal = Proposal.objects.create(cluster=cluster, year=world.year, status=status)
    for n in range(flags):
        membership = MembershipFactory(cluster=cluster, year=world.year, unit=UnitFactory())
        ProposalItem.objects.create(
            proposal=proposal,
            membership=membership,
            rank=n + 1,
            total=Decimal("940"),
            status="eligible",
            award="co_thi_dua",
        )
    return proposal


@pytest.fixture
def province(ready):
    """Ten flag winners in accepted or decided proposals: TPBG and VY of cluster
    A, five of an accepted and three of a decided proposal; a submitted one's
    five are not counted yet."""
    set_quotas(ready.cluster_a, ready.year, flag=2, merit=1)
    ready.proposal = accept(ready)
    ready.accepted = _other_proposal(ready, 5, Status.ACCEPTED)
    _other_proposal(ready, 3, Status.DECIDED)
    _other_proposal(ready, 5, Status.SUBMITTED)
    return ready


def _nominate(world, proposal, membership):
    return services.proposal_nominate_government_flag(
        proposal=proposal, membership=membership, user=world.staff
    )


def test_government_flag_cap_is_20_percent_of_the_provinces_flag_winners(province):
    cap = services.government_flag_cap(province.year)
    assert (cap.flag_winners, cap.limit, cap.nominated, cap.percent) == (10, 2, 0, "20")
    _nominate(province, province.proposal, member_of(province, "TPBG"))
    _nominate(province, province.proposal, member_of(province, "VY"))
    third = province.accepted.items.first().membership
    with pytest.raises(ValidationError) as refused:
        _nominate(province, province.accepted, third)
    assert refused.value.messages == [
        "Vượt giới hạn đề nghị Cờ thi đua của Chính phủ: tối đa 2 đơn vị (20% của 10 đơn vị "
        "được đề nghị Cờ thi đua của UBND tỉnh năm 2025), đã đề nghị 2."
    ]
    assert ProposalItem.objects.filter(government_flag=True).count() == 2


@pytest.mark.parametrize(("winners", "limit"), [(4, 0), (5, 1), (9, 1), (11, 2), (15, 3)])
def test_government_flag_cap_rounds_down(world, winners, limit):
    _other_proposal(world, winners, Status.ACCEPTED)
    assert services.government_flag_cap(world.year).limit == limit


def test_government_flag_share_is_a_setting(province, settings):
    settings.GOVERNMENT_FLAG_SHARE = Decimal("0.30")
    _nominate(province, province.proposal, member_of(province, "TPBG"))
    _nominate(province, province.proposal, member_of(province, "VY"))
    item = _nominate(province, province.accepted, province.accepted.items.first().membership)
    assert item.government_flag
    assert services.government_flag_cap(province.year).percent == "30"


def test_nomination_through_the_page_and_its_refusal(client, province):
    client.force_login(province.staff)
    page = client.get(url("proposal")).content.decode()
    assert "tối đa 2 đơn vị (20%), đã đề nghị 0" in page
    assert url("proposal_nominate", "TPBG") in page
    assert url("proposal_nominate", "HH") not in page  # a certificate, not a flag
    client.post(url("proposal_nominate", "TPBG"))
    client.post(url("proposal_nominate", "VY"))
    third = province.accepted.items.select_related("membership__unit").first().membership
    code = province.accepted.cluster.code
    page = client.post(
        url("proposal_nominate", third.unit.code, code=code), follow=True
    ).content.decode()
    assert "Vượt giới hạn đề nghị Cờ thi đua của Chính phủ: tối đa 2 đơn vị" in page


def test_only_flag_winners_are_nominated(province):
    with pytest.raises(ValidationError, match="chỉ đơn vị được đề nghị Cờ thi đua của UBND tỉnh"):
        _nominate(province, province.proposal, member_of(province, "HH"))
    with pytest.raises(ValidationError, match="không có trong hồ sơ"):
        _nominate(province, province.accepted, member_of(province, "TPBG"))


def test_a_nomination_is_made_once_and_can_be_withdrawn(client, province):
    tpbg = member_of(province, "TPBG")
    _nominate(province, province.proposal, tpbg)
    with pytest.raises(ValidationError, match="đã được đề nghị"):
        _nominate(province, province.proposal, tpbg)
    client.force_login(province.staff)
    client.post(url("proposal_withdraw", "TPBG"))
    assert not ProposalItem.objects.filter(government_flag=True).exists()
    assert services.government_flag_cap(province.year).nominated == 0


def test_staff_of_another_authority_cannot_nominate_in_a_cluster_they_do_not_guide(province):
    with pytest.raises(PermissionDenied):
        services.proposal_nominate_government_flag(
            proposal=province.proposal,
            membership=member_of(province, "TPBG"),
            user=province.other_staff,
        )


# --- Decision and announcement ----------------------------------------------------------


def test_decision_is_recorded(client, ready):
    meet_as_proposed(ready, accept(ready))
    client.force_login(ready.staff)
    page = client.get(url("proposal_decide")).content.decode()
    assert "Số quyết định" in page and "Người ký" in page
    response = client.post(
        url("proposal_decide"),
        {
            "number": "125/QĐ-UBND",
            "date": "20/01/2026",
            "signer": "Lê Ánh Dương",
            "file": signed_scan(),
            **CONFIRM,
        },
    )
    assert response.status_code == 302 and response.url == url("proposal")
    proposal = Proposal.objects.get()
    assert proposal.status == Status.DECIDED
    decision = proposal.decisions.get()
    assert (decision.number, decision.date, decision.signer) == (
        "125/QĐ-UBND",
        date(2026, 1, 20),
        "Lê Ánh Dương",
    )
    # The council agreed with every proposed unit: the decision awards them as proposed.
    awarded = {line.membership.unit.code: line.award for line in decision.lines.all()}
    assert awarded == {"TPBG": "co_thi_dua", "VY": "bang_khen", "HH": "bang_khen"}
    page = client.get(url("proposal")).content.decode()
    assert "Số 125/QĐ-UBND ngày 20/01/2026 · người ký: Lê Ánh Dương" in page
    assert url("proposal_announce") in page


def test_decision_needs_number_signer_and_a_date_not_in_the_future(client, ready):
    proposal = accept(ready)
    meet_as_proposed(ready, proposal)
    client.force_login(ready.staff)
    response = client.post(url("proposal_decide"), {"number": "", "date": "", "signer": ""})
    assert response.status_code == 200
    tomorrow = date(2026, 1, 26)
    with (
        time_machine.travel(date(2026, 1, 25), tick=False),
        pytest.raises(ValidationError, match=r"Ngày quyết định 26/01/2026 là ngày trong"),
    ):
        services.proposal_decide(
            proposal=proposal,
            number="1/QĐ",
            date=tomorrow,
            signer="A",
            user=ready.staff,
            file=signed_scan(),
        )
    proposal.refresh_from_db()
    assert proposal.status == Status.ACCEPTED


def test_after_announcement_members_see_their_awards(client, ready):
    proposal = decide(ready)
    client.force_login(ready.member)
    assert client.get(reverse("results", args=["CUM-A", 2025])).status_code == 403
    assert client.get(url("proposal")).status_code == 403

    client.force_login(ready.staff)
    assert client.post(url("proposal_announce")).status_code == 302
    proposal.refresh_from_db()
    assert proposal.is_announced

    page = page_of(client, ready.member, url("proposal"))
    assert "Danh hiệu được quyết định: <strong>Bằng khen của Chủ tịch UBND tỉnh" in page
    assert "Theo Quyết định số 125/QĐ-UBND ngày 20/01/2026 (Lê Ánh Dương ký)." in page
    assert "Các bước của hồ sơ" not in page  # the steps are for the head and the staff
    assert url("proposal_accept") not in page and url("proposal_announce") not in page
    results = page_of(client, ready.member, reverse("results", args=["CUM-A", 2025]))
    assert "Bằng khen của Chủ tịch UBND tỉnh" in results


def test_a_member_without_an_award_is_told_so(client, ready):
    announce(ready)
    lg_user = UserFactory(unit=ready.a_member2)  # LG: below 900
    page = page_of(client, lg_user, url("proposal"))
    assert "Danh hiệu được đề nghị / quyết định: <strong>Không có danh hiệu" in page


def test_government_flag_shows_to_the_member_after_announcement(client, province):
    _nominate(province, province.proposal, member_of(province, "TPBG"))
    decide(province, province.proposal)
    services.proposal_announce(proposal=province.proposal, user=province.staff)
    page = page_of(client, province.head, url("proposal"))
    assert "Cờ thi đua của UBND tỉnh</strong> · được đề nghị tặng Cờ thi đua của Chính phủ" in page


# --- History (R35) -------------------------------------------------------------------


def test_every_step_is_in_the_history_with_user_and_reason(client, province):
    proposal = province.proposal
    _nominate(province, proposal, member_of(province, "TPBG"))
    decide(province, proposal)
    services.proposal_announce(proposal=proposal, user=province.staff)

    history = [
        (h.status, h.history_user, h.history_change_reason)
        for h in proposal.history.order_by("history_date", "history_id")
    ]
    head, staff = province.head, province.staff
    assert history == [
        (
            "submitted",
            head,
            "Trưởng cụm, khối trình hồ sơ đề nghị khen thưởng lên Sở Nội vụ.",
        ),
        (
            "accepted",
            staff,
            "Sở Nội vụ tiếp nhận hồ sơ, trình Hội đồng Thi đua – Khen thưởng tỉnh xét.",
        ),
        (
            "decided",
            staff,
            "Ghi nhận Quyết định số 125/QĐ-UBND ngày 20/01/2026, người ký: Lê Ánh Dương.",
        ),
        ("decided", staff, "Công bố kết quả khen thưởng tới các đơn vị thành viên."),
    ]
    item = proposal.items.get(membership__unit__code="TPBG")
    item_history = list(item.history.order_by("history_date", "history_id"))
    assert [(h.government_flag, h.history_user) for h in item_history] == [
        (False, head),
        (True, staff),
    ]
    assert item_history[0].history_change_reason.startswith("Trưởng cụm, khối trình hồ sơ")
    assert item_history[1].history_change_reason == (
        "Hội đồng Thi đua – Khen thưởng tỉnh đề nghị tặng Cờ thi đua của Chính phủ cho "
        "UBND thành phố Bắc Giang."
    )

    page = page_of(client, head, url("proposal"))
    steps = page.split("Các bước của hồ sơ", 1)[1]
    assert steps.index("trình hồ sơ") < steps.index("tiếp nhận hồ sơ")
    assert steps.index("tiếp nhận hồ sơ") < steps.index("đề nghị tặng Cờ thi đua của Chính phủ")
    assert steps.index("Cờ thi đua của Chính phủ") < steps.index("Ghi nhận Quyết định số")
    assert "Công bố kết quả khen thưởng" in steps


def test_return_and_resubmission_are_in_the_history(ready):
    proposal = submit(ready)
    services.proposal_return(proposal=proposal, reason="Thiếu biên bản", user=ready.staff)
    submit(ready)
    history = [
        (h.status, h.history_user, h.history_change_reason)
        for h in proposal.history.order_by("history_date", "history_id")
    ]
    assert history[1:] == [
        ("returned", ready.staff, "Sở Nội vụ trả lại hồ sơ. Lý do: Thiếu biên bản"),
        ("submitted", ready.head, "Trình lại hồ sơ đề nghị khen thưởng sau khi bị trả lại."),
    ]
    removed = ProposalItem.history.filter(history_type="-")
    assert removed.count() == 4
    assert {h.history_user for h in removed} == {ready.head}
    assert {h.history_change_reason for h in removed} == {
        "Thay bằng bảng xếp hạng của lần trình mới."
    }


# --- Who decides (issue 13) ---------------------------------------------------------
# cluster_b is guided by Sở Giáo dục và Đào tạo (`other_staff`): it sees the
# block's proposal, but the proposal goes "(qua Sở Nội vụ)" to the Chairman
# (Phần III.2.2), the council chooses the Government flag units, and Sở Nội vụ
# records both; the guiding authority does none of it.


@pytest.fixture
def block(world):
    """Khối B scored, allotted one flag by Sở Nội vụ and submitted by its head."""
    score_cluster(world, world.cluster_b, {"NQ": "945", "GH": "930"})
    set_quotas(world.cluster_b, world.year, flag=1, merit=1)
    hold_annual_conference(world.cluster_b, world.year)
    services.proposal_submit(cluster=world.cluster_b, year=world.year, user=world.other_head)
    return world


def test_the_guiding_authority_sees_its_blocks_proposal_and_takes_no_step(client, block):
    page = page_of(client, block.other_staff, url("proposal", code="KHOI-B"))
    assert "Đã trình Sở Nội vụ" in page
    for step in ("proposal_accept", "proposal_return", "proposal_decide"):
        assert url(step, code="KHOI-B") not in page
    data = {"reason": "Thiếu biên bản", "number": "1/QĐ", "date": "20/01/2026", "signer": "A"}
    for step in ("proposal_accept", "proposal_return", "proposal_decide"):
        assert client.post(url(step, code="KHOI-B"), data).status_code == 403
    assert Proposal.objects.get(cluster=block.cluster_b).status == Status.SUBMITTED


def test_only_so_noi_vu_receives_the_proposal_and_records_the_decision(client, block):
    proposal = Proposal.objects.get(cluster=block.cluster_b)
    with pytest.raises(PermissionDenied, match="Chỉ Sở Nội vụ"):
        services.proposal_accept(proposal=proposal, user=block.other_staff)
    client.force_login(block.staff)
    client.post(url("proposal_accept", code="KHOI-B"))
    proposal.refresh_from_db()
    assert proposal.status == Status.ACCEPTED  # "Sở Nội vụ đã tiếp nhận"
    assert proposal.history.first().history_user == block.staff

    client.force_login(block.other_staff)
    nominate = url("proposal_nominate", "NQ", code="KHOI-B")
    assert client.post(nominate).status_code == 403
    decision = {"number": "12/QĐ-UBND", "date": "20/01/2026", "signer": "Lê Ánh Dương"}
    assert client.post(url("proposal_decide", code="KHOI-B"), decision).status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == Status.ACCEPTED
    assert not proposal.items.filter(government_flag=True).exists()


def test_a_guiding_authority_is_stopped_by_its_role_not_by_the_cap(block):
    """The nomination used to be refused only by the 20% cap (issue 13)."""
    proposal = services.proposal_accept(
        proposal=Proposal.objects.get(cluster=block.cluster_b), user=block.staff
    )
    _other_proposal(block, 9, Status.ACCEPTED)  # 10 flag winners: a cap of 2
    nq = member_of(block, "NQ")
    with pytest.raises(PermissionDenied, match="Chỉ Sở Nội vụ"):
        services.proposal_nominate_government_flag(
            proposal=proposal, membership=nq, user=block.other_staff
        )
    services.proposal_nominate_government_flag(proposal=proposal, membership=nq, user=block.staff)
    assert proposal.items.get(membership=nq).government_flag


@pytest.mark.parametrize(
    ("decided", "message"),
    [
        ("20/01/2019", "Ngày quyết định 20/01/2019 không thuộc năm thi đua 2025"),
        ("20/01/2031", "chỉ nhận ngày từ 01/12/2024 đến 30/06/2026"),
    ],
)
def test_a_decision_dated_outside_the_year_is_refused(client, ready, decided, message):
    meet_as_proposed(ready, accept(ready))
    client.force_login(ready.staff)
    data = {
        "number": "125/QĐ-UBND",
        "date": decided,
        "signer": "Lê Ánh Dương",
        "file": signed_scan(),
        **CONFIRM,
    }
    response = client.post(url("proposal_decide"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Proposal.objects.get().status == Status.ACCEPTED


# --- Correcting a recorded decision (issue #12: "a wrong date can be corrected
# with a reason", R35's history) ---------------------------------------------


def test_a_recorded_decision_date_is_corrected_with_its_reason_in_the_history(client, ready):
    proposal = decide(ready)
    client.force_login(ready.staff)
    recorded = proposal.decisions.get()
    response = client.post(
        url("proposal_decision_correct"),
        {
            "decision": f"{recorded.pk}.{recorded.revision}",
            "date": "22/01/2026",
            "reason": "Ghi nhầm ngày ký quyết định.",
        },
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    decision = proposal.decisions.get()
    assert decision.date == date(2026, 1, 22)
    assert proposal.status == Status.DECIDED
    assert decision.number == "125/QĐ-UBND"
    last = decision.history.order_by("history_date", "history_id").last()
    assert last.history_user == ready.staff
    assert last.history_change_reason == (
        "Sửa ngày Quyết định số 125/QĐ-UBND từ 20/01/2026 thành 22/01/2026. "
        "Lý do: Ghi nhầm ngày ký quyết định."
    )
    page = client.get(reverse("history", args=["CUM-A", 2025])).content.decode()
    assert "Ghi nhầm ngày ký quyết định." in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"date": "20/01/2031", "reason": "Ghi nhầm."}, "không thuộc năm thi đua 2025"),
        ({"date": "22/01/2026", "reason": ""}, "Cần ghi lý do sửa quyết định."),
    ],
)
def test_a_decision_correction_outside_the_year_or_without_reason_is_refused(
    client, ready, data, message
):
    proposal = decide(ready)
    client.force_login(ready.staff)
    recorded = proposal.decisions.get()
    data = {"decision": f"{recorded.pk}.{recorded.revision}", **data}
    response = client.post(url("proposal_decision_correct"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    decision = proposal.decisions.get()
    assert decision.date == date(2026, 1, 20)
    assert decision.history.count() == 1  # recorded, no correction


def test_only_a_decided_proposal_can_have_its_decision_corrected(client, ready):
    proposal = accept(ready)
    client.force_login(ready.staff)
    response = client.post(
        url("proposal_decision_correct"), {"date": "22/01/2026", "reason": "Ghi nhầm."}
    )
    assert "chỉ sửa quyết định khi hồ sơ ở trạng thái" in response.content.decode()
    assert not proposal.decisions.exists()


# --- What cannot be undone asks for a confirmation that says what it locks (#15) ----------


def test_submitting_without_the_confirmation_submits_nothing_and_says_why(client, ready):
    client.force_login(ready.head)
    page = client.get(url("proposal")).content.decode()
    assert "Tôi xác nhận trình hồ sơ" in page and "gửi tới Sở Nội vụ" in page
    response = client.post(url("proposal_submit"), follow=True)
    assert "Chưa trình hồ sơ: Hãy đánh dấu ô xác nhận" in response.content.decode()
    assert not Proposal.objects.exists()


def test_recording_a_decision_without_the_confirmation_records_nothing(client, ready):
    accept(ready)
    client.force_login(ready.staff)
    assert "Tôi xác nhận ghi nhận quyết định" in client.get(url("proposal_decide")).content.decode()
    response = client.post(
        url("proposal_decide"),
        {"number": "125/QĐ-UBND", "date": "20/01/2026", "signer": "Lê Ánh Dương"},
    )
    assert response.status_code == 200
    assert "Hãy đánh dấu ô xác nhận" in response.content.decode()
    assert Proposal.objects.get().status == Status.ACCEPTED


# --- Awards named by the year's guidance (#16) -----------------------------------

GIAY_KHEN = "Giấy khen của Chủ tịch UBND tỉnh"
BANG_KHEN = "Bằng khen của UBND tỉnh (theo hướng dẫn mới)"


@pytest.fixture
def new_award(world, media_root):
    """The year's guidance adds `giay_khen` after the flag and the certificate,
    and names the certificate its own way; LG gets the new award."""
    from scoring.guidances import apply_regulation
    from scoring.models import Quota
    from scoring.regulation import regulation_from_json

    guidance = apply_regulation(
        world.year, regulation_from_json({"awards": ["co_thi_dua", "bang_khen", "giay_khen"]})
    )
    guidance.labels = {"awards": {"giay_khen": GIAY_KHEN, "bang_khen": BANG_KHEN}}
    guidance.save()
    score_cluster(world, world.cluster_a, {"TPBG": "945", "VY": "930", "HH": "920", "LG": "910"})
    set_quotas(world.cluster_a, world.year, flag=1, merit=2)
    Quota.objects.filter(award="tap_the_ldxs").delete()  # not an award of this guidance
    Quota.objects.create(cluster=world.cluster_a, year=world.year, award="giay_khen", count=1)
    hold_annual_conference(world.cluster_a, world.year, user=world.head)
    return world


def test_pages_and_documents_name_a_new_award_by_the_years_guidance(client, new_award):
    from awards.documents import minutes_context, proposal_context, render_pdf

    world = new_award
    proposal = accept(world)
    assert awards_of(proposal)["LG"] == "giay_khen"
    client.force_login(world.staff)

    page = client.get(url("proposal")).content.decode()
    assert GIAY_KHEN in page and BANG_KHEN in page
    assert ">giay_khen<" not in page and "Bằng khen của Chủ tịch UBND tỉnh" not in page
    council = client.get(url("proposal_council")).content.decode()
    assert GIAY_KHEN in council and ">giay_khen<" not in council

    context = proposal_context(world.cluster_a, world.year)
    assert GIAY_KHEN in context["subject"] and BANG_KHEN in context["subject"]
    assert [g.label for g in context["proposed"]][-1] == GIAY_KHEN
    minutes = minutes_context(world.cluster_a, world.year)
    assert f"{GIAY_KHEN}: 1" in minutes["quotas"]
    assert render_pdf("pdf/proposal.html", context)[:4] == b"%PDF"

    meet_as_proposed(world, proposal)
    decide_page = client.get(url("proposal_decide")).content.decode()
    assert GIAY_KHEN in decide_page and ">giay_khen<" not in decide_page
    decided = services.proposal_decide(
        proposal=proposal,
        number="125/QĐ-UBND",
        date=date(2026, 1, 20),
        signer="Lê Ánh Dương",
        user=world.staff,
        file=signed_scan(),
    ).proposal
    announced = services.proposal_announce(proposal=decided, user=world.staff)
    page = client.get(url("proposal")).content.decode()
    assert announced.is_announced and GIAY_KHEN in page and ">giay_khen<" not in page


def test_the_quotas_and_the_council_take_the_years_awards(client, new_award):
    from awards.models import CouncilResult
    from scoring.models import Quota

    world = new_award
    client.force_login(world.staff)
    quotas_url = reverse("award_quotas", args=["CUM-A", 2025])
    page = client.get(quotas_url).content.decode()
    assert GIAY_KHEN in page and BANG_KHEN in page
    form = page[: page.index("</form>")]
    assert 'name="tap_the_ldxs"' not in form and "Tập thể Lao động xuất sắc" not in form
    data = {"co_thi_dua": "1", "bang_khen": "2", "giay_khen": "2", "document": "QĐ 12/2026"}
    data |= {f"{q.award}_revision": q.revision for q in Quota.objects.all()}

    assert client.post(quotas_url, data).status_code == 302

    giay_khen = Quota.objects.get(award="giay_khen")
    assert giay_khen.count == 2
    assert GIAY_KHEN in giay_khen.history.first().history_change_reason
    with pytest.raises(ValidationError, match="không có trong hướng dẫn"):
        services.quota_set(
            cluster=world.cluster_a,
            year=world.year,
            award="tap_the_ldxs",
            count=1,
            document="QĐ 12/2026",
            user=world.staff,
            revision=None,
        )

    proposal = accept(world)
    council = client.get(url("proposal_council")).content.decode()
    assert f'<option value="giay_khen">{GIAY_KHEN}</option>' in council
    verdicts = {i.membership_id: Verdict("agreed") for i in services.proposed_items(proposal)}
    vy = member_of(world, "VY")
    verdicts[vy.pk] = Verdict("changed", "giay_khen", "Theo đề nghị của Sở Nội vụ")
    services.council_meeting_record(
        proposal=proposal,
        held_on=date(2026, 1, 15),
        members_present="Chủ tịch Hội đồng và 12 thành viên",
        verdicts=verdicts,
        user=world.staff,
    )
    result = CouncilResult.objects.get(item__membership=vy)
    assert f"thành {GIAY_KHEN}" in result.history.first().history_change_reason
    page = client.get(url("proposal")).content.decode()
    assert f"Đổi danh hiệu: {GIAY_KHEN}" in page or GIAY_KHEN in page


NEW_REASON = "Không hoàn thành chuyển đổi số"


def test_the_results_and_their_exports_name_a_new_award_and_reason(client, world):
    """#16: the results page, its csv and xlsx and the ranking's PDF name an
    award and an exclusion reason only a later guidance has by its labels."""
    from io import BytesIO

    from openpyxl import load_workbook

    from awards.documents import ranking_context, render_pdf
    from scoring.guidances import apply_regulation
    from scoring.models import Flag, Quota
    from scoring.regulation import regulation_from_json

    block = {
        "awards": ["co_thi_dua", "bang_khen", "giay_khen"],
        "exclusion_reasons": ["security", "khong_chuyen_doi_so"],
    }
    guidance = apply_regulation(world.year, regulation_from_json(block))
    guidance.labels = {
        "awards": {"giay_khen": GIAY_KHEN},
        "reasons": {"khong_chuyen_doi_so": NEW_REASON},
    }
    guidance.save()
    score_cluster(world, world.cluster_a, {"TPBG": "945", "VY": "930", "HH": "920", "LG": "910"})
    set_quotas(world.cluster_a, world.year, flag=1, merit=1)
    Quota.objects.filter(award="tap_the_ldxs").delete()
    Quota.objects.create(cluster=world.cluster_a, year=world.year, award="giay_khen", count=1)
    Flag.objects.create(
        membership=member_of(world, "HH"), kind="exclude", reason="khong_chuyen_doi_so"
    )
    client.force_login(world.staff)
    args = ["CUM-A", 2025]

    page = client.get(reverse("results", args=args)).content.decode()
    assert GIAY_KHEN in page and NEW_REASON in page
    assert ">giay_khen<" not in page and ">khong_chuyen_doi_so<" not in page
    csv = client.get(reverse("results_download", args=[*args, "csv"])).content.decode("utf-8-sig")
    assert GIAY_KHEN in csv and NEW_REASON in csv
    assert "giay_khen" not in csv and "khong_chuyen_doi_so" not in csv
    xlsx = client.get(reverse("results_download", args=[*args, "xlsx"])).content
    cells = [
        c
        for sheet in load_workbook(BytesIO(xlsx))
        for row in sheet.iter_rows(values_only=True)
        for c in row
        if isinstance(c, str)
    ]
    assert GIAY_KHEN in cells and any(NEW_REASON in c for c in cells)
    assert not any("giay_khen" in c or "khong_chuyen_doi_so" in c for c in cells)
    context = ranking_context(world.cluster_a, world.year)
    lines = {line.code: line for line in context["lines"]}
    assert lines["LG"].award == GIAY_KHEN and lines["HH"].reasons == [NEW_REASON]
    assert render_pdf("pdf/ranking.html", context)[:4] == b"%PDF"
