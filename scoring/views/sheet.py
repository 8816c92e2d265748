"""A unit's self-scoring sheet (R19–R22): each leaf saved as it changes, with
the points the engine gives it and the live section and unit totals."""

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from clusters.access import get_member_for_behalf, get_own_membership, get_year
from clusters.forms import BehalfForm
from clusters.models import Membership
from clusters.services import registered_plans
from emulation.forms import ConfirmForm
from emulation.numbers import format_figure
from scoring import engine, sheets
from scoring.adjustments import UnitEntries, entries_of
from scoring.forms import EvidenceForm, ScoreRowForm
from scoring.guidances import stored_regulation
from scoring.models import Criterion, Evidence, Method, Score, ScoreAgreement, Scorecard, Sheet
from scoring.regulation import DEFAULT, Regulation


@login_required
def sheet(request: HttpRequest, year: int) -> HttpResponse:
    membership = get_own_membership(request.user, get_year(year))
    context = {"page": sheet_page(membership), "submit_form": ConfirmForm(label=SUBMIT_CONFIRM)}
    return render(request, "scoring/sheet.html", context)


SUBMIT_CONFIRM = (
    "Tôi xác nhận nộp phiếu tự chấm điểm: sau khi nộp, đơn vị không sửa được điểm và minh "
    "chứng nữa (trừ khi trưởng cụm, khối trả lại phiếu); phiếu được gửi tới trưởng cụm, khối "
    "để thẩm định."
)


@login_required
@require_POST
def sheet_row(request: HttpRequest, year: int, criterion_id: int) -> HttpResponse:
    membership = get_own_membership(request.user, get_year(year))
    scorecard, criterion = leaf_of(membership, criterion_id)
    form = ScoreRowForm(request.POST, criterion=criterion)
    stale = None
    if form.is_valid():
        try:
            sheets.score_save(
                membership=membership,
                criterion=criterion,
                user=request.user,
                revision=form.cleaned_data["revision"],
                **form.figures(),
            )
        except sheets.StaleScore as error:
            stale = error
            form.add_error(None, error)
        except ValidationError as error:
            form.add_error(None, error)
    return _row_answer(request, membership, scorecard, criterion, form, stale)


@login_required
@require_POST
def sheet_submit(request: HttpRequest, year: int) -> HttpResponse:
    membership = get_own_membership(request.user, get_year(year))
    form = ConfirmForm(request.POST, label=SUBMIT_CONFIRM)
    if not form.is_valid():
        messages.error(request, f"Chưa nộp phiếu: {form.errors['confirm'][0]}")
        return redirect("sheet", year)
    try:
        sheets.sheet_submit(membership=membership, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Đã nộp phiếu tự chấm điểm cho trưởng cụm, khối.")
    return redirect("sheet", year)


BEHALF_SUBMIT = "Nộp phiếu thay đơn vị sau khi lưu (phiếu giấy đã có chữ ký, đóng dấu)"


@login_required
def sheet_behalf(request: HttpRequest, code: str, year: int, unit: str) -> HttpResponse:
    """The head or Sở Nội vụ enter a unit's sheet from its paper copy (#14)."""
    _, member = get_member_for_behalf(request.user, code, get_year(year), unit)
    page = sheet_page(member)
    if page.scorecard is not None and not page.editable:
        messages.info(request, f"Phiếu tự chấm của {member.unit.name} không còn sửa được.")
        return redirect("review", code, year)
    data = request.POST if request.method == "POST" else None
    rows = [row for section in page.sections for row in section.lines if not row.is_heading]
    forms = {row.criterion.pk: _behalf_row_form(data, row) for row in rows}
    behalf = BehalfForm(data)
    submit = forms_ok = False
    if data is not None:
        forms_ok = all([f.is_valid() for f in forms.values()] + [behalf.is_valid()])
        submit = "submit" in data
    if forms_ok:
        entered = [(row.criterion, forms[row.criterion.pk].figures(), row.revision) for row in rows]
        try:
            sheets.sheet_enter_on_behalf(
                membership=member,
                rows=entered,
                user=request.user,
                reason=behalf.cleaned_data["behalf_reason"],
                submit=submit,
            )
        except ValidationError as error:
            behalf.add_error(None, error)
        else:
            sent = " và nộp" if submit else ""
            messages.success(request, f"Đã nhập thay{sent} phiếu tự chấm của {member.unit.name}.")
            return redirect("review", code, year)
    for row in rows:
        row.form = forms[row.criterion.pk]
    context = {"page": page, "behalf_form": behalf, "submit_label": BEHALF_SUBMIT}
    return render(request, "scoring/sheet_behalf.html", context)


def _behalf_row_form(data, row: "Row") -> ScoreRowForm:
    """A row of the paper sheet: the stored figures shown, the registered plan locked (R19)."""
    initial = _row_form(row.criterion, row.score, row.registered_plan).initial
    return ScoreRowForm(
        data,
        initial=initial,
        criterion=row.criterion,
        plan_locked=row.registered_plan is not None,
    )


def leaf_of(membership: Membership, criterion_id: int) -> tuple[Scorecard, Criterion]:
    """The issued scorecard the unit scores against and one of its leaves (404 otherwise)."""
    scorecard = sheets.issued_scorecard(membership.cluster_id, membership.year_id)
    criteria = sheets.criteria_of(scorecard) if scorecard else []
    leaf = next((c for c in criteria if c.pk == criterion_id and c.is_leaf), None)
    if leaf is None:
        raise Http404("Không có tiêu chí này trong bảng chấm điểm đã ban hành của cụm, khối.")
    return scorecard, leaf


def _row_answer(
    request: HttpRequest,
    membership: Membership,
    scorecard: Scorecard,
    criterion: Criterion,
    form: ScoreRowForm,
    stale: sheets.StaleScore | None,
) -> HttpResponse:
    """htmx: the row's result, status and the totals, swapped out of band (the
    inputs the user is typing in stay; on a conflict they show the current
    figures). Without htmx: back to the sheet, or the sheet with the row's errors."""
    failed = bool(form.errors)
    if not failed and not request.htmx:
        messages.success(request, f"Đã lưu điểm tự chấm tiêu chí {criterion.code}.")
        return redirect("sheet", membership.year.year)
    page = sheet_page(
        membership,
        scorecard=scorecard,
        failed={criterion.pk: form} if failed and not stale else {},
        answer_for=criterion.pk if request.htmx else None,
        saved=not failed,
    )
    row = page.row(criterion.pk)
    row.messages = form.messages() if failed else []
    row.saved = not failed
    row.conflict = stale is not None
    if request.htmx:
        return render(request, "scoring/_sheet_row_saved.html", {"page": page, "row": row})
    return render(request, "scoring/sheet.html", {"page": page})


# ---------------------------------------------------------------------------
# The page's content


@dataclass
class Row:
    """One leaf of the sheet with its engine result (own figures) and, where
    the head adjusted it, the agreed figures and their result."""

    criterion: Criterion
    score: Score | None
    registered_plan: Decimal | None
    evidence: list[Evidence]
    result: engine.CriterionResult
    agreed: engine.CriterionResult | None
    stored_errors: list[str]
    form: ScoreRowForm | None = None
    evidence_form: EvidenceForm | None = None
    messages: list[str] = field(default_factory=list)
    evidence_messages: list[str] = field(default_factory=list)
    saved: bool = False
    conflict: bool = False
    is_heading = False

    @property
    def revision(self) -> int | None:
        return self.score.revision if self.score else None

    @property
    def scored(self) -> bool:
        """The unit entered its own figures."""
        return bool(sheets.own_figures(self.score))

    @property
    def own_text(self) -> str:
        figures = sheets.own_figures(self.score, self.registered_plan)
        return sheets.describe(self.criterion, figures)

    @property
    def agreed_text(self) -> str:
        return sheets.describe(self.criterion, self.score.figures()) if self.agreed else ""

    @property
    def bands(self) -> list[str]:
        if self.criterion.method != Method.TIERED:
            return []
        return [band_text(band) for band in self.criterion.bands.all()]

    @property
    def achievement(self) -> str:
        """R20's ratio as a percentage, for quantitative rows."""
        a = self.result.achievement
        if a is None:
            return ""
        if not a.is_finite():
            return "vượt mức trần"
        return format_figure((a * 100).quantize(Decimal("0.01"))) + "%"


@dataclass
class Heading:
    """A criterion with sub-criteria: a title line between the leaves."""

    criterion: Criterion
    is_heading = True


@dataclass
class SectionBlock:
    code: str
    label: str
    points: Decimal
    lines: list
    subtotal: Decimal
    agreed_subtotal: Decimal | None


@dataclass
class SheetPage:
    membership: Membership
    scorecard: Scorecard | None
    sheet: Sheet | None
    agreement: ScoreAgreement | None
    editable: bool
    due: object
    sections: list[SectionBlock]
    result: engine.UnitResult | None
    agreed_result: engine.UnitResult | None
    rows: dict[int, Row]
    no_scorecard: str = sheets.NO_SCORECARD
    # The year's guidance: it names the unit's bonus and deduction kinds.
    regulation: Regulation = DEFAULT

    @property
    def locked(self) -> bool:
        return self.agreement is not None and self.agreement.is_locked

    @property
    def unscored(self) -> int:
        return sum(1 for row in self.rows.values() if not row.scored)

    def row(self, criterion_id: int) -> Row:
        return self.rows[criterion_id]

    @cached_property
    def adjustments(self) -> UnitEntries:
        """The unit's bonuses, deductions and flags with their reasons (one query, when shown)."""
        found = entries_of([self.membership], regulation=self.regulation)
        return found.get(self.membership.pk, UnitEntries())


def band_text(band) -> str:
    low, high = format_figure(band.min_value), format_figure(band.max_value)
    if band.min_value is not None and band.min_value == band.max_value:
        return f"bằng {low}: {engine.fmt_points(band.points)} điểm"
    parts = []
    if band.min_value is not None:
        parts.append(f"từ {low}" if band.min_inclusive else f"trên {low}")
    if band.max_value is not None:
        parts.append(f"đến {high}" if band.max_inclusive else f"dưới {high}")
    return f"{' '.join(parts) or 'mọi giá trị'}: {engine.fmt_points(band.points)} điểm"


def sheet_page(
    membership: Membership,
    *,
    scorecard: Scorecard | None = None,
    failed: dict[int, ScoreRowForm] | None = None,
    answer_for: int | None = None,
    saved: bool = False,
):
    """Everything the sheet shows, in a fixed number of queries.

    `scorecard` is the issued one when the caller has it. `failed` holds the
    bound forms of rows whose save was refused, so they show what the user
    typed and why it was refused. `answer_for` (a leaf's pk) builds only what
    the htmx answer to a save of that row shows: the results and totals, that
    row alone with its forms, no evidence and no deadline. `saved` says a save was just
    accepted, so the sheet is open and the scores unlocked: neither is read again.
    """
    failed = failed or {}
    if scorecard is None:
        scorecard = sheets.issued_scorecard(membership.cluster_id, membership.year_id)
    if saved:
        sheet, agreement = None, None
    else:
        sheet = Sheet.objects.filter(membership=membership).first() or Sheet(membership=membership)
        agreement = sheets.agreement_of(membership.cluster_id, membership.year_id)
    page = SheetPage(
        membership=membership,
        scorecard=scorecard,
        sheet=sheet,
        agreement=agreement,
        editable=scorecard is not None
        and (saved or (not (agreement and agreement.is_locked) and sheet.is_editable)),
        due=sheets.submit_due(membership) if answer_for is None else None,
        sections=[],
        result=None,
        agreed_result=None,
        rows={},
    )
    if scorecard is None:
        return page
    criteria = sheets.criteria_of(scorecard)
    leaves = [c for c in criteria if c.is_leaf]
    ids = {c.pk for c in leaves}
    # A unit's scores of a replaced scorecard are left out here rather than by
    # the query: a long IN list costs more to build than the few rows it drops.
    scores = {
        s.criterion_id: s
        for s in Score.objects.filter(membership=membership)
        if s.criterion_id in ids
    }
    evidence: dict[int, list[Evidence]] = {}
    if answer_for is None:
        for item in Evidence.objects.filter(membership=membership, criterion_id__in=ids):
            evidence.setdefault(item.criterion_id, []).append(item)
    # The registration's current plans: every row and total is computed from
    # them, not from the plans stored when each row was last saved (R19).
    quantitative = {c.pk for c in leaves if c.method == Method.QUANTITATIVE}
    plans = (
        {pk: p for pk, p in registered_plans(membership).items() if pk in quantitative}
        if quantitative
        else {}
    )

    engine_criteria = [c.rule for c in leaves]
    adjusted = {pk for pk, score in scores.items() if score.is_adjusted}
    own, agreed, errors = [], [], {}
    for criterion in leaves:
        score = scores.get(criterion.pk)
        if score is None:
            continue
        figures = sheets.own_figures(score, plans.get(criterion.pk))
        problems = sheets.score_errors(criterion, figures) if figures else []
        if problems:
            errors[criterion.pk] = problems
        elif figures:
            own.append(sheets.engine_score(criterion, figures))
        if criterion.pk not in adjusted:
            if figures and not problems:
                agreed.append(own[-1])
        elif not sheets.score_errors(criterion, score.figures()):
            agreed.append(sheets.engine_score(criterion, score.figures()))
    unit = membership.unit.code
    # R36: the unit is scored under its year's regulation.
    regulation = stored_regulation(membership.year, membership.cluster)
    page.regulation = regulation
    page.result = engine.compute_unit(
        engine_criteria, engine.UnitInput(unit, tuple(own)), regulation
    )
    if adjusted:
        page.agreed_result = engine.compute_unit(
            engine_criteria, engine.UnitInput(unit, tuple(agreed)), regulation
        )

    editable = page.editable
    shown = leaves if answer_for is None else [c for c in leaves if c.pk == answer_for]
    for criterion in shown:
        score = scores.get(criterion.pk)
        plan = plans.get(criterion.pk)
        row = Row(
            criterion=criterion,
            score=score,
            registered_plan=plan,
            evidence=evidence.get(criterion.pk, []),
            result=page.result.criteria[criterion.code],
            agreed=(
                page.agreed_result.criteria[criterion.code]
                if criterion.pk in adjusted and page.agreed_result
                else None
            ),
            stored_errors=errors.get(criterion.pk, []),
        )
        # The answer to an accepted save shows no inputs: its row needs no forms.
        if editable and (answer_for is None or (answer_for == criterion.pk and not saved)):
            row.form = failed.get(criterion.pk) or _row_form(criterion, score, plan)
            row.evidence_form = EvidenceForm(criterion=criterion)
        page.rows[criterion.pk] = row

    for section in regulation.sections:
        lines = [
            page.rows[c.pk] if c.is_leaf else Heading(c)
            for c in criteria
            if c.section == section.code and answer_for is None
        ]
        page.sections.append(
            SectionBlock(
                code=section.code,
                label=regulation.section_title(section.code),
                points=section.points,
                lines=lines,
                subtotal=page.result.sections[section.code],
                agreed_subtotal=(
                    page.agreed_result.sections[section.code] if page.agreed_result else None
                ),
            )
        )
    return page


def _row_form(criterion: Criterion, score: Score | None, plan: Decimal | None) -> ScoreRowForm:
    """An unbound row form showing the stored figures (the registered plan, when linked)."""
    # Decimals: the fields put them back so that they read the same (emulation.numbers).
    initial: dict = dict(sheets.own_figures(score, plan))
    if plan is not None:
        initial["plan"] = plan
    initial["revision"] = score.revision if score else None
    return ScoreRowForm(initial=initial, criterion=criterion, plan_locked=plan is not None)
