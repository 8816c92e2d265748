"""Decisions per unit (#14, R34, R35): Sở Nội vụ, the council's standing agency,
records the council's meeting with a result per proposed unit (agreed, changed
to another award, refused, deferred) and the Chairman's decisions with a line
per unit and the signed scan; a deferred unit is decided later in the year."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from awards import services
from awards.models import CouncilMeeting, CouncilResult, Decision, DecisionLine, ProposalItem
from awards.services import Verdict
from tests.awards.test_proposals import CONFIRM, accept, url
from tests.awards.test_review_views import member_of, page_of, score_cluster, set_quotas
from tests.factories import MembershipFactory, UnitFactory, hold_annual_conference
from tests.permission_data import PDF_BYTES

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(world):
    """Cluster A scored and allotted: TPBG the flag, VY and HH certificates, LG below 900."""
    score_cluster(world, world.cluster_a, {"TPBG": "945", "VY": "930", "HH": "920", "LG": "880"})
    set_quotas(world.cluster_a, world.year, flag=1, merit=2)
    hold_annual_conference(world.cluster_a, world.year, user=world.head)
    return world


MEETING = {"held_on": "15/01/2026", "members_present": "Chủ tịch Hội đồng và 12 thành viên"}


def pdf(name: str = "quyet-dinh.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def meeting_data(world, **outcomes) -> dict:
    """The council form: TPBG, VY, HH (the proposed units) agreed unless told."""
    data = dict(MEETING)
    for code in ("TPBG", "VY", "HH"):
        pk = member_of(world, code).pk
        outcome, award, reason = outcomes.get(code, ("agreed", "", ""))
        data |= {f"u{pk}_outcome": outcome, f"u{pk}_award": award, f"u{pk}_reason": reason}
    return data


def meet(world, proposal, **outcomes):
    """Through the service: TPBG agreed, VY changed to Tập thể LĐXS, HH deferred."""
    verdicts = {
        member_of(world, "TPBG").pk: Verdict("agreed"),
        member_of(world, "VY").pk: Verdict("changed", "tap_the_ldxs", "Chưa đủ tiêu chuẩn"),
        member_of(world, "HH").pk: Verdict("deferred", "", "Đang thanh tra"),
    }
    return services.council_meeting_record(
        proposal=proposal,
        held_on=date(2026, 1, 15),
        members_present="Chủ tịch Hội đồng và 12 thành viên",
        verdicts=verdicts,
        user=world.staff,
    )


def decide(world, proposal, number="125/QĐ-UBND", day=date(2026, 1, 20), file=None) -> Decision:
    """Through the service, with the signed scan."""
    return services.proposal_decide(
        proposal=proposal,
        number=number,
        date=day,
        signer="Lê Ánh Dương",
        user=world.staff,
        file=file or pdf(),
    )


def met(world):
    """The proposal accepted and the council's meeting recorded (`meet`)."""
    proposal = accept(world)
    meet(world, proposal)
    return proposal


def lines_of(decision: Decision) -> dict[str, str]:
    return {line.membership.unit.code: line.award for line in decision.lines.all()}


# --- Who records (staff of the standing agency only) ---------------------------------


@pytest.fixture
def block(world):
    """Khối B, guided by Sở GD&ĐT (`other_staff`), accepted by Sở Nội vụ."""
    score_cluster(world, world.cluster_b, {"NQ": "945", "GH": "930"})
    set_quotas(world.cluster_b, world.year, flag=1, merit=1)
    hold_annual_conference(world.cluster_b, world.year)
    proposal = services.proposal_submit(
        cluster=world.cluster_b, year=world.year, user=world.other_head
    )
    services.proposal_accept(proposal=proposal, user=world.staff)
    world.proposal_b = proposal
    return world


COUNCIL_ACCESS = {
    "staff": 200,
    "other_staff": 403,  # the guiding authority decides nothing
    "other_head": 403,
    "other_member": 403,
    "head": 403,  # another cluster's head
    "anonymous": "login",
}


@pytest.mark.parametrize(("who", "expected"), COUNCIL_ACCESS.items())
@pytest.mark.parametrize("name", ["proposal_council", "proposal_decide"])
def test_only_so_noi_vu_staff_open_the_council_and_decision_pages(
    client, block, who, expected, name
):
    if who != "anonymous":
        client.force_login(getattr(block, who))
    response = client.get(url(name, code="KHOI-B"))
    if expected == "login":
        assert response.status_code == 302 and "/dang-nhap/" in response.url
    else:
        assert response.status_code == expected


@pytest.mark.parametrize("who", ["other_staff", "other_head", "other_member"])
def test_nobody_but_so_noi_vu_records_a_meeting_or_a_decision(client, block, who):
    nq, gh = member_of(block, "NQ").pk, member_of(block, "GH").pk
    data = {**MEETING, f"u{nq}_outcome": "agreed", f"u{gh}_outcome": "agreed"}
    client.force_login(getattr(block, who))
    assert client.post(url("proposal_council", code="KHOI-B"), data).status_code == 403
    decision = {"number": "1/QĐ", "date": "20/01/2026", "signer": "A", **CONFIRM}
    assert client.post(url("proposal_decide", code="KHOI-B"), decision).status_code == 403
    assert not CouncilMeeting.objects.exists() and not Decision.objects.exists()


def test_the_guiding_authority_is_refused_by_the_service(block):
    with pytest.raises(Exception, match="Chỉ Sở Nội vụ"):
        services.council_meeting_record(
            proposal=block.proposal_b,
            held_on=date(2026, 1, 15),
            members_present="A",
            verdicts={},
            user=block.other_staff,
        )


# --- The council's meeting --------------------------------------------------------------


def test_the_council_meeting_is_recorded_with_a_result_per_unit_and_its_history(client, ready):
    accept(ready)
    client.force_login(ready.staff)
    page = client.get(url("proposal")).content.decode()
    assert url("proposal_council") in page
    data = meeting_data(
        ready,
        VY=("changed", "tap_the_ldxs", "Chưa đủ tiêu chuẩn Bằng khen"),
        HH=("deferred", "", "Đang thanh tra"),
    )
    response = client.post(url("proposal_council"), data)
    assert response.status_code == 302
    meeting = CouncilMeeting.objects.get()
    assert meeting.held_on == date(2026, 1, 15)
    results = {
        r.item.membership.unit.code: (r.outcome, r.award, r.reason)
        for r in CouncilResult.objects.select_related("item__membership__unit")
    }
    assert results == {
        "TPBG": ("agreed", "", ""),
        "VY": ("changed", "tap_the_ldxs", "Chưa đủ tiêu chuẩn Bằng khen"),
        "HH": ("deferred", "", "Đang thanh tra"),
    }
    vy = CouncilResult.objects.get(item__membership__unit__code="VY")
    recorded = vy.history.get()
    assert recorded.history_user == ready.staff
    assert recorded.history_change_reason == (
        "Hội đồng xét: UBND huyện Việt Yên: Đổi danh hiệu thành Tập thể Lao động xuất sắc. "
        "Lý do: Chưa đủ tiêu chuẩn Bằng khen"
    )
    page = client.get(url("proposal")).content.decode()
    assert "Chưa xét" in page and "Đang thanh tra" in page
    assert "Ngày 15/01/2026 · thành viên có mặt: Chủ tịch Hội đồng và 12 thành viên" in page
    history = client.get(reverse("history", args=["CUM-A", 2025])).content.decode()
    assert "Chưa đủ tiêu chuẩn Bằng khen" in history


@pytest.mark.parametrize(
    ("outcomes", "message"),
    [
        ({"VY": ("refused", "", "")}, "Cần ghi lý do Hội đồng không nhất trí"),
        ({"VY": ("changed", "", "Lý do")}, "Cần chọn danh hiệu đổi thành"),
        ({"VY": ("changed", "bang_khen", "Lý do")}, "trùng với danh hiệu được đề nghị"),
        ({"HH": ("", "", "")}, "Chưa chọn kết quả xét của Hội đồng cho UBND huyện Hiệp Hòa"),
    ],
)
def test_a_council_result_needs_its_reason_and_award(client, ready, outcomes, message):
    accept(ready)
    client.force_login(ready.staff)
    response = client.post(url("proposal_council"), meeting_data(ready, **outcomes))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not CouncilMeeting.objects.exists() and not CouncilResult.objects.exists()


@pytest.mark.parametrize(
    ("held_on", "message"),
    [
        ("15/01/2019", "không thuộc năm thi đua 2025"),
        ("26/01/2026", "là ngày trong tương lai"),
    ],
)
def test_the_meeting_date_is_in_the_year_and_not_in_the_future(client, ready, held_on, message):
    accept(ready)
    client.force_login(ready.staff)
    with time_machine.travel(date(2026, 1, 25), tick=False):
        response = client.post(url("proposal_council"), {**meeting_data(ready), "held_on": held_on})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not CouncilMeeting.objects.exists()


def test_the_meeting_is_recorded_once(ready):
    proposal = accept(ready)
    meet(ready, proposal)
    with pytest.raises(ValidationError, match="Kết quả họp Hội đồng đã được ghi"):
        meet(ready, proposal)


# --- Correcting the council's meeting until the decision ---------------------------------

WHY = "Ghi nhầm ngày họp và kết quả xét của Việt Yên"


def correction_data(world, *, why: str = WHY, **outcomes) -> dict:
    """The correction form as loaded now, with `outcomes` changed (see meeting_data)."""
    recorded = {
        "VY": ("changed", "tap_the_ldxs", "Chưa đủ tiêu chuẩn"),
        "HH": ("deferred", "", "Đang thanh tra"),
    }
    data = meeting_data(world, **(recorded | outcomes))
    data |= {"revision": CouncilMeeting.objects.get().revision, "why": why}
    for result in CouncilResult.objects.select_related("item"):
        data[f"u{result.item.membership_id}_revision"] = result.revision
    return data


def test_the_meeting_is_corrected_with_its_reason_until_the_decision(client, ready):
    proposal = accept(ready)
    meet(ready, proposal)
    client.force_login(ready.staff)
    correct = url("proposal_council_correct")
    assert correct in client.get(url("proposal")).content.decode()
    page = client.get(correct).content.decode()
    assert "15/01/2026" in page and "Chủ tịch Hội đồng và 12 thành viên" in page
    assert 'value="changed" selected' in page  # VY's result as recorded
    data = correction_data(ready, VY=("agreed", "", ""))
    data |= {"held_on": "16/01/2026", "members_present": "Chủ tịch Hội đồng và 11 thành viên"}
    assert client.post(correct, data).status_code == 302

    meeting = CouncilMeeting.objects.get()
    assert (meeting.held_on, meeting.members_present) == (
        date(2026, 1, 16),
        "Chủ tịch Hội đồng và 11 thành viên",
    )
    corrected = meeting.history.order_by("history_date", "history_id").last()
    assert corrected.history_user == ready.staff
    assert corrected.history_change_reason == (
        "Sửa kết quả họp Hội đồng: ngày họp từ 15/01/2026 thành 16/01/2026; thành viên có mặt: "
        "Chủ tịch Hội đồng và 11 thành viên; kết quả xét của UBND huyện Việt Yên. "
        f"Lý do sửa: {WHY}"
    )
    vy = CouncilResult.objects.get(item__membership__unit__code="VY")
    assert (vy.outcome, vy.award, vy.reason) == ("agreed", "", "")
    last = vy.history.order_by("history_date", "history_id").last()
    assert (last.history_user, last.history_change_reason) == (
        ready.staff,
        "Sửa kết quả xét của Hội đồng (trước: Đổi danh hiệu): UBND huyện Việt Yên: Nhất trí. "
        f"Lý do sửa: {WHY}",
    )
    unchanged = CouncilResult.objects.get(item__membership__unit__code="TPBG")
    assert unchanged.history.count() == 1
    history = client.get(reverse("history", args=["CUM-A", 2025])).content.decode()
    assert WHY in history
    # The decision now awards what the corrected meeting concluded.
    assert lines_of(decide(ready, proposal, file=pdf())) == {
        "TPBG": "co_thi_dua",
        "VY": "bang_khen",
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"why": "  "}, "Cần ghi lý do sửa kết quả họp Hội đồng."),
        ({"VY": ("refused", "", "")}, "Cần ghi lý do Hội đồng không nhất trí"),
        ({"held_on": "15/01/2019"}, "không thuộc năm thi đua 2025"),
        ({}, "Không có thay đổi nào so với kết quả họp Hội đồng đã ghi."),
    ],
)
def test_a_meeting_correction_needs_its_reason_and_a_valid_change(client, ready, change, message):
    proposal = accept(ready)
    meet(ready, proposal)
    client.force_login(ready.staff)
    outcomes = {k: v for k, v in change.items() if k in ("VY", "HH", "TPBG")}
    data = correction_data(ready, **outcomes) | {
        k: v for k, v in change.items() if k not in outcomes
    }
    response = client.post(url("proposal_council_correct"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert CouncilMeeting.objects.get().history.count() == 1
    assert all(r.history.count() == 1 for r in CouncilResult.objects.all())


def test_a_meeting_correction_from_an_older_page_is_refused(client, ready):
    proposal = accept(ready)
    meet(ready, proposal)
    loaded = correction_data(ready, VY=("agreed", "", ""))
    services.council_result_change(
        proposal=proposal,
        membership=member_of(ready, "VY"),
        verdict=Verdict("refused", "", "Vi phạm"),
        why="Kết luận thanh tra có vi phạm",
        revision=CouncilResult.objects.get(item__membership__unit__code="VY").revision,
        user=ready.staff,
    )
    client.force_login(ready.staff)
    response = client.post(url("proposal_council_correct"), loaded)
    assert response.status_code == 200
    assert "vừa được người khác thay đổi; giá trị hiện tại: Không nhất trí" in (
        response.content.decode()
    )
    assert CouncilResult.objects.get(item__membership__unit__code="VY").outcome == "refused"


def test_after_the_decision_the_meeting_is_frozen(client, ready, media_root):
    proposal = met(ready)
    decide(ready, proposal)
    client.force_login(ready.staff)
    correct = url("proposal_council_correct")
    assert correct not in client.get(url("proposal")).content.decode()
    frozen = "kết quả họp Hội đồng không sửa được nữa"
    page = client.get(correct).content.decode()
    assert frozen in page and 'name="why"' not in page
    data = correction_data(ready, HH=("agreed", "", "")) | {"held_on": "16/01/2026"}
    response = client.post(correct, data)
    assert response.status_code == 200 and frozen in response.content.decode()
    assert CouncilMeeting.objects.get().held_on == date(2026, 1, 15)
    assert CouncilResult.objects.get(item__membership__unit__code="HH").outcome == "deferred"
    with pytest.raises(ValidationError, match=frozen):
        services.council_meeting_correct(
            proposal=proposal,
            held_on=date(2026, 1, 16),
            members_present="A",
            verdicts={},
            why="Nhầm",
            revision=1,
            result_revisions={},
            user=ready.staff,
        )
    # The deferred unit is still decided later in the year, one result at a time.
    hh = member_of(ready, "HH")
    services.council_result_change(
        proposal=proposal,
        membership=hh,
        verdict=Verdict("agreed"),
        why="Kết luận thanh tra không có vi phạm",
        revision=CouncilResult.objects.get(item__membership=hh).revision,
        user=ready.staff,
    )
    later = decide(ready, proposal, number="140/QĐ-UBND", day=date(2026, 3, 2))
    assert lines_of(later) == {"HH": "bang_khen"}


CORRECT_ACCESS = {
    "staff": 200,
    "head": 403,
    "member": 403,
    "other_staff": 403,  # a guiding authority corrects nothing of the council's
    "other_head": 403,
    "anonymous": "login",
}


@pytest.mark.parametrize(("who", "expected"), CORRECT_ACCESS.items())
def test_only_so_noi_vu_staff_correct_the_meeting(client, ready, who, expected):
    proposal = accept(ready)
    meet(ready, proposal)
    if who != "anonymous":
        client.force_login(getattr(ready, who))
    correct = url("proposal_council_correct")
    response = client.get(correct)
    if expected == "login":
        assert response.status_code == 302 and "/dang-nhap/" in response.url
    else:
        assert response.status_code == expected
    data = correction_data(ready) | {"held_on": "16/01/2026"}
    response = client.post(correct, data)
    if who == "staff":
        assert response.status_code == 302
        assert CouncilMeeting.objects.get().held_on == date(2026, 1, 16)
    else:
        assert response.status_code == (403 if expected == 403 else 302)  # 302: to log in
        assert CouncilMeeting.objects.get().held_on == date(2026, 1, 15)
        assert CouncilMeeting.objects.get().history.count() == 1


def test_a_meeting_not_recorded_has_nothing_to_correct(client, ready):
    accept(ready)
    client.force_login(ready.staff)
    assert client.get(url("proposal_council_correct")).status_code == 404


# --- The Chairman's decisions ------------------------------------------------------------


def decision_data(**extra) -> dict:
    data = {"number": "125/QĐ-UBND", "date": "20/01/2026", "signer": "Lê Ánh Dương", **CONFIRM}
    return data | extra


def test_a_decision_waits_for_the_council_meeting(client, ready, media_root):
    proposal = accept(ready)
    client.force_login(ready.staff)
    assert url("proposal_decide") not in client.get(url("proposal")).content.decode()
    page = client.get(url("proposal_decide")).content.decode()
    assert "cần ghi kết quả họp Hội đồng trước khi ghi nhận quyết định" in page
    response = client.post(url("proposal_decide"), decision_data(file=pdf()))
    assert response.status_code == 200
    assert "kết quả họp Hội đồng chưa được ghi. Hãy ghi kết quả họp Hội đồng trước." in (
        response.content.decode()
    )
    assert not Decision.objects.exists() and not DecisionLine.objects.exists()
    proposal.refresh_from_db()
    assert proposal.status == "accepted"
    with pytest.raises(ValidationError, match="kết quả họp Hội đồng chưa được ghi"):
        decide(ready, proposal)


def test_a_decision_needs_its_signed_scan(client, ready, media_root):
    proposal = met(ready)
    client.force_login(ready.staff)
    response = client.post(url("proposal_decide"), decision_data())
    assert response.status_code == 200
    assert "Cần tải lên bản quyết định đã ký (tệp PDF)." in response.content.decode()
    assert not Decision.objects.exists()
    with pytest.raises(ValidationError, match=r"Cần tải lên bản quyết định đã ký \(tệp PDF\)"):
        services.proposal_decide(
            proposal=proposal,
            number="125/QĐ-UBND",
            date=date(2026, 1, 20),
            signer="Lê Ánh Dương",
            user=ready.staff,
            file=None,
        )
    proposal.refresh_from_db()
    assert proposal.status == "accepted" and not Decision.objects.exists()


def test_the_decision_awards_what_the_council_agreed_or_changed(client, ready, media_root):
    proposal = accept(ready)
    meet(ready, proposal)
    client.force_login(ready.staff)
    page = client.get(url("proposal_decide")).content.decode()
    assert "UBND huyện Việt Yên: <strong>Tập thể Lao động xuất sắc" in page
    assert "Hiệp Hòa" not in page  # deferred
    data = {
        "number": "125/QĐ-UBND",
        "date": "20/01/2026",
        "signer": "Lê Ánh Dương",
        "file": pdf(),
        **CONFIRM,
    }
    assert client.post(url("proposal_decide"), data).status_code == 302
    decision = Decision.objects.get()
    assert lines_of(decision) == {"TPBG": "co_thi_dua", "VY": "tap_the_ldxs"}
    assert decision.file.name.startswith("quyet-dinh/")
    line = decision.lines.get(membership__unit__code="VY")
    assert line.history.get().history_user == ready.staff
    page = client.get(url("proposal")).content.decode()
    file_url = reverse("award_decision_file", args=["CUM-A", 2025, decision.pk])
    assert file_url in page
    assert client.get(file_url).status_code == 200
    client.force_login(ready.member)
    assert client.get(file_url).status_code == 403  # not announced yet


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (pdf("quyet-dinh.docx"), "Chỉ nhận bản scan dạng tệp PDF."),
        (pdf(content=b"not a pdf"), "Nội dung tệp không đúng định dạng .pdf"),
    ],
)
def test_the_signed_decision_is_a_pdf(client, ready, media_root, upload, message):
    met(ready)
    client.force_login(ready.staff)
    data = {"number": "1/QĐ", "date": "20/01/2026", "signer": "A", "file": upload, **CONFIRM}
    response = client.post(url("proposal_decide"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Decision.objects.exists()


def test_the_signed_decision_is_size_limited(ready, media_root, settings):
    proposal = met(ready)
    big = pdf()
    big.size = 20 * 1024 * 1024 + 1
    with pytest.raises(ValidationError, match="Tệp lớn hơn 20 MB"):
        decide(ready, proposal, file=big)


def test_a_decision_is_not_dated_before_the_council_met(ready, media_root):
    proposal = accept(ready)
    meet(ready, proposal)
    with pytest.raises(ValidationError, match="trước ngày họp Hội đồng 15/01/2026"):
        decide(ready, proposal, day=date(2026, 1, 10))
    assert not Decision.objects.exists()


def test_a_deferred_unit_is_decided_later_when_its_reason_is_cleared(client, ready, media_root):
    proposal = accept(ready)
    meet(ready, proposal)
    first = decide(ready, proposal)
    hh = member_of(ready, "HH")
    result = CouncilResult.objects.get(item__membership=hh)

    client.force_login(ready.staff)
    page = client.get(url("proposal")).content.decode()
    change = url("proposal_council_change", "HH")
    assert change in page and url("proposal_decide") in page
    response = client.post(
        change,
        {
            "outcome": "agreed",
            "award": "",
            "reason": "",
            "why": "Kết luận thanh tra không có vi phạm",
            "revision": result.revision,
        },
    )
    assert response.status_code == 302
    result.refresh_from_db()
    assert result.outcome == "agreed"
    last = result.history.order_by("history_date", "history_id").last()
    assert last.history_user == ready.staff
    assert last.history_change_reason == (
        "Sửa kết quả xét của Hội đồng (trước: Chưa xét): UBND huyện Hiệp Hòa: Nhất trí. "
        "Lý do sửa: Kết luận thanh tra không có vi phạm"
    )

    # The later decision, on the meeting recorded before, with its own signed scan.
    page = client.get(url("proposal_decide")).content.decode()
    assert "UBND huyện Hiệp Hòa: <strong>Bằng khen" in page
    later = decision_data(number="140/QĐ-UBND", date="02/03/2026", file=pdf())
    assert client.post(url("proposal_decide"), later).status_code == 302
    second = Decision.objects.get(number="140/QĐ-UBND")
    assert second.file.name.startswith("quyet-dinh/") and second.file.name != first.file.name
    assert lines_of(first) == {"TPBG": "co_thi_dua", "VY": "tap_the_ldxs"}
    assert lines_of(second) == {"HH": "bang_khen"}
    assert services.results_standing(proposal) == (
        "Kết quả chính thức theo Quyết định số 125/QĐ-UBND ngày 20/01/2026, "
        "số 140/QĐ-UBND ngày 02/03/2026 của Chủ tịch UBND tỉnh."
    )
    with pytest.raises(ValidationError, match="Không còn đơn vị nào"):
        decide(ready, proposal, number="141/QĐ-UBND", day=date(2026, 3, 3))
    with pytest.raises(ValidationError, match="đã có quyết định khen thưởng"):
        services.council_result_change(
            proposal=proposal,
            membership=hh,
            verdict=Verdict("refused", "", "Nhầm"),
            why="Nhầm",
            revision=result.revision,
            user=ready.staff,
        )


def test_a_result_change_needs_why(ready):
    proposal = accept(ready)
    meet(ready, proposal)
    hh = member_of(ready, "HH")
    result = CouncilResult.objects.get(item__membership=hh)
    with pytest.raises(ValidationError, match="Cần ghi lý do sửa kết quả xét"):
        services.council_result_change(
            proposal=proposal,
            membership=hh,
            verdict=Verdict("agreed"),
            why=" ",
            revision=result.revision,
            user=ready.staff,
        )


def test_a_result_change_from_an_older_page_is_refused(client, ready):
    proposal = accept(ready)
    meet(ready, proposal)
    hh = member_of(ready, "HH")
    loaded = CouncilResult.objects.get(item__membership=hh).revision
    services.council_result_change(
        proposal=proposal,
        membership=hh,
        verdict=Verdict("refused", "", "Vi phạm"),
        why="Kết luận thanh tra có vi phạm",
        revision=loaded,
        user=ready.staff,
    )
    client.force_login(ready.staff)
    data = {"outcome": "agreed", "award": "", "reason": "", "why": "Xong", "revision": loaded}
    response = client.post(url("proposal_council_change", "HH"), data)
    assert response.status_code == 200
    assert "vừa được người khác thay đổi; giá trị hiện tại: Không nhất trí" in (
        response.content.decode()
    )
    assert CouncilResult.objects.get(item__membership=hh).outcome == "refused"


def test_a_decision_redate_from_an_older_page_is_refused(client, ready, media_root):
    proposal = met(ready)
    decision = decide(ready, proposal)
    loaded = f"{decision.pk}.{decision.revision}"
    services.decision_redate(
        decision=decision,
        date=date(2026, 1, 21),
        reason="Ghi nhầm",
        revision=decision.revision,
        user=ready.staff,
    )
    client.force_login(ready.staff)
    data = {"decision": loaded, "date": "22/01/2026", "reason": "Ghi nhầm lần nữa"}
    response = client.post(url("proposal_decision_correct"), data)
    assert response.status_code == 200
    assert "vừa được người khác sửa; ngày hiện tại: 21/01/2026" in response.content.decode()
    decision.refresh_from_db()
    assert decision.date == date(2026, 1, 21)


def test_the_unit_sees_its_own_decided_award(client, ready, media_root):
    proposal = accept(ready)
    meet(ready, proposal)
    decide(ready, proposal)
    services.proposal_announce(proposal=proposal, user=ready.staff)
    vy_user = ready.deputy  # VY: proposed Bằng khen, the council changed it
    page = page_of(client, vy_user, url("proposal"))
    assert "Danh hiệu được quyết định: <strong>Tập thể Lao động xuất sắc" in page
    assert "Theo Quyết định số 125/QĐ-UBND ngày 20/01/2026 (Lê Ánh Dương ký)." in page
    page = page_of(client, ready.member, url("proposal"))  # HH: deferred
    assert "Hội đồng Thi đua – Khen thưởng tỉnh: Chưa xét (Đang thanh tra)." in page


# --- Queries ------------------------------------------------------------------------------


def _grow(world, proposal, n: int) -> None:
    """n more decided units in the proposal, each with its council result and line."""
    decision = proposal.decisions.get()
    for i in range(n):
        membership = MembershipFactory(
            cluster=world.cluster_a, year=world.year, unit=UnitFactory(code=f"X{i}")
        )
        item = ProposalItem.objects.create(
            proposal=proposal,
            membership=membership,
            rank=10 + i,
            total=Decimal("910"),
            status="eligible",
            award="tap_the_ldxs",
        )
        CouncilResult.objects.create(item=item, outcome="agreed")
        DecisionLine.objects.create(decision=decision, membership=membership, award="tap_the_ldxs")


def test_the_proposal_page_queries_do_not_grow_with_the_units(client, ready, media_root):
    proposal = accept(ready)
    meet(ready, proposal)
    decide(ready, proposal)
    client.force_login(ready.staff)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url("proposal")).status_code == 200
        return len(queries)

    before = count()
    _grow(ready, proposal, 5)
    assert count() == before


# --- The data migration -------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_proposals_decision_moves_into_a_decision_with_a_line_per_awarded_unit():
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    # The other apps stay at their newest state: their tables keep their newest
    # columns (a unit's is_active…), which the historical models must know.
    # Scoring stays before flags, quotas and votes moved into it (its 0023 needs
    # awards' 0011).
    others = [
        node for node in executor.loader.graph.leaf_nodes() if node[0] not in {"awards", "scoring"}
    ]
    others.append(("scoring", "0022_deductions_participation_to_clusters"))
    before = [("awards", "0010_plain_wording"), *others]
    after = [("awards", "0011_decisions_council_and_dossier"), *others]
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps
        year = old.get_model("clusters", "EmulationYear").objects.create(year=2031)
        authority = old.get_model("clusters", "Authority").objects.create(code="SNV", name="SNV")
        cluster = old.get_model("clusters", "Cluster").objects.create(
            code="CUM-X", name="Cụm X", kind="cum", group="A", authority=authority
        )
        Unit = old.get_model("clusters", "Unit")
        Membership = old.get_model("clusters", "Membership")
        proposal = old.get_model("awards", "Proposal").objects.create(
            cluster=cluster,
            year=year,
            status="decided",
            decision_number="9/QĐ-UBND",
            decision_date=date(2032, 1, 20),
            decision_signer="Lê Ánh Dương",
        )
        Item = old.get_model("awards", "ProposalItem")
        for rank, (code, award) in enumerate(
            [("U1", "co_thi_dua"), ("U2", ""), ("U3", "bang_khen")]
        ):
            unit = Unit.objects.create(code=code, name=code)
            membership = Membership.objects.create(cluster=cluster, year=year, unit=unit)
            Item.objects.create(
                proposal=proposal,
                membership=membership,
                rank=rank + 1,
                total=Decimal(950 - rank),
                status="eligible",
                award=award,
            )
        executor = MigrationExecutor(connection)
        executor.migrate(after)
        decision = Decision.objects.get(proposal_id=proposal.pk)
        assert (decision.number, decision.date, decision.signer) == (
            "9/QĐ-UBND",
            date(2032, 1, 20),
            "Lê Ánh Dương",
        )
        assert lines_of(decision) == {"U1": "co_thi_dua", "U3": "bang_khen"}
    finally:
        MigrationExecutor(connection).migrate(
            MigrationExecutor(connection).loader.graph.leaf_nodes()
        )


def test_the_province_page_and_the_results_cite_the_decisions(client, ready, media_root):
    proposal = met(ready)
    decide(ready, proposal)
    page = page_of(client, ready.staff, reverse("province", args=[2025]))
    assert "Đã có quyết định (QĐ số 125/QĐ-UBND)" in page
    results = page_of(client, ready.staff, reverse("results", args=["CUM-A", 2025]))
    assert "Kết quả chính thức theo Quyết định số 125/QĐ-UBND ngày 20/01/2026" in results
