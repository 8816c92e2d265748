"""Bonuses (R23), deductions set by staff (R25) and exclusion / deferral flags
(R27, R28): who gives each, and how they are read back with their reasons.

Who may do what:

- the cluster's own bonus (`cluster`): the head, or the deputy acting for it
  (R3), within the issued scorecard's `cluster_bonus_max`;
- the reporting bonus: authority staff guiding the cluster; the council's
  bonus ("Hội đồng TĐKT tỉnh đánh giá và thưởng tối đa không quá 10 điểm",
  II.2.3.d): Sở Nội vụ, the council's standing agency, records it, never a
  guiding authority (clusters.access, issue 13);
- `head_duty`, `award_structure`, `reminder_letter` and `criticism_letter`
  deductions: staff, directly confirmed. `member_duty` deductions keep their
  own path: the head proposes (clusters.services), staff confirm
  (`deduction_confirm`);
- flags: staff, each with an evidence file and an R27/R28 reason code.

Each entry is added and removed with a reason kept in its history (R35).
Nothing here changes while the cluster's scores are agreed (R11): staff must
reopen them first. Flags are the exception: they decide who may be considered
for an award, not anyone's points, and grounds for them (an investigation, a
violation) may come up after the preparatory meeting, so staff set and remove
them at any time.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import IO
from uuid import uuid4

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import DecimalField, F, IntegerField, Value

from clusters.access import acts_for_province, is_staff_of
from clusters.models import Cluster, Deduction, EmulationYear, Membership
from emulation.models import User, full_name
from emulation.uploads import extension, validate_upload
from scoring import engine
from scoring.guidances import stored_regulation
from scoring.models import Bonus, Flag, ScoreAgreement, Scorecard
from scoring.regulation import DEFAULT, Regulation

HEAD_BONUS_KINDS = ("cluster",)
STAFF_BONUS_KINDS = ("reporting", "council")
# Of those, the council's own: given only by whoever acts for the province.
PROVINCE_BONUS_KINDS = ("council",)
# member_duty is proposed by the head and confirmed by staff (clusters.services);
# staff give every other kind of the year's guidance.
MEMBER_DEDUCTION_KINDS = ("member_duty",)
FLAG_LABELS = dict(Flag.Kind.choices)
DEDUCTION_STATUS_LABELS = dict(Deduction.Status.choices)


def flag_reasons(regulation: Regulation) -> dict[str, tuple[str, ...]]:
    """R27, R28, R40: the year's reasons a flag of each kind takes."""
    return {"exclude": regulation.exclusion_reasons, "defer": regulation.deferral_reasons}


def flag_choices(regulation: Regulation) -> dict[str, tuple[str, list[tuple[str, str]]]]:
    """The flag form's choices: kind → (label, [(reason, the guidance's label), …])."""
    return {
        kind: (FLAG_LABELS[kind], [(r, regulation.reason_label(r)) for r in reasons])
        for kind, reasons in flag_reasons(regulation).items()
    }


def bonus_choices(kinds: Iterable[str], regulation: Regulation = DEFAULT) -> list[tuple[str, str]]:
    return [(k, regulation.bonus_label(k)) for k in kinds]


def staff_deduction_kinds(regulation: Regulation) -> list[str]:
    """R25, R39: the year's deduction kinds staff give directly."""
    return [k for k in regulation.deductions if k not in MEMBER_DEDUCTION_KINDS]


def deduction_choices(regulation: Regulation) -> list[tuple[str, str]]:
    return [
        (
            k,
            f"{regulation.deduction_label(k)} "
            f"(−{engine.fmt_points(regulation.deductions[k].points)} điểm)",
        )
        for k in staff_deduction_kinds(regulation)
    ]


# ---------------------------------------------------------------------------
# Bonuses (R23)


@transaction.atomic
def bonus_add(
    *, membership: Membership, kind: str, points: Decimal, reason: str, user: User
) -> Bonus:
    """One R23 bonus entry. The kind's entries, this one included, must stay
    within its cap; an entry over the cap is refused, not trimmed."""
    regulation = stored_regulation(membership.year, membership.cluster)  # R39: the year's kinds
    if kind not in regulation.bonuses:
        raise ValidationError(f"Loại điểm thưởng '{kind}' không hợp lệ.")
    _ensure_may_bonus(user, membership, kind)
    reason = _required(reason, "Cần ghi lý do cộng điểm thưởng.")
    _lock(membership)
    _ensure_unlocked(membership)
    errors = bonus_errors(membership, kind, points, regulation)
    if errors:
        raise ValidationError(errors)
    bonus = Bonus(membership=membership, kind=kind, points=points, reason=reason, created_by=user)
    _save(
        bonus,
        user=user,
        reason=f"Cộng {engine.fmt_points(points)} điểm cho {membership.unit.code}: "
        f"{regulation.bonus_label(kind)}. Lý do: {reason}",
    )
    return bonus


@transaction.atomic
def bonus_remove(*, bonus: Bonus, reason: str, user: User) -> None:
    """Remove a bonus entry, with a reason: the head its cluster bonus, staff
    the reporting and council bonuses."""
    membership = _membership_of(bonus)
    _ensure_may_bonus(user, membership, bonus.kind)
    reason = _required(reason, "Cần ghi lý do xóa điểm thưởng.")
    _lock(membership)
    _ensure_unlocked(membership)
    bonus = _current(Bonus, bonus.pk)
    label = stored_regulation(membership.year, membership.cluster).bonus_label(bonus.kind)
    _delete(
        bonus,
        user=user,
        reason=f"Xóa điểm thưởng của {membership.unit.code}: {label} "
        f"({engine.fmt_points(bonus.points)} điểm). Lý do: {reason}",
    )


def bonus_errors(
    membership: Membership,
    kind: str,
    points: Decimal,
    regulation: Regulation,
    *,
    replacing: int | None = None,
) -> list[str]:
    """R23, R39: why the unit's entries of `kind` with one of `points` more
    would break the kind's cap (the cluster's own cap of its issued scorecard
    for `cluster`), in Vietnamese. `replacing`: the pk of the entry it
    replaces (the admin's change of an entry)."""
    if kind == "cluster":
        cap = cluster_cap(membership.cluster_id, membership.year_id)
        if cap is None:
            return [NO_CLUSTER_CAP]
    else:
        cap = regulation.cluster_bonus_cap
    given = (
        Bonus.objects.filter(membership=membership, kind=kind)
        .exclude(pk=replacing)
        .values_list("points", flat=True)
    )
    return engine.validate_bonuses(
        [engine.Bonus(kind=kind, points=p) for p in given]
        + [engine.Bonus(kind=kind, points=points)],
        cap,
        regulation,
    )


NO_CLUSTER_CAP = (
    "Cụm, khối chưa có bảng chấm điểm được ban hành cho năm này nên chưa có mức "
    "điểm thưởng tối đa của cụm, khối."
)


# ---------------------------------------------------------------------------
# Deductions given by staff (R25)


@transaction.atomic
def deduction_add(
    *,
    membership: Membership,
    kind: str,
    reason: str,
    user: User,
    count: int = 1,
    evidence: IO[bytes] | None = None,
) -> Deduction:
    """Staff deduct points directly (confirmed): head duty (head unit only),
    award structure, reminder and criticism letters. The once-a-year kinds are
    refused a second time (R25). Evidence is optional and checked by its bytes."""
    _ensure_staff(user, membership.cluster)
    regulation = stored_regulation(membership.year, membership.cluster)  # R39: the year's kinds
    if kind not in staff_deduction_kinds(regulation):
        raise ValidationError(
            "Điểm trừ thành viên do trưởng cụm, khối đề nghị và cơ quan hướng dẫn xác nhận "
            "ở trang Điểm trừ của cụm, khối."
            if kind in MEMBER_DEDUCTION_KINDS
            else f"Loại điểm trừ '{kind}' không hợp lệ."
        )
    reason = _required(reason, "Cần ghi lý do trừ điểm.")
    _lock(membership)
    _ensure_unlocked(membership)
    errors = deduction_errors(membership, kind, count, regulation)
    if errors:
        raise ValidationError(errors)
    deduction = Deduction(
        membership=membership,
        kind=kind,
        count=count,
        reason=reason,
        status=Deduction.Status.CONFIRMED,
        created_by=user,
    )
    points = regulation.deductions[kind].points * count
    _save_with_file(
        deduction,
        "evidence",
        evidence,
        user=user,
        reason=f"Trừ điểm {membership.unit.code}: {regulation.deduction_label(kind)} × {count} "
        f"(−{engine.fmt_points(points)} điểm). Lý do: {reason}",
    )
    return deduction


@transaction.atomic
def deduction_remove(*, deduction: Deduction, reason: str, user: User) -> None:
    """Staff remove a confirmed deduction, with a reason. Any kind: staff
    confirmed the member_duty ones too. A proposed deduction is rejected
    instead (clusters.services.deduction_reject), and a rejected one stays as
    the record of that decision. The evidence file is kept: the history row
    still points to it."""
    membership = _membership_of(deduction)
    _ensure_staff(user, membership.cluster)
    reason = _required(reason, "Cần ghi lý do xóa điểm trừ.")
    _lock(membership)
    _ensure_unlocked(membership)
    deduction = _current(Deduction, deduction.pk)
    label = stored_regulation(membership.year, membership.cluster).deduction_label(deduction.kind)
    if deduction.status != Deduction.Status.CONFIRMED:
        raise ValidationError(
            "Chỉ xóa được điểm trừ đã xác nhận; điểm trừ đang đề nghị thì chọn "
            "“Không chấp nhận” ở trang Điểm trừ."
        )
    _delete(
        deduction,
        user=user,
        reason=f"Xóa điểm trừ của {membership.unit.code}: "
        f"{label} × {deduction.count}. Lý do: {reason}",
    )


@transaction.atomic
def deduction_confirm(*, deduction: Deduction, user: User | None) -> Deduction:
    """Staff confirm a deduction the head proposed (clusters.services.
    deduction_propose); from then on it counts in the results. R25's
    once-a-year kinds are refused a second confirmation."""
    deduction = (
        Deduction.objects.select_for_update(of=("self",))
        .select_related("membership")
        .get(pk=deduction.pk)
    )
    if deduction.status != Deduction.Status.PROPOSED:
        raise ValidationError("Chỉ xác nhận được điểm trừ đang ở trạng thái đề nghị.")
    membership = deduction.membership
    errors = deduction_errors(
        membership,
        deduction.kind,
        deduction.count,
        # R39: the year's kinds, points and flags.
        stored_regulation(membership.year, membership.cluster),
    )
    if errors:
        raise ValidationError(errors)
    deduction.status = Deduction.Status.CONFIRMED
    _save(deduction, user=user, reason="Xác nhận điểm trừ")
    return deduction


def deduction_errors(
    membership: Membership,
    kind: str,
    count: int,
    regulation: Regulation,
    *,
    confirmed: bool = True,
    replacing: int | None = None,
) -> list[str]:
    """R25, R39: why a deduction of `kind` × `count` would break the rules, in
    Vietnamese: a head-only kind for a member and, when it is `confirmed`, a
    second once-a-year one among the unit's confirmed deductions (a proposed
    one is not counted yet). `replacing`: the pk of the record it replaces
    (the admin's change of a record)."""
    counted = (
        Deduction.objects.filter(membership=membership, status=Deduction.Status.CONFIRMED)
        .exclude(pk=replacing)
        .values_list("kind", "count")
        if confirmed
        else []
    )
    return engine.validate_deductions(
        [engine.Deduction(kind=k, count=c) for k, c in counted]
        + [engine.Deduction(kind=kind, count=count)],
        is_head=membership.role == Membership.Role.HEAD,
        regulation=regulation,
    )


# ---------------------------------------------------------------------------
# Exclusion and deferral (R27, R28)


class StaleFlag(ValidationError):
    """A flag saved from a page whose revision someone else has since replaced."""

    def __init__(self, flag: Flag | None, regulation: Regulation = DEFAULT) -> None:
        self.flag = flag
        if flag is None:
            current = "đã được bỏ"
        else:
            note = f"; ghi chú: “{flag.note}”" if flag.note else ""
            current = f"“{FLAG_LABELS[flag.kind]}” ({regulation.reason_label(flag.reason)}){note}"
        super().__init__(
            f"Việc không xét / chưa xét này vừa được người khác thay đổi; hiện tại: {current}. "
            "Hãy xem lại rồi lưu lần nữa.",
            code="stale",
        )


@transaction.atomic
def flag_set(
    *,
    membership: Membership,
    kind: str,
    reason: str,
    evidence: IO[bytes] | None,
    user: User,
    revision: int | None,
    note: str = "",
) -> Flag:
    """Staff mark a unit excluded (R27) or deferred (R28) for a reason of that
    kind's list, with an evidence file. Setting a flag the unit already has
    replaces its note and evidence. Allowed while the scores are agreed (see
    the module docstring).

    `revision` is the Flag.revision the page was loaded with (None when the
    unit had no such flag): as for a quota (awards.services.quota_set), of two
    saves from the same page the second is refused with the current note
    (StaleFlag), and so is a save without the revision over a stored flag."""
    _ensure_staff(user, membership.cluster)
    regulation = stored_regulation(membership.year, membership.cluster)  # R40: the year's reasons
    reasons = flag_reasons(regulation)
    if kind not in reasons:
        raise ValidationError(f"Loại '{kind}' không hợp lệ: chỉ có không xét hoặc chưa xét.")
    if reason not in reasons[kind]:
        raise ValidationError(
            f"Lý do không phù hợp với “{FLAG_LABELS[kind]}” theo hướng dẫn áp dụng cho năm "
            f"{membership.year.year}."
        )
    if evidence is None:
        raise ValidationError("Cần tải lên tệp minh chứng cho việc không xét, chưa xét.")
    note = (note or "").strip()
    _lock(membership)
    flag = (
        Flag.objects.select_for_update(of=("self",))
        .filter(membership=membership, kind=kind, reason=reason)
        .first()
    )
    if (flag.revision if flag else None) != revision:
        raise StaleFlag(flag, regulation)
    action = "Cập nhật" if flag else "Đặt"
    flag = flag or Flag(
        membership=membership, kind=kind, reason=reason, created_by=user, revision=0
    )
    flag.revision += 1
    flag.note = note
    why = f". Ghi chú: {note}" if note else ""
    _save_with_file(
        flag,
        "evidence",
        evidence,
        user=user,
        reason=f"{action} “{FLAG_LABELS[kind]}” cho {membership.unit.code}: "
        f"{regulation.reason_label(reason)}{why}",
    )
    return flag


@transaction.atomic
def flag_remove(*, flag: Flag, reason: str, user: User) -> None:
    """Staff lift an exclusion or deferral, with a reason (at any time)."""
    membership = _membership_of(flag)
    _ensure_staff(user, membership.cluster)
    reason = _required(reason, "Cần ghi lý do bỏ không xét, chưa xét.")
    _lock(membership)
    flag = _current(Flag, flag.pk)
    label = stored_regulation(membership.year, membership.cluster).reason_label(flag.reason)
    _delete(
        flag,
        user=user,
        reason=f"Bỏ “{FLAG_LABELS[flag.kind]}” của {membership.unit.code} "
        f"({label}). Lý do: {reason}",
    )


# ---------------------------------------------------------------------------
# Reading the entries back (the sheet, the results, the adjustments page)


@dataclass(frozen=True)
class Entry:
    """A bonus, deduction or flag as the pages show it."""

    source: str  # "bonus", "deduction" or "flag"
    pk: int
    membership_id: int
    kind: str
    points: Decimal | None  # a bonus's points
    count: int | None  # a deduction's count
    reason: str  # a bonus's or deduction's reason; a flag's note
    code: str  # a deduction's status; a flag's reason code
    evidence: str
    created_by: str
    created_at: datetime
    # The year's guidance, which names the kind and gives a deduction's points.
    regulation: Regulation = DEFAULT

    @property
    def kind_label(self) -> str:
        if self.source == "bonus":
            return self.regulation.bonus_label(self.kind)
        if self.source == "deduction":
            return self.regulation.deduction_label(self.kind)
        return FLAG_LABELS.get(self.kind, self.kind)

    @property
    def amount(self) -> Decimal | None:
        """Points added (bonus) or taken (deduction); None for a flag."""
        if self.source == "bonus":
            return self.points
        if self.source == "deduction":
            kind = self.regulation.deductions.get(self.kind)
            return (kind.points if kind else Decimal(0)) * (self.count or 0)
        return None

    @property
    def amount_text(self) -> str:
        if self.source == "bonus":
            return f"+{engine.fmt_points(self.points)}"
        if self.source == "deduction":
            return f"−{engine.fmt_points(self.amount)}"
        return ""

    @property
    def counts(self) -> bool:
        """Whether it weighs in the results now (a deduction once confirmed)."""
        return self.source != "deduction" or self.code == Deduction.Status.CONFIRMED

    @property
    def status_label(self) -> str:
        return DEDUCTION_STATUS_LABELS.get(self.code, "") if self.source == "deduction" else ""

    @property
    def flag_reason_label(self) -> str:
        return self.regulation.reason_label(self.code) if self.source == "flag" else ""

    @property
    def staff_kind(self) -> bool:
        """Given by staff (removable by them), not the head's cluster bonus."""
        return not (self.source == "bonus" and self.kind in HEAD_BONUS_KINDS)

    @property
    def province_kind(self) -> bool:
        """The council's bonus: removable by Sở Nội vụ only."""
        return self.source == "bonus" and self.kind in PROVINCE_BONUS_KINDS


@dataclass
class UnitEntries:
    bonuses: list[Entry] = field(default_factory=list)
    deductions: list[Entry] = field(default_factory=list)
    flags: list[Entry] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.bonuses or self.deductions or self.flags)

    @property
    def bonus_total(self) -> Decimal:
        return sum((e.points for e in self.bonuses), Decimal(0))

    @property
    def deduction_total(self) -> Decimal:
        return sum((e.amount for e in self.deductions if e.counts), Decimal(0))

    def bonus_sum(self, kind: str) -> Decimal:
        return sum((e.points for e in self.bonuses if e.kind == kind), Decimal(0))


_COLUMNS = (
    "e_source",
    "e_pk",
    "e_membership",
    "e_kind",
    "e_points",
    "e_count",
    "e_reason",
    "e_code",
    "e_evidence",
    "e_first_name",
    "e_last_name",
    "e_username",
    "e_created_at",
)


def _columns(source: str, *, points, count, reason, code, evidence) -> dict:
    return {
        "e_source": Value(source, output_field=models.CharField()),
        "e_pk": F("pk"),
        "e_membership": F("membership_id"),
        "e_kind": F("kind"),
        "e_points": points,
        "e_count": count,
        "e_reason": reason,
        "e_code": code,
        "e_evidence": evidence,
        "e_first_name": F("created_by__first_name"),
        "e_last_name": F("created_by__last_name"),
        "e_username": F("created_by__username"),
        "e_created_at": F("created_at"),
    }


def entries_of(
    memberships: Iterable[Membership] | models.QuerySet,
    *,
    with_flags: bool = True,
    regulation: Regulation = DEFAULT,
) -> dict[int, UnitEntries]:
    """The bonuses, deductions (every status) and flags of these memberships
    (of one cluster's year, scored under `regulation`), by membership id,
    oldest first, in one query (a UNION of the three tables)."""
    ids = memberships if isinstance(memberships, models.QuerySet) else [m.pk for m in memberships]
    if not isinstance(ids, models.QuerySet) and not ids:
        return {}
    no_points = Value(None, output_field=DecimalField(max_digits=7, decimal_places=2))
    no_count = Value(None, output_field=IntegerField())
    blank = Value("", output_field=models.CharField())
    parts = [
        Bonus.objects.filter(membership__in=ids).annotate(
            **_columns(
                "bonus",
                points=F("points"),
                count=no_count,
                reason=F("reason"),
                code=blank,
                evidence=blank,
            )
        ),
        Deduction.objects.filter(membership__in=ids).annotate(
            **_columns(
                "deduction",
                points=no_points,
                count=F("count"),
                reason=F("reason"),
                code=F("status"),
                evidence=F("evidence"),
            )
        ),
    ]
    if with_flags:
        parts.append(
            Flag.objects.filter(membership__in=ids).annotate(
                **_columns(
                    "flag",
                    points=no_points,
                    count=no_count,
                    reason=F("note"),
                    code=F("reason"),
                    evidence=F("evidence"),
                )
            )
        )
    queries = [part.values_list(*_COLUMNS) for part in parts]
    rows = queries[0].union(*queries[1:], all=True).order_by("e_created_at", "e_pk")
    found: dict[int, UnitEntries] = defaultdict(UnitEntries)
    for row in rows:
        source, pk, membership_id, kind, points, count, reason, code, evidence = row[:9]
        first, last, username, created_at = row[9:]
        entry = Entry(
            source=source,
            pk=pk,
            membership_id=membership_id,
            kind=kind,
            points=None if points is None else Decimal(points).quantize(engine.CENT),
            count=count,
            reason=reason or "",
            code=code or "",
            evidence=evidence or "",
            created_by=full_name(first, last) or (username or ""),
            created_at=created_at,
            regulation=regulation,
        )
        unit = found[membership_id]
        {"bonus": unit.bonuses, "deduction": unit.deductions, "flag": unit.flags}[source].append(
            entry
        )
    return found


def cluster_cap(cluster: Cluster | int, year: EmulationYear | int) -> Decimal | None:
    """The cluster's own bonus cap of its issued scorecard (R23), if issued."""
    return (
        Scorecard.objects.issued()
        .filter(cluster=cluster, year=year)
        .values_list("cluster_bonus_max", flat=True)
        .first()
    )


# ---------------------------------------------------------------------------
# Checks and helpers


def may_give_bonus(user: User, membership: Membership, kind: str, *, leads: bool) -> bool:
    """Whether the user gives (and removes) bonuses of `kind` (R23)."""
    if kind in HEAD_BONUS_KINDS:
        return leads
    if kind in PROVINCE_BONUS_KINDS:
        return acts_for_province(user)
    return user.is_superuser or is_staff_of(user, membership.cluster)


def _ensure_may_bonus(user: User, membership: Membership, kind: str) -> None:
    own = Membership.objects.of_user(user, membership.year_id) if user.is_authenticated else None
    leads = own is not None and own.cluster_id == membership.cluster_id and own.leads
    if not may_give_bonus(user, membership, kind, leads=leads):
        raise PermissionDenied(
            "Chỉ trưởng cụm, khối được cộng điểm thưởng của cụm, khối."
            if kind in HEAD_BONUS_KINDS
            else "Chỉ Sở Nội vụ (cơ quan thường trực Hội đồng Thi đua – Khen thưởng tỉnh) được "
            "ghi điểm thưởng của Hội đồng."
            if kind in PROVINCE_BONUS_KINDS
            else "Chỉ cán bộ cơ quan hướng dẫn cụm, khối được cộng điểm thưởng này."
        )


def _ensure_staff(user: User, cluster: Cluster) -> None:
    if not (user.is_authenticated and (user.is_superuser or is_staff_of(user, cluster))):
        raise PermissionDenied("Chỉ cán bộ cơ quan hướng dẫn cụm, khối được làm việc này.")


def _required(text: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError(message)
    return text


def _membership_of(record: Bonus | Deduction | Flag) -> Membership:
    return Membership.objects.select_related("cluster__authority", "year", "unit").get(
        pk=record.membership_id
    )


def _lock(membership: Membership) -> None:
    """Serialise with the unit's other writes and the agreement (scoring.sheets)."""
    list(
        Membership.objects.select_for_update(of=("self",))
        .filter(pk=membership.pk)
        .values_list("pk")
    )


def _current(model: type[models.Model], pk: int):
    """The entry as stored now (its unit's row is locked), or why it is gone."""
    found = model.objects.filter(pk=pk).first()
    if found is None:
        raise ValidationError("Mục này vừa được người khác xóa.")
    return found


def _ensure_unlocked(membership: Membership) -> None:
    agreed = ScoreAgreement.objects.filter(
        cluster_id=membership.cluster_id, year_id=membership.year_id, agreed_at__isnull=False
    )
    if agreed.exists():
        raise ValidationError(
            f"Điểm của cụm, khối năm {membership.year.year} đã được thống nhất và đang khóa: "
            "không thay đổi được điểm thưởng, điểm trừ. Cán bộ cơ quan hướng dẫn cần mở lại "
            "điểm trước."
        )


def _save(instance: models.Model, *, user: User | None, reason: str) -> None:
    """Save with the history row's who and why (R35)."""
    instance._change_reason = reason
    if user is not None:
        instance._history_user = user
    try:
        instance.save()
    finally:
        # simple-history reads these on every save; they must not leak into the next one.
        del instance._change_reason
        instance.__dict__.pop("_history_user", None)


def _delete(instance: models.Model, *, user: User | None, reason: str) -> None:
    """Delete; simple-history records the deletion with the same who and why."""
    instance._change_reason = reason
    if user is not None:
        instance._history_user = user
    instance.delete()


def _save_with_file(
    instance: models.Model,
    name: str,
    file: IO[bytes] | None,
    *,
    user: User,
    reason: str,
) -> None:
    """Save, storing `file` (checked by its bytes) under a random name first."""
    if file is None:
        _save(instance, user=user, reason=reason)
        return
    validate_upload(file)
    stored = getattr(instance, name)
    stored.save(f"{uuid4().hex}.{extension(file.name)}", file, save=False)
    try:
        _save(instance, user=user, reason=reason)
    except Exception:
        # The file is written before its row: a failed save must not leave it behind.
        stored.storage.delete(stored.name)
        raise
