"""The year's records the guidance asks to be kept (#14): exemplary models,
a conference's guests and the adoption of its minutes, the cluster's own
reports, ad-hoc reports asked by Sở Nội vụ, and the guiding authorities'
yearly evaluation. Every write keeps who and why in the history (R35); who
may call what is checked by `clusters.access` in the views.

Kept beside `clusters.services` (whose helpers it uses) so that the records
of one issue read in one place.
"""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from clusters import deadlines
from clusters.access import is_guiding_staff
from clusters.models import (
    AdhocAnswer,
    AdhocRequest,
    Attendance,
    Cluster,
    ClusterReport,
    Conference,
    ConferenceGuest,
    EmulationYear,
    Evaluation,
    ExemplaryModel,
    HeadDocument,
    Membership,
    Registration,
    Report,
)
from clusters.services import _day, _delete, _save, _store, due_date
from emulation import limits
from emulation.models import User

# "mỗi cụm, khối thi đua lựa chọn từ 01- 02 điển hình để báo cáo tại hội nghị
# tổng kết năm" [I.3.2.b]
PRESENTED_MAX = 2


# ---------------------------------------------------------------------------
# Exemplary models (điển hình tiên tiến)


@transaction.atomic
def exemplar_propose(
    *,
    membership: Membership,
    kind: str,
    name: str,
    description: str,
    file: UploadedFile | None = None,
    user: User | None,
) -> ExemplaryModel:
    """A member unit puts forward an exemplary collective or individual [I.2.3]."""
    if kind not in ExemplaryModel.Kind.values:
        raise ValidationError("Loại điển hình không hợp lệ.")
    if not name.strip() or not description.strip():
        raise ValidationError("Cần ghi tên và mô tả ngắn của điển hình.")
    if len(description.strip()) > limits.EXEMPLARY_DESCRIPTION:
        raise ValidationError(f"Mô tả dài quá {limits.EXEMPLARY_DESCRIPTION} ký tự.")
    # Locks the unit's year so that two submissions cannot both pass the count.
    Membership.objects.select_for_update().filter(pk=membership.pk).get()
    if membership.exemplars.count() >= limits.EXEMPLARY_PER_UNIT:
        raise ValidationError(
            f"Mỗi đơn vị giới thiệu tối đa {limits.EXEMPLARY_PER_UNIT} điển hình trong một năm."
        )
    exemplar = ExemplaryModel(
        membership=membership,
        kind=kind,
        name=name.strip(),
        description=description.strip(),
        file=_store(file) or "",
        created_by=user,
    )
    _save(exemplar, user=user, reason=f"Giới thiệu điển hình: {exemplar.name}")
    return exemplar


@transaction.atomic
def exemplar_withdraw(*, exemplar: ExemplaryModel, user: User | None) -> None:
    if exemplar.presented_at_id is not None:
        raise ValidationError("Điển hình đã được báo cáo tại hội nghị tổng kết, không rút được.")
    _delete(exemplar, user=user, reason=f"Rút điển hình: {exemplar.name}")


@transaction.atomic
def exemplars_present(
    *, conference: Conference, exemplar_ids: list[int], user: User | None
) -> list[ExemplaryModel]:
    """Record the 1–2 exemplary models presented at the annual conference
    [I.3.2.b]; the others of the cluster's year are no longer marked."""
    if conference.kind != Conference.Kind.ANNUAL:
        raise ValidationError("Chỉ hội nghị tổng kết năm báo cáo các điển hình.")
    if conference.held_on > timezone.localdate():
        raise ValidationError(
            f"Hội nghị tổng kết ngày {_day(conference.held_on)} chưa diễn ra: chưa ghi được "
            "điển hình đã báo cáo."
        )
    if len(set(exemplar_ids)) > PRESENTED_MAX:
        raise ValidationError(
            f"Mỗi cụm, khối chọn từ 01 đến 0{PRESENTED_MAX} điển hình để báo cáo tại hội nghị "
            "tổng kết năm."
        )
    found = {
        e.pk: e
        for e in ExemplaryModel.objects.select_for_update().filter(
            membership__cluster=conference.cluster, membership__year=conference.year
        )
    }
    if set(exemplar_ids) - set(found):
        raise ValidationError("Có điển hình không thuộc cụm, khối trong năm của hội nghị.")
    chosen = []
    for pk, exemplar in found.items():
        wanted = conference if pk in exemplar_ids else None
        if exemplar.presented_at_id != (wanted.pk if wanted else None):
            exemplar.presented_at = wanted
            reason = (
                f"Báo cáo tại {conference.name} ngày {_day(conference.held_on)}"
                if wanted
                else f"Không báo cáo tại {conference.name}"
            )
            _save(exemplar, user=user, reason=reason)
        if wanted:
            chosen.append(exemplar)
    return chosen


def exemplars_of(cluster: Cluster, year: EmulationYear) -> QuerySet[ExemplaryModel]:
    return (
        ExemplaryModel.objects.filter(membership__cluster=cluster, membership__year=year)
        .select_related("membership__unit", "presented_at")
        .order_by("membership__unit__code", "pk")
    )


# ---------------------------------------------------------------------------
# A conference's guests and the adoption of its minutes


@transaction.atomic
def guest_add(
    *, conference: Conference, role: str, name: str, present: bool, user: User | None
) -> ConferenceGuest:
    if role not in ConferenceGuest.Role.values:
        raise ValidationError("Thành phần khách mời không hợp lệ.")
    if not name.strip():
        raise ValidationError("Cần ghi họ tên, chức vụ của khách mời.")
    guest = ConferenceGuest(conference=conference, role=role, name=name.strip(), present=present)
    state = "có mặt" if present else "vắng mặt"
    _save(guest, user=user, reason=f"Khách mời {conference.name}: {guest.name} ({state})")
    return guest


@transaction.atomic
def guest_remove(*, guest: ConferenceGuest, user: User | None) -> None:
    _delete(guest, user=user, reason=f"Bỏ khách mời {guest.name}")


def guest_rows(conference: Conference) -> list[tuple[str, str, list[ConferenceGuest]]]:
    """The guests by role: every role the seed invites (shown even when none
    is recorded), then any other recorded."""
    guests = list(conference.guests.all())
    roles = ConferenceGuest.invited_roles(conference.cluster)
    for guest in guests:
        if guest.role not in roles:
            roles.append(guest.role)
    return [
        (role, ConferenceGuest.Role(role).label, [g for g in guests if g.role == role])
        for role in roles
    ]


def present_units(conference: Conference) -> int | None:
    """How many member units were present (rightly or not); None while no
    attendance is recorded: nothing is then known of who was there."""
    statuses = list(conference.attendances.values_list("status", flat=True))
    if not statuses:
        return None
    return sum(1 for s in statuses if s != Attendance.Status.ABSENT)


@transaction.atomic
def minutes_adopt(
    *, conference: Conference, votes: int, voters: int, user: User | None
) -> Conference:
    """Record that the minutes were read out and adopted, with how many of the
    units voting agreed. Only once the meeting was held and its attendance
    recorded: the voters are units present."""
    conference = Conference.objects.select_for_update(of=("self",)).get(pk=conference.pk)
    if conference.held_on > timezone.localdate():
        raise ValidationError("Hội nghị chưa diễn ra: chưa thể thông qua biên bản.")
    present = present_units(conference)
    if present is None:
        raise ValidationError("Cần ghi nhận thành phần tham dự trước khi ghi thông qua biên bản.")
    if voters < 1 or voters > present:
        raise ValidationError(f"Số đơn vị biểu quyết phải từ 1 đến {present} (số đơn vị có mặt).")
    if votes > voters:
        raise ValidationError("Số đơn vị tán thành không được lớn hơn số đơn vị biểu quyết.")
    if votes * 2 <= voters:
        raise ValidationError(
            f"{votes}/{voters} đơn vị tán thành: chưa quá nửa, biên bản chưa được thông qua."
        )
    conference.adopted_votes, conference.adopted_voters = votes, voters
    _save(
        conference,
        user=user,
        reason=f"Thông qua biên bản {conference.name}: {votes}/{voters} đơn vị tán thành",
    )
    return conference


# ---------------------------------------------------------------------------
# The cluster's own reports (sơ kết, tổng kết)


@transaction.atomic
def cluster_report_send(
    *,
    cluster: Cluster,
    year: EmulationYear,
    kind: str,
    number: str,
    reported_on: date,
    file: UploadedFile,
    user: User | None,
) -> ClusterReport:
    """The head sends the cluster's mid-year or annual report; a new upload replaces the old."""
    if kind not in Report.Kind.values:
        raise ValidationError("Loại báo cáo không hợp lệ.")
    year.check_date(reported_on, calendar=cluster.calendar, what="Ngày báo cáo", happened=True)
    _store(file)
    report = (
        ClusterReport.objects.select_for_update(of=("self",))
        .filter(cluster=cluster, year=year, kind=kind)
        .first()
    ) or ClusterReport(cluster=cluster, year=year, kind=kind)
    report.number = number.strip()
    report.reported_on = reported_on
    report.file = file
    report.uploaded_by = user
    label = Report.Kind(kind).label
    _save(report, user=user, reason=f"Gửi {label} của cụm, khối ngày {_day(reported_on)}")
    return report


def cluster_report_rows(
    cluster: Cluster, year: EmulationYear
) -> list[tuple[str, date | None, ClusterReport | None, bool]]:
    """Each kind of the cluster's report: its label, due date, the report sent and whether late."""
    found = {r.kind: r for r in ClusterReport.objects.filter(cluster=cluster, year=year)}
    rows = []
    for kind, due_kind in Report.DEADLINES.items():
        due = due_date(cluster=cluster, year=year, kind=due_kind)
        report = found.get(kind)
        rows.append((Report.Kind(kind).label, due, report, bool(report and report.is_late(due))))
    return rows


# ---------------------------------------------------------------------------
# Ad-hoc reports (báo cáo đột xuất)


@transaction.atomic
def adhoc_request(
    *,
    cluster: Cluster,
    year: EmulationYear,
    subject: str,
    details: str,
    audience: str,
    due_on: date,
    user: User | None,
) -> AdhocRequest:
    if audience not in AdhocRequest.Audience.values:
        raise ValidationError("Đối tượng gửi báo cáo không hợp lệ.")
    if not subject.strip():
        raise ValidationError("Cần ghi nội dung báo cáo.")
    year.check_date(due_on, calendar=cluster.calendar, what="Hạn gửi", happened=False)
    if due_on < timezone.localdate():
        raise ValidationError(f"Hạn gửi {_day(due_on)} đã qua.")
    request = AdhocRequest(
        cluster=cluster,
        year=year,
        subject=subject.strip(),
        details=details.strip(),
        audience=audience,
        due_date=due_on,
        created_by=user,
    )
    _save(request, user=user, reason=f"Yêu cầu báo cáo đột xuất, hạn {_day(due_on)}")
    return request


@transaction.atomic
def adhoc_answer(
    *,
    request: AdhocRequest,
    membership: Membership,
    text: str = "",
    file: UploadedFile | None = None,
    user: User | None,
) -> AdhocAnswer:
    """An addressee sends its ad-hoc report (a text, a file or both); sending
    again replaces it."""
    if not request.addressed_to(membership):
        raise ValidationError("Yêu cầu báo cáo này không gửi đến đơn vị của bạn.")
    if not text.strip() and file is None:
        raise ValidationError("Cần ghi nội dung hoặc đính kèm tệp báo cáo.")
    answer = (
        AdhocAnswer.objects.select_for_update(of=("self",))
        .filter(request=request, membership=membership)
        .first()
    ) or AdhocAnswer(request=request, membership=membership)
    answer.text = text.strip()
    if _store(file) is not None:
        answer.file = file
    answer.sent_by = user
    _save(answer, user=user, reason=f"Gửi báo cáo đột xuất: {request.subject}")
    return answer


def adhoc_addressees(request: AdhocRequest, members: list[Membership]) -> list[Membership]:
    return [m for m in members if request.addressed_to(m)]


def adhoc_open_for(membership: Membership) -> list[AdhocRequest]:
    """The ad-hoc requests addressed to the unit in its year that it has not answered."""
    asked = AdhocRequest.objects.filter(cluster=membership.cluster_id, year=membership.year_id)
    if membership.role != Membership.Role.HEAD:
        asked = asked.filter(audience=AdhocRequest.Audience.MEMBERS)
    return list(asked.exclude(answers__membership=membership).order_by("due_date", "pk"))


def adhoc_requests_of(cluster: Cluster, year: EmulationYear) -> QuerySet[AdhocRequest]:
    return (
        AdhocRequest.objects.filter(cluster=cluster, year=year)
        .select_related("created_by")
        .prefetch_related(
            Prefetch("answers", queryset=AdhocAnswer.objects.select_related("membership__unit"))
        )
        .order_by("-due_date", "pk")
    )


# ---------------------------------------------------------------------------
# The guiding authority's yearly evaluation [IV.2]


@transaction.atomic
def evaluation_save(
    *, cluster: Cluster, year: EmulationYear, text: str, user: User | None
) -> Evaluation:
    if not text.strip():
        raise ValidationError("Cần ghi nội dung đánh giá.")
    evaluation = (
        Evaluation.objects.select_for_update(of=("self",))
        .filter(cluster=cluster, year=year)
        .first()
    ) or Evaluation(cluster=cluster, year=year)
    if evaluation.is_sent:
        raise ValidationError("Đánh giá đã gửi Sở Nội vụ, không sửa được nữa.")
    evaluation.text = text.strip()
    evaluation.written_by = user
    _save(evaluation, user=user, reason="Ghi đánh giá hoạt động của cụm, khối")
    return evaluation


@dataclass(frozen=True)
class Package:
    """What goes with the evaluation to Sở Nội vụ [IV.2]: the registrations,
    the reports, the regulation and the issued scorecard, counted."""

    registrations: tuple[int, int]
    mid_year_reports: tuple[int, int]
    annual_reports: tuple[int, int]
    cluster_reports: int
    regulation: HeadDocument | None
    scorecard_issued: bool

    @property
    def missing(self) -> list[str]:
        """What the seed asks to be sent that the cluster does not have yet."""
        found = []
        if self.registrations[0] < self.registrations[1]:
            found.append(f"đăng ký thi đua ({self.registrations[0]}/{self.registrations[1]})")
        if self.regulation is None:
            found.append("quy chế chấm điểm và bình xét thi đua")
        if not self.scorecard_issued:
            found.append("bảng chấm điểm đã ban hành")
        return found


def evaluation_package(cluster: Cluster, year: EmulationYear) -> Package:
    members = Membership.objects.filter(cluster=cluster, year=year)
    total = members.count()
    registered = Registration.objects.filter(
        membership__in=members, status=Registration.Status.SUBMITTED
    ).count()
    reports = Report.objects.filter(membership__in=members)
    return Package(
        registrations=(registered, total),
        mid_year_reports=(reports.filter(kind=Report.Kind.MID_YEAR).count(), total),
        annual_reports=(reports.filter(kind=Report.Kind.ANNUAL).count(), total),
        cluster_reports=ClusterReport.objects.filter(cluster=cluster, year=year).count(),
        regulation=HeadDocument.objects.filter(
            cluster=cluster, year=year, kind=deadlines.REGULATION
        ).first(),
        # Read through the reverse relation: scoring builds on this app, never
        # the other way (STYLE 15); "issued" is Scorecard.Status.ISSUED.
        scorecard_issued=cluster.scorecards.filter(year=year, status="issued").exists(),
    )


@dataclass(frozen=True)
class EvaluationDue:
    """A cluster's year whose evaluation its guiding authority has not sent yet [IV.2]."""

    cluster: Cluster
    year: EmulationYear
    written: bool

    @property
    def status_label(self) -> str:
        return "Đã ghi, chưa gửi Sở Nội vụ" if self.written else "Chưa ghi đánh giá"


def evaluations_due(user: User, shown: list[tuple[Cluster, EmulationYear]]) -> list[EvaluationDue]:
    """Of the clusters' years `shown` on the to-do page, those the user's
    authority guides and has not sent its evaluation of. One query. The seed
    dates it only "Hằng năm" [IV.2]: no deadline."""
    guided = [(c, y) for c, y in shown if is_guiding_staff(user, c)]
    if not guided:
        return []
    found = {
        (e.cluster_id, e.year_id): e
        for e in Evaluation.objects.filter(
            cluster_id__in={c.pk for c, _ in guided}, year_id__in={y.pk for _, y in guided}
        ).only("cluster_id", "year_id", "sent_at")
    }
    due = []
    for cluster, year in guided:
        evaluation = found.get((cluster.pk, year.pk))
        if evaluation is None or not evaluation.is_sent:
            due.append(EvaluationDue(cluster, year, written=evaluation is not None))
    return due


@transaction.atomic
def evaluation_send(*, cluster: Cluster, year: EmulationYear, user: User | None) -> Evaluation:
    """Send the evaluation with the cluster's package to Sở Nội vụ; refused
    while the package lacks what the seed names."""
    evaluation = (
        Evaluation.objects.select_for_update(of=("self",))
        .filter(cluster=cluster, year=year)
        .first()
    )
    if evaluation is None:
        raise ValidationError("Cần ghi đánh giá trước khi gửi Sở Nội vụ.")
    if evaluation.is_sent:
        raise ValidationError("Đánh giá đã gửi Sở Nội vụ.")
    missing = evaluation_package(cluster, year).missing
    if missing:
        raise ValidationError("Chưa gửi được, còn thiếu: " + "; ".join(missing) + ".")
    evaluation.sent_at = timezone.now()
    evaluation.sent_by = user
    _save(evaluation, user=user, reason="Gửi đánh giá và hồ sơ của cụm, khối về Sở Nội vụ")
    return evaluation
