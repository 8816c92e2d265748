"""Self-scoring and the head's review (R11, R18–R22, R35).

A unit scores itself on its sheet against the cluster's issued scorecard and
backs its figures with evidence; the head adjusts a unit's figures with a
reason, returns a sheet to be scored again, and marks the cluster's scores
agreed after the preparatory meeting, which locks them until authority staff
reopen them. Every write to a score, sheet or agreement is recorded in its
history with who, when and why (R35).

Every way one of them changes is a function here (`grep score_`, `sheet_`,
`scores_`, `evidence_`). Writes for one unit lock its membership row first and
writes for a whole cluster lock all its memberships, so a unit's save, the
head's adjustment and the agreement are applied one after the other.
"""

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import IO

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, F, FilteredRelation, Prefetch, Q, Sum
from django.utils import timezone

from clusters import deadlines
from clusters.access import (
    acts_for_province,
    get_own_membership,
    get_year,
    is_staff_of,
    own_membership_query,
)
from clusters.models import Cluster, Conference, EmulationYear, Membership
from clusters.services import (
    behalf_reason,
    due_date,
    participation_confirm,
    registered_plans,
    registered_plans_query,
)
from emulation import audit, limits
from emulation.models import User
from emulation.numbers import format_datetime, format_figure
from emulation.prepared import Prepared, PreparedInstances
from emulation.uploads import extension, validate_upload
from scoring import engine, notices
from scoring.guidances import applied_regulation
from scoring.models import (
    FIGURES,
    Band,
    Criterion,
    Evidence,
    Guidance,
    GuidanceYear,
    Method,
    Score,
    ScoreAgreement,
    Scorecard,
    Sheet,
)
from scoring.regulation import Regulation

# The figures each scoring method takes (R19); the others are stored empty.
METHOD_FIGURES: dict[str, tuple[str, ...]] = {
    Method.QUANTITATIVE: ("plan", "actual"),
    Method.QUALITATIVE: ("points",),
    Method.TIERED: ("value",),
}
FIGURE_LABELS = {"plan": "kế hoạch", "actual": "thực hiện", "points": "điểm", "value": "giá trị"}
# Score.plan/actual/value are DecimalField(max_digits=20, decimal_places=6).
FIGURE_PLACES = Decimal("0.000001")
FIGURE_LIMIT = Decimal(10) ** 14
# The stored content type follows the extension the bytes were checked against.
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
NAME_MAX = Evidence._meta.get_field("original_name").max_length


class StaleScore(ValidationError):
    """A save made from a revision someone else has since replaced."""

    def __init__(self, score: Score) -> None:
        self.score = score
        super().__init__(
            f"Điểm của tiêu chí {score.criterion.code} vừa được người khác cập nhật; "
            f"giá trị hiện tại: {describe(score.criterion, score.figures())}. "
            "Hãy xem lại rồi lưu lần nữa.",
            code="stale",
        )


# ---------------------------------------------------------------------------
# Reading: what the services and the pages share


def issued_scorecard(cluster: Cluster | int, year: EmulationYear | int) -> Scorecard | None:
    """The cluster's scorecard units score against in `year` (R18), if issued."""
    if type(cluster) is int and type(year) is int:  # a sheet's save (#17)
        found = _ISSUED.fetch(cluster, year)
        return found[0] if found else None  # one at most (a constraint)
    try:  # get() also spares first()'s ordering
        return Scorecard.objects.get(status=Scorecard.Status.ISSUED, cluster=cluster, year=year)
    except Scorecard.DoesNotExist:
        return None


_ISSUED = Prepared(
    lambda cluster_id, year_id: Scorecard.objects.filter(
        status=Scorecard.Status.ISSUED, cluster_id=cluster_id, year_id=year_id
    ).order_by()  # one at most: unsorted, as get() reads it
)


def own_sheet(user: User, year: int) -> tuple[Membership, Scorecard | None]:
    """The user's unit's membership in `year` (get_own_membership_in: 404 or
    403 otherwise) and its cluster's issued scorecard of the year, which its
    sheet is scored against: one query for both, as every save on a sheet
    asks for both at the deadline peak (#17)."""
    if getattr(user, "unit_id", None) and type(year) is int:
        found = _OWN_SHEET.fetch(user.unit_id, year)
        if found:  # one at most (R2), with one issued scorecard at most (a constraint)
            # Django sets the filtered relation only when the join found a row.
            return found[0], getattr(found[0], "issued", None)
    membership = get_own_membership(user, get_year(year))  # its 404 or 403
    return membership, issued_scorecard(membership.cluster_id, membership.year_id)


_OWN_SHEET = Prepared(
    lambda unit_id, year: (
        own_membership_query(unit_id, year)
        .annotate(
            issued=FilteredRelation(
                "cluster__scorecards",
                condition=Q(
                    cluster__scorecards__status=Scorecard.Status.ISSUED,
                    cluster__scorecards__year=F("year"),
                ),
            )
        )
        .select_related("issued")
    )
)


def criteria_of(scorecard: Scorecard) -> list[Criterion]:
    """All criteria of a scorecard in order, leaves with their bands.

    Two queries for a draft; none for a frozen scorecard this process has read
    before (see _FROZEN). The instances of a frozen one are shared: read them,
    never change them.
    """
    if not scorecard.is_frozen:
        return _load_criteria(scorecard)
    key = (scorecard.pk, scorecard.updated_at)
    criteria = _FROZEN.get(key)
    if criteria is None:
        criteria = tuple(_load_criteria(scorecard))
        if len(_FROZEN) >= FROZEN_KEPT:
            _FROZEN.clear()
        _FROZEN[key] = criteria
    return list(criteria)


# The criteria of issued and replaced scorecards, per process. They never change
# (R18) and every save on a sheet reads them, which made loading them the larger
# part of a save's cost at the deadline peak. The key holds `updated_at`, so a
# scorecard whose status changed is read again in every process; ids are never
# reused in PostgreSQL (the tests clear this between tests, as SQLite reuses
# the ids of rolled-back rows). A province has a few dozen scorecards a year.
_FROZEN: dict[tuple[int, datetime], tuple[Criterion, ...]] = {}
FROZEN_KEPT = 500


def criteria_cache_clear() -> None:
    _FROZEN.clear()


def _load_criteria(scorecard: Scorecard) -> list[Criterion]:
    return list(
        scorecard.criteria.order_by("order").prefetch_related(
            Prefetch("bands", queryset=Band.objects.order_by("order"))
        )
    )


def engine_score(criterion: Criterion, figures: dict[str, Decimal | None]) -> engine.Score:
    return _checked(criterion.rule, *(figures.get(f) for f in FIGURES))[1]


def score_errors(criterion: Criterion, figures: dict[str, Decimal | None]) -> list[str]:
    """Why these figures cannot be the criterion's score (R20, R21), in Vietnamese."""
    return list(_checked(criterion.rule, *(figures.get(f) for f in FIGURES))[0])


# Remembered per process: every save on a sheet checks all the unit's rows again
# for its totals, nearly all of them unchanged since the last save (#17). The
# key is the criterion as the engine reads it and the four figures, all of
# which the answer depends on alone.
@lru_cache(maxsize=65_536)
def _checked(
    rule: engine.Criterion, *figures: Decimal | None
) -> tuple[tuple[str, ...], engine.Score]:
    score = engine.Score(rule.code, *figures)
    errors = engine.validate_score(rule, score)
    if errors:
        return tuple(errors), score
    label = f"Tiêu chí {rule.code}"
    for name, value in zip(FIGURES, figures, strict=True):
        if value is None or name == "points":
            continue
        if value != value.quantize(FIGURE_PLACES):
            errors.append(f"{label}: {FIGURE_LABELS[name]} có tối đa 6 chữ số thập phân.")
        elif abs(value) >= FIGURE_LIMIT:
            errors.append(f"{label}: {FIGURE_LABELS[name]} quá lớn.")
    return tuple(errors), score


def figures_for(criterion: Criterion, **given: Decimal | None) -> dict[str, Decimal | None]:
    """Only the figures the criterion's method takes; the others empty."""
    used = METHOD_FIGURES.get(criterion.method, ())
    return {name: given.get(name) if name in used else None for name in FIGURES}


def own_figures(
    score: Score | None, registered_plan: Decimal | None = None
) -> dict[str, Decimal | None]:
    """The unit's own figures of a score (the agreed ones aside); empty when the
    unit entered none (a score the head made for a unit that did not score).

    `registered_plan` is the plan the unit's registration now gives the
    criterion (R19): it replaces the plan stored when the row was last saved,
    so that a page drawn after the registration changed shows the current
    achievement without the row being saved again."""
    figures = {name: getattr(score, name) for name in FIGURES} if score else {}
    if not any(v is not None for v in figures.values()):
        return {}
    if registered_plan is not None:
        figures["plan"] = registered_plan
    return figures


def current_figures(
    score: Score, registered_plan: Decimal | None = None
) -> dict[str, Decimal | None]:
    """The figures the results use (Score.figures), the unit's own ones with
    the registration's current plan (own_figures)."""
    if score.is_adjusted:
        return score.figures()
    return own_figures(score, registered_plan) or score.figures()


def describe(criterion: Criterion, figures: dict[str, Decimal | None]) -> str:
    """The figures of a score as a sentence part: 'kế hoạch 100, thực hiện 95'."""
    used = METHOD_FIGURES.get(criterion.method, FIGURES)
    parts = [
        f"{FIGURE_LABELS[name]} {format_figure(figures.get(name))}"
        for name in used
        if figures.get(name) is not None
    ]
    return ", ".join(parts) or "chưa chấm"


def agreement_of(cluster: Cluster | int, year: EmulationYear | int) -> ScoreAgreement | None:
    return (
        ScoreAgreement.objects.select_related("agreed_by")
        .filter(cluster=cluster, year=year)
        .first()
    )


def submit_due(membership: Membership) -> date | None:
    """The self-scoring deadline: the year's annual report date of the cluster's
    calendar (R10), when the year has one, or its extension for the unit (#14); else none."""
    return due_date(
        cluster=membership.cluster,
        year=membership.year,
        kind=deadlines.ANNUAL_REPORT,
        membership=membership,
    )


def preparatory_held(cluster: Cluster, year: EmulationYear) -> bool:
    """R11: the cluster's preparatory meeting of the year has taken place."""
    return Conference.objects.filter(
        cluster=cluster,
        year=year,
        kind=Conference.Kind.PREPARATORY,
        held_on__lte=timezone.localdate(),
    ).exists()


# ---------------------------------------------------------------------------
# The unit's own figures (R19–R21)


@dataclass
class UnitScores:
    """What a unit's sheet is computed from: its scores of the scorecard's
    leaves by criterion id, the plans its registration gives the
    quantitative ones (R19) and, when the save read it, the regulation of
    its cluster's year (R36)."""

    scores: dict[int, Score]
    plans: dict[int, Decimal]
    regulation: Regulation | None = None


def unit_scores(membership: Membership, leaves: Sequence[Criterion]) -> UnitScores:
    """Two queries at most (none for the plans of a scorecard without a
    quantitative leaf)."""
    ids = {c.pk for c in leaves}
    # A unit's scores of a replaced scorecard are left out here rather than by
    # the query: a long IN list costs more to build than the few rows it drops.
    scores = {s.criterion_id: s for s in _SCORES.fetch(membership.pk) if s.criterion_id in ids}
    quantitative = {c.pk for c in leaves if c.method == Method.QUANTITATIVE}
    plans = dict(_PLANS.fetch(membership.pk)) if quantitative else {}
    return UnitScores(scores, {pk: p for pk, p in plans.items() if pk in quantitative})


# Every save on a sheet reads them: compiled once per process (#17).
_SCORES = PreparedInstances(
    Score, lambda membership_id: Score.objects.filter(membership_id=membership_id)
)
_PLANS = Prepared(
    lambda membership_id: registered_plans_query([membership_id]).values_list(
        "criterion_id", "planned_value"
    )
)


@transaction.atomic
def score_save(
    *,
    membership: Membership,
    criterion: Criterion,
    user: User,
    plan: Decimal | None = None,
    actual: Decimal | None = None,
    points: Decimal | None = None,
    value: Decimal | None = None,
    revision: int | None,
    on_behalf: str = "",
) -> Score:
    """The unit's own figures for one leaf of the issued scorecard (R18–R21).

    `on_behalf`: the reason the head or Sở Nội vụ enter them for the unit
    from its paper sheet (#14); the history row then says so.

    Refused while the sheet is submitted or the cluster's scores are agreed.
    A quantitative plan comes from the unit's registration where a target is
    linked to the criterion (R19); the plan given is then ignored.
    `revision` is the Score.revision the form was loaded with (None when there
    was no score yet): with the unit's membership row locked, of two saves made
    from the same revision the second is refused with the current figures
    (StaleScore) and nothing is written.
    """
    _ensure_own(user, membership, on_behalf=on_behalf)
    state = _lock_for_scoring(membership, criterion)
    figures = {"plan": plan, "actual": actual, "points": points, "value": value}
    return _own_figures_save(
        membership, criterion, user, figures, state, revision=revision, on_behalf=on_behalf
    )


@transaction.atomic
def score_save_on_sheet(
    *,
    membership: Membership,
    criterion: Criterion,
    leaves: Sequence[Criterion],
    user: User,
    figures: dict[str, Decimal | None],
    revision: int | None,
) -> UnitScores:
    """score_save as the unit's sheet makes it, a row at a time (the deadline
    peak, #17): the unit's scores and plans that the answer's totals are
    computed from are read once, in the save's transaction, and returned with
    the row's new score among them. `leaves`: the issued scorecard's leaves."""
    _ensure_own(user, membership)
    state = _lock_for_scoring(membership, criterion)
    # Read without row locks: every writer of a unit's scores holds its
    # membership's lock first (above), so none can change them meanwhile.
    unit = unit_scores(membership, leaves)
    score = _own_figures_save(
        membership, criterion, user, figures, state, revision=revision, unit=unit
    )
    unit.scores[criterion.pk] = score
    unit.regulation = state.regulation
    return unit


def _own_figures_save(
    membership: Membership,
    criterion: Criterion,
    user: User,
    given: dict[str, Decimal | None],
    state: "_ScoringState",
    *,
    revision: int | None,
    on_behalf: str = "",
    unit: UnitScores | None = None,
) -> Score:
    """The save of both, with the unit locked and its `state` read by the
    caller; `unit` when the caller has read its scores too (the sheet)."""
    _ensure_scorable(membership, criterion, issued=state.scorable)
    if state.agreed:
        raise ValidationError(_locked_message(membership.cluster, membership.year))
    _ensure_sheet_editable(membership, state.sheet_status, user=user)
    plan = given.get("plan")
    if criterion.method == Method.QUANTITATIVE:
        plans = unit.plans if unit is not None else registered_plans(membership)
        plan = plans.get(criterion.pk, plan)
    figures = figures_for(criterion, **(given | {"plan": plan}))
    errors = score_errors(criterion, figures)
    if errors:
        raise ValidationError(errors)
    if unit is None:
        score = _current_score(membership, criterion, revision)
    else:
        score = _checked_revision(unit.scores.get(criterion.pk), membership, criterion, revision)
    # A stored row's UPDATE sets only what the save changes (the deadline
    # peak, #17): its figures that differ, its revision and its date.
    changed = [name for name, figure in figures.items() if getattr(score, name) != figure]
    for name in changed:
        setattr(score, name, figures[name])
    score.revision += 1
    reason = f"Tự chấm tiêu chí {criterion.code}: {describe(criterion, figures)}"
    audit.save(
        score,
        user=user,
        reason=behalf_reason(reason, membership=membership, user=user, on_behalf=on_behalf),
        update_fields=None if score._state.adding else [*changed, "revision", "updated_at"],
    )
    return score


@transaction.atomic
def sheet_enter_on_behalf(
    *,
    membership: Membership,
    rows: Iterable[tuple[Criterion, dict[str, Decimal | None], int | None]],
    user: User,
    reason: str,
    submit: bool,
) -> Sheet:
    """The head (or delegated deputy) or Sở Nội vụ enter a unit's sheet from
    its paper copy when the unit cannot (#14): each row's figures (a row
    without figures, or with the figures already stored, is left as it is),
    then, `submit`, the submission. One transaction: a refused row or
    submission saves nothing. The sheet keeps who entered it and why, which
    the unit sees on its own sheet."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Cần ghi lý do nhập thay đơn vị.")
    _ensure_own(user, membership, on_behalf=reason)
    _lock_members([membership])
    errors: list[str] = []
    stored = {s.criterion_id: s for s in Score.objects.filter(membership=membership)}
    for criterion, figures, revision in rows:
        if not any(v is not None for v in figures.values()):
            continue
        score = stored.get(criterion.pk)
        used = METHOD_FIGURES.get(criterion.method, ())
        if score is not None and all(getattr(score, n) == figures.get(n) for n in used):
            continue  # as on paper already: no new line in the history
        try:
            score_save(
                membership=membership,
                criterion=criterion,
                user=user,
                revision=revision,
                on_behalf=reason,
                **figures,
            )
        except ValidationError as error:
            errors += error.messages
    if errors:
        raise ValidationError(errors)
    sheet = _sheet(membership, user=user)
    sheet.behalf_by, sheet.behalf_at, sheet.behalf_reason = user, timezone.now(), reason
    audit.save(
        sheet,
        user=user,
        reason=behalf_reason(
            "Nhập thay phiếu tự chấm", membership=membership, user=user, on_behalf=reason
        ),
    )
    if submit:
        sheet = sheet_submit(membership=membership, user=user, on_behalf=reason)
    return sheet


@transaction.atomic
def sheet_submit(*, membership: Membership, user: User, on_behalf: str = "") -> Sheet:
    """Draft (or returned) → submitted; the sheet is then read-only for the
    unit until the head returns it.

    A first submission must come by the self-scoring deadline (submit_due).
    Product decision: a sheet the head returned may be submitted again after
    it, since the head asked for the new figures.
    """
    _ensure_own(user, membership, on_behalf=on_behalf)
    _lock_members([membership])
    if issued_scorecard(membership.cluster_id, membership.year_id) is None:
        raise ValidationError(NO_SCORECARD)
    _ensure_unlocked(membership.cluster, membership.year)
    sheet = _sheet(membership, user=user)
    if not sheet.is_editable:
        raise ValidationError("Phiếu tự chấm đã được nộp.")
    due = submit_due(membership) if sheet.status == Sheet.Status.DRAFT else None
    if due is not None and timezone.localdate() > due:
        raise ValidationError(
            f"Đã quá hạn nộp phiếu tự chấm điểm ({due:%d/%m/%Y}); không nộp được nữa. "
            "Trưởng cụm, khối hoặc Sở Nội vụ có thể gia hạn cho đơn vị (trang “Gia hạn” của "
            "cụm, khối); khi được gia hạn, đơn vị nộp được đến hạn mới."
        )
    old = Sheet.Status(sheet.status).label
    sheet.status = Sheet.Status.SUBMITTED
    sheet.submitted_at = timezone.now()
    sheet.return_reason = ""
    said = f"Nộp phiếu tự chấm: {old} → {Sheet.Status.SUBMITTED.label}"
    audit.save(
        sheet,
        user=user,
        reason=behalf_reason(said, membership=membership, user=user, on_behalf=on_behalf),
    )
    return sheet


# ---------------------------------------------------------------------------
# Evidence (minh chứng)


@transaction.atomic
def evidence_add(
    *, membership: Membership, criterion: Criterion, file: IO[bytes], user: User
) -> Evidence:
    """A file backing the unit's score of a leaf, while its sheet is editable.

    Checked by its bytes (emulation.uploads) and stored under a random name;
    the name the user gave is kept only to be shown and offered on download.
    """
    _ensure_own(user, membership)
    _lock_members([membership])
    _ensure_scorable(membership, criterion)
    _ensure_editable(membership, user=user)
    name = _original_name(getattr(file, "name", None))
    validate_upload(file)
    _ensure_evidence_room(membership, criterion, size=file.size)
    evidence = Evidence(
        membership=membership,
        criterion=criterion,
        original_name=name,
        content_type=CONTENT_TYPES[extension(name)],
        size=file.size,
        uploaded_by=user,
    )
    evidence.file.save(name, file, save=False)
    try:
        audit.save(evidence, user=user, reason=f"Tải lên minh chứng cho tiêu chí {criterion.code}")
    except Exception:
        # The file is written before its row: a failed insert must not leave it behind.
        evidence.file.storage.delete(evidence.file.name)
        raise
    return evidence


def _ensure_evidence_room(membership: Membership, criterion: Criterion, *, size: int) -> None:
    """Refuse a file past the unit's evidence limits (emulation/limits.py), per
    criterion and for the whole year's sheet. The caller holds the membership's
    row lock, so two uploads at once cannot both pass."""
    mb = limits.MB
    held = Evidence.objects.filter(membership=membership).aggregate(
        files=Count("pk"),
        bytes=Sum("size", default=0),
        criterion_files=Count("pk", filter=Q(criterion=criterion)),
        criterion_bytes=Sum("size", filter=Q(criterion=criterion), default=0),
    )
    refusals = (
        (
            held["criterion_files"] + 1 > limits.EVIDENCE_FILES_PER_CRITERION,
            f"Mỗi tiêu chí có tối đa {limits.EVIDENCE_FILES_PER_CRITERION} tệp minh chứng. "
            "Hãy xóa bớt tệp cũ, hoặc gộp nhiều tài liệu vào một tệp PDF.",
        ),
        (
            held["criterion_bytes"] + size > limits.EVIDENCE_BYTES_PER_CRITERION,
            "Vượt quá tổng dung lượng minh chứng của tiêu chí "
            f"({limits.EVIDENCE_BYTES_PER_CRITERION / mb:g} MB). Hãy xóa bớt hoặc nén tệp.",
        ),
        (
            held["files"] + 1 > limits.EVIDENCE_FILES_PER_UNIT,
            f"Mỗi đơn vị có tối đa {limits.EVIDENCE_FILES_PER_UNIT} tệp minh chứng "
            "trong một năm. Hãy xóa bớt tệp không cần thiết.",
        ),
        (
            held["bytes"] + size > limits.EVIDENCE_BYTES_PER_UNIT,
            "Vượt quá tổng dung lượng minh chứng của đơn vị trong năm "
            f"({limits.EVIDENCE_BYTES_PER_UNIT / mb:g} MB). Hãy xóa bớt hoặc nén tệp.",
        ),
    )
    for over, message in refusals:
        if over:
            raise ValidationError(message, code="evidence_limit")


@transaction.atomic
def evidence_remove(*, evidence: Evidence, user: User) -> None:
    """The unit removes one of its files while its sheet is editable."""
    membership = evidence.membership
    _ensure_own(user, membership)
    _lock_members([membership])
    _ensure_editable(membership, user=user)
    storage, stored = evidence.file.storage, evidence.file.name
    reason = f"Xóa minh chứng của tiêu chí {evidence.criterion.code}"
    audit.delete(evidence, user=user, reason=reason)
    transaction.on_commit(lambda: storage.delete(stored))


def _original_name(name: str | None) -> str:
    """The name to show for an upload; a name carrying a path is refused."""
    name = name or ""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    if base != name or base in {"", ".", ".."} or not base.isprintable():
        raise ValidationError(
            "Tên tệp không hợp lệ: tên không được chứa đường dẫn (như “../”).",
            code="upload_name",
        )
    if len(base) > NAME_MAX:
        ext = extension(base)
        base = f"{base[: NAME_MAX - len(ext) - 1]}.{ext}"
    return base


# ---------------------------------------------------------------------------
# The head's review (R3, R11)


@transaction.atomic
def score_adjust(
    *,
    user: User,
    reason: str,
    score: Score | None = None,
    membership: Membership | None = None,
    criterion: Criterion | None = None,
    plan: Decimal | None = None,
    actual: Decimal | None = None,
    points: Decimal | None = None,
    value: Decimal | None = None,
    revision: int | None,
) -> Score:
    """The head sets the cluster's agreed figures for a unit's leaf, with a reason.

    Given a `score`, or a `membership` and `criterion` (a score is made if the
    unit has none). The unit's own figures are kept; the agreed ones replace
    them in the results (effective_figures). Refused without a reason and
    while the scores are agreed. `revision` is checked exactly as in
    score_save: None claims there was no score yet, so a form posted without
    a revision over an existing score is refused (StaleScore), never applied
    over what someone saved meanwhile (#11.8).
    """
    if score is not None:
        membership, criterion = score.membership, score.criterion
    if membership is None or criterion is None:
        raise TypeError("score_adjust needs a score, or a membership and a criterion")
    _ensure_leads(user, membership.cluster, membership.year)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Cần ghi lý do điều chỉnh điểm.")
    _lock_members([membership])
    _ensure_scorable(membership, criterion)
    _ensure_unlocked(membership.cluster, membership.year)
    figures = figures_for(criterion, plan=plan, actual=actual, points=points, value=value)
    errors = score_errors(criterion, figures)
    if errors:
        raise ValidationError(errors)
    current = _current_score(membership, criterion, revision)
    for name, figure in figures.items():
        setattr(current, f"agreed_{name}", figure)
    current.agreed_reason = reason
    current.revision += 1
    audit.save(
        current,
        user=user,
        reason=(
            f"Trưởng cụm, khối điều chỉnh tiêu chí {criterion.code} của "
            f"{membership.unit.code}: {describe(criterion, figures)}. Lý do: {reason}"
        ),
    )
    notices.score_adjusted(membership, criterion.code, describe(criterion, figures), reason)
    return current


@transaction.atomic
def sheet_return(*, membership: Membership, user: User, reason: str) -> Sheet:
    """Submitted → returned: the unit may score again; the reason is kept."""
    _ensure_leads(user, membership.cluster, membership.year)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Cần ghi lý do trả lại phiếu tự chấm.")
    _lock_members([membership])
    _ensure_unlocked(membership.cluster, membership.year)
    sheet = _sheet(membership, user=user)
    if sheet.status != Sheet.Status.SUBMITTED:
        raise ValidationError("Chỉ trả lại được phiếu tự chấm đã nộp.")
    sheet.status = Sheet.Status.RETURNED
    sheet.return_reason = reason
    audit.save(
        sheet,
        user=user,
        reason=(
            f"Trả lại phiếu tự chấm: {Sheet.Status.SUBMITTED.label} → "
            f"{Sheet.Status.RETURNED.label}. Lý do: {reason}"
        ),
    )
    notices.sheet_returned(membership, reason)
    return sheet


def unsubmitted(cluster: Cluster, year: EmulationYear) -> list[Membership]:
    """The cluster's units whose sheet is not submitted (being filled, or
    returned), by unit code. One query."""
    return list(
        Membership.objects.filter(cluster=cluster, year=year)
        .exclude(sheet__status=Sheet.Status.SUBMITTED)
        .select_related("unit")
        .order_by("unit__code")
    )


@transaction.atomic
def scores_agree(
    *, cluster: Cluster, year: EmulationYear, user: User, unsubmitted_reason: str = ""
) -> ScoreAgreement:
    """The head marks the cluster's scores agreed after the preparatory
    meeting (R11); from then on no unit save, adjustment or return.

    Sheets still being filled lock as they stand, so agreeing while any is
    not submitted needs the head's reason, kept in the history with the
    units' codes (R35). Agreeing also confirms every unit's participation
    record as it stands (R27: the head confirms the records first)."""
    _ensure_leads(user, cluster, year)
    _lock_members(Membership.objects.filter(cluster=cluster, year=year))
    if issued_scorecard(cluster, year) is None:
        raise ValidationError(NO_SCORECARD)
    if not preparatory_held(cluster, year):
        raise ValidationError(
            "Chỉ thống nhất điểm sau họp trù bị: cụm, khối chưa có cuộc họp trù bị "
            f"đã diễn ra trong năm {year.year}."
        )
    agreement = _agreement_for_update(cluster, year)
    if agreement.is_locked:
        raise ValidationError(
            f"Điểm đã được thống nhất lúc {format_datetime(agreement.agreed_at)}."
        )
    reason = "Thống nhất điểm sau họp trù bị; khóa điểm."
    pending = [m.unit.code for m in unsubmitted(cluster, year)]
    if pending:
        why = unsubmitted_reason.strip()
        if not why:
            raise ValidationError(
                f"Còn {len(pending)} phiếu tự chấm chưa nộp ({', '.join(pending)}): "
                "cần xác nhận và ghi lý do thống nhất điểm khi phiếu chưa nộp."
            )
        reason += f" Phiếu tự chấm chưa nộp: {', '.join(pending)}. Lý do: {why}"
    participation_confirm(cluster=cluster, year=year, user=user)
    agreement.agreed_at = timezone.now()
    agreement.agreed_by = user
    audit.save(agreement, user=user, reason=reason)
    notices.scores_agreed(cluster, year)
    return agreement


@transaction.atomic
def scores_reopen(
    *, cluster: Cluster, year: EmulationYear, user: User, reason: str
) -> ScoreAgreement:
    """Authority staff reopen agreed scores, with a reason (R35)."""
    if not is_staff_of(user, cluster):
        raise PermissionDenied(
            "Chỉ Sở Nội vụ hoặc cơ quan hướng dẫn cụm, khối mới được mở lại điểm đã thống nhất."
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Cần ghi lý do mở lại điểm đã thống nhất.")
    _lock_members(Membership.objects.filter(cluster=cluster, year=year))
    agreement = _agreement_for_update(cluster, year)
    if not agreement.is_locked:
        raise ValidationError("Điểm của cụm, khối chưa được thống nhất nên không cần mở lại.")
    agreement.agreed_at = None
    agreement.agreed_by = None
    audit.save(agreement, user=user, reason=f"Mở lại điểm đã thống nhất. Lý do: {reason}")
    return agreement


# ---------------------------------------------------------------------------
# Checks and helpers

NO_SCORECARD = "Cụm, khối chưa có bảng chấm điểm được ban hành cho năm này; chưa thể chấm điểm."


def _ensure_own(user: User, membership: Membership, *, on_behalf: str = "") -> None:
    """The unit itself; or, entering for it from paper (#14), its head (or
    delegated deputy) or Sở Nội vụ."""
    if on_behalf:
        if not (acts_for_province(user) or _leads(user, membership.cluster, membership.year)):
            raise PermissionDenied("Chỉ trưởng cụm, khối và Sở Nội vụ được nhập thay đơn vị.")
        return
    if not user.is_authenticated or user.unit_id != membership.unit_id:
        raise PermissionDenied("Đơn vị chỉ được tự chấm điểm và nộp minh chứng của chính mình.")


def _leads(user: User, cluster: Cluster, year: EmulationYear) -> bool:
    own = Membership.objects.of_user(user, year) if user.is_authenticated else None
    return own is not None and own.cluster_id == cluster.pk and own.leads


def _ensure_leads(user: User, cluster: Cluster, year: EmulationYear) -> None:
    if not _leads(user, cluster, year):
        raise PermissionDenied(
            "Chỉ trưởng cụm, khối (hoặc phó trưởng được ủy quyền) mới được làm việc này."
        )


def _lock_members(memberships: Iterable[Membership]) -> None:
    """Serialise the writes of these units (their rows stay locked until commit)."""
    ids = [m.pk for m in memberships]
    locked = Membership.objects.select_for_update(of=("self",)).filter(pk__in=ids)
    list(locked.order_by("pk").values_list("pk"))  # always in one order: no deadlock


def _ensure_scorable(
    membership: Membership, criterion: Criterion, *, issued: bool | None = None
) -> None:
    """The criterion is a leaf of the cluster's issued scorecard of the year;
    `issued`: whether its scorecard is that one, when the caller has read it."""
    if issued is None:
        scorecard = Scorecard.objects.get(pk=criterion.scorecard_id)
        issued = (
            scorecard.status == Scorecard.Status.ISSUED
            and scorecard.cluster_id == membership.cluster_id
            and scorecard.year_id == membership.year_id
        )
    if not issued:
        raise ValidationError(
            f"Tiêu chí {criterion.code} không thuộc bảng chấm điểm đã ban hành của cụm, khối "
            "trong năm; chỉ chấm điểm theo bảng đã ban hành."
        )
    if not criterion.is_leaf:
        raise ValidationError(
            f"Tiêu chí {criterion.code} có tiêu chí con; hãy chấm ở các tiêu chí con."
        )


@dataclass(frozen=True)
class _ScoringState:
    """What a save of the unit's own figures is allowed by, read with its lock."""

    scorable: bool  # the criterion's scorecard is the cluster's issued one of the year
    agreed: bool  # the cluster's scores are agreed (locked)
    sheet_status: str | None  # None: the unit has no sheet yet
    regulation: Regulation  # of the cluster's year (R36)


def _lock_for_scoring(membership: Membership, criterion: Criterion) -> _ScoringState:
    """Lock the unit's membership row (as _lock_members) and read, in the same
    statement, what _ensure_scorable, _ensure_unlocked and _ensure_editable
    read one query each, and the guidance the cluster's year is scored under
    (guidances.stored_regulation's query), which the sheet's answer shows the
    totals by. Written in SQL: at the deadline peak (#17) building this
    statement through the ORM cost more CPU than the other queries of a save
    together, and each statement spared is a round trip less."""
    # The guidance applied to the cluster's kind in the year, else the year's (R36).
    applied = f"""
        SELECT g.{{}} FROM {_table(GuidanceYear)} y
        JOIN {_table(Guidance)} g ON g.id = y.guidance_id
        WHERE y.year_id = m.year_id AND y.cluster_kind IN (c.kind, '')
        ORDER BY y.cluster_kind DESC LIMIT 1
    """
    sql = f"""
        SELECT
            EXISTS (SELECT 1 FROM {_table(Scorecard)} s WHERE s.id = %s AND s.status = %s
                    AND s.cluster_id = m.cluster_id AND s.year_id = m.year_id),
            EXISTS (SELECT 1 FROM {_table(ScoreAgreement)} a WHERE a.cluster_id = m.cluster_id
                    AND a.year_id = m.year_id AND a.agreed_at IS NOT NULL),
            (SELECT h.status FROM {_table(Sheet)} h WHERE h.membership_id = m.id),
            ({applied.format("parameters")}),
            ({applied.format("labels")})
        FROM {_table(Membership)} m JOIN {_table(Cluster)} c ON c.id = m.cluster_id
        WHERE m.id = %s
    """
    if connection.features.has_select_for_update_of:
        sql += " FOR UPDATE OF m"
    with connection.cursor() as cursor:
        cursor.execute(sql, [criterion.scorecard_id, Scorecard.Status.ISSUED.value, membership.pk])
        scorable, agreed, status, parameters, labels = cursor.fetchone()
    # The JSON columns come as their text, on both databases (no field converts them here).
    regulation = applied_regulation(parameters, json.loads(labels) if labels else None)
    return _ScoringState(bool(scorable), bool(agreed), status, regulation)


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _ensure_unlocked(cluster: Cluster, year: EmulationYear) -> None:
    if ScoreAgreement.objects.filter(cluster=cluster, year=year, agreed_at__isnull=False).exists():
        raise ValidationError(_locked_message(cluster, year))


def _locked_message(cluster: Cluster, year: EmulationYear) -> str:
    return (
        f"Điểm của {cluster.name} năm {year.year} đã được thống nhất sau họp trù bị "
        "và đang khóa; chỉ Sở Nội vụ hoặc cơ quan hướng dẫn mở lại được."
    )


def _ensure_editable(membership: Membership, *, user: User) -> Sheet:
    _ensure_unlocked(membership.cluster, membership.year)
    sheet = _sheet(membership, user=user)
    if not sheet.is_editable:
        raise ValidationError(SUBMITTED)
    return sheet


SUBMITTED = "Phiếu tự chấm đã nộp nên không sửa được; chỉ sửa lại khi trưởng cụm, khối trả lại."


def _ensure_sheet_editable(membership: Membership, status: str | None, *, user: User) -> None:
    """_ensure_editable's sheet check from the sheet's status read with the
    lock (None: no sheet yet, which the first save makes)."""
    if status is None:
        audit.save(Sheet(membership=membership), user=user, reason=SHEET_MADE)
    elif status not in Sheet.EDITABLE:
        raise ValidationError(SUBMITTED)


SHEET_MADE = "Lập phiếu tự chấm"


def _sheet(membership: Membership, *, user: User) -> Sheet:
    """The unit's sheet (its membership row is locked by the caller)."""
    try:
        return Sheet.objects.get(membership=membership)
    except Sheet.DoesNotExist:
        sheet = Sheet(membership=membership)
        audit.save(sheet, user=user, reason=SHEET_MADE)
        return sheet


def _current_score(membership: Membership, criterion: Criterion, revision: int | None) -> Score:
    """The score to write, or a new one; refused when the form's revision is stale."""
    try:
        score = Score.objects.select_for_update(of=("self",)).get(
            membership=membership, criterion=criterion
        )
    except Score.DoesNotExist:
        score = None
    return _checked_revision(score, membership, criterion, revision)


def _checked_revision(
    score: Score | None, membership: Membership, criterion: Criterion, revision: int | None
) -> Score:
    """`score` (or a new one) to write, read after the unit's lock; refused
    when the form was loaded with another revision than the stored one."""
    if score is not None:
        score.membership, score.criterion = membership, criterion
    if (score.revision if score else None) != revision:
        if score is None:  # a revision for a score that is gone: someone removed it
            score = Score(membership=membership, criterion=criterion)
        raise StaleScore(score)
    return score or Score(membership=membership, criterion=criterion, revision=0)


def _agreement_for_update(cluster: Cluster, year: EmulationYear) -> ScoreAgreement:
    agreement = ScoreAgreement.objects.select_for_update(of=("self",)).filter(
        cluster=cluster, year=year
    )
    return agreement.first() or ScoreAgreement(cluster=cluster, year=year)
