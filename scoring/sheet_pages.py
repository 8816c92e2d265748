"""What a unit's self-scoring sheet shows (R19–R22), gathered for its views
(#16, STYLE 16): `sheet_page` for the page, `sheet_row_save` for a row saved
from it, each a fixed number of queries whatever the number of criteria. A
view calls one of them and renders what it returns."""

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.core.exceptions import ValidationError
from django.http import Http404, QueryDict

from clusters.models import Membership
from emulation.models import User
from emulation.numbers import format_figure
from scoring import engine, sheets
from scoring.adjustments import UnitEntries, entries_of
from scoring.forms import EvidenceForm, ScoreRowForm
from scoring.guidances import stored_regulation
from scoring.models import Criterion, Evidence, Method, Score, ScoreAgreement, Scorecard, Sheet
from scoring.regulation import DEFAULT, Regulation


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
    def exceed_rule(self) -> str:
        """The year's exceed-plan bonus in a sentence (R22, R38); empty when
        its guidance gives none."""
        exceed = self.regulation.exceed_bonus
        if exceed is None:
            return ""
        sections = ", ".join(exceed.sections)
        return (
            f"Cứ vượt 1% kế hoạch được thưởng {format_figure(exceed.points_per_percent)} điểm "
            f"của tiêu chí đó, không quá {format_figure(exceed.criterion_cap_share * 100)}% "
            f"điểm chuẩn của tiêu chí; tổng điểm thưởng vượt kế hoạch của phần {sections} "
            f"không quá {format_figure(exceed.cap)} điểm."
        )

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


def leaf_of(
    membership: Membership, criterion_id: int, scorecard: Scorecard | None = None
) -> tuple[Scorecard, Criterion]:
    """The issued scorecard the unit scores against and one of its leaves (404
    otherwise). `scorecard`: that issued scorecard, when the caller read it
    with the membership (sheets.own_sheet)."""
    if scorecard is None:
        scorecard = sheets.issued_scorecard(membership.cluster_id, membership.year_id)
    criteria = sheets.criteria_of(scorecard) if scorecard else []
    leaf = next((c for c in criteria if c.pk == criterion_id and c.is_leaf), None)
    if leaf is None:
        raise Http404("Không có tiêu chí này trong bảng chấm điểm đã ban hành của cụm, khối.")
    return scorecard, leaf


# ---------------------------------------------------------------------------
# A row saved from the sheet


@dataclass
class RowAnswer:
    """What the view answers a row's save with: `page` and its `row` (the
    row's result and the totals; for a page without htmx, the whole sheet),
    or no page when the save went through without htmx (back to the sheet)."""

    criterion: Criterion
    saved: bool
    page: SheetPage | None = None
    row: Row | None = None


def sheet_row_save(
    *,
    membership: Membership,
    scorecard: Scorecard | None,
    criterion_id: int,
    data: QueryDict,
    user: User,
    htmx: bool,
) -> RowAnswer:
    """A row of the unit's sheet saved from the figures the user typed: the
    leaf of the issued `scorecard` found (404), the figures read by the row's form, saved by
    sheets.score_save_on_sheet, and the answer built from what the save read,
    so that the request passes from the view into the app once."""
    scorecard, criterion = leaf_of(membership, criterion_id, scorecard)
    form = ScoreRowForm(data, criterion=criterion)
    stale, unit = None, None
    if form.is_valid():
        try:
            unit = sheets.score_save_on_sheet(
                membership=membership,
                criterion=criterion,
                leaves=[c for c in sheets.criteria_of(scorecard) if c.is_leaf],
                user=user,
                figures=form.figures(),
                revision=form.cleaned_data["revision"],
            )
        except sheets.StaleScore as error:
            stale = error
            form.add_error(None, error)
        except ValidationError as error:
            form.add_error(None, error)
    failed = bool(form.errors)
    if not failed and not htmx:
        return RowAnswer(criterion, saved=True)
    page = sheet_page(
        membership,
        scorecard=scorecard,
        failed={criterion.pk: form} if failed and not stale else {},
        answer_for=criterion.pk if htmx else None,
        saved=not failed,
        unit=unit,
    )
    row = page.row(criterion.pk)
    row.messages = form.messages() if failed else []
    row.saved = not failed
    row.conflict = stale is not None
    return RowAnswer(criterion, saved=not failed, page=page, row=row)


# ---------------------------------------------------------------------------
# The page


def sheet_page(
    membership: Membership,
    *,
    scorecard: Scorecard | None = None,
    failed: dict[int, ScoreRowForm] | None = None,
    answer_for: int | None = None,
    saved: bool = False,
    unit: sheets.UnitScores | None = None,
) -> SheetPage:
    """Everything the sheet shows, in a fixed number of queries.

    `scorecard` is the issued one when the caller has it. `failed` holds the
    bound forms of rows whose save was refused, so they show what the user
    typed and why it was refused. `answer_for` (a leaf's pk) builds only what
    the htmx answer to a save of that row shows: the results and totals, that
    row alone with its forms, no evidence and no deadline. `saved` says a save was just
    accepted, so the sheet is open and the scores unlocked: neither is read again.
    `unit`: the unit's scores and plans when the save has just read them.
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
    if unit is None:
        unit = sheets.unit_scores(membership, leaves)
    scores, plans = unit.scores, unit.plans
    evidence: dict[int, list[Evidence]] = {}
    if answer_for is None:
        ids = {c.pk for c in leaves}
        for item in Evidence.objects.filter(membership=membership, criterion_id__in=ids):
            evidence.setdefault(item.criterion_id, []).append(item)

    engine_criteria = [c.rule for c in leaves]
    adjusted = {pk for pk, score in scores.items() if score.is_adjusted}
    own, agreed, errors = [], [], {}
    for criterion in leaves:
        score = scores.get(criterion.pk)
        if score is None:
            continue
        # The registration's current plans: every row and total is computed from
        # them, not from the plans stored when each row was last saved (R19).
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
    unit_code = membership.unit.code
    # R36: the unit is scored under its year's regulation.
    regulation = unit.regulation or stored_regulation(membership.year, membership.cluster)
    page.regulation = regulation
    page.result = engine.compute_unit(
        engine_criteria, engine.UnitInput(unit_code, tuple(own)), regulation
    )
    if adjusted:
        page.agreed_result = engine.compute_unit(
            engine_criteria, engine.UnitInput(unit_code, tuple(agreed)), regulation
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
            row.form = failed.get(criterion.pk) or row_form(criterion, score, plan)
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


def row_form(criterion: Criterion, score: Score | None, plan: Decimal | None) -> ScoreRowForm:
    """An unbound row form showing the stored figures (the registered plan, when linked)."""
    # Decimals: the fields put them back so that they read the same (emulation.numbers).
    initial: dict = dict(sheets.own_figures(score, plan))
    if plan is not None:
        initial["plan"] = plan
    initial["revision"] = score.revision if score else None
    return ScoreRowForm(initial=initial, criterion=criterion, plan_locked=plan is not None)
