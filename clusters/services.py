"""Every write to the organisation models and the year's activities.

Years (R5–R10 deadlines), registrations (R6; their saves, which check the
targets' links to the scorecard, are scoring.registrations), pledges, the
head's documents (R5, R7), reports (R10), conferences and attendance
(R8–R12), the deductions they suggest (confirmed against the year's guidance
by scoring.adjustments, R25), and the election of next year's head and
deputy (R2). Who may call what is checked by `clusters.access` in
the views; these functions keep the rules of the records themselves. Each
change is kept in the models' history with who and why (R35).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import partial

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone

from clusters import deadlines, extensions
from clusters.deduction_kinds import MEMBER_DUTY, has_member_duty, no_member_duty
from clusters.models import (
    Attendance,
    Cluster,
    Conference,
    Deadline,
    Deduction,
    Delegation,
    Election,
    EmulationYear,
    Extension,
    HeadDocument,
    Membership,
    Participation,
    Pledge,
    PledgeSignature,
    PriorRole,
    Registration,
    RegistrationTarget,
    Report,
    Succession,
    Unit,
)
from clusters.participation import FACT_LABELS, FACTS
from clusters.progress import StaleDeadline
from emulation import audit
from emulation.models import User
from emulation.uploads import validate_upload

_REASON_MAX = Registration.history.model._meta.get_field("history_change_reason").max_length


LETTERHEAD_FIELDS = ("superior_name", "issuer_name", "place_name", "signer_title", "signer_name")


@transaction.atomic
def unit_letterhead_update(*, unit: Unit, user: User, **fields: str) -> Unit:
    """What the unit's official documents print from now on: its issuing
    body, place and signer (Nghị định 30/2020). A document already issued is
    the file the unit kept; the history keeps who changed what."""
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    for name in LETTERHEAD_FIELDS:
        value = fields.get(name, "")
        lines = [" ".join(line.split()) for line in value.splitlines()]
        setattr(unit, name, "\n".join(line for line in lines if line))
    _save(unit, user=user, reason="Cập nhật thông tin in trên văn bản")
    return unit


@transaction.atomic
def year_create(*, year: int) -> EmulationYear:
    """The emulation year with its R5–R10 default deadlines for both calendars.

    Idempotent: an existing year keeps the dates staff may have changed.
    """
    emulation_year, _ = EmulationYear.objects.get_or_create(year=year)
    for calendar in Cluster.Calendar.values:
        for kind, due in deadlines.default_deadlines(year, calendar).items():
            Deadline.objects.get_or_create(
                year=emulation_year, calendar=calendar, kind=kind, defaults={"due_date": due}
            )
    return emulation_year


def due_date(
    *, cluster: Cluster, year: EmulationYear, kind: str, membership: Membership | None = None
) -> date | None:
    """The year's date of an activity for the cluster's calendar (R5–R10), if
    set, moved by an active extension for the cluster or `membership` (#14)."""
    deadline = Deadline.objects.filter(year=year, calendar=cluster.calendar, kind=kind).first()
    if deadline is None:
        return None
    table = extensions.table([year.pk], [cluster.pk])
    return table.due(deadline, cluster.pk, membership.pk if membership else None)


def _save(instance: models.Model, *, user: User | None, reason: str) -> None:
    """Save with the history row's who and why (R35)."""
    instance._change_reason = _fit(reason)
    if user is not None:
        instance._history_user = user
    try:
        instance.save()
    finally:
        # simple-history reads these on every save; they must not leak into the next one.
        del instance._change_reason
        instance.__dict__.pop("_history_user", None)


def _delete(instance: models.Model, *, user: User | None, reason: str) -> None:
    instance._change_reason = _fit(reason)
    if user is not None:
        instance._history_user = user
    instance.delete()


def _fit(reason: str) -> str:
    """Fit a change reason into its column (unbounded when it is a text field)."""
    if _REASON_MAX is None or len(reason) <= _REASON_MAX:
        return reason
    return reason[: _REASON_MAX - 1] + "…"


def _day(value: date) -> str:
    return f"{value:%d/%m/%Y}"


def _store(file: UploadedFile | None) -> UploadedFile | None:
    """Check an uploaded file again before it is stored (forms check it first)."""
    if file is not None:
        validate_upload(file)
    return file


def _head_of(cluster: Cluster, year: EmulationYear) -> Membership:
    head = Membership.objects.filter(cluster=cluster, year=year, role=Membership.Role.HEAD).first()
    if head is None:
        raise ValidationError(f"Cụm, khối chưa có trưởng cụm, khối trong năm {year.year}.")
    return head


# ---------------------------------------------------------------------------
# Extensions of a deadline (#14)

EXTENDED_BY_HEAD = deadlines.MEMBER_KINDS


@transaction.atomic
def extension_grant(
    *,
    deadline: Deadline,
    cluster: Cluster,
    membership: Membership | None,
    due_date: date,
    reason: str,
    user: User | None,
    province: bool = True,
) -> Extension:
    """Give a unit (or, without `membership`, the whole cluster) a later date
    for one deadline, with a reason kept in the history (R35).

    Sở Nội vụ (`province`) extends any deadline. The head extends only what
    its members send it (registration, reports and, due with the annual
    report, the self-scoring sheet), and never for its own unit. A second
    extension of the same deadline for the same unit replaces the first.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError("Cần ghi lý do gia hạn.")
    if deadline.calendar != cluster.calendar:
        raise ValidationError("Hạn này không thuộc lịch thi đua của cụm, khối.")
    if membership is not None and membership.cluster_id != cluster.pk:
        raise ValidationError("Đơn vị không thuộc cụm, khối này.")
    if not province:
        if deadline.kind not in EXTENDED_BY_HEAD:
            raise ValidationError(
                "Chỉ Sở Nội vụ gia hạn các việc của trưởng cụm, khối; trưởng cụm, khối gia hạn "
                "việc đăng ký thi đua và gửi báo cáo của đơn vị thành viên."
            )
        if membership is not None and user is not None and membership.unit_id == user.unit_id:
            raise ValidationError(
                "Trưởng cụm, khối không tự gia hạn cho đơn vị mình; hãy đề nghị Sở Nội vụ."
            )
    if due_date <= deadline.due_date:
        raise ValidationError(
            f"Hạn mới {_day(due_date)} phải sau hạn hiện tại {_day(deadline.due_date)}."
        )
    deadline.year.check_date(due_date, calendar=cluster.calendar, what="Hạn mới", happened=False)
    existing = (
        Extension.objects.active()
        .select_for_update()
        .filter(deadline=deadline, cluster=cluster, membership=membership)
        .first()
    )
    extension = existing or Extension(
        deadline=deadline, cluster=cluster, year=deadline.year, membership=membership
    )
    old = extension.due_date
    extension.due_date = due_date
    extension.reason = reason
    extension.granted_by = user
    extension.granted_at = timezone.now()
    whom = membership.unit.name if membership else f"cả {cluster.name}"
    what = deadlines.KIND_LABELS[deadline.kind]
    change = f" (thay gia hạn đến {_day(old)})" if old else ""
    _save(
        extension,
        user=user,
        reason=f"Gia hạn {what} cho {whom} đến {_day(due_date)}{change}: {reason}",
    )
    return extension


@transaction.atomic
def extension_revoke(
    *, extension: Extension, reason: str, user: User | None, province: bool = True
) -> Extension:
    """End an extension: the deadline's own date counts again for the unit."""
    reason = reason.strip()
    if not reason:
        raise ValidationError("Cần ghi lý do thu hồi gia hạn.")
    extension = Extension.objects.select_for_update().get(pk=extension.pk)
    if not extension.is_active:
        raise ValidationError("Gia hạn này đã được thu hồi.")
    if not province and extension.deadline.kind not in EXTENDED_BY_HEAD:
        raise ValidationError("Chỉ Sở Nội vụ thu hồi gia hạn các việc của trưởng cụm, khối.")
    extension.revoked_at = timezone.now()
    extension.revoked_by = user
    _save(extension, user=user, reason=f"Thu hồi gia hạn đến {_day(extension.due_date)}: {reason}")
    return extension


# ---------------------------------------------------------------------------
# The head's delegation to the deputy ([I.2.2], R3; #14)


@transaction.atomic
def delegation_grant(
    *, head: Membership, starts_on: date, ends_on: date, purpose: str, user: User | None
) -> Delegation:
    """The head delegates to the cluster's deputy of the year for a period
    and a purpose; the deputy leads (Membership.leads) only within it."""
    purpose = purpose.strip()
    if not purpose:
        raise ValidationError("Cần ghi nội dung ủy quyền.")
    if ends_on < starts_on:
        raise ValidationError("Ngày kết thúc phải từ ngày bắt đầu trở đi.")
    if ends_on < timezone.localdate():
        raise ValidationError("Thời hạn ủy quyền đã qua.")
    for day, what in ((starts_on, "Ngày bắt đầu ủy quyền"), (ends_on, "Ngày kết thúc ủy quyền")):
        head.year.check_date(day, calendar=head.cluster.calendar, what=what, happened=False)
    deputy = (
        Membership.objects.select_for_update()
        .select_related("unit")
        .filter(cluster=head.cluster, year=head.year, role=Membership.Role.DEPUTY)
        .first()
    )
    if deputy is None:
        raise ValidationError(
            f"Cụm, khối chưa có phó trưởng cụm, khối trong năm {head.year.year} để ủy quyền."
        )
    overlapping = deputy.delegations.filter(
        ended_at__isnull=True, starts_on__lte=ends_on, ends_on__gte=starts_on
    ).first()
    if overlapping is not None:
        raise ValidationError(
            f"Thời hạn trùng với ủy quyền từ {_day(overlapping.starts_on)} đến "
            f"{_day(overlapping.ends_on)}; hãy kết thúc ủy quyền đó trước."
        )
    delegation = Delegation(
        membership=deputy, starts_on=starts_on, ends_on=ends_on, purpose=purpose, created_by=user
    )
    _save(
        delegation,
        user=user,
        reason=(
            f"Ủy quyền cho {deputy.unit.name} từ {_day(starts_on)} đến {_day(ends_on)}: {purpose}"
        ),
    )
    return delegation


@transaction.atomic
def delegation_end(*, delegation: Delegation, reason: str, user: User | None) -> Delegation:
    """The head ends a delegation before its term: the deputy leads no more."""
    reason = reason.strip()
    if not reason:
        raise ValidationError("Cần ghi lý do kết thúc ủy quyền.")
    delegation = Delegation.objects.select_for_update().get(pk=delegation.pk)
    if delegation.is_ended:
        raise ValidationError("Ủy quyền này đã kết thúc.")
    delegation.ended_at = timezone.now()
    delegation.ended_by = user
    _save(delegation, user=user, reason=f"Kết thúc ủy quyền: {reason}")
    return delegation


# ---------------------------------------------------------------------------
# Registration (R6, Phụ lục 01)


@dataclass(frozen=True)
class TargetInput:
    """A main target as the registration form gives it."""

    title: str
    measure: str = ""
    planned_value: Decimal | None = None
    criterion_id: int | None = None


def registered_plans(membership: Membership) -> dict[int, Decimal]:
    """Criterion id → the plan the unit registered for it (R19: a quantitative
    criterion's plan comes from the registration where it has that target).

    Only a submitted registration counts, and only targets linked to a
    criterion with a planned value. A link to a criterion of a scorecard
    that was since replaced stays in the answer; the caller looks up the
    criteria of the issued scorecard. One query.
    """
    return registered_plans_of([membership]).get(membership.pk, {})


def registered_plans_query(memberships) -> models.QuerySet:
    """The targets that give the plans of `memberships` (objects, ids or a QuerySet)."""
    return RegistrationTarget.objects.filter(
        registration__membership__in=memberships,
        registration__status=Registration.Status.SUBMITTED,
        criterion__isnull=False,
        planned_value__isnull=False,
    ).order_by()  # a mapping: the targets' order would only cost a sort (#17)


def registered_plans_of(memberships: Iterable[Membership]) -> dict[int, dict[int, Decimal]]:
    """`registered_plans` for many units at once: membership id → its plans. One
    query (a QuerySet of memberships is its subquery)."""
    plans: dict[int, dict[int, Decimal]] = {}
    members = memberships if isinstance(memberships, models.QuerySet) else list(memberships)
    rows = registered_plans_query(members).values_list(
        "registration__membership_id", "criterion_id", "planned_value"
    )
    for membership_id, criterion_id, planned in rows:
        plans.setdefault(membership_id, {})[criterion_id] = planned
    return plans


class StaleRegistration(ValidationError):
    """A registration saved from a page whose revision was since replaced."""

    def __init__(self, registration: Registration | None) -> None:
        self.revision = registration.revision if registration else None
        current = (
            f"mục tiêu “{registration.objectives}”, {registration.targets.count()} chỉ tiêu chủ yếu"
            if registration is not None
            else "chưa có bản đăng ký"
        )
        super().__init__(
            f"Bản đăng ký vừa được người khác lưu; hiện tại: {current}. "
            "Hãy xem lại rồi lưu lần nữa.",
            code="stale",
        )


def behalf_reason(reason: str, *, membership: Membership, user: User | None, on_behalf: str) -> str:
    """A history reason marked "entered by X on behalf of Y" with why (#14)."""
    if not on_behalf:
        return reason
    who = (user.get_full_name() or user.username) if user is not None else "Hệ thống"
    return f"{who} nhập thay {membership.unit.name} từ bản giấy ({on_behalf.strip()}): {reason}"


@transaction.atomic
def registration_submit(
    *, membership: Membership, user: User | None, on_behalf: str = ""
) -> Registration:
    """Send the registration to the head and Sở Nội vụ (R6). After the
    deadline it is still accepted, and shown as late."""
    registration = (
        Registration.objects.select_for_update(of=("self",)).filter(membership=membership).first()
    )
    if registration is None or not registration.objectives.strip():
        raise ValidationError("Cần ghi mục tiêu trước khi gửi bản đăng ký.")
    if registration.is_submitted:
        raise ValidationError("Bản đăng ký đã được gửi.")
    if not registration.targets.exists():
        raise ValidationError("Cần ít nhất một chỉ tiêu thi đua chủ yếu trước khi gửi.")
    registration.status = Registration.Status.SUBMITTED
    registration.submitted_at = timezone.now()
    registration.submitted_by = user
    due = due_date(
        cluster=membership.cluster,
        year=membership.year,
        kind=deadlines.REGISTRATION,
        membership=membership,
    )
    late = f" sau hạn {_day(due)}" if registration.is_late(due) else ""
    said = partial(behalf_reason, membership=membership, user=user, on_behalf=on_behalf)
    _save(registration, user=user, reason=said(f"Gửi bản đăng ký thi đua{late}"))
    _participation_online(
        membership, "registered", user=user, reason=said(f"Gửi bản đăng ký{late}")
    )
    return registration


# ---------------------------------------------------------------------------
# Pledge (giao ước thi đua)


class StalePledge(ValidationError):
    """A pledge draft saved from a page whose revision was since replaced."""

    def __init__(self, pledge: Pledge | None) -> None:
        self.revision = pledge.revision if pledge else None
        current = f"“{pledge.text}”" if pledge is not None else "chưa có bản dự thảo"
        super().__init__(
            f"Giao ước vừa được người khác lưu; nội dung hiện tại: {current}. "
            "Hãy xem lại rồi lưu lần nữa.",
            code="stale",
        )


@transaction.atomic
def pledge_save(
    *,
    cluster: Cluster,
    year: EmulationYear,
    text: str,
    file: UploadedFile | None,
    user: User | None,
    revision: int | None,
) -> Pledge:
    """The head's draft of the year's pledge: its text, or a file, or both.

    `revision`: the Pledge.revision the page was loaded with (None: no draft
    yet); a save from an older page, or without it, is refused (StalePledge,
    #11.8), as for the registration."""
    pledge = (
        Pledge.objects.select_for_update(of=("self",)).filter(cluster=cluster, year=year).first()
    )
    if (pledge.revision if pledge else None) != revision:
        raise StalePledge(pledge)
    pledge = pledge or Pledge(cluster=cluster, year=year, revision=0)
    pledge.revision += 1
    if pledge.is_published:
        raise ValidationError("Giao ước đã công bố, không sửa được nữa.")
    pledge.text = text.strip()
    if _store(file) is not None:
        pledge.file = file
    _save(pledge, user=user, reason="Soạn giao ước thi đua")
    return pledge


@transaction.atomic
def pledge_publish(*, pledge: Pledge, user: User | None) -> Pledge:
    """Publish the pledge for the members to sign; it is frozen from then on."""
    pledge = Pledge.objects.select_for_update(of=("self",)).get(pk=pledge.pk)
    if pledge.is_published:
        raise ValidationError("Giao ước đã được công bố.")
    if not pledge.text and not pledge.file:
        raise ValidationError("Cần nội dung hoặc tệp giao ước trước khi công bố.")
    pledge.published_at = timezone.now()
    pledge.published_by = user
    _save(pledge, user=user, reason="Công bố giao ước thi đua")
    return pledge


def _check_signable(pledge: Pledge, membership: Membership) -> None:
    if not pledge.is_published:
        raise ValidationError("Giao ước chưa được công bố.")
    if membership.cluster_id != pledge.cluster_id or membership.year_id != pledge.year_id:
        raise ValidationError(f"{membership.unit} không thuộc cụm, khối của giao ước này.")


@transaction.atomic
def pledge_sign(*, pledge: Pledge, membership: Membership, user: User | None) -> PledgeSignature:
    """A member signs the published pledge online (who and when are kept).
    Signing twice keeps the first signature."""
    _check_signable(pledge, membership)
    signature = PledgeSignature.objects.filter(pledge=pledge, membership=membership).first()
    if signature is None:
        signature = PledgeSignature(
            pledge=pledge,
            membership=membership,
            method=PledgeSignature.Method.ONLINE,
            signed_on=timezone.localdate(),
            signed_by=user,
        )
        _save(signature, user=user, reason="Ký giao ước trực tuyến")
    _participation_online(membership, "pledge_signed", user=user, reason="Ký giao ước trực tuyến")
    return signature


@transaction.atomic
def pledge_record_paper(
    *,
    pledge: Pledge,
    memberships: Iterable[Membership],
    signed_on: date,
    user: User | None,
) -> list[PledgeSignature]:
    """The head records signatures made on paper at the conference; members
    that already signed keep their signature."""
    pledge.year.check_date(
        signed_on, calendar=pledge.cluster.calendar, what="Ngày ký giao ước", happened=True
    )
    signed = set(pledge.signatures.values_list("membership_id", flat=True))
    created = []
    for membership in memberships:
        _check_signable(pledge, membership)
        if membership.pk in signed:
            continue
        signature = PledgeSignature(
            pledge=pledge,
            membership=membership,
            method=PledgeSignature.Method.PAPER,
            signed_on=signed_on,
            signed_by=user,
        )
        paper = f"Ký giao ước trên giấy tại hội nghị ngày {_day(signed_on)}"
        _save(signature, user=user, reason=paper)
        _participation_write(
            membership=membership,
            fact="pledge_signed",
            value=True,
            source=Participation.Source.MANUAL,
            user=user,
            reason=f"Ghi nhận thủ công: {paper}",
        )
        signed.add(membership.pk)
        created.append(signature)
    return created


def _correction_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationError("Cần ghi lý do sửa chữ ký giao ước.")
    return reason


@transaction.atomic
def pledge_signature_redate(
    *, signature: PledgeSignature, signed_on: date, reason: str, user: User | None
) -> PledgeSignature:
    """Correct the date of a signature recorded wrongly; the history keeps the
    old date, who and why (R35)."""
    reason = _correction_reason(reason)
    signature = PledgeSignature.objects.select_for_update(of=("self",)).get(pk=signature.pk)
    pledge = signature.pledge
    pledge.year.check_date(
        signed_on, calendar=pledge.cluster.calendar, what="Ngày ký giao ước", happened=True
    )
    if signed_on == signature.signed_on:
        raise ValidationError("Ngày mới trùng với ngày ký đã ghi.")
    old = signature.signed_on
    signature.signed_on = signed_on
    _save(
        signature,
        user=user,
        reason=f"Sửa ngày ký giao ước từ {_day(old)} thành {_day(signed_on)}: {reason}",
    )
    return signature


@transaction.atomic
def pledge_signature_withdraw(
    *, signature: PledgeSignature, reason: str, user: User | None
) -> None:
    """Remove a signature recorded for the wrong unit (or by mistake); the unit
    may sign again. The history keeps the signature, who removed it and why (R35)."""
    reason = _correction_reason(reason)
    signature = (
        PledgeSignature.objects.select_for_update(of=("self",))
        .select_related("membership__unit")
        .get(pk=signature.pk)
    )
    unit = signature.membership.unit.code
    _delete(signature, user=user, reason=f"Hủy chữ ký giao ước của {unit}: {reason}")


# ---------------------------------------------------------------------------
# The head's documents (R5, R7) and the members' reports (R10)


@transaction.atomic
def head_document_upload(
    *,
    cluster: Cluster,
    year: EmulationYear,
    kind: str,
    number: str,
    issued_on: date,
    file: UploadedFile,
    user: User | None,
) -> HeadDocument:
    """Upload the programme (R5) or the scoring regulation (R7); a new upload
    replaces the old one. Issued after its deadline, it proposes one
    `head_duty` deduction of the head unit for staff to confirm (R25); a
    re-upload never proposes a second one."""
    if kind not in HeadDocument.Kind.values:
        raise ValidationError("Loại văn bản không hợp lệ.")
    year.check_date(issued_on, calendar=cluster.calendar, what="Ngày ban hành", happened=True)
    head = _head_of(cluster, year)
    _store(file)
    document = (
        HeadDocument.objects.select_for_update(of=("self",))
        .filter(cluster=cluster, year=year, kind=kind)
        .first()
    ) or HeadDocument(cluster=cluster, year=year, kind=kind)
    document.number = number.strip()
    document.issued_on = issued_on
    document.file = file
    document.uploaded_by = user
    label = HeadDocument.Kind(kind).label
    _save(document, user=user, reason=f"Tải lên {label} ban hành ngày {_day(issued_on)}")
    due = due_date(cluster=cluster, year=year, kind=kind, membership=head)
    if document.is_late(due) and document.late_deduction_id is None:
        document.late_deduction = _propose(
            membership=head,
            kind="head_duty",
            reason=(
                f"Ban hành chậm {label} năm {year.year}: ngày ban hành {_day(issued_on)}, "
                f"hạn {_day(due)}."
            ),
            user=user,
        )
        _save(document, user=user, reason="Đề nghị điểm trừ do ban hành chậm")
    return document


@transaction.atomic
def report_upload(
    *,
    membership: Membership,
    kind: str,
    number: str,
    reported_on: date,
    file: UploadedFile,
    user: User | None,
) -> Report:
    """A member sends its mid-year or annual report (R10); a new upload replaces the old one."""
    if kind not in Report.Kind.values:
        raise ValidationError("Loại báo cáo không hợp lệ.")
    membership.year.check_date(
        reported_on, calendar=membership.cluster.calendar, what="Ngày báo cáo", happened=True
    )
    _store(file)
    report = (
        Report.objects.select_for_update(of=("self",))
        .filter(membership=membership, kind=kind)
        .first()
    ) or Report(membership=membership, kind=kind)
    report.number = number.strip()
    report.reported_on = reported_on
    report.file = file
    report.uploaded_by = user
    sent = f"Gửi {Report.Kind(kind).label} ngày {_day(reported_on)}"
    _save(report, user=user, reason=sent)
    fact = "mid_year_report" if kind == Report.Kind.MID_YEAR else "annual_report"
    _participation_online(membership, fact, user=user, reason=sent)
    return report


# ---------------------------------------------------------------------------
# Conferences and attendance (R8–R12)


def conference_default_place(*, cluster: Cluster, year: EmulationYear, kind: str) -> str:
    """R8: the mid-year conference at the deputy's unit; R9: the annual one
    (and its preparatory meeting) at the head's unit. Empty when unknown."""
    role = Membership.Role.DEPUTY if kind == Conference.Kind.MID_YEAR else Membership.Role.HEAD
    if kind == Conference.Kind.OTHER:
        return ""
    leaders = Membership.objects.filter(
        cluster=cluster, year=year, role__in=[role, Membership.Role.HEAD]
    ).select_related("unit")
    by_role = {m.role: m.unit.name for m in leaders}
    return by_role.get(role) or by_role.get(Membership.Role.HEAD, "")


def _check_preparatory(conference: Conference) -> None:
    """R11: a preparatory meeting at least one day before the annual conference."""
    kinds = {Conference.Kind.PREPARATORY, Conference.Kind.ANNUAL}
    if conference.kind not in kinds:
        return
    other_kind = (kinds - {conference.kind}).pop()
    other = (
        Conference.objects.filter(cluster=conference.cluster, year=conference.year, kind=other_kind)
        .exclude(pk=conference.pk)
        .first()
    )
    if other is None:
        return
    preparatory, annual = (
        (conference, other)
        if conference.kind == Conference.Kind.PREPARATORY
        else (other, conference)
    )
    if preparatory.held_on >= annual.held_on:
        raise ValidationError(
            "Họp trù bị phải diễn ra trước Hội nghị tổng kết ít nhất 01 ngày: "
            f"họp trù bị ngày {_day(preparatory.held_on)}, "
            f"hội nghị tổng kết ngày {_day(annual.held_on)}."
        )


class StaleConference(ValidationError):
    """A conference edited from a page whose revision was since replaced."""

    def __init__(self, conference: Conference) -> None:
        self.revision = conference.revision
        super().__init__(
            "Hội nghị vừa được người khác sửa; hiện tại: "
            f"ngày {_day(conference.held_on)}, tại {conference.place}. "
            "Hãy xem lại rồi lưu lần nữa.",
            code="stale",
        )


@transaction.atomic
def conference_save(
    *,
    cluster: Cluster,
    year: EmulationYear,
    kind: str,
    held_on: date,
    place: str,
    agenda: str = "",
    title: str = "",
    minutes: UploadedFile | None = None,
    conference: Conference | None = None,
    revision: int | None = None,
    user: User | None,
) -> Conference:
    """Create (or, with `conference`, change) a conference of the cluster's year.

    A change carries the Conference.revision its page was loaded with: of
    two edits from the same page the second is refused with the current date
    and place (StaleConference), and so is an edit without it (#11.8)."""
    if kind not in Conference.Kind.values:
        raise ValidationError("Loại hội nghị không hợp lệ.")
    if conference is None:
        if (
            kind in Conference.SINGLE_KINDS
            and Conference.objects.filter(cluster=cluster, year=year, kind=kind).exists()
        ):
            raise ValidationError(
                f"Cụm, khối đã có {Conference.Kind(kind).label} trong năm {year.year}."
            )
        conference = Conference(cluster=cluster, year=year, kind=kind, created_by=user)
    elif conference.cluster_id != cluster.pk or conference.year_id != year.pk:
        raise ValidationError("Hội nghị không thuộc cụm, khối và năm này.")
    else:
        conference = Conference.objects.select_for_update(of=("self",)).get(pk=conference.pk)
        if conference.revision != revision:
            raise StaleConference(conference)
        conference.revision += 1
    # A conference may be planned ahead; once it has minutes it has been held.
    held = minutes is not None or bool(conference.minutes)
    year.check_date(held_on, calendar=cluster.calendar, what="Ngày tổ chức", happened=held)
    conference.held_on = held_on
    conference.place = place.strip()
    conference.agenda = agenda.strip()
    conference.title = title.strip()
    if _store(minutes) is not None:
        conference.minutes = minutes
    _check_preparatory(conference)
    _save(conference, user=user, reason=f"Ghi {conference.name} ngày {_day(held_on)}")
    return conference


_BREACH_WORDS = {
    Attendance.Status.ABSENT: "Vắng mặt tại",
    Attendance.Status.WRONG_COMPOSITION: "Tham dự không đúng thành phần tại",
}


class StaleAttendance(ValidationError):
    """Attendance recorded from a page loaded before another recording."""

    def __init__(self, conference: Conference, recorded: Iterable[Attendance]) -> None:
        self.revision = conference.attendance_revision
        current = "; ".join(
            f"{a.membership.unit.code}: {a.get_status_display()}"
            + (f" ({a.note})" if a.note else "")
            for a in sorted(recorded, key=lambda a: a.membership.unit.code)
        )
        super().__init__(
            "Thành phần tham dự vừa được người khác ghi; hiện tại: "
            f"{current or 'chưa ghi nhận đơn vị nào'}. Hãy xem lại rồi lưu lần nữa.",
            code="stale",
        )


@transaction.atomic
def conference_record_attendance(
    *,
    conference: Conference,
    statuses: Mapping[int, str],
    notes: Mapping[int, str] | None = None,
    revision: int | None,
    user: User | None,
) -> list[Attendance]:
    """Record each member's attendance (membership id → status) (R12).

    Absence or wrong composition proposes one `member_duty` deduction (count
    1) for the head and staff to confirm (R25). Recording again never adds a
    second proposal: a still-proposed one follows the new status (its
    reason is updated, or it is withdrawn when the unit did attend rightly);
    one already confirmed or rejected is left to staff.

    `revision` is the Conference.attendance_revision the page was loaded
    with: a recording from an older page, or without it, is refused with the
    attendance recorded now (StaleAttendance, #11.8).
    """
    notes = notes or {}
    members = {
        m.pk: m
        for m in Membership.objects.filter(
            cluster=conference.cluster, year=conference.year
        ).select_related("unit")
    }
    if set(statuses) - set(members):
        raise ValidationError("Có đơn vị không thuộc cụm, khối trong năm của hội nghị.")
    if set(statuses.values()) - set(Attendance.Status.values):
        raise ValidationError("Tình trạng tham dự không hợp lệ.")
    conference = Conference.objects.select_for_update(of=("self",)).get(pk=conference.pk)
    existing = {
        a.membership_id: a
        for a in conference.attendances.select_for_update(of=("self",)).select_related(
            "deduction", "membership__unit"
        )
    }
    if conference.attendance_revision != revision:
        raise StaleAttendance(conference, existing.values())
    # Counted without a history line of its own: each attendance row has one.
    conference.attendance_revision += 1
    Conference.objects.filter(pk=conference.pk).update(
        attendance_revision=conference.attendance_revision
    )
    recorded = []
    deducts = has_member_duty(conference.cluster, conference.year)  # once, not per unit
    for membership_id, status in statuses.items():
        attendance = existing.get(membership_id) or Attendance(
            conference=conference, membership=members[membership_id]
        )
        note = notes.get(membership_id, "").strip()
        if attendance.pk is None or (attendance.status, attendance.note) != (status, note):
            attendance.status = status
            attendance.note = note
            label = Attendance.Status(status).label
            _save(attendance, user=user, reason=f"Điểm danh {conference.name}: {label}")
        _follow_attendance(attendance, conference, user, deducts=deducts)
        recorded.append(attendance)
    return recorded


def _follow_attendance(
    attendance: Attendance, conference: Conference, user: User | None, *, deducts: bool
) -> None:
    """`deducts`: the year's guidance has a member_duty deduction to propose (R39)."""
    proposal = attendance.deduction
    if proposal is not None and proposal.status != Deduction.Status.PROPOSED:
        return
    if proposal is None and not deducts:
        return
    if not attendance.is_breach:
        if proposal is not None:
            attendance.deduction = None
            _save(attendance, user=user, reason="Thu hồi đề nghị điểm trừ")
            _delete(proposal, user=user, reason="Thu hồi: đơn vị tham dự đúng thành phần")
        return
    reason = (
        f"{_BREACH_WORDS[attendance.status]} {conference.name} ngày {_day(conference.held_on)}."
    )
    if proposal is None:
        attendance.deduction = _propose(
            membership=attendance.membership, kind=MEMBER_DUTY, reason=reason, user=user
        )
        _save(attendance, user=user, reason="Đề nghị điểm trừ do không tham dự đúng thành phần")
    elif proposal.reason != reason:
        proposal.reason = reason
        _save(proposal, user=user, reason="Cập nhật lý do theo điểm danh")


# ---------------------------------------------------------------------------
# Deductions proposed from the activities, confirmed by staff (R25)


def _propose(
    *, membership: Membership, kind: str, reason: str, count: int = 1, user: User | None
) -> Deduction:
    deduction = Deduction(
        membership=membership,
        kind=kind,
        count=count,
        reason=reason,
        status=Deduction.Status.PROPOSED,
        created_by=user,
    )
    _save(deduction, user=user, reason="Đề nghị điểm trừ")
    return deduction


@transaction.atomic
def deduction_propose(
    *, membership: Membership, reason: str, count: int = 1, user: User | None
) -> Deduction:
    """The head proposes a `member_duty` deduction for a member, with a reason
    (R25), where the year's guidance has that kind (R39)."""
    if not has_member_duty(membership.cluster, membership.year):
        raise ValidationError(no_member_duty(membership.year))
    if not reason.strip():
        raise ValidationError("Cần ghi lý do đề nghị điểm trừ.")
    if count < 1:
        raise ValidationError("Số lần phải từ 1 trở lên.")
    return _propose(
        membership=membership, kind=MEMBER_DUTY, reason=reason.strip(), count=count, user=user
    )


@transaction.atomic
def deduction_reject(*, deduction: Deduction, reason: str = "", user: User | None) -> Deduction:
    """Staff do not accept a proposed deduction; the reason is kept in its history."""
    deduction = Deduction.objects.select_for_update(of=("self",)).get(pk=deduction.pk)
    if deduction.status != Deduction.Status.PROPOSED:
        raise ValidationError("Chỉ không chấp nhận được điểm trừ đang ở trạng thái đề nghị.")
    deduction.status = Deduction.Status.REJECTED
    why = f": {reason.strip()}" if reason.strip() else ""
    _save(deduction, user=user, reason=f"Không chấp nhận điểm trừ{why}")
    return deduction


# ---------------------------------------------------------------------------
# Election of next year's head and deputy (R2, R13)


@dataclass(frozen=True)
class Candidate:
    """A member and the last year it held a role in this cluster (None: never);
    `held_by` names the predecessor whose turn that was, if not the unit's own;
    `entered` says the turn is one Sở Nội vụ entered from the old records."""

    membership: Membership
    last_held: int | None
    held_by: Unit | None = None
    entered: bool = False


def election_candidates(*, cluster: Cluster, year: EmulationYear) -> dict[str, list[Candidate]]:
    """R2's rotation: for the head and for the deputy role, this year's members
    ordered by how long ago they last held that role in this cluster (up to
    and including `year`): never first, then the longest ago; ties by unit
    code. The first of each list is the suggestion.

    A unit formed from others (#16) carries their turns: a commune formed from
    two communes, one head in 2025, has been head, whichever cluster that was
    in (the clusters were reorganised with the units). The years before a
    cluster's first year in the system count by the roles Sở Nội vụ entered
    from the old records (#14), like the years in it. Four queries."""
    from clusters.lineage import predecessor_ids

    members = list(Membership.objects.filter(cluster=cluster, year=year).select_related("unit"))
    chains = predecessor_ids(m.unit_id for m in members)
    predecessors = {pk for chain in chains.values() for pk in chain[1:]}
    whose = models.Q(cluster=cluster, unit_id__in=[m.unit_id for m in members]) | models.Q(
        unit_id__in=predecessors
    )
    roles = [Membership.Role.HEAD, Membership.Role.DEPUTY]
    held = (
        Membership.objects.filter(whose, year__year__lte=year.year, role__in=roles)
        .values("unit_id", "role")
        .annotate(last=Max("year__year"))
    )
    # (unit, role) → (last year, entered from the old records?)
    last = {(row["unit_id"], row["role"]): (row["last"], False) for row in held}
    entered = PriorRole.objects.filter(whose).values("unit_id", "role").annotate(last=Max("year"))
    for row in entered:
        key = (row["unit_id"], row["role"])
        if key not in last or row["last"] > last[key][0]:
            last[key] = (row["last"], True)
    units = Unit.objects.in_bulk(predecessors) if predecessors else {}

    def turn(member: Membership, role: str) -> Candidate:
        turns = [(*last[pk, role], pk) for pk in chains[member.unit_id] if (pk, role) in last]
        if not turns:
            return Candidate(member, None)
        when, by_record, pk = max(turns, key=lambda t: (t[0], t[2]))
        held_by = units.get(pk) if pk != member.unit_id else None
        return Candidate(member, when, held_by, entered=by_record)

    def rotation(role: str) -> list[Candidate]:
        candidates = [turn(m, role) for m in members]
        return sorted(
            candidates,
            key=lambda c: (c.last_held is not None, c.last_held or 0, c.membership.unit.code),
        )

    return {role: rotation(role) for role in roles}


def election_suggestion(
    candidates: Mapping[str, list[Candidate]],
) -> tuple[Unit | None, Unit | None]:
    """The suggested head and deputy: the first of each rotation, never the same unit."""
    heads = candidates.get(Membership.Role.HEAD, [])
    head = heads[0].membership.unit if heads else None
    deputy = next(
        (
            c.membership.unit
            for c in candidates.get(Membership.Role.DEPUTY, [])
            if c.membership.unit != head
        ),
        None,
    )
    return head, deputy


@transaction.atomic
def election_record(
    *,
    cluster: Cluster,
    year: EmulationYear,
    head: Unit,
    deputy: Unit | None,
    elected_on: date,
    user: User | None,
    reason: str = "",
) -> Election:
    """The annual conference's vote for next year's head and deputy (R2, R13).

    The seed: "Trưởng cụm, trưởng khối … được bầu (luân phiên) tại hội nghị
    tổng kết hằng năm": electing this year's head again is an exception, kept
    with its reason in the history (R35)."""
    year.check_date(elected_on, calendar=cluster.calendar, what="Ngày bầu", happened=True)
    members = set(
        Membership.objects.filter(cluster=cluster, year=year).values_list("unit_id", flat=True)
    )
    if head.pk not in members or (deputy is not None and deputy.pk not in members):
        raise ValidationError("Trưởng và phó trưởng được bầu phải là thành viên của cụm, khối.")
    if deputy is not None and deputy.pk == head.pk:
        raise ValidationError("Trưởng và phó trưởng cụm, khối phải là hai đơn vị khác nhau.")
    reason = reason.strip()
    re_elected = Membership.objects.filter(
        cluster=cluster, year=year, unit=head, role=Membership.Role.HEAD
    ).exists()
    if re_elected and not reason:
        raise ValidationError(
            f"{head.code} đang là trưởng cụm, khối năm {year.year}; trưởng cụm, khối được bầu "
            "luân phiên, nên bầu lại cần ghi lý do."
        )
    election = (
        Election.objects.select_for_update(of=("self",)).filter(cluster=cluster, year=year).first()
    ) or Election(cluster=cluster, year=year)
    if election.is_assigned:
        raise ValidationError("Đã có quyết định giao, không sửa được kết quả bầu.")
    before = (election.head_id, election.deputy_id)
    election.head = head
    election.deputy = deputy
    election.elected_on = elected_on
    election.recorded_by = user
    deputy_text = f", phó: {deputy.code}" if deputy else ""
    _save(
        election,
        user=user,
        reason=f"Kết quả bầu năm {year.year + 1}: trưởng {head.code}{deputy_text}"
        + (f" (bầu lại trưởng cụm, khối năm {year.year}; lý do: {reason})" if re_elected else ""),
    )
    _prepare_next_year(election, before=before)
    return election


def _prepare_next_year(election: Election, *, before: tuple[int | None, int | None]) -> None:
    """The elected head leads next year from the day of the vote: the seed has
    it elected at the annual conference that also holds "Ký kết giao ước và
    phát động thi đua năm tiếp theo" [I.3.2.b], so it drafts next year's
    programme, scorecard and pledge at once; the Chairman's assignment
    (`election_assign`) confirms it. Next year and the cluster's memberships
    are set up now; a vote recorded again before the assignment moves the
    roles it gave, and memberships made otherwise (by hand, by an import) are
    left for the assignment to check."""
    next_year = year_create(year=election.year.year + 1)
    existing = list(
        Membership.objects.select_for_update(of=("self",))
        .filter(cluster=election.cluster, year=next_year)
        .order_by("pk")
    )
    if not existing:
        _next_year_memberships(election, next_year)
        return
    leaders = {m.role: m.unit_id for m in existing if m.role != Membership.Role.MEMBER}
    if (leaders.get(Membership.Role.HEAD), leaders.get(Membership.Role.DEPUTY)) != before:
        return
    role_of = {election.head_id: Membership.Role.HEAD, election.deputy_id: Membership.Role.DEPUTY}
    # Demote first, then promote: a cluster-year has one head and one deputy (R2).
    changed = [m for m in existing if m.role != role_of.get(m.unit_id, Membership.Role.MEMBER)]
    for membership in changed:
        membership.role = Membership.Role.MEMBER
        membership.save(update_fields=["role"])
    for membership in changed:
        role = role_of.get(membership.unit_id, Membership.Role.MEMBER)
        if role != Membership.Role.MEMBER:
            membership.role = role
            membership.save(update_fields=["role"])


@transaction.atomic
def election_assign(
    *, election: Election, decision_number: str, decision_date: date, user: User | None
) -> list[Membership]:
    """Record the Chairman's assignment (decision number and date) and set up
    next year: the year with its deadlines, and the cluster's memberships
    (this year's members; the elected head and deputy in their roles).

    Next year's memberships of the cluster made before (by hand or by an
    import) are kept when they already have the elected head and deputy;
    with another head or deputy the assignment is refused. A member already
    placed in another cluster next year is left there, unless it is the
    elected head or deputy.
    """
    election = (
        Election.objects.select_for_update(of=("self",))
        .select_related("cluster", "year")
        .get(pk=election.pk)
    )
    if not decision_number.strip():
        raise ValidationError("Cần ghi số quyết định giao của Chủ tịch UBND tỉnh.")
    _check_assignment_date(election, decision_date)
    next_year = year_create(year=election.year.year + 1)
    existing = list(
        Membership.objects.filter(cluster=election.cluster, year=next_year).select_related("unit")
    )
    roles = {m.role: m.unit for m in existing}
    if existing:
        for role, elected in (
            (Membership.Role.HEAD, election.head),
            (Membership.Role.DEPUTY, election.deputy),
        ):
            current = roles.get(role)
            if current != elected:
                label = Membership.Role(role).label.lower()
                raise ValidationError(
                    f"Năm {next_year.year} cụm, khối đã có danh sách thành viên với {label} là "
                    f"{current or 'không có'}, khác kết quả bầu ({elected or 'không có'})."
                )
        created = []
    else:
        created = _next_year_memberships(election, next_year)
    election.decision_number = decision_number.strip()
    election.decision_date = decision_date
    election.assigned_by = user
    election.assigned_at = timezone.now()
    _save(
        election,
        user=user,
        reason=f"Quyết định giao số {election.decision_number} ngày {_day(decision_date)}",
    )
    return created


@transaction.atomic
def election_assignment_redate(
    *, election: Election, decision_date: date, reason: str, user: User | None
) -> Election:
    """Correct the date of a recorded assignment (issue #12: "a wrong date can be
    corrected with a reason"), checked like the first entry; the change and
    its reason go to the history (R35)."""
    election = (
        Election.objects.select_for_update(of=("self",))
        .select_related("cluster", "year")
        .get(pk=election.pk)
    )
    if not election.is_assigned:
        raise ValidationError("Chưa ghi nhận quyết định giao nên chưa có ngày để sửa.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Cần ghi lý do sửa ngày quyết định giao.")
    _check_assignment_date(election, decision_date)
    before, election.decision_date = election.decision_date, decision_date
    _save(
        election,
        user=user,
        reason=(
            f"Sửa ngày Quyết định giao số {election.decision_number} từ {_day(before)} "
            f"thành {_day(decision_date)}. Lý do: {reason}"
        ),
    )
    return election


def _check_assignment_date(election: Election, decision_date: date) -> None:
    """The assignment is dated within the year, not in the future, and not
    before the election it follows (R2)."""
    election.year.check_date(
        decision_date, calendar=election.cluster.calendar, what="Ngày quyết định", happened=True
    )
    if decision_date < election.elected_on:
        raise ValidationError(
            f"Ngày quyết định giao {_day(decision_date)} không được trước ngày bầu "
            f"{_day(election.elected_on)}."
        )


def _next_year_memberships(election: Election, next_year: EmulationYear) -> list[Membership]:
    units = list(
        Membership.objects.filter(cluster=election.cluster, year=election.year).values_list(
            "unit_id", flat=True
        )
    )
    elsewhere = set(
        Membership.objects.filter(year=next_year, unit_id__in=units).values_list(
            "unit_id", flat=True
        )
    )
    leaders = {election.head_id, election.deputy_id} - {None}
    if leaders & elsewhere:
        raise ValidationError(
            f"Đơn vị được bầu đã thuộc cụm, khối khác trong năm {next_year.year}."
        )
    role_of = {election.head_id: Membership.Role.HEAD, election.deputy_id: Membership.Role.DEPUTY}
    return Membership.objects.bulk_create(
        [
            Membership(
                cluster=election.cluster,
                year=next_year,
                unit_id=unit_id,
                role=role_of.get(unit_id, Membership.Role.MEMBER),
            )
            for unit_id in units
            if unit_id not in elsewhere
        ]
    )


# ---------------------------------------------------------------------------
# Heads and deputies before a cluster's first year in the system (#14)


@transaction.atomic
def prior_role_add(
    *, cluster: Cluster, year: int, unit: Unit, role: str, source: str, user: User | None
) -> PriorRole:
    """Sở Nội vụ enters a head or deputy of a year before the cluster's first
    year in the system, from the old records, for the rotation (R2)."""
    _lock_prior_roles(cluster)
    prior = PriorRole(
        cluster=cluster, year=year, unit=unit, role=role, source=source.strip(), recorded_by=user
    )
    prior.full_clean()
    _save(prior, user=user, reason=f"Nhập từ hồ sơ cũ {prior.describe()} (căn cứ: {prior.source})")
    return prior


@transaction.atomic
def prior_role_correct(
    *,
    prior: PriorRole,
    year: int,
    unit: Unit,
    role: str,
    source: str,
    reason: str,
    user: User | None,
) -> PriorRole:
    """Correct an entered head or deputy; the history keeps the old one and why."""
    reason = _required_reason(reason, "Cần ghi lý do sửa.")
    _lock_prior_roles(prior.cluster)
    prior = PriorRole.objects.select_related("cluster", "unit").get(pk=prior.pk)
    before = prior.describe()
    prior.year, prior.unit, prior.role, prior.source = year, unit, role, source.strip()
    prior.full_clean()
    _save(prior, user=user, reason=f"Sửa {before} thành {prior.describe()}: {reason}")
    return prior


@transaction.atomic
def prior_role_remove(*, prior: PriorRole, reason: str, user: User | None) -> None:
    reason = _required_reason(reason, "Cần ghi lý do xóa.")
    _delete(prior, user=user, reason=f"Xóa {prior.describe()}: {reason}")


@dataclass(frozen=True)
class PriorRolesPage:
    """A cluster's entered heads and deputies, its first year in the system
    (the entries come before it) and the latest changes to them, with who and why."""

    cluster: Cluster
    first_year: int | None
    roles: list[PriorRole]
    changes: list


def prior_roles_page(cluster: Cluster) -> PriorRolesPage:
    """Three queries."""
    roles = list(
        PriorRole.objects.filter(cluster=cluster)
        .select_related("unit", "recorded_by")
        .order_by("-year", "-role")
    )
    changes = list(
        PriorRole.history.filter(cluster_id=cluster.pk)
        .select_related("history_user")
        .order_by("-history_date")[:PRIOR_ROLE_CHANGES_SHOWN]
    )
    return PriorRolesPage(cluster, cluster.first_year(), roles, changes)


PRIOR_ROLE_CHANGES_SHOWN = 30


def _lock_prior_roles(cluster: Cluster) -> None:
    """One writer of a cluster's entered roles at a time: two entries for the
    same year and role cannot both pass the checks."""
    list(Cluster.objects.select_for_update().filter(pk=cluster.pk).values_list("pk"))


def _required_reason(reason: str, message: str) -> str:
    if not reason.strip():
        raise ValidationError(message)
    return reason.strip()


# ---------------------------------------------------------------------------
# The participation record (R27): one per unit and year, see `clusters.participation`


def _participation_write(
    *,
    membership: Membership,
    fact: str,
    value: bool | None,
    source: str,
    user: User | None,
    reason: str,
) -> Participation:
    """Write one fact, with its source, on the unit's record (created on first
    write). A change clears the head's confirmation: it needs a new look."""
    record = Participation.objects.select_for_update(of=("self",)).filter(
        membership=membership
    ).first() or Participation(membership=membership, revision=0)
    if getattr(record, fact) == value and getattr(record, f"{fact}_source") == source:
        return record
    record.revision += 1
    setattr(record, fact, value)
    setattr(record, f"{fact}_source", source)
    record.confirmed_at = None
    record.confirmed_by = None
    _save(record, user=user, reason=reason)
    return record


def _participation_online(
    membership: Membership, fact: str, *, user: User | None, reason: str
) -> None:
    """The unit's online work fills its record as it happens."""
    _participation_write(
        membership=membership,
        fact=fact,
        value=True,
        source=Participation.Source.ONLINE,
        user=user,
        reason=reason,
    )


def _fact_text(value: bool | None) -> str:
    return {True: "đã thực hiện", False: "không thực hiện", None: "chưa ghi nhận"}[value]


class StaleParticipation(ValidationError):
    """An entry by hand from a page whose record was since written."""

    def __init__(self, record: Participation, fact: str) -> None:
        self.revision = record.revision
        super().__init__(
            "Hồ sơ tham gia vừa được người khác ghi; hiện tại: "
            f"{FACT_LABELS[fact]} hiện là “{_fact_text(getattr(record, fact))}”. "
            "Hãy xem lại rồi lưu lần nữa.",
            code="stale",
        )


@transaction.atomic
def participation_set(
    *,
    membership: Membership,
    fact: str,
    value: bool | None,
    reason: str,
    user: User | None,
    revision: int | None,
) -> Participation:
    """The head or the staff enter one fact by hand (a pledge signed on paper,
    a report sent by post), with a reason kept in the history (R35).

    `revision` is the Participation.revision the page was loaded with (None:
    no record yet); an entry from an older page, or without it over a stored
    record, is refused with the current value (StaleParticipation, #11.8)."""
    if fact not in FACTS:
        raise ValidationError("Nội dung tham gia không hợp lệ.")
    reason = reason.strip()
    if not reason:
        raise ValidationError("Cần ghi lý do khi ghi nhận thủ công.")
    record = (
        Participation.objects.select_for_update(of=("self",)).filter(membership=membership).first()
    )
    if (record.revision if record else None) != revision:
        raise StaleParticipation(record, fact)
    old = getattr(record, fact, None)
    if old == value:
        raise ValidationError(f"{FACT_LABELS[fact]} đã là “{_fact_text(value)}”.")
    return _participation_write(
        membership=membership,
        fact=fact,
        value=value,
        source=Participation.Source.MANUAL,
        user=user,
        reason=_fit(
            f"Ghi nhận thủ công {FACT_LABELS[fact].lower()}: {_fact_text(old)} → "
            f"{_fact_text(value)}. Lý do: {reason}"
        ),
    )


CONFIRM_REASON = "Trưởng cụm, khối xác nhận hồ sơ tham gia trước khi thống nhất điểm"


@transaction.atomic
def participation_confirm(*, cluster: Cluster, year: EmulationYear, user: User | None) -> int:
    """The head confirms every member's record as it stands (before agreeing
    the scores: `scoring.sheets.scores_agree`). Returns how many it confirmed."""
    members = Membership.objects.filter(cluster=cluster, year=year)
    existing = {
        p.membership_id: p
        for p in Participation.objects.select_for_update(of=("self",)).filter(
            membership__in=members
        )
    }
    now = timezone.now()
    confirmed = 0
    for membership in members:
        record = existing.get(membership.pk) or Participation(membership=membership)
        if record.confirmed_at is not None:
            continue
        record.confirmed_at = now
        record.confirmed_by = user
        _save(record, user=user, reason=CONFIRM_REASON)
        confirmed += 1
    return confirmed


# Every save refused because its page was loaded before another change (#11.8).
STALE = (
    StaleRegistration,
    StalePledge,
    StaleConference,
    StaleAttendance,
    StaleParticipation,
    StaleDeadline,
)


@transaction.atomic
def succession_record(
    *,
    successor: Unit,
    predecessor: Unit,
    kind: str,
    effective_on: date,
    decision_number: str,
    decision_date: date,
    decision_body: str,
    user: User | None,
) -> Succession:
    """`successor` continues `predecessor` from `effective_on` by a decision (#16).

    A merger or a new name ends the predecessor the day before, unless it is
    dated already (a split may leave it in place: its end is entered apart);
    the successor, unless dated, begins that day.
    """
    if successor.pk == predecessor.pk:
        raise ValidationError("Một đơn vị không kế thừa chính nó.")
    if Succession.objects.filter(successor=successor, predecessor=predecessor).exists():
        raise ValidationError(f"{successor} đã được ghi là kế thừa {predecessor}.")
    today = timezone.localdate()
    if decision_date > today:
        raise ValidationError(
            f"Ngày ban hành {decision_date:%d/%m/%Y} là ngày trong tương lai: không được sau "
            f"hôm nay ({today:%d/%m/%Y})."
        )
    if effective_on < decision_date:
        raise ValidationError(
            f"Ngày có hiệu lực {effective_on:%d/%m/%Y} trước ngày ban hành quyết định "
            f"{decision_date:%d/%m/%Y}."
        )
    succession = Succession(
        successor=successor,
        predecessor=predecessor,
        kind=kind,
        effective_on=effective_on,
        decision_number=decision_number,
        decision_date=decision_date,
        decision_body=decision_body,
        recorded_by=user,
    )
    succession.full_clean()
    if successor.valid_until and effective_on > successor.valid_until:
        raise ValidationError(
            f"{successor} chỉ hoạt động đến ngày {successor.valid_until:%d/%m/%Y}: không kế "
            f"thừa từ ngày {effective_on:%d/%m/%Y}."
        )
    if predecessor.valid_from and effective_on <= predecessor.valid_from:
        raise ValidationError(
            f"{predecessor} chỉ hoạt động từ ngày {predecessor.valid_from:%d/%m/%Y}: đơn vị "
            f"kế thừa phải có hiệu lực sau ngày đó."
        )
    why = (
        f"{succession.get_kind_display()} {predecessor.code} theo {decision_number} "
        f"ngày {decision_date:%d/%m/%Y} của {decision_body}"
    )
    audit.save(succession, user=user, reason=why)
    if predecessor.valid_until is None and kind != Succession.Kind.SPLIT:
        predecessor.valid_until = effective_on - timedelta(days=1)
        audit.save(predecessor, user=user, reason=why)
    if successor.valid_from is None:
        successor.valid_from = effective_on
        audit.save(successor, user=user, reason=why)
    return succession


# ---------------------------------------------------------------------------
# The organisation, kept by Sở Nội vụ in the browser (#14): units, clusters
# and blocks, and the memberships of a cluster's year (R1, R2).


@transaction.atomic
def unit_save(*, unit: Unit, user: User | None) -> Unit:
    """Create or edit a unit (its code, name and kind); in the history (R35)."""
    unit.code, unit.name = unit.code.strip(), unit.name.strip()
    if Unit.objects.filter(code__iexact=unit.code).exclude(pk=unit.pk).exists():
        raise ValidationError(f"Đã có đơn vị mã {unit.code}.")
    _save(unit, user=user, reason=f"{'Sửa' if unit.pk else 'Tạo'} đơn vị {unit.code}")
    return unit


@transaction.atomic
def unit_set_active(*, unit: Unit, active: bool, reason: str, user: User | None) -> Unit:
    """Deactivate a unit (merged, dissolved) or activate it again, with a
    reason. Its past years stay; a deactivated unit joins no cluster's year."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Cần ghi lý do.")
    if unit.is_active == active:
        return unit
    unit.is_active = active
    action = "Kích hoạt lại" if active else "Ngừng hoạt động"
    _save(unit, user=user, reason=f"{action} đơn vị {unit.code}. Lý do: {reason}")
    return unit


@transaction.atomic
def cluster_save(*, cluster: Cluster, user: User | None) -> Cluster:
    """Create or edit a cluster or block (R1, R4); in the history (R35)."""
    cluster.code, cluster.name = cluster.code.strip(), cluster.name.strip()
    if Cluster.objects.filter(code__iexact=cluster.code).exclude(pk=cluster.pk).exists():
        raise ValidationError(f"Đã có cụm, khối mã {cluster.code}.")
    action = "Sửa" if cluster.pk else "Tạo"
    _save(
        cluster, user=user, reason=f"{action} {cluster.get_kind_display().lower()} {cluster.code}"
    )
    return cluster


def memberships_proposed(
    cluster: Cluster, year: int
) -> tuple[list[Unit], Unit | None, Unit | None]:
    """The units, head and deputy a cluster's `year` starts from (#14): its
    memberships when it has some; else the previous year's members, led by
    the head and deputy elected at its annual conference (R2, R13), or by
    the previous year's head and deputy when none was elected."""
    members = Membership.objects.filter(cluster=cluster).select_related("unit")
    rows = list(members.filter(year__year=year))
    election = None
    if not rows:
        rows = list(members.filter(year__year=year - 1))
        election = (
            Election.objects.select_related("head", "deputy")
            .filter(cluster=cluster, year__year=year - 1)
            .first()
        )
    units = sorted((m.unit for m in rows), key=lambda u: u.code)
    if election is not None:
        return units, election.head, election.deputy
    role = {m.role: m.unit for m in rows}
    return units, role.get(Membership.Role.HEAD), role.get(Membership.Role.DEPUTY)


@transaction.atomic
def memberships_set(
    *,
    cluster: Cluster,
    year: EmulationYear,
    units: Iterable[Unit],
    head: Unit,
    deputy: Unit | None,
    user: User | None,
    reason: str,
) -> list[Membership]:
    """Make the cluster's `year` have exactly these members, one head and at
    most one deputy (R2), each change in the history with `reason` (R35).

    Idempotent: what is already so is not written again. Refused, with
    nothing changed: head and deputy the same unit; a unit that is a member
    of another cluster that year (R2) or no longer active joining; a unit
    with records of the year (registration, scores, reports…) leaving."""
    wanted = {u.pk: u for u in units} | {head.pk: head}
    if deputy is not None:
        if deputy.pk == head.pk:
            raise ValidationError("Trưởng và phó trưởng cụm, khối phải là hai đơn vị khác nhau.")
        wanted[deputy.pk] = deputy
    existing = {
        m.unit_id: m
        for m in Membership.objects.select_for_update(of=("self",))
        .filter(cluster=cluster, year=year)
        .select_related("unit")
        .order_by("pk")
    }
    joining = [u for pk, u in wanted.items() if pk not in existing]
    inactive = sorted(u.code for u in joining if not u.is_active)
    if inactive:
        raise ValidationError(f"Đơn vị đã ngừng hoạt động: {', '.join(inactive)}.")
    elsewhere = sorted(
        Membership.objects.filter(year=year, unit__in=[u.pk for u in joining])
        .exclude(cluster=cluster)
        .values_list("unit__code", "cluster__code")
    )
    if elsewhere:
        taken = ", ".join(f"{unit} ({other})" for unit, other in elsewhere)
        raise ValidationError(
            f"Đơn vị đã thuộc cụm, khối khác trong năm {year.year}: {taken}. "
            "Mỗi đơn vị chỉ thuộc một cụm, khối trong một năm."
        )
    leaving = [m for pk, m in existing.items() if pk not in wanted]
    busy = sorted(m.unit.code for m in leaving if _has_records(m))
    if busy:
        raise ValidationError(
            f"Không bỏ được {', '.join(busy)} khỏi cụm, khối năm {year.year}: đơn vị đã có hồ sơ "
            "trong năm (đăng ký, điểm, báo cáo…)."
        )
    role_of = {head.pk: Membership.Role.HEAD}
    if deputy is not None:
        role_of[deputy.pk] = Membership.Role.DEPUTY
    for membership in leaving:
        _delete(membership, user=user, reason=f"{reason}: {membership.unit.code} rời cụm, khối")
    # Demote first, then promote: a cluster-year has one head and one deputy (R2).
    changed = [
        m for pk, m in existing.items() if pk in wanted and m.role != role_of.get(pk, "member")
    ]
    for membership in changed:
        if membership.role != Membership.Role.MEMBER:
            membership.role = Membership.Role.MEMBER
            membership.acts_for_head = False
            _save(membership, user=user, reason=f"{reason}: {membership.unit.code} là thành viên")
    for membership in changed:
        role = role_of.get(membership.unit_id, Membership.Role.MEMBER)
        if role != Membership.Role.MEMBER:
            membership.role = role
            label = Membership.Role(role).label.lower()
            _save(membership, user=user, reason=f"{reason}: {membership.unit.code} là {label}")
    for unit in sorted(joining, key=lambda u: u.code):
        role = role_of.get(unit.pk, Membership.Role.MEMBER)
        membership = Membership(cluster=cluster, year=year, unit=unit, role=role)
        label = Membership.Role(role).label.lower()
        _save(membership, user=user, reason=f"{reason}: {unit.code} vào cụm, khối ({label})")
    return list(
        Membership.objects.filter(cluster=cluster, year=year)
        .select_related("unit")
        .order_by("unit__code")
    )


def _has_records(membership: Membership) -> bool:
    """Whether taking the unit out of the cluster's year would delete what it
    (or its head) recorded: every record hanging on the membership."""
    for relation in membership._meta.related_objects:
        if relation.related_model.__name__.startswith("Historical"):
            continue
        accessor = relation.get_accessor_name()
        if relation.one_to_one:
            if relation.related_model.objects.filter(**{relation.field.name: membership}).exists():
                return True
        elif relation.one_to_many and getattr(membership, accessor).exists():
            return True
    return False
