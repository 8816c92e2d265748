"""The award screens (R31–R34): quotas, the review (bình xét) with the tie
ballot, the proposal and its steps, and the staff's list of the year's
proposals. Each view fetches through one helper of clusters.access,
validates a form, calls a service and redirects."""

from dataclasses import dataclass
from datetime import datetime
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from awards import services
from awards.access import get_proposal_for_viewer, get_seat_for_results
from awards.allocation import TIE_VOTE_NEEDED
from awards.forms import (
    CouncilMeetingForm,
    CouncilResultForm,
    DecisionCorrectionForm,
    DecisionForm,
    DossierUploadForm,
    QuotaForm,
    VoteForm,
)
from awards.models import (
    Ballot,
    CouncilMeeting,
    CouncilResult,
    Decision,
    DossierFile,
    Proposal,
    ProposalItem,
)
from awards.views.results import STATUS_BADGES, quota_lines, short_award
from clusters.access import (
    Seat,
    get_cluster_for_head,
    get_cluster_for_lead_or_staff,
    get_cluster_for_province,
    get_clusters_for_staff,
    get_year,
    is_staff_of,
)
from clusters.models import Cluster, EmulationYear, Membership
from emulation.forms import FAILED, ConfirmForm, attempt
from emulation.numbers import format_figure
from scoring.forms import ReasonForm
from scoring.guidances import stored_regulation
from scoring.models import Quota, Scorecard, Vote
from scoring.regulation import DEFAULT, Regulation
from scoring.results import UnitRow, cluster_results

HISTORY_ROWS = 50
COUNCIL = "Hội đồng Thi đua – Khen thưởng tỉnh"
DOSSIER = "Hồ sơ đề nghị"


# ---------------------------------------------------------------------------
# Quotas (R31)


@login_required
def quotas(request: HttpRequest, code: str, year: int) -> HttpResponse:
    seat = get_cluster_for_province(request.user, code, get_year(year))
    regulation = stored_regulation(seat.year, seat.cluster)
    initial = _quota_initial(seat.cluster, seat.year, regulation)
    form = QuotaForm(request.POST or None, initial=initial, regulation=regulation)
    if form.is_valid():
        try:
            services.quotas_set(
                cluster=seat.cluster,
                year=seat.year,
                counts=form.counts(),
                revisions=form.revisions(),
                document=form.cleaned_data["document"],
                user=request.user,
            )
        except ValidationError as error:
            # Keep what the user typed, with the revisions stored now: after
            # reading the current values, saving again is a deliberate choice.
            again = _with_revisions(request.POST, initial)
            form = QuotaForm(again, initial=initial, regulation=regulation)
            form.is_valid()
            form.add_error(None, error)
        else:
            messages.success(request, "Đã lưu chỉ tiêu khen thưởng.")
            return redirect("award_review", code, year)
    history = (
        Quota.history.filter(cluster=seat.cluster, year=seat.year)
        .select_related("history_user")
        .order_by("-history_date")[:HISTORY_ROWS]
    )
    context = {"cluster": seat.cluster, "year": seat.year, "form": form, "history": history}
    context["regulation"] = regulation
    return render(request, "awards/quotas.html", context)


def _quota_initial(cluster: Cluster, year: EmulationYear, regulation: Regulation) -> dict:
    stored = Quota.objects.filter(cluster=cluster, year=year)
    initial: dict = dict.fromkeys(regulation.awards, 0)
    for quota in stored:
        initial[quota.award] = quota.count
        initial[f"{quota.award}_revision"] = quota.revision
        initial["document"] = quota.document
    return initial


def _with_revisions(data, initial: dict):
    """The POST with every `…_revision` field set to the revision stored now."""
    data = data.copy()
    for name in [*data, *initial]:
        if name.endswith("_revision"):
            data[name] = initial.get(name) or ""
    return data


# ---------------------------------------------------------------------------
# Review (bình xét) and the tie ballot (R30–R33)


@login_required
def review(request: HttpRequest, code: str, year: int) -> HttpResponse:
    # Members see it read only once the scores are agreed (issue 13): no ballot, no actions.
    seat = get_seat_for_results(request.user, code, get_year(year))
    return render(request, "awards/review.html", _review_context(seat))


@login_required
@require_POST
def vote(request: HttpRequest, code: str, year: int) -> HttpResponse:
    emulation_year = get_year(year)
    cluster, membership = get_cluster_for_head(request.user, code, emulation_year)
    seat = Seat(cluster, emulation_year, membership, is_staff_of(request.user, cluster))
    context = _review_context(seat, data=request.POST)
    form = context["vote_form"]
    if form is None:
        messages.error(request, "Không có đơn vị bằng điểm nào cần bỏ phiếu.")
        return redirect("award_review", code, year)
    if form.is_valid():
        try:
            services.vote_record(
                cluster=cluster,
                year=emulation_year,
                voters=form.cleaned_data["voters"],
                votes=form.votes(),
                reason=form.cleaned_data.get("reason", ""),
                revisions=form.revisions(),
                user=request.user,
            )
        except ValidationError as error:
            # As on the quota page: what the head typed, the revisions stored now.
            context = _review_context(seat)
            current = context["vote_form"].initial
            context = _review_context(seat, data=_with_revisions(request.POST, current))
            form = context["vote_form"]
            form.is_valid()
            form.add_error(None, error)
        else:
            messages.success(request, "Đã ghi kết quả bỏ phiếu; kết quả phân bổ được cập nhật.")
            return redirect("award_review", code, year)
    return render(request, "awards/review.html", context)


@dataclass(frozen=True)
class _Line:
    """A ranking row with what the review page shows in Vietnamese."""

    row: UnitRow
    status_label: str
    status_badge: str
    reasons: list[str]
    award_label: str
    needs_vote: bool
    votes: int | None
    tied: bool


@dataclass(frozen=True)
class _TieView:
    tie: services.Tie
    summary: str
    state: str


def _review_context(seat: Seat, data=None) -> dict:
    """Everything the review page shows; a fixed number of queries."""
    found = cluster_results(seat.cluster, seat.year)
    proposal = services.proposal_of(seat.cluster, seat.year)
    recorded = Vote.objects.filter(
        membership__cluster=seat.cluster, membership__year=seat.year
    ).values_list("membership_id", "votes", "revision")
    votes = {pk: count for pk, count, _ in recorded}
    revisions = {pk: revision for pk, _, revision in recorded}
    ties = services.ties(found)
    quotas = found.quotas if found else {}
    frozen = proposal is not None and proposal.freezes_allocation
    vote_form = None
    if seat.leads and ties and not frozen:
        # The form stays after a ballot, filled in, so that it can be corrected (R33, R35).
        members = [row.membership for tie in ties for row in tie.rows]
        initial = {f"u{m.pk}": votes[m.pk] for m in members if m.pk in votes}
        initial |= {f"u{m.pk}_revision": revisions[m.pk] for m in members if m.pk in votes}
        ballot = Ballot.objects.filter(cluster=seat.cluster, year=seat.year).first()
        if ballot is not None:
            initial["voters"] = ballot.voters
        vote_form = VoteForm(data, members=members, corrects=bool(votes), initial=initial)
    vote_history = (
        Vote.history.filter(membership__cluster=seat.cluster, membership__year=seat.year)
        .select_related("history_user", "membership__unit")
        .order_by("-history_date")[:HISTORY_ROWS]
    )
    return {
        "seat": seat,
        "cluster": seat.cluster,
        "year": seat.year,
        "has_scorecard": found is not None and found.scorecard is not None,
        "lines": [_line(row, found.regulation, votes) for row in found.rows] if found else [],
        "quotas": quota_lines(found.regulation if found else DEFAULT, quotas),
        "quotas_allotted": bool(quotas),
        "ties": [_tie_view(tie, votes, found.regulation) for tie in ties],
        "open_ties": any(tie.is_open for tie in ties),
        "proposal": proposal,
        "standing": services.results_standing(proposal),
        "frozen": frozen,
        "can_submit": seat.leads and (proposal is None or proposal.is_submittable),
        "submit_form": ConfirmForm(label=SUBMIT_CONFIRM),
        "vote_form": vote_form,
        "vote_history": vote_history,
    }


def _line(row: UnitRow, regulation: Regulation, votes: dict[int, int]) -> _Line:
    award = row.placement.award
    return _Line(
        row=row,
        status_label=regulation.status_label(row.result.status),
        status_badge=STATUS_BADGES[row.result.status],
        reasons=[regulation.reason_label(r) for r in row.result.reasons],
        award_label=regulation.award_label(award) if award else "",
        needs_vote=award == TIE_VOTE_NEEDED,
        votes=votes.get(row.membership.pk),
        tied=bool(row.placement.tie_group),
    )


def _tie_view(tie: services.Tie, votes: dict[int, int], regulation: Regulation) -> _TieView:
    """'3 đơn vị bằng điểm 962,25 tranh 1 Cờ thi đua và 1 Bằng khen' and where the ballot stands."""
    stakes = [f"{n} {short_award(regulation, award)}" for award, n in tie.at_stake]
    stake_text = stakes[0] if len(stakes) == 1 else f"{', '.join(stakes[:-1])} và {stakes[-1]}"
    summary = f"{len(tie.rows)} đơn vị bằng điểm {format_figure(tie.total, 2)} tranh {stake_text}"
    if not tie.is_open:
        state = "đã phân định bằng bỏ phiếu"
    elif all(row.membership.pk in votes for row in tie.rows):
        state = "số phiếu bằng nhau ở ranh giới, cần bỏ phiếu lại"
    else:
        state = "cần bỏ phiếu"
    return _TieView(tie, summary, state)


# ---------------------------------------------------------------------------
# The proposal (R34)


@login_required
def proposal(request: HttpRequest, code: str, year: int) -> HttpResponse:
    seat, found = get_proposal_for_viewer(request.user, code, get_year(year))
    return render(request, "awards/proposal.html", _proposal_context(seat, found))


SUBMIT_CONFIRM = (
    "Tôi xác nhận trình hồ sơ: kết quả bình xét, phiếu bầu và danh sách đề nghị khen thưởng bị "
    "khóa, không sửa được nữa (trừ khi Sở Nội vụ trả lại hồ sơ); hồ sơ được gửi tới Sở Nội vụ."
)


@login_required
@require_POST
def proposal_submit(request: HttpRequest, code: str, year: int) -> HttpResponse:
    emulation_year = get_year(year)
    cluster, _ = get_cluster_for_head(request.user, code, emulation_year)
    form = ConfirmForm(request.POST, label=SUBMIT_CONFIRM)
    if not form.is_valid():
        messages.error(request, f"Chưa trình hồ sơ: {form.errors['confirm'][0]}")
        return redirect("award_proposal", code, year)
    if _run(
        request,
        lambda: services.proposal_submit(cluster=cluster, year=emulation_year, user=request.user),
    ):
        messages.success(request, "Đã trình hồ sơ đề nghị khen thưởng lên Sở Nội vụ.")
        return redirect("award_proposal", code, year)
    return redirect("award_review", code, year)


@login_required
def proposal_return(request: HttpRequest, code: str, year: int) -> HttpResponse:
    seat = get_cluster_for_province(request.user, code, get_year(year))
    found = _proposal(seat)
    form = ReasonForm(request.POST or None, label="Lý do trả lại hồ sơ")
    if form.is_valid():
        action = partial(
            services.proposal_return,
            proposal=found,
            reason=form.cleaned_data["reason"],
            user=request.user,
        )
        if attempt(form, action) is not FAILED:
            messages.success(request, "Đã trả lại hồ sơ cho trưởng cụm, khối.")
            return redirect("award_proposal", code, year)
    context = {"cluster": seat.cluster, "year": seat.year, "proposal": found, "form": form}
    return render(request, "awards/proposal_return.html", context)


@login_required
@require_POST
def proposal_accept(request: HttpRequest, code: str, year: int) -> HttpResponse:
    seat = get_cluster_for_province(request.user, code, get_year(year))
    found = _proposal(seat)
    if _run(request, lambda: services.proposal_accept(proposal=found, user=request.user)):
        messages.success(request, "Đã tiếp nhận hồ sơ.")
    return redirect("award_proposal", code, year)


@login_required
@require_POST
def proposal_nominate(request: HttpRequest, code: str, year: int, unit: str) -> HttpResponse:
    seat = get_cluster_for_province(request.user, code, get_year(year))
    found, member = _proposal(seat), _member(seat, unit)
    if _run(
        request,
        lambda: services.proposal_nominate_government_flag(
            proposal=found, membership=member, user=request.user
        ),
    ):
        messages.success(request, f"Đã đề nghị Cờ thi đua của Chính phủ cho {member.unit.name}.")
    return redirect("award_proposal", code, year)


@login_required
@require_POST
def proposal_withdraw(request: HttpRequest, code: str, year: int, unit: str) -> HttpResponse:
    seat = get_cluster_for_province(request.user, code, get_year(year))
    found, member = _proposal(seat), _member(seat, unit)
    if _run(
        request,
        lambda: services.proposal_withdraw_government_flag(
            proposal=found, membership=member, user=request.user
        ),
    ):
        messages.success(
            request, f"Đã rút đề nghị Cờ thi đua của Chính phủ cho {member.unit.name}."
        )
    return redirect("award_proposal", code, year)


@login_required
def proposal_decide(request: HttpRequest, code: str, year: int) -> HttpResponse:
    seat = get_cluster_for_province(request.user, code, get_year(year))
    found = _proposal(seat)
    form = DecisionForm(request.POST or None, request.FILES or None)
    regulation = stored_regulation(seat.year, seat.cluster)
    if form.is_valid():
        action = partial(
            services.proposal_decide,
            proposal=found,
            user=request.user,
            number=form.cleaned_data["number"],
            date=form.cleaned_data["date"],
            signer=form.cleaned_data["signer"],
            file=form.cleaned_data["file"],
        )
        if attempt(form, action) is not FAILED:
            messages.success(request, "Đã ghi nhận quyết định khen thưởng.")
            return redirect("award_proposal", code, year)
    context = {
        "cluster": seat.cluster,
        "year": seat.year,
        "proposal": found,
        "form": form,
        "pending": [
            (item, regulation.award_label(award)) for item, award in services.pending_awards(found)
        ],
        "met": CouncilMeeting.objects.filter(proposal=found).exists(),
    }
    return render(request, "awards/proposal_decide.html", context)


@login_required
def proposal_decision_correct(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """Sở Nội vụ corrects the date of a decision it recorded (issue #12)."""
    seat = get_cluster_for_province(request.user, code, get_year(year))
    found = _proposal(seat)
    decisions = list(found.decisions.all())
    data = request.POST if request.method == "POST" else None
    form = DecisionCorrectionForm(data, decisions=decisions)
    if form.is_valid():
        pk, revision = form.chosen()
        chosen = next(d for d in decisions if d.pk == pk)
        action = partial(
            services.decision_redate,
            decision=chosen,
            date=form.cleaned_data["date"],
            reason=form.cleaned_data["reason"],
            revision=revision,
            user=request.user,
        )
        if attempt(form, action) is not FAILED:
            messages.success(request, "Đã sửa ngày quyết định khen thưởng.")
            return redirect("award_proposal", code, year)
    elif data is not None and not decisions:
        form.errors.clear()
        form.add_error(
            None,
            "Không thể sửa quyết định: hồ sơ đang ở trạng thái "
            f"“{found.get_status_display()}”, chỉ sửa quyết định khi hồ sơ ở trạng thái "
            f"“{Proposal.Status.DECIDED.label}”.",
        )
    context = {
        "cluster": seat.cluster,
        "year": seat.year,
        "proposal": found,
        "form": form,
        "decisions": decisions,
    }
    return render(request, "awards/proposal_decision_correct.html", context)


@login_required
def proposal_council(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """Sở Nội vụ records the council's meeting and its result per unit (R34)."""
    seat = get_cluster_for_province(request.user, code, get_year(year))
    found = _proposal(seat)
    items = services.proposed_items(found)
    initial = {f"u{i.membership_id}_outcome": "agreed" for i in items}
    regulation = stored_regulation(seat.year, seat.cluster)
    form = CouncilMeetingForm(
        request.POST or None, items=items, initial=initial, regulation=regulation
    )
    if form.is_valid():
        action = partial(
            services.council_meeting_record,
            proposal=found,
            held_on=form.cleaned_data["held_on"],
            members_present=form.cleaned_data["members_present"],
            verdicts=form.verdicts(),
            user=request.user,
        )
        if attempt(form, action) is not FAILED:
            messages.success(request, "Đã ghi kết quả họp Hội đồng Thi đua – Khen thưởng tỉnh.")
            return redirect("award_proposal", code, year)
    context = {"cluster": seat.cluster, "year": seat.year, "proposal": found, "form": form}
    context["regulation"] = regulation
    return render(request, "awards/proposal_council.html", context)


@login_required
def proposal_council_correct(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """Sở Nội vụ corrects the recorded meeting, with why, until the Chairman
    decides on it; after the decision it stands as recorded (R34, R35)."""
    seat = get_cluster_for_province(request.user, code, get_year(year))
    found = _proposal(seat)
    meeting = get_object_or_404(CouncilMeeting, proposal=found)
    items = services.proposed_items(found)
    regulation = stored_regulation(seat.year, seat.cluster)
    form = CouncilMeetingForm(
        request.POST or None,
        items=items,
        corrects=True,
        initial=_meeting_initial(meeting, items),
        regulation=regulation,
    )
    if form.is_valid():
        action = partial(
            services.council_meeting_correct,
            proposal=found,
            held_on=form.cleaned_data["held_on"],
            members_present=form.cleaned_data["members_present"],
            verdicts=form.verdicts(),
            why=form.cleaned_data["why"],
            revision=form.cleaned_data["revision"],
            result_revisions=form.result_revisions(),
            user=request.user,
        )
        if attempt(form, action) is not FAILED:
            messages.success(request, "Đã sửa kết quả họp Hội đồng Thi đua – Khen thưởng tỉnh.")
            return redirect("award_proposal", code, year)
    context = {
        "cluster": seat.cluster,
        "year": seat.year,
        "proposal": found,
        "form": form,
        "correcting": True,
        "frozen": services.MEETING_FROZEN if services.meeting_frozen(found) else "",
        "regulation": regulation,
    }
    return render(request, "awards/proposal_council.html", context)


def _meeting_initial(meeting: CouncilMeeting, items: list[ProposalItem]) -> dict:
    """The recorded meeting as the correction page opens with it."""
    initial = {
        "held_on": meeting.held_on,
        "members_present": meeting.members_present,
        "revision": meeting.revision,
    }
    for item in items:
        result = getattr(item, "council_result", None)
        if result is not None:
            prefix = f"u{item.membership_id}_"
            initial |= {
                f"{prefix}outcome": result.outcome,
                f"{prefix}award": result.award,
                f"{prefix}reason": result.reason,
                f"{prefix}revision": result.revision,
            }
    return initial


@login_required
def proposal_council_change(request: HttpRequest, code: str, year: int, unit: str) -> HttpResponse:
    """Sở Nội vụ changes the council's result on one unit, with why: a deferred
    unit decided later in the year (R28, R34)."""
    seat = get_cluster_for_province(request.user, code, get_year(year))
    found, member = _proposal(seat), _member(seat, unit)
    result = get_object_or_404(
        CouncilResult.objects.select_related("item"), item__proposal=found, item__membership=member
    )
    initial = {
        "outcome": result.outcome,
        "award": result.award,
        "reason": result.reason,
        "revision": result.revision,
    }
    label = f"{member.unit.code} – {member.unit.name}"
    regulation = stored_regulation(seat.year, seat.cluster)
    form = CouncilResultForm(
        request.POST or None, label=label, initial=initial, regulation=regulation
    )
    if form.is_valid():
        action = partial(
            services.council_result_change,
            proposal=found,
            membership=member,
            verdict=form.verdict(),
            why=form.cleaned_data["why"],
            revision=form.cleaned_data["revision"],
            user=request.user,
        )
        if attempt(form, action) is not FAILED:
            messages.success(
                request, f"Đã sửa kết quả xét của Hội đồng đối với {member.unit.name}."
            )
            return redirect("award_proposal", code, year)
    context = {
        "cluster": seat.cluster,
        "year": seat.year,
        "proposal": found,
        "form": form,
        "result": result,
        "member": member,
        "regulation": regulation,
    }
    return render(request, "awards/proposal_council_change.html", context)


@login_required
def decision_file(request: HttpRequest, code: str, year: int, pk: int) -> FileResponse:
    """A decision's signed scan: for whoever may read the proposal."""
    _, found = get_proposal_for_viewer(request.user, code, get_year(year))
    decision = get_object_or_404(Decision, pk=pk, proposal=found)
    if not decision.file:
        raise Http404("Chưa có bản quyết định đã ký.")
    filename = f"quyet-dinh-{decision.pk}.pdf"
    return FileResponse(decision.file.open("rb"), as_attachment=True, filename=filename)


@login_required
@require_POST
def dossier_upload(request: HttpRequest, code: str, year: int) -> HttpResponse:
    emulation_year = get_year(year)
    cluster, _ = get_cluster_for_head(request.user, code, emulation_year)
    form = DossierUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"Chưa tải lên: {error}")
        return redirect("award_proposal", code, year)
    if _run(
        request,
        lambda: services.dossier_upload(
            cluster=cluster,
            year=emulation_year,
            kind=form.cleaned_data["kind"],
            file=form.cleaned_data["file"],
            revision=form.cleaned_data["revision"],
            user=request.user,
        ),
    ):
        label = DossierFile.Kind(form.cleaned_data["kind"]).label
        messages.success(request, f"Đã tải lên {label}.")
    return redirect("award_proposal", code, year)


@login_required
def dossier_file(request: HttpRequest, code: str, year: int, kind: str) -> FileResponse:
    """A piece of the dossier: for the head and the staff guiding the cluster."""
    seat = get_cluster_for_lead_or_staff(request.user, code, get_year(year))
    stored = get_object_or_404(DossierFile, cluster=seat.cluster, year=seat.year, kind=kind)
    return FileResponse(stored.file.open("rb"), as_attachment=True, filename=f"{kind}.pdf")


@login_required
@require_POST
def proposal_announce(request: HttpRequest, code: str, year: int) -> HttpResponse:
    seat = get_cluster_for_province(request.user, code, get_year(year))
    found = _proposal(seat)
    if _run(request, lambda: services.proposal_announce(proposal=found, user=request.user)):
        messages.success(request, "Đã công bố kết quả khen thưởng tới các đơn vị thành viên.")
    return redirect("award_proposal", code, year)


@login_required
def proposals(request: HttpRequest, year: int) -> HttpResponse:
    emulation_year = get_year(year)
    clusters = list(
        get_clusters_for_staff(request.user)
        .with_member_count(emulation_year)
        .filter(member_count__gt=0)
        .select_related("authority")
    )
    found = Proposal.objects.filter(
        year=emulation_year, cluster_id__in=[c.pk for c in clusters]
    ).annotate(
        flags=Count("items", filter=Q(items__award=services.FLAG)),
        nominated=Count("items", filter=Q(items__government_flag=True)),
    )
    by_cluster = {p.cluster_id: p for p in found}
    context = {
        "year": emulation_year,
        "rows": [(cluster, by_cluster.get(cluster.pk)) for cluster in clusters],
        "cap": services.government_flag_cap(emulation_year),
    }
    return render(request, "awards/proposals.html", context)


@dataclass(frozen=True)
class _Step:
    when: datetime
    who: str
    what: str
    status: str


@dataclass(frozen=True)
class _Row:
    """A proposal item with the council's result and the decided award."""

    item: ProposalItem
    result: CouncilResult | None
    decided: str
    decision: Decision | None


def _proposal_context(seat: Seat, found: Proposal | None) -> dict:
    items, decisions, lines = [], [], {}
    meeting = None
    if found is not None:
        items = list(found.items.select_related("membership__unit", "council_result"))
        decisions = list(found.decisions.prefetch_related("lines"))
        lines = {line.membership_id: (line, d) for d in decisions for line in d.lines.all()}
        meeting = CouncilMeeting.objects.filter(proposal=found).first()
    regulation = stored_regulation(seat.year, seat.cluster)
    rows = [
        _Row(
            item,
            getattr(item, "council_result", None),
            regulation.award_label(lines[item.membership_id][0].award)
            if item.membership_id in lines and lines[item.membership_id][0].award
            else "",
            lines[item.membership_id][1] if item.membership_id in lines else None,
        )
        for item in items
    ]
    own = None
    if seat.membership is not None:
        own = next((row for row in rows if row.item.membership_id == seat.membership.pk), None)
    staff_acts = seat.province and found is not None
    status = found.status if found is not None else None
    in_council = status in services.IN_COUNCIL
    return {
        "seat": seat,
        "cluster": seat.cluster,
        "year": seat.year,
        "proposal": found,
        "regulation": regulation,
        # The documents print the issued scorecard's results (404 without one).
        "documents": Scorecard.objects.issued()
        .filter(cluster=seat.cluster, year=seat.year)
        .exists(),
        "items": rows,
        "own": own,
        "decisions": decisions,
        "meeting": meeting,
        "steps": _steps(found) if seat.oversees and found is not None else [],
        "can_submit": seat.leads and (found is None or found.is_submittable),
        "submit_form": ConfirmForm(label=SUBMIT_CONFIRM),
        "checklist": services.proposal_checklist(seat.cluster, seat.year)
        if seat.oversees and (found is None or found.is_submittable)
        else [],
        "dossier": services.dossier(seat.cluster, seat.year) if seat.oversees else [],
        "can_upload": seat.leads and (found is None or found.is_submittable),
        "can_review": staff_acts and status == Proposal.Status.SUBMITTED,
        "can_nominate": staff_acts and status == Proposal.Status.ACCEPTED,
        "can_meet": staff_acts and status == Proposal.Status.ACCEPTED and meeting is None,
        "can_correct_meeting": staff_acts
        and status == Proposal.Status.ACCEPTED
        and meeting is not None,
        "can_change_result": staff_acts and in_council and meeting is not None,
        "can_decide": staff_acts and in_council and bool(services.pending_awards(found)),
        "can_correct": staff_acts and status == Proposal.Status.DECIDED,
        "can_announce": staff_acts and status == Proposal.Status.DECIDED and not found.is_announced,
        "cap": services.government_flag_cap(seat.year) if seat.province and found else None,
    }


def _steps(found: Proposal) -> list[_Step]:
    """The proposal's steps and the council's nominations, oldest first (R35)."""
    steps = [
        _Step(
            h.history_date,
            _who(h.history_user),
            h.history_change_reason or "",
            h.get_status_display(),
        )
        for h in Proposal.history.filter(id=found.pk).select_related("history_user")
    ]
    steps += [
        _Step(h.history_date, _who(h.history_user), h.history_change_reason or "", COUNCIL)
        for h in ProposalItem.history.filter(proposal_id=found.pk, history_type="~").select_related(
            "history_user"
        )
    ]
    council = [
        CouncilMeeting.history.filter(proposal_id=found.pk),
        CouncilResult.history.filter(item__proposal_id=found.pk),
        Decision.history.filter(proposal_id=found.pk, history_type="~"),
    ]
    steps += [
        _Step(h.history_date, _who(h.history_user), h.history_change_reason or "", COUNCIL)
        for rows in council
        for h in rows.select_related("history_user")
    ]
    steps += [
        _Step(h.history_date, _who(h.history_user), h.history_change_reason or "", DOSSIER)
        for h in DossierFile.history.filter(
            cluster_id=found.cluster_id, year_id=found.year_id
        ).select_related("history_user")
    ]
    return sorted(steps, key=lambda step: step.when)


def _who(user) -> str:
    if user is None:
        return "Hệ thống"
    return user.get_full_name() or user.username


def _proposal(seat: Seat) -> Proposal:
    return get_object_or_404(
        Proposal.objects.select_related("cluster", "year"), cluster=seat.cluster, year=seat.year
    )


def _member(seat: Seat, unit: str) -> Membership:
    return get_object_or_404(
        Membership.objects.select_related("unit"),
        cluster=seat.cluster,
        year=seat.year,
        unit__code=unit,
    )


def _run(request: HttpRequest, action) -> bool:
    """Run a service behind a button; its ValidationError becomes a message."""
    try:
        action()
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return False
    return True
