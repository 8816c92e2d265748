"""The head's review of a cluster's self-scores (R3, R11, R35): the matrix of
units × leaf criteria, adjusting a cell with a reason, returning a sheet,
agreeing the scores after the preparatory meeting and, for the staff,
reopening them."""

from dataclasses import dataclass
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from clusters import participation
from clusters.access import (
    get_cluster_for_deciding_staff,
    get_cluster_for_head,
    get_cluster_for_lead_or_staff,
    get_year,
)
from clusters.models import Cluster, EmulationYear, Membership
from clusters.services import registered_plans, registered_plans_of
from emulation.forms import FAILED, attempt
from scoring import engine, sheets
from scoring.forms import AgreeForm, ReasonForm, ScoreAdjustForm
from scoring.guidances import stored_regulation
from scoring.models import Criterion, Evidence, Score, ScoreAgreement, Scorecard, Sheet


@login_required
def review(request: HttpRequest, code: str, year: int) -> HttpResponse:
    seat = get_cluster_for_lead_or_staff(request.user, code, get_year(year))
    matrix = review_matrix(seat.cluster, seat.year)
    return render(request, "scoring/review.html", {"seat": seat, "m": matrix})


@login_required
def review_cell(
    request: HttpRequest, code: str, year: int, unit: str, criterion_id: int
) -> HttpResponse:
    emulation_year = get_year(year)
    cluster, _ = get_cluster_for_head(request.user, code, emulation_year)
    member = _member(cluster, emulation_year, unit)
    criterion = _criterion(cluster, emulation_year, criterion_id)
    score = Score.objects.filter(membership=member, criterion=criterion).first()
    form = ScoreAdjustForm(
        request.POST or None, criterion=criterion, initial=_adjust_initial(score)
    )
    if form.is_valid():
        action = partial(
            sheets.score_adjust,
            membership=member,
            criterion=criterion,
            user=request.user,
            reason=form.cleaned_data["reason"],
            revision=form.cleaned_data["revision"],
            **form.figures(),
        )
        if attempt(form, action) is not FAILED:
            messages.success(request, f"Đã điều chỉnh điểm {member.unit.code} – {criterion.code}.")
            return redirect("review", code, year)
    context = _cell_context(cluster, member, criterion, score) | {"form": form}
    return render(request, "scoring/review_cell.html", context)


@login_required
def review_return(request: HttpRequest, code: str, year: int, unit: str) -> HttpResponse:
    emulation_year = get_year(year)
    cluster, _ = get_cluster_for_head(request.user, code, emulation_year)
    member = _member(cluster, emulation_year, unit)
    form = ReasonForm(request.POST or None, label="Lý do trả lại phiếu tự chấm")
    if form.is_valid():
        action = partial(
            sheets.sheet_return,
            membership=member,
            user=request.user,
            reason=form.cleaned_data["reason"],
        )
        if attempt(form, action) is not FAILED:
            messages.success(request, f"Đã trả lại phiếu tự chấm của {member.unit.name}.")
            return redirect("review", code, year)
    sheet = Sheet.objects.filter(membership=member).first()
    context = {"cluster": cluster, "year": emulation_year, "member": member, "sheet": sheet}
    return render(request, "scoring/review_return.html", context | {"form": form})


@login_required
def review_agree(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """Agree the scores after the preparatory meeting (R11): the page lists the
    sheets not submitted and the units' participation records to confirm."""
    emulation_year = get_year(year)
    cluster, _ = get_cluster_for_head(request.user, code, emulation_year)
    pending = sheets.unsubmitted(cluster, emulation_year)
    form = AgreeForm(request.POST if request.method == "POST" else None, pending=bool(pending))
    if form.is_valid():
        action = partial(
            sheets.scores_agree,
            cluster=cluster,
            year=emulation_year,
            user=request.user,
            unsubmitted_reason=form.unsubmitted_reason,
        )
        if attempt(form, action) is not FAILED:
            messages.success(request, "Đã thống nhất điểm của cụm, khối; điểm được khóa.")
            return redirect("review", code, year)
    records = participation.records(Membership.objects.filter(cluster=cluster, year=emulation_year))
    context = {
        "cluster": cluster,
        "year": emulation_year,
        "agreement": sheets.agreement_of(cluster, emulation_year),
        "preparatory_held": sheets.preparatory_held(cluster, emulation_year),
        "pending": pending,
        "records": list(records.values()),
        "fact_labels": list(participation.FACT_LABELS.values()),
        "form": form,
    }
    return render(request, "scoring/review_agree.html", context)


@login_required
def review_reopen(request: HttpRequest, code: str, year: int) -> HttpResponse:
    seat = get_cluster_for_deciding_staff(request.user, code, get_year(year))
    form = ReasonForm(request.POST or None, label="Lý do mở lại điểm đã thống nhất")
    if form.is_valid():
        action = partial(
            sheets.scores_reopen,
            cluster=seat.cluster,
            year=seat.year,
            user=request.user,
            reason=form.cleaned_data["reason"],
        )
        if attempt(form, action) is not FAILED:
            messages.success(request, "Đã mở lại điểm của cụm, khối.")
            return redirect("review", code, year)
    agreement = sheets.agreement_of(seat.cluster, seat.year)
    context = {"cluster": seat.cluster, "year": seat.year, "agreement": agreement, "form": form}
    return render(request, "scoring/review_reopen.html", context)


def _member(cluster: Cluster, year: EmulationYear, unit: str) -> Membership:
    return get_object_or_404(
        Membership.objects.select_related("unit", "cluster", "year"),
        cluster=cluster,
        year=year,
        unit__code=unit,
    )


def _criterion(cluster: Cluster, year: EmulationYear, criterion_id: int) -> Criterion:
    """A leaf of the cluster's issued scorecard of the year (404 otherwise)."""
    return get_object_or_404(
        Criterion.objects.select_related("scorecard").prefetch_related("bands"),
        pk=criterion_id,
        is_leaf=True,
        scorecard__cluster=cluster,
        scorecard__year=year,
        scorecard__status=Scorecard.Status.ISSUED,
    )


def _adjust_initial(score: Score | None) -> dict:
    """The agreed figures where set, else the unit's own, to start from."""
    figures = score.figures() if score else {}
    return figures | {"revision": score.revision if score else None}


def _cell_context(cluster, member, criterion, score) -> dict:
    own = sheets.own_figures(score, registered_plans(member).get(criterion.pk))
    ec = criterion.rule
    exceed = stored_regulation(member.year, cluster).exceed_bonus
    own_ok = bool(own) and not sheets.score_errors(criterion, own)
    agreed_ok = score is not None and score.is_adjusted
    return {
        "cluster": cluster,
        "year": member.year,
        "member": member,
        "criterion": criterion,
        "score": score,
        "own_text": sheets.describe(criterion, own) if own else "",
        "own": engine.earned(ec, sheets.engine_score(criterion, own), exceed) if own_ok else None,
        "agreed_text": sheets.describe(criterion, score.figures()) if agreed_ok else "",
        "agreed": (
            engine.earned(ec, sheets.engine_score(criterion, score.figures()), exceed)
            if agreed_ok and not sheets.score_errors(criterion, score.figures())
            else None
        ),
        "evidence": Evidence.objects.filter(membership=member, criterion=criterion),
        "history": score.history.select_related("history_user")[:10] if score else [],
        "locked": _locked(cluster, member.year),
    }


def _locked(cluster: Cluster, year: EmulationYear) -> bool:
    agreement = sheets.agreement_of(cluster, year)
    return agreement is not None and agreement.is_locked


# ---------------------------------------------------------------------------
# The matrix


@dataclass(frozen=True)
class Cell:
    membership: Membership
    score: Score | None
    own: engine.CriterionResult | None
    agreed: engine.CriterionResult | None
    evidence: int

    @property
    def adjusted(self) -> bool:
        return self.score is not None and self.score.is_adjusted

    @property
    def scored(self) -> bool:
        """The unit entered its own figures."""
        return bool(sheets.own_figures(self.score))


@dataclass(frozen=True)
class Line:
    criterion: Criterion
    cells: list[Cell]


@dataclass(frozen=True)
class Column:
    membership: Membership
    sheet: Sheet | None
    own: engine.UnitResult
    agreed: engine.UnitResult | None

    @property
    def status(self) -> str:
        return self.sheet.get_status_display() if self.sheet else Sheet.Status.DRAFT.label

    @property
    def submitted(self) -> bool:
        return self.sheet is not None and self.sheet.status == Sheet.Status.SUBMITTED


@dataclass(frozen=True)
class Matrix:
    cluster: Cluster
    year: EmulationYear
    scorecard: Scorecard | None
    columns: list[Column]
    sections: list[tuple[str, str, list[Line]]]
    agreement: ScoreAgreement | None
    preparatory_held: bool
    no_scorecard: str = sheets.NO_SCORECARD

    @property
    def locked(self) -> bool:
        return self.agreement is not None and self.agreement.is_locked


def review_matrix(cluster: Cluster, year: EmulationYear) -> Matrix:
    """Every unit's self-score and agreed figure per leaf, in a fixed number of
    queries whatever the number of units and criteria."""
    scorecard = sheets.issued_scorecard(cluster, year)
    agreement = sheets.agreement_of(cluster, year)
    held = sheets.preparatory_held(cluster, year)
    if scorecard is None:
        return Matrix(cluster, year, None, [], [], agreement, held)
    leaves = [c for c in sheets.criteria_of(scorecard) if c.is_leaf]
    engine_criteria = {c.pk: c.rule for c in leaves}
    members = list(
        Membership.objects.filter(cluster=cluster, year=year)
        .select_related("unit", "cluster", "year")
        .order_by("unit__code")
    )
    scores = {
        (s.membership_id, s.criterion_id): s
        for s in Score.objects.filter(membership__in=members, criterion__in=leaves)
    }
    sheets_of = {s.membership_id: s for s in Sheet.objects.filter(membership__in=members)}
    evidence = {
        (row["membership_id"], row["criterion_id"]): row["n"]
        for row in Evidence.objects.filter(membership__in=members, criterion__in=leaves)
        .values("membership_id", "criterion_id")
        .annotate(n=Count("pk"))
        .order_by()
    }

    # R36: the cluster is scored under its year's regulation.
    regulation = stored_regulation(year, cluster)
    exceed = regulation.exceed_bonus
    # The registration's current plans count, not those stored with each score (R19).
    plans = registered_plans_of(members)
    own_scores: dict[int, list[engine.Score]] = {m.pk: [] for m in members}
    agreed_scores: dict[int, list[engine.Score]] = {m.pk: [] for m in members}
    cells: dict[tuple[int, int], Cell] = {}
    for criterion in leaves:
        ec = engine_criteria[criterion.pk]
        for member in members:
            score = scores.get((member.pk, criterion.pk))
            own = agreed = None
            if score is not None:
                plan = plans.get(member.pk, {}).get(criterion.pk)
                figures = sheets.own_figures(score, plan)
                if figures and not sheets.score_errors(criterion, figures):
                    own_scores[member.pk].append(sheets.engine_score(criterion, figures))
                    own = engine.earned(ec, own_scores[member.pk][-1], exceed)
                current = sheets.current_figures(score, plan)
                if not sheets.score_errors(criterion, current):
                    agreed_scores[member.pk].append(sheets.engine_score(criterion, current))
                    if score.is_adjusted:
                        agreed = engine.earned(ec, agreed_scores[member.pk][-1], exceed)
            cells[member.pk, criterion.pk] = Cell(
                member, score, own, agreed, evidence.get((member.pk, criterion.pk), 0)
            )

    criteria = list(engine_criteria.values())
    columns = []
    for member in members:
        adjusted = any(cells[member.pk, c.pk].adjusted for c in leaves)
        code = member.unit.code
        columns.append(
            Column(
                membership=member,
                sheet=sheets_of.get(member.pk),
                own=engine.compute_unit(
                    criteria, engine.UnitInput(code, tuple(own_scores[member.pk])), regulation
                ),
                agreed=(
                    engine.compute_unit(
                        criteria,
                        engine.UnitInput(code, tuple(agreed_scores[member.pk])),
                        regulation,
                    )
                    if adjusted
                    else None
                ),
            )
        )
    sections = [
        (
            code,
            regulation.section_title(code),
            [Line(c, [cells[m.pk, c.pk] for m in members]) for c in leaves if c.section == code],
        )
        for code in regulation.section_codes
    ]
    return Matrix(cluster, year, scorecard, columns, sections, agreement, held)
