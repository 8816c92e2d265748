"""Score computation for one cluster's year: pure Python over plain dataclasses.

Every rule lives in `spec/RULES.md` under an id (R15–R29 here). Nothing in this
module touches the ORM, settings or a request, so the import, the views, the
PDFs and the Celery tasks all call the same code and Hypothesis can drive it.

Arithmetic is exact: inputs are `Decimal` (an `int` is tolerated, a `float` is
refused), ratios are taken as `Fraction`, and every figure that leaves the
module is a `Decimal` quantized to 0.01 with ROUND_HALF_UP.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import lru_cache
from math import floor

from scoring.regulation import DEFAULT, GROUPS, PARTICIPATION_REASONS, ExceedBonus, Regulation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

METHODS = ("quantitative", "qualitative", "tiered")
DIRECTIONS = ("higher", "lower")

# The 2022 guidance's figures, read from its record (scoring.regulation.DEFAULT)
# for the code that does not take a year's regulation yet; the functions below
# take the regulation as an argument.
SECTIONS = DEFAULT.section_codes
SECTION_POINTS = {s.code: s.points for s in DEFAULT.sections}
THRESHOLD = DEFAULT.threshold
FRAMEWORK_COUNTS = {s.code: dict(s.framework_criteria) for s in DEFAULT.sections}
SECTION_ITEMS = {s.code: dict(s.items) for s in DEFAULT.sections if s.items}
DEDUCTION_POINTS = {kind: d.points for kind, d in DEFAULT.deductions.items()}
BONUS_KINDS = tuple(DEFAULT.bonuses)
BONUS_CAPS = {kind: cap for kind, cap in DEFAULT.bonuses.items() if kind != "cluster"}
CLUSTER_BONUS_MAX = DEFAULT.cluster_bonus_cap
FLAG_EXCLUDE_REASONS = DEFAULT.exclusion_reasons
EXCLUDE_REASONS = PARTICIPATION_REASONS + FLAG_EXCLUDE_REASONS
DEFER_REASONS = DEFAULT.deferral_reasons

STATUSES = ("eligible", "below_threshold", "excluded", "deferred")

SECTION_LABELS = {s.code: s.title for s in DEFAULT.sections}
STATUS_LABELS = {status: DEFAULT.status_label(status) for status in STATUSES}
# Labels of the 2022 kinds, from the guidance's record; a regulation names its own.
REASON_LABELS = dict(DEFAULT.reason_labels)
DEDUCTION_LABELS = dict(DEFAULT.deduction_labels)
BONUS_LABELS = dict(DEFAULT.bonus_labels)
METHOD_LABELS = {
    "quantitative": "Định lượng (kế hoạch và thực hiện)",
    "qualitative": "Định tính (chấm điểm trực tiếp)",
    "tiered": "Theo mức",
}
DIRECTION_LABELS = {
    "higher": "cao hơn là tốt",
    "lower": "thấp hơn là tốt (kế hoạch là mức trần)",
}


# ---------------------------------------------------------------------------
# Inputs and results


@dataclass(frozen=True)
class Band:
    """One tier of a `tiered` criterion (R19, R21); a missing bound is open."""

    points: Decimal
    min: Decimal | None = None
    max: Decimal | None = None
    min_inclusive: bool = True
    max_inclusive: bool = True

    def matches(self, value: Decimal) -> bool:
        above_min = (
            self.min is None or value > self.min or (value == self.min and self.min_inclusive)
        )
        below_max = (
            self.max is None or value < self.max or (value == self.max and self.max_inclusive)
        )
        return above_min and below_max


@dataclass(frozen=True)
class Criterion:
    code: str
    section: str
    points: Decimal
    method: str
    direction: str = "higher"
    bands: tuple[Band, ...] = ()


@dataclass(frozen=True)
class Score:
    criterion: str
    plan: Decimal | None = None
    actual: Decimal | None = None
    points: Decimal | None = None
    value: Decimal | None = None


@dataclass(frozen=True)
class Bonus:
    kind: str
    points: Decimal


@dataclass(frozen=True)
class Deduction:
    kind: str
    count: int = 1


@dataclass(frozen=True)
class Participation:
    registered: bool = True
    pledge_signed: bool = True
    mid_year_report: bool = True
    annual_report: bool = True


@dataclass(frozen=True)
class UnitInput:
    unit: str
    scores: tuple[Score, ...] = ()
    bonuses: tuple[Bonus, ...] = ()
    deductions: tuple[Deduction, ...] = ()
    participation: Participation = Participation()
    exclusions: frozenset[str] = frozenset()
    deferrals: frozenset[str] = frozenset()


@dataclass(frozen=True)
class CriterionResult:
    code: str
    earned: Decimal
    exceed_bonus: Decimal
    # R20's ratio `a` for a scored quantitative criterion, else None. A `lower`
    # criterion with actual 0 under a positive ceiling has a = Infinity.
    achievement: Decimal | None


@dataclass(frozen=True)
class UnitResult:
    unit: str
    base: Decimal
    sections: dict[str, Decimal]
    exceed_bonus: Decimal
    other_bonus: Decimal
    bonus: Decimal
    deductions: Decimal
    total: Decimal
    status: str
    reasons: tuple[str, ...]
    criteria: dict[str, CriterionResult] = field(default_factory=dict)


# ---------------------------------------------------------------------------
# Exact arithmetic helpers


def _fraction(value: object, what: str) -> Fraction:
    # A float would silently carry binary error into the points (2.55 is not
    # 2.55 as a float), so only exact types are accepted.
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"{what} must be a Decimal, got {type(value).__name__}")
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError(f"{what} must be finite, got {value}")
    return Fraction(value)


def _round(value: Fraction) -> Decimal:
    """Round an exact value half-up (away from zero) to 2 decimals, independent of
    the ambient decimal context."""
    cents, remainder = divmod(abs(value) * 100, 1)
    whole = int(cents) + (1 if remainder >= Fraction(1, 2) else 0)
    return (Decimal(-whole if value < 0 else whole) / 100).quantize(CENT)


def _to_decimal(value: Fraction) -> Decimal:
    # For display only (CriterionResult.achievement): 28 significant digits.
    return Decimal(value.numerator) / Decimal(value.denominator)


def _sum(values: Iterable[Decimal]) -> Decimal:
    return sum(values, ZERO).quantize(CENT)


# ---------------------------------------------------------------------------
# Computation


def exceed_cap(criterion: Criterion, exceed: ExceedBonus | None = DEFAULT.exceed_bonus) -> Decimal:
    """R22, R38: a leaf's exceed bonus is capped at its share (10% in 2022) of
    its points, half-up to 0.01; no exceed bonus, no cap."""
    points = _fraction(criterion.points, "criterion points")
    return ZERO if exceed is None else _round(Fraction(exceed.criterion_cap_share) * points)


def _achievement(criterion: Criterion, plan: Fraction, actual: Fraction) -> Fraction | None:
    """R20: the ratio `a`; None stands for "beats a positive ceiling with zero"."""
    if plan < 0 or actual < 0:
        raise ValueError(f"criterion {criterion.code}: plan and actual must be ≥ 0 (R20)")
    if criterion.direction == "higher":
        if plan == 0:
            raise ValueError(f"criterion {criterion.code}: 'higher' needs plan > 0 (R20)")
        return actual / plan
    if criterion.direction == "lower":
        if actual == 0:
            return None if plan > 0 else Fraction(1)
        return plan / actual
    raise ValueError(f"criterion {criterion.code}: unknown direction {criterion.direction!r}")


def earned(
    criterion: Criterion, score: Score | None, exceed: ExceedBonus | None = DEFAULT.exceed_bonus
) -> CriterionResult:
    """Points one leaf criterion earns, with its R22 exceed bonus.

    R20 quantitative: points × min(a, 1), half-up to 0.01; `lower` with actual 0
    under a positive plan beats the ceiling by any margin (full points, full
    bonus). R21 qualitative: the entered points; tiered: the first matching band
    in order, else 0. R22, R38: quantitative leaves of `exceed`'s sections only
    (section I in 2022), its points per full 1% over plan (one), capped at
    `exceed_cap`; `exceed` None: no such bonus. R24: a missing score (or a
    quantitative score without both figures) earns 0.

    A unit's sheet is computed again on every save, over the same frozen
    inputs, so results are remembered per process (a pure function of them).
    """
    try:
        return _earned_remembered(criterion, score, exceed, _kinds(criterion, score))
    except TypeError:  # unhashable inputs (bands in a list): computed, not remembered
        return _earned(criterion, score, exceed)


def _kinds(criterion: Criterion, score: Score | None) -> tuple[type, ...]:
    """The type of every number given: a float equal to a Decimal must not meet
    the Decimal's remembered result, it must be refused."""
    numbers: list[object] = [criterion.points]
    for band in criterion.bands:
        numbers += (band.points, band.min, band.max)
    if score is not None:
        numbers += (score.plan, score.actual, score.points, score.value)
    return tuple(type(n) for n in numbers)


@lru_cache(maxsize=32768)
def _earned_remembered(
    criterion: Criterion,
    score: Score | None,
    exceed: ExceedBonus | None,
    kinds: tuple[type, ...],
) -> CriterionResult:
    return _earned(criterion, score, exceed)


def _earned(
    criterion: Criterion, score: Score | None, exceed: ExceedBonus | None
) -> CriterionResult:
    points = _fraction(criterion.points, f"criterion {criterion.code} points")
    nothing = CriterionResult(criterion.code, ZERO, ZERO, None)
    if score is None:
        return nothing
    if criterion.method == "qualitative":
        if score.points is None:
            return nothing
        return CriterionResult(
            criterion.code, _round(_fraction(score.points, "score points")), ZERO, None
        )
    if criterion.method == "tiered":
        if score.value is None:
            return nothing
        _fraction(score.value, "score value")  # refuses floats and non-finite values
        for band in criterion.bands:
            if band.matches(score.value):
                return CriterionResult(
                    criterion.code, _round(_fraction(band.points, "band points")), ZERO, None
                )
        return nothing
    if criterion.method != "quantitative":
        raise ValueError(f"criterion {criterion.code}: unknown method {criterion.method!r}")
    if score.plan is None or score.actual is None:
        return nothing

    plan = _fraction(score.plan, "plan")
    actual = _fraction(score.actual, "actual")
    a = _achievement(criterion, plan, actual)
    eligible_for_bonus = exceed is not None and criterion.section in exceed.sections
    if a is None:
        bonus = exceed_cap(criterion, exceed) if eligible_for_bonus else ZERO
        return CriterionResult(criterion.code, _round(points), bonus, Decimal("Infinity"))
    bonus = ZERO
    if eligible_for_bonus and a > 1:
        # floor of an exact Fraction: 2.55 / 2.5 is exactly 1.02, so 2 points.
        full_percents = Decimal(floor((a - 1) * 100))
        per_percent = exceed.points_per_percent  # type: ignore[union-attr]
        bonus = min(per_percent * full_percents, exceed_cap(criterion, exceed)).quantize(CENT)
    return CriterionResult(
        criterion.code, _round(points * min(a, Fraction(1))), bonus, _to_decimal(a)
    )


def deduction_total(deductions: Iterable[Deduction], regulation: Regulation = DEFAULT) -> Decimal:
    """R25, R39: points × count over a unit's deductions (trusted: see validate_deductions)."""
    deductions = tuple(deductions)
    kinds = regulation.deductions
    unknown = sorted({d.kind for d in deductions} - kinds.keys())
    if unknown:
        raise ValueError(f"unknown deduction kinds: {unknown}")
    return _sum(kinds[d.kind].points * d.count for d in deductions)


def status_of(
    total: Decimal,
    participation: Participation,
    exclusions: Iterable[str],
    deferrals: Iterable[str],
    regulation: Regulation = DEFAULT,
) -> tuple[str, tuple[str, ...]]:
    """R27–R29, R37, R40: status by precedence excluded > deferred > below_threshold > eligible.

    An excluded unit lists every exclusion reason (derived from participation
    and set by staff), sorted and distinct, and none of its deferral reasons;
    a deferred unit lists its deferral reasons; the other statuses list none.
    """
    exclusions = frozenset(exclusions)
    deferrals = frozenset(deferrals)
    unknown = (exclusions - set(regulation.all_exclusion_reasons)) | (
        deferrals - set(regulation.deferral_reasons)
    )
    if unknown:
        raise ValueError(f"unknown exclusion/deferral reasons: {sorted(unknown)}")
    derived = {
        reason
        for reason, present in zip(
            PARTICIPATION_REASONS,
            (
                participation.registered,
                participation.pledge_signed,
                participation.mid_year_report,
                participation.annual_report,
            ),
            strict=True,
        )
        if not present
    }
    excluded = derived | exclusions
    if excluded:
        return "excluded", tuple(sorted(excluded))
    if deferrals:
        return "deferred", tuple(sorted(deferrals))
    if total < regulation.threshold:
        return "below_threshold", ()
    return "eligible", ()


def compute_unit(
    criteria: Sequence[Criterion], unit: UnitInput, regulation: Regulation = DEFAULT
) -> UnitResult:
    """R20–R29 for one unit, under `regulation` (R36–R40).

    R24: base = sum of earned points over all leaf criteria, per section in
    the regulation's order; bonus = min(R22 total, R38's cap: 30 in 2022) +
    R23 bonuses (trusted: validation refuses entries over their caps). R25:
    deductions = points × count. R26: total = max(0, base + bonus − deductions).
    R27–R29: status from `status_of`.
    """
    codes = regulation.section_codes
    by_code: dict[str, Criterion] = {}
    for criterion in criteria:
        if criterion.code in by_code:
            raise ValueError(f"duplicate criterion code {criterion.code!r}")
        if criterion.section not in codes:
            raise ValueError(f"criterion {criterion.code}: unknown section {criterion.section!r}")
        by_code[criterion.code] = criterion
    scores: dict[str, Score] = {}
    for score in unit.scores:
        if score.criterion in scores:
            raise ValueError(f"unit {unit.unit}: two scores for criterion {score.criterion!r}")
        scores[score.criterion] = score

    rule = regulation.exceed_bonus
    results = {code: earned(c, scores.get(code), rule) for code, c in by_code.items()}
    sections = {
        section: _sum(r.earned for code, r in results.items() if by_code[code].section == section)
        for section in codes
    }
    base = _sum(sections.values())
    exceed = ZERO
    if rule is not None:
        exceed = min(_sum(r.exceed_bonus for r in results.values()), rule.cap).quantize(CENT)
    other = _sum(b.points for b in unit.bonuses)
    bonus = exceed + other
    deductions = deduction_total(unit.deductions, regulation)
    total = max(ZERO, base + bonus - deductions).quantize(CENT)
    status, reasons = status_of(
        total, unit.participation, unit.exclusions, unit.deferrals, regulation
    )
    return UnitResult(
        unit=unit.unit,
        base=base,
        sections=sections,
        exceed_bonus=exceed,
        other_bonus=other,
        bonus=bonus.quantize(CENT),
        deductions=deductions,
        total=total,
        status=status,
        reasons=reasons,
        criteria=results,
    )


def compute_cluster(
    criteria: Sequence[Criterion], units: Sequence[UnitInput], regulation: Regulation = DEFAULT
) -> list[UnitResult]:
    """Every unit of a cluster against the same scorecard, in R30 order (total
    descending, then unit code) so the answer does not depend on input order."""
    seen: set[str] = set()
    for unit in units:
        if unit.unit in seen:
            raise ValueError(f"unit {unit.unit!r} given twice")
        seen.add(unit.unit)
    results = [compute_unit(criteria, unit, regulation) for unit in units]
    return sorted(results, key=lambda r: (-r.total, r.unit))


# ---------------------------------------------------------------------------
# Validation: the same rules for the dataset import and the web forms. Each
# function returns Vietnamese messages naming the rule; an empty list is valid.


def fmt_points(value: Decimal) -> str:
    """A points figure the Vietnamese way: decimal comma, dot thousands, no
    trailing zeros (what emulation.numbers.format_figure shows; the engine is
    pure, so it cannot call Django's formats)."""
    text = format(value.quantize(CENT) if value.is_finite() else value, ",f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.translate(str.maketrans(",.", ".,"))


def _is_number(value: object) -> bool:
    return (
        not isinstance(value, bool)
        and isinstance(value, Decimal | int)
        and (not isinstance(value, Decimal) or value.is_finite())
    )


def _has_two_decimals_at_most(value: Decimal | int) -> bool:
    try:
        return Decimal(value) == Decimal(value).quantize(CENT)
    except InvalidOperation:  # more digits than the context can hold
        return False


def _number_errors(value: object, label: str) -> list[str]:
    """Checks shared by every points figure: a finite number with ≤ 2 decimals."""
    if not _is_number(value):
        return [f"{label}: phải là một số hữu hạn."]
    if not _has_two_decimals_at_most(value):  # type: ignore[arg-type]
        return [f"{label}: chỉ được có tối đa 2 chữ số thập phân."]
    return []


def added_limit(section: str, group: str, regulation: Regulation = DEFAULT) -> int:
    """R17, R37: concretised plus added criteria in a section ≤ the ratio (30%
    in 2022) of the framework's count, rounded down."""
    return regulation.added_limit(section, group)


@dataclass(frozen=True)
class FrameCount:
    """R17, one section: framework criteria the cluster concretised (split)
    and criteria it added; together at most `added_limit`."""

    concretised: int = 0
    added: int = 0

    @property
    def used(self) -> int:
        return self.concretised + self.added


def frame_counts(
    criteria: Sequence[Criterion],
    added_codes: set[str] | frozenset[str],
    parents: Mapping[str, str] | None = None,
    regulation: Regulation = DEFAULT,
) -> dict[str, FrameCount]:
    """R17 per section, over the leaves as DATASET.md marks them: each distinct
    `parent` of non-added leaves is one concretised framework criterion; each
    distinct `parent` of added leaves, and each added leaf without one, is one
    added criterion. The seed: "cụ thể hoá hoặc bổ sung thêm tiêu chí … nhưng
    không vượt quá 30% số tiêu chí đã quy định cho từng nội dung" [II.1]."""
    parents = parents or {}
    concretised: dict[str, set[str]] = defaultdict(set)
    added: dict[str, set[tuple[str, str]]] = defaultdict(set)
    codes = regulation.section_codes
    for criterion in criteria:
        if criterion.section not in codes:
            continue  # validate_criteria names it
        parent = parents.get(criterion.code)
        if criterion.code in added_codes:
            added[criterion.section].add(("parent", parent) if parent else ("leaf", criterion.code))
        elif parent:
            concretised[criterion.section].add(parent)
    return {
        section: FrameCount(len(concretised[section]), len(added[section]))
        for section in {*concretised, *added}
    }


def _band_can_match(band: Band) -> bool:
    if band.min is None or band.max is None:
        return True
    if band.min == band.max:
        return band.min_inclusive and band.max_inclusive
    return band.min < band.max


def validate_criteria(
    criteria: Sequence[Criterion],
    added_codes: set[str] | frozenset[str],
    group: str,
    parents: Mapping[str, str] | None = None,
    regulation: Regulation = DEFAULT,
    max_criteria: int | None = None,
) -> list[str]:
    """R15–R17, R19, R37: a scorecard's leaf criteria before it can be issued,
    against the regulation's sections, points, counts, ratio and items.

    `parents` maps a leaf's code to the code of the criterion it is a
    sub-criterion of (DATASET.md's `parent`); see `frame_counts` and
    `_item_errors` for how R17 reads it. `max_criteria` bounds the rows the
    scorecard prints: its leaves and the headings they split.
    """
    errors: list[str] = []
    if max_criteria is not None:
        codes_of_leaves = {criterion.code for criterion in criteria}
        headings = {p for code, p in (parents or {}).items() if code in codes_of_leaves}
        rows = len(criteria) + len(headings)
        if rows > max_criteria:
            errors.append(
                f"Bảng chấm điểm có {rows} tiêu chí (kể cả tiêu chí được tách), vượt giới "
                f"hạn {max_criteria} tiêu chí."
            )
    if group not in GROUPS:
        errors.append(f"Nhóm '{group}' không hợp lệ, chỉ có A, B, C, D.")
    codes = regulation.section_codes
    seen: set[str] = set()
    totals = dict.fromkeys(codes, ZERO)
    for criterion in criteria:
        label = f"Tiêu chí {criterion.code}"
        if criterion.code in seen:
            errors.append(f"{label}: mã tiêu chí bị trùng.")
        seen.add(criterion.code)
        if criterion.section not in codes:
            errors.append(
                f"{label}: mục '{criterion.section}' không hợp lệ, chỉ có {', '.join(codes)}."
            )
        point_errors = _number_errors(criterion.points, f"{label}: điểm")
        errors.extend(point_errors)
        points_ok = not point_errors
        if points_ok and criterion.points <= 0:
            errors.append(f"{label}: điểm phải lớn hơn 0.")
            points_ok = False
        if points_ok and criterion.section in codes:
            totals[criterion.section] += Decimal(criterion.points)
        if criterion.method not in METHODS:
            errors.append(
                f"{label}: phương pháp chấm '{criterion.method}' không hợp lệ "
                "(định lượng, định tính hoặc theo mức)."
            )
        if criterion.direction not in DIRECTIONS:
            errors.append(
                f"{label}: chiều '{criterion.direction}' không hợp lệ "
                "(cao hơn là tốt hoặc thấp hơn là tốt)."
            )
        if criterion.method == "tiered":
            errors.extend(_band_errors(criterion, label, points_ok))

    for section in regulation.sections:
        if totals[section.code] != section.points:
            errors.append(
                f"Phần {section.code}: tổng điểm các tiêu chí là "
                f"{fmt_points(totals[section.code])}, phải đúng {fmt_points(section.points)}."
            )

    unknown_added = sorted(set(added_codes) - seen)
    if unknown_added:
        errors.append(
            "Tiêu chí bổ sung không có trong bảng chấm điểm: " + ", ".join(unknown_added) + "."
        )
    errors.extend(_parent_errors(criteria, added_codes, parents or {}, seen, codes))
    if group in GROUPS:
        counts = frame_counts(criteria, added_codes, parents, regulation)
        percent = fmt_points(regulation.added_ratio * 100)
        for section in regulation.sections:
            count = counts.get(section.code, FrameCount())
            limit = regulation.added_limit(section.code, group)
            if count.used > limit:
                errors.append(
                    f"Phần {section.code}: cụ thể hóa {count.concretised} và bổ sung "
                    f"{count.added} tiêu chí, vượt giới hạn {limit} ({percent}% của "
                    f"{section.framework_criteria[group]} tiêu chí khung, làm tròn xuống)."
                )
    errors.extend(_item_errors(criteria, added_codes, parents or {}, regulation))
    return errors


def _parent_errors(
    criteria: Sequence[Criterion],
    added_codes: set[str] | frozenset[str],
    parents: Mapping[str, str],
    leaf_codes: set[str],
    sections_known: tuple[str, ...],
) -> list[str]:
    """R17: a parent is a criterion split into these leaves, so it is not
    itself a leaf, its leaves share one section, and either all of them are
    added (an added criterion split) or none (a framework criterion split)."""
    sections: dict[str, set[str]] = defaultdict(set)
    kinds: dict[str, set[bool]] = defaultdict(set)
    for criterion in criteria:
        parent = parents.get(criterion.code)
        if parent and criterion.section in sections_known:
            sections[parent].add(criterion.section)
            kinds[parent].add(criterion.code in added_codes)
    errors = []
    for parent in sorted(sections):
        label = f"Tiêu chí cha {parent}"
        if parent in leaf_codes:
            errors.append(f"{label} trùng mã với một tiêu chí chấm điểm của bảng.")
        if len(sections[parent]) > 1:
            errors.append(
                f"{label} có tiêu chí con ở nhiều phần ({', '.join(sorted(sections[parent]))}); "
                "tiêu chí con phải cùng phần."
            )
        if len(kinds[parent]) > 1:
            errors.append(
                f"{label} có cả tiêu chí con bổ sung và tiêu chí con không bổ sung; một tiêu "
                "chí cụ thể hóa từ khung hoặc là tiêu chí bổ sung, không thể cả hai."
            )
    return errors


def _item_errors(
    criteria: Sequence[Criterion],
    added_codes: set[str] | frozenset[str],
    parents: Mapping[str, str],
    regulation: Regulation,
) -> list[str]:
    """R17, R37: an item the regulation gives points (III.1 … III.7 in 2022) keeps them. A
    non-added leaf names the item its parent gives or, without a parent, the
    item its own code gives; the leaves naming an item total its points. An
    item no leaf names is checked only through the section total."""
    section_items = {s.code: s.items for s in regulation.sections if s.items}
    totals: dict[tuple[str, str], Decimal] = {}
    for criterion in criteria:
        if criterion.section not in section_items:
            continue
        items = section_items[criterion.section]
        named = parents.get(criterion.code) or criterion.code
        if criterion.code in added_codes or named not in items or not _is_number(criterion.points):
            continue
        key = (criterion.section, named)
        totals[key] = totals.get(key, ZERO) + Decimal(criterion.points)
    return [
        f"Phần {section}, mục {item}: các tiêu chí có tổng {fmt_points(total)} điểm, phải đúng "
        f"{fmt_points(section_items[section][item])} điểm Phụ lục 02 quy định cho mục; "
        "không được thay đổi điểm của mục."
        for (section, item), total in totals.items()
        if total != section_items[section][item]
    ]


def _band_errors(criterion: Criterion, label: str, points_ok: bool) -> list[str]:
    if not criterion.bands:
        return [f"{label}: chấm theo mức cần ít nhất một mức."]
    errors: list[str] = []
    for index, band in enumerate(criterion.bands, start=1):
        band_label = f"{label}, mức {index}"
        point_errors = _number_errors(band.points, f"{band_label}: điểm")
        errors.extend(point_errors)
        if not point_errors and points_ok and not 0 <= band.points <= criterion.points:
            errors.append(
                f"{band_label}: điểm phải từ 0 đến {fmt_points(Decimal(criterion.points))}."
            )
        bounds_ok = True
        for bound, name in ((band.min, "cận dưới"), (band.max, "cận trên")):
            if bound is not None and not _is_number(bound):
                errors.append(f"{band_label}: {name} phải là một số hữu hạn.")
                bounds_ok = False
        if bounds_ok and not _band_can_match(band):
            errors.append(f"{band_label}: khoảng giá trị rỗng, mức này không bao giờ khớp.")
    return errors


def validate_score(criterion: Criterion, score: Score) -> list[str]:
    """R20/R21: a score carries the figures its criterion's method needs, in range."""
    label = f"Tiêu chí {criterion.code}"
    errors: list[str] = []
    if score.criterion != criterion.code:
        errors.append(f"{label}: điểm chấm thuộc tiêu chí khác ({score.criterion}).")
    if criterion.method == "quantitative":
        figures = (("plan", score.plan, "kế hoạch"), ("actual", score.actual, "thực hiện"))
        for _, value, name in figures:
            if value is None:
                errors.append(f"{label}: cần nhập số {name}.")
            elif not _is_number(value):
                errors.append(f"{label}: {name} phải là một số hữu hạn.")
            elif value < 0:
                errors.append(f"{label}: {name} không được âm.")
        if criterion.direction == "higher" and _is_number(score.plan) and score.plan == 0:
            errors.append(
                f"{label}: kế hoạch phải lớn hơn 0 với chiều '{DIRECTION_LABELS['higher']}'."
            )
    elif criterion.method == "qualitative":
        if score.points is None:
            errors.append(f"{label}: cần nhập số điểm.")
        else:
            point_errors = _number_errors(score.points, f"{label}: điểm chấm")
            errors.extend(point_errors)
            if not point_errors and not 0 <= score.points <= criterion.points:
                errors.append(
                    f"{label}: điểm chấm phải từ 0 đến {fmt_points(Decimal(criterion.points))}."
                )
    elif criterion.method == "tiered":
        if score.value is None:
            errors.append(f"{label}: cần nhập giá trị để xếp mức.")
        elif not _is_number(score.value):
            errors.append(f"{label}: giá trị phải là một số hữu hạn.")
    else:
        errors.append(f"{label}: phương pháp chấm '{criterion.method}' không hợp lệ.")
    return errors


def bonus_cap(kind: str, cluster_cap: Decimal, regulation: Regulation = DEFAULT) -> Decimal:
    """R23, R39: the cap on a kind's sum; the cluster's own cap comes from its regulation."""
    return regulation.bonus_cap(kind, cluster_cap)


def validate_bonuses(
    bonuses: Sequence[Bonus], cluster_cap: Decimal, regulation: Regulation = DEFAULT
) -> list[str]:
    """R23, R39: one unit's bonus entries; an entry over a cap is refused, not trimmed."""
    errors: list[str] = []
    highest = regulation.cluster_bonus_cap
    cap_errors = _number_errors(cluster_cap, "Mức điểm thưởng tối đa của cụm/khối")
    if not cap_errors and not 0 <= cluster_cap <= highest:
        cap_errors.append(
            f"Mức điểm thưởng tối đa của cụm/khối phải từ 0 đến {fmt_points(highest)}."
        )
    errors.extend(cap_errors)
    sums: dict[str, Decimal] = {}
    for bonus in bonuses:
        if bonus.kind not in regulation.bonuses:
            errors.append(f"Loại điểm thưởng '{bonus.kind}' không hợp lệ.")
            continue
        label = f"{regulation.bonus_label(bonus.kind)}: điểm thưởng"
        point_errors = _number_errors(bonus.points, label)
        errors.extend(point_errors)
        if point_errors:
            continue
        if bonus.points < 0:
            errors.append(f"{label} không được âm.")
            continue
        sums[bonus.kind] = sums.get(bonus.kind, ZERO) + Decimal(bonus.points)
    for kind in regulation.bonuses:
        if kind not in sums or (kind == "cluster" and cap_errors):
            continue
        cap = regulation.bonus_cap(kind, cluster_cap)
        if sums[kind] > cap:
            errors.append(
                f"{regulation.bonus_label(kind)}: tổng {fmt_points(sums[kind])} điểm vượt mức "
                f"tối đa {fmt_points(Decimal(cap))} điểm."
            )
    return errors


def validate_deductions(
    deductions: Sequence[Deduction], *, is_head: bool, regulation: Regulation = DEFAULT
) -> list[str]:
    """R25, R39: one unit's deductions for the year."""
    errors: list[str] = []
    once: dict[str, int] = {}
    kinds = regulation.deductions
    for deduction in deductions:
        if deduction.kind not in kinds:
            errors.append(f"Loại điểm trừ '{deduction.kind}' không hợp lệ.")
            continue
        label = regulation.deduction_label(deduction.kind)
        count = deduction.count
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            errors.append(f"{label}: số lần phải là số nguyên từ 1 trở lên.")
            continue
        if kinds[deduction.kind].head_only and not is_head:
            errors.append(f"{label}: chỉ áp dụng cho đơn vị trưởng cụm/khối.")
        if kinds[deduction.kind].once_a_year:
            once[deduction.kind] = once.get(deduction.kind, 0) + count
    for kind in sorted(once):
        if once[kind] > 1:
            errors.append(
                f"{regulation.deduction_label(kind)}: chỉ được trừ tối đa 1 lần trong năm."
            )
    return errors
