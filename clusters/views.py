from collections.abc import Callable
from contextlib import contextmanager
from functools import partial
from operator import attrgetter

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from clusters import (
    deadlines,
    extensions,
    participation,
    progress,
    records,
    services,
)
from clusters.access import (
    can_change_deadlines,
    get_cluster_for_extending,
    get_cluster_for_head,
    get_cluster_for_head_itself,
    get_cluster_for_lead_or_staff,
    get_cluster_for_member,
    get_cluster_for_staff,
    get_cluster_membership,
    get_clusters_for_staff,
    get_member_for_lead_or_staff,
    get_member_for_overseer,
    get_own_unit,
    get_unit_for_province,
    get_upload_for_viewer,
    get_year,
    may_extend,
)
from clusters.forms import (
    AssignmentCorrectionForm,
    AssignmentForm,
    AttendanceForm,
    ConferenceForm,
    DeadlineForm,
    DeductionProposalForm,
    DelegationEndForm,
    DelegationForm,
    ElectionForm,
    ExtensionForm,
    ExtensionRevokeForm,
    HeadDocumentForm,
    LetterheadForm,
    PaperSignatureForm,
    ParticipationForm,
    PledgeForm,
    ReportForm,
    SignatureCorrectionForm,
)
from clusters.models import (
    Attendance,
    Cluster,
    Conference,
    Deadline,
    Delegation,
    Election,
    EmulationYear,
    Extension,
    HeadDocument,
    Membership,
    Participation,
    Pledge,
    PledgeSignature,
    Registration,
    ReminderSent,
    Report,
    Unit,
)
from emulation.forms import FAILED, ConfirmForm, attempt
from emulation.uploads import extension

# ---------------------------------------------------------------------------
# The year's activities (R5–R13). Each view fetches through one helper of
# clusters.access, validates a form, calls a service and redirects.


@contextmanager
def stale_shows_current(
    form: forms.Form, field: str = "revision", current: Callable = attrgetter("revision")
):
    """A save refused as stale (#11.8) shows the form again with the revision
    stored now: saving once more, after reading the current content that the
    refusal names, replaces it deliberately. `field` holds the revision (or,
    with `current` naming its value, the choice that carries it)."""
    try:
        yield
    except services.STALE as error:
        form.data = form.data.copy()
        value = current(error)
        form.data[form.add_prefix(field)] = "" if value is None else value
        raise


def post_action(
    request: HttpRequest,
    form: forms.Form,
    action: Callable[[dict], object],
    *,
    success: str,
    failure: str,
) -> None:
    """A POST-only action: validate the form, run the service with its data,
    and tell the user the outcome (the page it came from shows it)."""
    if form.is_valid() and attempt(form, partial(action, form.cleaned_data)) is not FAILED:
        messages.success(request, success)
    else:
        messages.error(request, f"{failure}: {_errors(form)}")


def _errors(form: forms.Form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def members_of(cluster: Cluster, year: EmulationYear) -> list[Membership]:
    return list(
        Membership.objects.filter(cluster=cluster, year=year)
        .select_related("unit")
        .order_by("unit__code")
    )


# --- Registration (R6) --------------------------------------------------------


def registration_due(membership: Membership, registration: Registration | None = None) -> dict:
    """The registration deadline (R6), and whether the registration came late."""
    due = services.due_date(
        cluster=membership.cluster,
        year=membership.year,
        kind=deadlines.REGISTRATION,
        membership=membership,
    )
    return {"due": due, "late": registration is not None and registration.is_late(due)}


@login_required
def registration_progress(request: HttpRequest, code: str, year: int) -> HttpResponse:
    seat = get_cluster_for_lead_or_staff(request.user, code, get_year(year))
    members = (
        Membership.objects.filter(cluster=seat.cluster, year=seat.year)
        .select_related("unit", "registration")
        .annotate(target_count=Count("registration__targets"))
        .order_by("unit__code")
    )
    deadline = Deadline.objects.filter(
        year=seat.year, calendar=seat.cluster.calendar, kind=deadlines.REGISTRATION
    ).first()
    extended = extensions.table([seat.year.pk], [seat.cluster.pk])  # a unit's own date (#14)
    due = extended.due(deadline, seat.cluster.pk, None)
    rows = [(m, getattr(m, "registration", None)) for m in members]
    context = {
        "seat": seat,
        "due": due,
        "rows": [
            (m, r, r is not None and r.is_late(extended.due(deadline, seat.cluster.pk, m.pk)))
            for m, r in rows
        ],
        "submitted": sum(1 for _, r in rows if r is not None and r.is_submitted),
        # The head or Sở Nội vụ enter a unit's registration from paper (#14).
        "may_enter": seat.leads or seat.province,
    }
    return render(request, "clusters/registration_progress.html", context)


@login_required
def registration_detail(request: HttpRequest, code: str, year: int, unit: str) -> HttpResponse:
    seat, member = get_member_for_overseer(request.user, code, get_year(year), unit)
    registration = Registration.objects.filter(membership=member).first()
    targets = registration.targets.select_related("criterion") if registration else []
    context = {
        "seat": seat,
        "membership": member,
        "registration": registration,
        "targets": targets,
    }
    return render(
        request, "clusters/registration_view.html", context | registration_due(member, registration)
    )


# --- Pledge -------------------------------------------------------------------


@login_required
def participation_records(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """Every unit's participation record (R27), each fact with its source."""
    seat = get_cluster_for_lead_or_staff(request.user, code, get_year(year))
    found = participation.records(Membership.objects.filter(cluster=seat.cluster, year=seat.year))
    context = {
        "seat": seat,
        "records": list(found.values()),
        "labels": list(participation.FACT_LABELS.values()),
        "rule": participation.RULE_TEXT,
    }
    return render(request, "clusters/participation.html", context)


@login_required
def participation_edit(request: HttpRequest, code: str, year: int, unit: str) -> HttpResponse:
    """The head or the staff enter a fact by hand, with a reason (R35)."""
    seat, member = get_member_for_lead_or_staff(request.user, code, get_year(year), unit)
    stored = Participation.objects.filter(membership=member).first()
    initial = {"fact": request.GET.get("noi-dung"), "revision": stored and stored.revision}
    form = ParticipationForm(request.POST or None, initial=initial)
    save = partial(services.participation_set, membership=member, user=request.user)
    if form.is_valid() and (
        attempt(form, stale_shows_current(form)(lambda: save(**form.cleaned_data))) is not FAILED
    ):
        messages.success(request, f"Đã ghi nhận hồ sơ tham gia của {member.unit.name}.")
        return redirect("participation", code, year)
    record = participation.records([member])[member.pk]
    context = {"seat": seat, "member": member, "record": record, "form": form}
    return render(request, "clusters/participation_edit.html", context)


@login_required
def pledge(request: HttpRequest, code: str, year: int) -> HttpResponse:
    seat = get_cluster_for_member(request.user, code, get_year(year))
    found = Pledge.objects.filter(cluster=seat.cluster, year=seat.year).first()
    signatures = {
        s.membership_id: s for s in (found.signatures.select_related("signed_by") if found else [])
    }
    members = members_of(seat.cluster, seat.year)
    context = {
        "seat": seat,
        "pledge": found,
        "rows": [(m, signatures.get(m.pk)) for m in members],
        "signed": seat.membership is not None and seat.membership.pk in signatures,
        "paper_form": PaperSignatureForm(
            members=[m for m in members if m.pk not in signatures],
            initial={"signed_on": timezone.localdate()},
        ),
        "correction_form": SignatureCorrectionForm() if seat.oversees else None,
        "sign_form": ConfirmForm(label=PLEDGE_CONFIRM),
    }
    return render(request, "clusters/pledge.html", context)


@login_required
def pledge_edit(request: HttpRequest, code: str, year: int) -> HttpResponse:
    emulation_year = get_year(year)
    cluster, _ = get_cluster_for_head(request.user, code, emulation_year)
    draft = Pledge.objects.filter(cluster=cluster, year=emulation_year).first()
    data = (request.POST, request.FILES) if request.method == "POST" else ()
    initial = {"text": draft.text, "revision": draft.revision} if draft else None
    form = PledgeForm(*data, initial=initial)
    if data and form.is_valid():

        def save() -> None:
            with stale_shows_current(form):
                saved = services.pledge_save(
                    cluster=cluster, year=emulation_year, user=request.user, **form.cleaned_data
                )
            if "publish" in request.POST:
                services.pledge_publish(pledge=saved, user=request.user)

        if attempt(form, save) is not FAILED:
            messages.success(request, "Đã lưu giao ước.")
            return redirect("pledge", code, year)
    context = {"cluster": cluster, "year": emulation_year, "form": form, "pledge": draft}
    return render(request, "clusters/pledge_edit.html", context)


PLEDGE_CONFIRM = (
    "Tôi xác nhận ký giao ước thi đua thay mặt đơn vị: chữ ký được ghi với ngày hôm nay, đơn vị "
    "không tự hủy được (chỉ trưởng cụm, khối hoặc cơ quan hướng dẫn sửa, kèm lý do); trưởng cụm, "
    "khối, cơ quan hướng dẫn và các đơn vị trong cụm, khối thấy đơn vị đã ký."
)


@login_required
@require_POST
def pledge_sign(request: HttpRequest, code: str, year: int) -> HttpResponse:
    membership = get_cluster_membership(request.user, code, get_year(year))
    found = get_object_or_404(Pledge, cluster=membership.cluster, year=membership.year)
    post_action(
        request,
        ConfirmForm(request.POST, label=PLEDGE_CONFIRM),
        lambda _: services.pledge_sign(pledge=found, membership=membership, user=request.user),
        success="Đơn vị đã ký giao ước thi đua.",
        failure="Chưa ký được",
    )
    return redirect("pledge", code, year)


@login_required
@require_POST
def pledge_paper(request: HttpRequest, code: str, year: int) -> HttpResponse:
    emulation_year = get_year(year)
    cluster, _ = get_cluster_for_head(request.user, code, emulation_year)
    found = get_object_or_404(Pledge, cluster=cluster, year=emulation_year)
    members = members_of(cluster, emulation_year)
    post_action(
        request,
        PaperSignatureForm(request.POST, members=members),
        lambda data: services.pledge_record_paper(
            pledge=found,
            memberships=[m for m in members if m.pk in data["members"]],
            signed_on=data["signed_on"],
            user=request.user,
        ),
        success="Đã ghi nhận các đơn vị ký giao ước trên giấy.",
        failure="Chưa ghi nhận được",
    )
    return redirect("pledge", code, year)


@login_required
@require_POST
def pledge_signature_correct(request: HttpRequest, code: str, year: int, pk: int) -> HttpResponse:
    seat = get_cluster_for_lead_or_staff(request.user, code, get_year(year))
    signature = get_object_or_404(
        PledgeSignature, pk=pk, pledge__cluster=seat.cluster, pledge__year=seat.year
    )
    form = SignatureCorrectionForm(request.POST)
    withdraw = request.POST.get("action") == SignatureCorrectionForm.WITHDRAW
    post_action(
        request,
        form,
        lambda data: (
            services.pledge_signature_withdraw(
                signature=signature, reason=data["reason"], user=request.user
            )
            if withdraw
            else services.pledge_signature_redate(
                signature=signature,
                signed_on=data["signed_on"],
                reason=data["reason"],
                user=request.user,
            )
        ),
        success="Đã hủy chữ ký giao ước." if withdraw else "Đã sửa ngày ký giao ước.",
        failure="Chưa sửa được chữ ký",
    )
    return redirect("pledge", code, year)


# --- The head's documents (R5, R7) and reports (R10) ------------------------


@login_required
def head_documents(request: HttpRequest, code: str, year: int) -> HttpResponse:
    seat = get_cluster_for_member(request.user, code, get_year(year))
    found = {d.kind: d for d in HeadDocument.objects.filter(cluster=seat.cluster, year=seat.year)}
    rows = []
    for kind, label in HeadDocument.Kind.choices:
        due = services.due_date(cluster=seat.cluster, year=seat.year, kind=kind)
        document = found.get(kind)
        rows.append((label, due, document, document is not None and document.is_late(due)))
    form = HeadDocumentForm() if seat.leads else None
    return render(
        request, "clusters/head_documents.html", {"seat": seat, "rows": rows, "form": form}
    )


@login_required
def head_document_upload(request: HttpRequest, code: str, year: int) -> HttpResponse:
    emulation_year = get_year(year)
    cluster, _ = get_cluster_for_head(request.user, code, emulation_year)
    data = (request.POST, request.FILES) if request.method == "POST" else ()
    form = HeadDocumentForm(*data)
    if data and form.is_valid():
        action = partial(
            services.head_document_upload,
            cluster=cluster,
            year=emulation_year,
            user=request.user,
            **form.cleaned_data,
        )
        if attempt(form, action) is not FAILED:
            messages.success(request, "Đã tải lên văn bản.")
            return redirect("head_documents", code, year)
    context = {"cluster": cluster, "year": emulation_year, "form": form}
    return render(request, "clusters/head_document_upload.html", context)


@login_required
def reports(request: HttpRequest, code: str, year: int) -> HttpResponse:
    seat = get_cluster_for_member(request.user, code, get_year(year))
    members = members_of(seat.cluster, seat.year)
    if not seat.oversees:  # a member sees its own reports only (R10)
        members = [m for m in members if m.pk == seat.membership.pk]
    found = {(r.membership_id, r.kind): r for r in Report.objects.filter(membership__in=members)}
    dated = {
        d.kind: d for d in Deadline.objects.filter(year=seat.year, calendar=seat.cluster.calendar)
    }
    extended = extensions.table([seat.year.pk], [seat.cluster.pk])  # a unit's own date (#14)
    deadline_of = {kind: dated.get(due_kind) for kind, due_kind in Report.DEADLINES.items()}
    dues = {kind: extended.due(d, seat.cluster.pk, None) for kind, d in deadline_of.items()}
    rows = [
        (
            m,
            [
                _report_cell(found.get((m.pk, k)), extended.due(d, seat.cluster.pk, m.pk))
                for k, d in deadline_of.items()
            ],
        )
        for m in members
    ]
    context = {
        "seat": seat,
        "rows": rows,
        "dues": [(Report.Kind(kind).label, due) for kind, due in dues.items()],
        "form": ReportForm() if seat.membership else None,
        "cluster_rows": records.cluster_report_rows(seat.cluster, seat.year),
    }
    return render(request, "clusters/reports.html", context)


def _report_cell(report: Report | None, due) -> tuple[Report | None, bool]:
    return report, report is not None and report.is_late(due)


@login_required
def report_upload(request: HttpRequest, code: str, year: int) -> HttpResponse:
    membership = get_cluster_membership(request.user, code, get_year(year))
    data = (request.POST, request.FILES) if request.method == "POST" else ()
    form = ReportForm(*data)
    if data and form.is_valid():
        action = partial(
            services.report_upload, membership=membership, user=request.user, **form.cleaned_data
        )
        if attempt(form, action) is not FAILED:
            messages.success(request, "Đã gửi báo cáo.")
            return redirect("reports", code, year)
    return render(request, "clusters/report_upload.html", {"membership": membership, "form": form})


@login_required
def upload_download(request: HttpRequest, kind: str, pk: int) -> FileResponse:
    stored = get_upload_for_viewer(request.user, kind, pk)
    ext = extension(stored.name)
    filename = f"{kind}-{pk}.{ext}" if ext else f"{kind}-{pk}"
    return FileResponse(stored.open("rb"), as_attachment=True, filename=filename)


# --- Conferences (R8–R12) ---------------------------------------------------

CONFERENCE_SLUGS = {
    "so-ket": Conference.Kind.MID_YEAR,
    "tru-bi": Conference.Kind.PREPARATORY,
    "tong-ket": Conference.Kind.ANNUAL,
    "khac": Conference.Kind.OTHER,
}


@login_required
def conferences(request: HttpRequest, code: str, year: int) -> HttpResponse:
    seat = get_cluster_for_member(request.user, code, get_year(year))
    held = Conference.objects.filter(cluster=seat.cluster, year=seat.year).annotate(
        breaches=Count("attendances", filter=~Q(attendances__status=Attendance.Status.PRESENT))
    )
    context = {
        "seat": seat,
        "conferences": held,
        "kinds": [(slug, Conference.Kind(kind).label) for slug, kind in CONFERENCE_SLUGS.items()],
    }
    return render(request, "clusters/conferences.html", context)


@login_required
def conference_create(request: HttpRequest, code: str, year: int, kind: str) -> HttpResponse:
    emulation_year = get_year(year)
    cluster, _ = get_cluster_for_head(request.user, code, emulation_year)
    if kind not in CONFERENCE_SLUGS:
        raise Http404("Không có loại hội nghị này.")
    kind = CONFERENCE_SLUGS[kind]
    place = services.conference_default_place(cluster=cluster, year=emulation_year, kind=kind)
    data = (request.POST, request.FILES) if request.method == "POST" else ()
    form = ConferenceForm(*data, initial={"place": place})
    if data and form.is_valid():
        action = partial(
            services.conference_save,
            cluster=cluster,
            year=emulation_year,
            kind=kind,
            user=request.user,
            **form.cleaned_data,
        )
        saved = attempt(form, action)
        if saved is not FAILED:
            messages.success(request, "Đã ghi hội nghị.")
            return redirect("conference_detail", code, year, saved.pk)
    context = {"cluster": cluster, "year": emulation_year, "form": form, "kind": kind}
    return render(request, "clusters/conference_form.html", context)


@login_required
def conference_detail(request: HttpRequest, code: str, year: int, pk: int) -> HttpResponse:
    seat = get_cluster_for_member(request.user, code, get_year(year))
    conference = get_object_or_404(Conference, pk=pk, cluster=seat.cluster, year=seat.year)
    recorded = {a.membership_id: a for a in conference.attendances.select_related("deduction")}
    rows = [(m, recorded.get(m.pk)) for m in members_of(seat.cluster, seat.year)]
    context = {
        "seat": seat,
        "conference": conference,
        "rows": rows,
        "guests": records.guest_rows(conference),
    }
    return render(request, "clusters/conference_detail.html", context)


@login_required
def conference_edit(request: HttpRequest, code: str, year: int, pk: int) -> HttpResponse:
    emulation_year = get_year(year)
    cluster, _ = get_cluster_for_head(request.user, code, emulation_year)
    conference = get_object_or_404(Conference, pk=pk, cluster=cluster, year=emulation_year)
    data = (request.POST, request.FILES) if request.method == "POST" else ()
    form = ConferenceForm.for_conference(conference, *data)
    if data and form.is_valid():
        action = partial(
            services.conference_save,
            cluster=cluster,
            year=emulation_year,
            kind=conference.kind,
            conference=conference,
            user=request.user,
            **form.cleaned_data,
        )
        if attempt(form, stale_shows_current(form)(action)) is not FAILED:
            messages.success(request, "Đã cập nhật hội nghị.")
            return redirect("conference_detail", code, year, pk)
    context = {"cluster": cluster, "year": emulation_year, "form": form, "kind": conference.kind}
    return render(request, "clusters/conference_form.html", context | {"conference": conference})


@login_required
def conference_attendance(request: HttpRequest, code: str, year: int, pk: int) -> HttpResponse:
    emulation_year = get_year(year)
    cluster, _ = get_cluster_for_head(request.user, code, emulation_year)
    conference = get_object_or_404(Conference, pk=pk, cluster=cluster, year=emulation_year)
    recorded = {a.membership_id: a for a in conference.attendances.all()}
    data = request.POST if request.method == "POST" else None
    form = AttendanceForm(
        data,
        members=members_of(cluster, emulation_year),
        recorded=recorded,
        initial={"revision": conference.attendance_revision},
    )
    if data is not None and form.is_valid():
        action = partial(
            services.conference_record_attendance,
            conference=conference,
            statuses=form.statuses(),
            notes=form.notes(),
            revision=form.cleaned_data["revision"],
            user=request.user,
        )
        if attempt(form, stale_shows_current(form)(action)) is not FAILED:
            messages.success(request, "Đã ghi nhận thành phần tham dự.")
            return redirect("conference_detail", code, year, pk)
    context = {"cluster": cluster, "year": emulation_year, "conference": conference, "form": form}
    return render(request, "clusters/conference_attendance.html", context)


# --- Deductions (R25) -------------------------------------------------------


# --- Deductions (R25): the head proposes; the page and the staff's decision are
# scoring.views.deductions (they follow the year's guidance).


@login_required
@require_POST
def deduction_propose(request: HttpRequest, code: str, year: int) -> HttpResponse:
    emulation_year = get_year(year)
    cluster, _ = get_cluster_for_head(request.user, code, emulation_year)
    members = {m.pk: m for m in members_of(cluster, emulation_year)}
    post_action(
        request,
        DeductionProposalForm(request.POST, members=members.values()),
        lambda data: services.deduction_propose(
            membership=members[data["member"]],
            reason=data["reason"],
            count=data["count"],
            user=request.user,
        ),
        success="Đã đề nghị điểm trừ; chờ cơ quan hướng dẫn xác nhận.",
        failure="Chưa đề nghị được",
    )
    return redirect("deductions", code, year)


# --- Election of next year's head and deputy (R2, R13) ----------------------


@login_required
def election(request: HttpRequest, code: str, year: int) -> HttpResponse:
    seat = get_cluster_for_lead_or_staff(request.user, code, get_year(year))
    candidates = services.election_candidates(cluster=seat.cluster, year=seat.year)
    head, deputy = services.election_suggestion(candidates)
    found = Election.objects.filter(cluster=seat.cluster, year=seat.year).first()
    members = members_of(seat.cluster, seat.year)
    annual = Conference.objects.filter(
        cluster=seat.cluster, year=seat.year, kind=Conference.Kind.ANNUAL
    ).first()
    initial = {
        "head": found.head_id if found else head and head.pk,
        "deputy": found.deputy_id if found else deputy and deputy.pk,
        "elected_on": found.elected_on if found else annual and annual.held_on,
    }
    context = {
        "seat": seat,
        "candidates": candidates,
        "suggested": (head, deputy),
        "election": found,
        "next_members": members_of(seat.cluster, _next_year(seat.year)),
        "form": None
        if found and found.is_assigned
        else ElectionForm(members=members, initial=initial),
        "assign_form": AssignmentForm() if seat.is_staff and found else None,
        "correct_form": (
            AssignmentCorrectionForm() if seat.is_staff and found and found.is_assigned else None
        ),
    }
    return render(request, "clusters/election.html", context)


def _next_year(year: EmulationYear) -> EmulationYear | None:
    return EmulationYear.objects.filter(year=year.year + 1).first()


@login_required
@require_POST
def election_record(request: HttpRequest, code: str, year: int) -> HttpResponse:
    seat = get_cluster_for_lead_or_staff(request.user, code, get_year(year))
    members = members_of(seat.cluster, seat.year)
    units = {m.unit.pk: m.unit for m in members}
    post_action(
        request,
        ElectionForm(request.POST, members=members),
        lambda data: services.election_record(
            cluster=seat.cluster,
            year=seat.year,
            head=units[data["head"]],
            deputy=units.get(data["deputy"]),
            elected_on=data["elected_on"],
            user=request.user,
            reason=data["reason"],
        ),
        success="Đã ghi nhận kết quả bầu.",
        failure="Chưa ghi nhận được",
    )
    return redirect("election", code, year)


@login_required
@require_POST
def election_assign(request: HttpRequest, code: str, year: int) -> HttpResponse:
    seat = get_cluster_for_staff(request.user, code, get_year(year))
    found = get_object_or_404(Election, cluster=seat.cluster, year=seat.year)
    post_action(
        request,
        AssignmentForm(request.POST),
        lambda data: services.election_assign(election=found, user=request.user, **data),
        success=f"Đã ghi nhận quyết định giao và lập danh sách thành viên năm {year + 1}.",
        failure="Chưa ghi nhận được",
    )
    return redirect("election", code, year)


@login_required
@require_POST
def election_assign_correct(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """The staff who record the assignment correct its date (issue #12)."""
    seat = get_cluster_for_staff(request.user, code, get_year(year))
    found = get_object_or_404(Election, cluster=seat.cluster, year=seat.year)
    post_action(
        request,
        AssignmentCorrectionForm(request.POST),
        lambda data: services.election_assignment_redate(election=found, user=request.user, **data),
        success="Đã sửa ngày quyết định giao.",
        failure="Chưa sửa được ngày quyết định giao",
    )
    return redirect("election", code, year)


# --- Extensions of a deadline (#14) ------------------------------------------


@login_required
def extension_list(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """A cluster's extensions: read by the head and the staff guiding it;
    granted by Sở Nội vụ or the head (clusters.access.may_extend)."""
    seat = get_cluster_for_lead_or_staff(request.user, code, get_year(year))
    data = request.POST if request.method == "POST" else None
    if data is not None:
        seat = get_cluster_for_extending(request.user, code, seat.year)
    form = None
    if may_extend(seat):
        members = members_of(seat.cluster, seat.year)
        form = ExtensionForm(data, year=seat.year, calendar=seat.cluster.calendar, members=members)
    if data is not None and form.is_valid():
        action = partial(
            services.extension_grant,
            cluster=seat.cluster,
            user=request.user,
            province=seat.province,
            **form.cleaned_data,
        )
        if attempt(form, action) is not FAILED:
            messages.success(request, "Đã gia hạn.")
            return redirect("extensions", code, year)
    found = (
        Extension.objects.filter(cluster=seat.cluster, year=seat.year)
        .select_related("deadline", "membership__unit", "granted_by", "revoked_by")
        .order_by("revoked_at", "deadline__due_date", "pk")
    )
    context = {
        "seat": seat,
        "cluster": seat.cluster,
        "year": seat.year,
        "extensions": found,
        "form": form,
        "revoke_form": ExtensionRevokeForm() if form is not None else None,
    }
    return render(request, "clusters/extensions.html", context)


@login_required
@require_POST
def extension_revoke(request: HttpRequest, code: str, year: int, pk: int) -> HttpResponse:
    seat = get_cluster_for_extending(request.user, code, get_year(year))
    extension = get_object_or_404(Extension, pk=pk, cluster=seat.cluster, year=seat.year)
    post_action(
        request,
        ExtensionRevokeForm(request.POST),
        lambda data: services.extension_revoke(
            extension=extension, user=request.user, province=seat.province, **data
        ),
        success="Đã thu hồi gia hạn.",
        failure="Chưa thu hồi được",
    )
    return redirect("extensions", code, year)


# --- The head's delegation to the deputy ([I.2.2], R3; #14) -----------------


@login_required
def delegations(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """The cluster's delegations, for its members and staff; the head gives one."""
    seat = get_cluster_for_member(request.user, code, get_year(year))
    data = request.POST if request.method == "POST" else None
    head = None
    if data is not None or (seat.membership and seat.membership.role == Membership.Role.HEAD):
        head = get_cluster_for_head_itself(request.user, code, seat.year)
    form = DelegationForm(data) if head else None
    if data is not None and form.is_valid():
        fields = form.cleaned_data
        action = partial(services.delegation_grant, head=head, user=request.user, **fields)
        if attempt(form, action) is not FAILED:
            messages.success(request, "Đã ủy quyền cho phó trưởng cụm, khối.")
            return redirect("delegations", code, year)
    found = (
        Delegation.objects.filter(membership__cluster=seat.cluster, membership__year=seat.year)
        .select_related("membership__unit", "created_by", "ended_by")
        .order_by("-starts_on", "pk")
    )
    context = {
        "seat": seat,
        "cluster": seat.cluster,
        "year": seat.year,
        "delegations": found,
        "today": timezone.localdate(),
        "form": form,
        "end_form": DelegationEndForm() if head else None,
    }
    return render(request, "clusters/delegations.html", context)


@login_required
@require_POST
def delegation_end(request: HttpRequest, code: str, year: int, pk: int) -> HttpResponse:
    head = get_cluster_for_head_itself(request.user, code, get_year(year))
    delegation = get_object_or_404(
        Delegation, pk=pk, membership__cluster=head.cluster, membership__year=head.year
    )
    post_action(
        request,
        DelegationEndForm(request.POST),
        lambda data: services.delegation_end(delegation=delegation, user=request.user, **data),
        success="Đã kết thúc ủy quyền.",
        failure="Chưa kết thúc được ủy quyền",
    )
    return redirect("delegations", code, year)


# --- Deadlines and the reminders sent (R5–R10, R14); "Việc cần làm" and the
# reminders by hand read who has done what: scoring.views.todo ---------------


@login_required
def deadline_list(request: HttpRequest, year: int) -> HttpResponse:
    emulation_year = get_year(year)
    editable = can_change_deadlines(request.user)
    data = request.POST if request.method == "POST" else None
    if data is not None and not editable:
        raise PermissionDenied("Chỉ Sở Nội vụ được thay đổi hạn của năm thi đua.")
    form = None
    if editable:
        form = DeadlineForm(data, year=emulation_year, initial={"deadline": request.GET.get("sua")})
    if data is not None and form.is_valid():
        action = partial(progress.deadline_change, user=request.user, **form.cleaned_data)
        # The chosen option comes back carrying the current revision.
        option = form.fields["deadline"].prepare_value
        current = stale_shows_current(form, "deadline", lambda error: option(error.deadline))
        if attempt(form, current(action)) is not FAILED:
            messages.success(request, "Đã thay đổi hạn.")
            return redirect("deadlines", year)
    context = {
        "year": emulation_year,
        "calendars": Cluster.Calendar.choices,
        "rows": progress.year_deadlines(emulation_year),
        "changes": progress.deadline_changes(emulation_year),
        "form": form,
    }
    return render(request, "clusters/deadlines.html", context)


@login_required
def reminder_list(request: HttpRequest, year: int) -> HttpResponse:
    emulation_year = get_year(year)
    clusters = get_clusters_for_staff(request.user)
    found = (
        ReminderSent.objects.filter(
            membership__year=emulation_year, membership__cluster__in=clusters
        )
        .select_related(
            "deadline",
            "conference",
            "adhoc",
            "membership__unit",
            "membership__cluster",
            "sent_by",
        )
        .order_by("-claimed_at", "pk")
    )
    page = Paginator(found, 100).get_page(request.GET.get("trang"))
    return render(request, "clusters/reminders.html", {"year": emulation_year, "page": page})


# ---------------------------------------------------------------------------
# What a unit's official documents print (issue #15)


@login_required
def letterhead_own(request: HttpRequest) -> HttpResponse:
    """The unit's officers keep their unit's issuing body, place and signer."""
    return _letterhead(request, get_own_unit(request.user), "letterhead_own")


@login_required
def letterhead_unit(request: HttpRequest, unit: str) -> HttpResponse:
    """Sở Nội vụ keeps any unit's, for one that cannot."""
    found = get_unit_for_province(request.user, unit)
    return _letterhead(request, found, "letterhead_unit", found.code)


def _letterhead(request: HttpRequest, unit: Unit, *url) -> HttpResponse:
    initial = {name: getattr(unit, name) for name in services.LETTERHEAD_FIELDS}
    form = LetterheadForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.unit_letterhead_update(unit=unit, user=request.user, **form.cleaned_data)
        messages.success(request, "Đã lưu thông tin in trên văn bản của đơn vị.")
        return redirect(*url)
    return render(request, "clusters/letterhead.html", {"unit": unit, "form": form})
