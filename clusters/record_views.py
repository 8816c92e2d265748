"""Pages of the year's records (#14): exemplary models, a conference's guests
and the adoption of its minutes, the cluster's reports, ad-hoc reports and
the guiding authorities' evaluation. Each view fetches through one helper of
clusters.access, validates a form, calls a service of clusters.records and
redirects."""

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from clusters import records
from clusters.access import (
    get_cluster_for_guiding_staff,
    get_cluster_for_head,
    get_cluster_for_member,
    get_cluster_for_province,
    get_cluster_for_staff,
    get_cluster_membership,
    get_clusters_for_staff,
    get_year,
    is_guiding_staff,
)
from clusters.forms import (
    AdhocAnswerForm,
    AdhocRequestForm,
    AdoptionForm,
    ClusterReportForm,
    EvaluationForm,
    ExemplarForm,
    GuestForm,
    PresentedForm,
)
from clusters.models import (
    AdhocRequest,
    Conference,
    ConferenceGuest,
    Evaluation,
    ExemplaryModel,
)
from clusters.views import FAILED, members_of
from emulation.forms import attempt

# --- Exemplary models ------------------------------------------------------


@login_required
def exemplars(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """The cluster's exemplary models of the year: every member proposes its
    own; the head marks the 1–2 presented at the annual conference."""
    seat = get_cluster_for_member(request.user, code, get_year(year))
    found = list(records.exemplars_of(seat.cluster, seat.year))
    annual = Conference.objects.filter(
        cluster=seat.cluster, year=seat.year, kind=Conference.Kind.ANNUAL
    ).first()
    presented = None
    if seat.leads and annual is not None:
        presented = PresentedForm(
            choices=[(e.pk, f"{e.membership.unit.code} – {e.name}") for e in found],
            initial={"exemplars": [e.pk for e in found if e.presented_at_id == annual.pk]},
        )
    context = {
        "seat": seat,
        "exemplars": found,
        "annual": annual,
        "form": ExemplarForm() if seat.membership else None,
        "presented_form": presented,
    }
    return render(request, "clusters/exemplars.html", context)


@login_required
def exemplar_propose(request: HttpRequest, code: str, year: int) -> HttpResponse:
    membership = get_cluster_membership(request.user, code, get_year(year))
    data = (request.POST, request.FILES) if request.method == "POST" else ()
    form = ExemplarForm(*data)
    if data and form.is_valid():
        action = partial(
            records.exemplar_propose, membership=membership, user=request.user, **form.cleaned_data
        )
        if attempt(form, action) is not FAILED:
            messages.success(request, "Đã gửi điển hình tiên tiến.")
            return redirect("exemplars", code, year)
    return render(request, "clusters/exemplar_form.html", {"membership": membership, "form": form})


@login_required
@require_POST
def exemplar_withdraw(request: HttpRequest, code: str, year: int, pk: int) -> HttpResponse:
    membership = get_cluster_membership(request.user, code, get_year(year))
    exemplar = get_object_or_404(
        ExemplaryModel,
        pk=pk,
        membership__cluster=membership.cluster,
        membership__year=membership.year,
    )
    if exemplar.membership_id != membership.pk:
        raise PermissionDenied("Chỉ đơn vị đã giới thiệu điển hình mới rút được.")
    try:
        records.exemplar_withdraw(exemplar=exemplar, user=request.user)
        messages.success(request, "Đã rút điển hình.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("exemplars", code, year)


@login_required
@require_POST
def exemplars_present(request: HttpRequest, code: str, year: int) -> HttpResponse:
    emulation_year = get_year(year)
    cluster, _ = get_cluster_for_head(request.user, code, emulation_year)
    annual = Conference.objects.filter(
        cluster=cluster, year=emulation_year, kind=Conference.Kind.ANNUAL
    ).first()
    if annual is None:
        messages.error(request, "Chưa ghi hội nghị tổng kết năm.")
        return redirect("exemplars", code, year)
    choices = records.exemplars_of(cluster, emulation_year).values_list("pk", "name")
    form = PresentedForm(request.POST, choices=[(str(pk), name) for pk, name in choices])
    action = partial(
        records.exemplars_present,
        conference=annual,
        exemplar_ids=[int(pk) for pk in request.POST.getlist("exemplars") if pk.isdigit()],
        user=request.user,
    )
    if form.is_valid() and attempt(form, action) is not FAILED:
        messages.success(request, "Đã ghi nhận điển hình báo cáo tại hội nghị tổng kết.")
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect("exemplars", code, year)


@login_required
def exemplars_province(request: HttpRequest, year: int) -> HttpResponse:
    """Every cluster's exemplary models of the year, for the staff (Sở Nội vụ: the province)."""
    emulation_year = get_year(year)
    clusters = get_clusters_for_staff(request.user)
    found = (
        ExemplaryModel.objects.filter(
            membership__year=emulation_year, membership__cluster__in=clusters
        )
        .select_related("membership__unit", "membership__cluster", "presented_at")
        .order_by("membership__cluster__code", "-presented_at", "membership__unit__code", "pk")
    )
    return render(
        request, "clusters/exemplars_province.html", {"year": emulation_year, "exemplars": found}
    )


# --- A conference's guests and the adoption of its minutes -----------------


@login_required
def conference_guests(request: HttpRequest, code: str, year: int, pk: int) -> HttpResponse:
    emulation_year = get_year(year)
    cluster, _ = get_cluster_for_head(request.user, code, emulation_year)
    conference = get_object_or_404(Conference, pk=pk, cluster=cluster, year=emulation_year)
    data = request.POST if request.method == "POST" else None
    form = GuestForm(data)
    if data is not None and form.is_valid():
        action = partial(
            records.guest_add, conference=conference, user=request.user, **form.cleaned_data
        )
        if attempt(form, action) is not FAILED:
            messages.success(request, "Đã ghi khách mời.")
            return redirect("conference_guests", code, year, pk)
    context = {
        "cluster": cluster,
        "year": emulation_year,
        "conference": conference,
        "guests": conference.guests.all(),
        "invited": [ConferenceGuest.Role(r).label for r in ConferenceGuest.invited_roles(cluster)],
        "form": form,
    }
    return render(request, "clusters/conference_guests.html", context)


@login_required
@require_POST
def conference_guest_remove(
    request: HttpRequest, code: str, year: int, pk: int, guest: int
) -> HttpResponse:
    emulation_year = get_year(year)
    cluster, _ = get_cluster_for_head(request.user, code, emulation_year)
    found = get_object_or_404(
        ConferenceGuest,
        pk=guest,
        conference__pk=pk,
        conference__cluster=cluster,
        conference__year=emulation_year,
    )
    records.guest_remove(guest=found, user=request.user)
    messages.success(request, "Đã bỏ khách mời.")
    return redirect("conference_guests", code, year, pk)


@login_required
def conference_adopt(request: HttpRequest, code: str, year: int, pk: int) -> HttpResponse:
    emulation_year = get_year(year)
    cluster, _ = get_cluster_for_head(request.user, code, emulation_year)
    conference = get_object_or_404(Conference, pk=pk, cluster=cluster, year=emulation_year)
    data = request.POST if request.method == "POST" else None
    form = AdoptionForm(data)
    if data is not None and form.is_valid():
        action = partial(
            records.minutes_adopt, conference=conference, user=request.user, **form.cleaned_data
        )
        if attempt(form, action) is not FAILED:
            messages.success(request, "Đã ghi nhận biên bản được thông qua.")
            return redirect("conference_detail", code, year, pk)
    context = {
        "cluster": cluster,
        "year": emulation_year,
        "conference": conference,
        "present": records.present_units(conference),
        "form": form,
    }
    return render(request, "clusters/conference_adopt.html", context)


# --- The cluster's own reports ------------------------------------------------


@login_required
def cluster_report_send(request: HttpRequest, code: str, year: int) -> HttpResponse:
    emulation_year = get_year(year)
    cluster, _ = get_cluster_for_head(request.user, code, emulation_year)
    data = (request.POST, request.FILES) if request.method == "POST" else ()
    form = ClusterReportForm(*data)
    if data and form.is_valid():
        action = partial(
            records.cluster_report_send,
            cluster=cluster,
            year=emulation_year,
            user=request.user,
            **form.cleaned_data,
        )
        if attempt(form, action) is not FAILED:
            messages.success(request, "Đã gửi báo cáo của cụm, khối.")
            return redirect("reports", code, year)
    context = {"cluster": cluster, "year": emulation_year, "form": form}
    return render(request, "clusters/cluster_report_form.html", context)


# --- Ad-hoc reports ---------------------------------------------------------


@login_required
def adhoc_list(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """The ad-hoc reports asked of the cluster: Sở Nội vụ asks and, with the
    staff guiding the cluster, sees who sent and who did not; each addressee
    sees what it is asked and sends it."""
    seat = get_cluster_for_member(request.user, code, get_year(year))
    data = request.POST if request.method == "POST" else None
    if data is not None:
        get_cluster_for_province(request.user, code, seat.year)
    form = AdhocRequestForm(data) if seat.province else None
    if data is not None and form.is_valid():
        action = partial(
            records.adhoc_request,
            cluster=seat.cluster,
            year=seat.year,
            user=request.user,
            **form.cleaned_data,
        )
        if attempt(form, action) is not FAILED:
            messages.success(request, "Đã gửi yêu cầu báo cáo đột xuất.")
            return redirect("adhoc_reports", code, year)
    members = members_of(seat.cluster, seat.year)
    rows = []
    for asked in records.adhoc_requests_of(seat.cluster, seat.year):
        answers = {a.membership_id: a for a in asked.answers.all()}
        addressees = records.adhoc_addressees(asked, members)
        if not seat.is_staff:
            mine = seat.membership
            if mine is None or not asked.addressed_to(mine):
                continue
            addressees = [m for m in addressees if m.pk == mine.pk]
        rows.append((asked, [(m, answers.get(m.pk)) for m in addressees]))
    context = {"seat": seat, "rows": rows, "form": form, "today": timezone.localdate()}
    return render(request, "clusters/adhoc_reports.html", context)


@login_required
def adhoc_answer(request: HttpRequest, code: str, year: int, pk: int) -> HttpResponse:
    membership = get_cluster_membership(request.user, code, get_year(year))
    asked = get_object_or_404(AdhocRequest, pk=pk, cluster=membership.cluster, year=membership.year)
    if not asked.addressed_to(membership):
        raise PermissionDenied("Yêu cầu báo cáo này không gửi đến đơn vị của bạn.")
    answer = asked.answers.filter(membership=membership).first()
    data = (request.POST, request.FILES) if request.method == "POST" else ()
    form = AdhocAnswerForm(*data, initial={"text": answer.text if answer else ""})
    if data and form.is_valid():
        action = partial(
            records.adhoc_answer,
            request=asked,
            membership=membership,
            user=request.user,
            **form.cleaned_data,
        )
        if attempt(form, action) is not FAILED:
            messages.success(request, "Đã gửi báo cáo đột xuất.")
            return redirect("adhoc_reports", code, year)
    context = {"membership": membership, "asked": asked, "answer": answer, "form": form}
    return render(request, "clusters/adhoc_answer.html", context)


# --- The guiding authority's evaluation [IV.2] -----------------------------


@login_required
def evaluation(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """The guiding authority writes its evaluation of the cluster's year and
    sends it with the package to Sở Nội vụ, which reads it."""
    seat = get_cluster_for_staff(request.user, code, get_year(year))
    writes = is_guiding_staff(request.user, seat.cluster)
    found = Evaluation.objects.filter(cluster=seat.cluster, year=seat.year).first()
    data = request.POST if request.method == "POST" else None
    if data is not None:
        get_cluster_for_guiding_staff(request.user, code, seat.year)
    form = None
    if writes and not (found and found.is_sent):
        form = EvaluationForm(data, initial={"text": found.text if found else ""})
    if data is not None and form is not None and form.is_valid():
        action = partial(
            records.evaluation_save,
            cluster=seat.cluster,
            year=seat.year,
            text=form.cleaned_data["text"],
            user=request.user,
        )
        if attempt(form, action) is not FAILED:
            messages.success(request, "Đã lưu đánh giá.")
            return redirect("evaluation", code, year)
    context = {
        "seat": seat,
        "evaluation": found,
        "package": records.evaluation_package(seat.cluster, seat.year),
        "form": form,
        "writes": writes,
    }
    return render(request, "clusters/evaluation.html", context)


@login_required
@require_POST
def evaluation_send(request: HttpRequest, code: str, year: int) -> HttpResponse:
    seat = get_cluster_for_guiding_staff(request.user, code, get_year(year))
    try:
        records.evaluation_send(cluster=seat.cluster, year=seat.year, user=request.user)
        messages.success(request, "Đã gửi đánh giá và hồ sơ của cụm, khối về Sở Nội vụ.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("evaluation", code, year)


@login_required
def evaluations_province(request: HttpRequest, year: int) -> HttpResponse:
    """Which guiding authorities' evaluations have arrived, cluster by cluster."""
    emulation_year = get_year(year)
    clusters = (
        get_clusters_for_staff(request.user)
        .select_related("authority")
        .prefetch_related(
            Prefetch(
                "evaluations",
                queryset=Evaluation.objects.filter(year=emulation_year),
                to_attr="of_year",
            )
        )
        .filter(memberships__year=emulation_year)
        .distinct()
        .order_by("authority__code", "code")
    )
    rows = [(c, c.of_year[0] if c.of_year else None) for c in clusters]
    return render(
        request, "clusters/evaluations_province.html", {"year": emulation_year, "rows": rows}
    )
