"""The guidances' pages (#16): everyone signed in reads them; Sở Nội vụ, the
council's standing agency, copies, edits and applies them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from clusters.access import acts_for_province, ensure_acts_for_province
from scoring import guidance_framework as guidance_framework_rules
from scoring import guidances
from scoring.forms import ReasonForm
from scoring.guidance_forms import ApplyForm, CriterionForm, FrameworkUploadForm, GuidanceForm
from scoring.guidance_pages import Application, guidance_detail_page, guidance_list_page
from scoring.models import FrameworkCriterion, Guidance, GuidanceYear


def _get_guidance(pk: int) -> Guidance:
    return get_object_or_404(Guidance.objects.select_related("framework"), pk=pk)


def _get_guidance_for_province(request: HttpRequest, pk: int) -> Guidance:
    """A guidance Sở Nội vụ changes; 403 for anyone else."""
    ensure_acts_for_province(request.user)
    return _get_guidance(pk)


@login_required
def guidance_list(request: HttpRequest) -> HttpResponse:
    page = guidance_list_page()
    context = {"page": page, "may_change": acts_for_province(request.user)}
    return render(request, "scoring/guidances.html", context)


@login_required
def guidance_detail(request: HttpRequest, pk: int) -> HttpResponse:
    page = guidance_detail_page(_get_guidance(pk))
    context = {"page": page, "may_change": acts_for_province(request.user)}
    return render(request, "scoring/guidance.html", context)


@login_required
@require_POST
def guidance_copy(request: HttpRequest, pk: int) -> HttpResponse:
    guidance = _get_guidance_for_province(request, pk)
    copy = guidances.guidance_copy(guidance=guidance, user=request.user)
    messages.success(request, f"Đã tạo bản sao {copy.code}: một dự thảo để sửa.")
    return redirect("guidance_edit", copy.pk)


@login_required
def guidance_edit(request: HttpRequest, pk: int) -> HttpResponse:
    guidance = _get_guidance_for_province(request, pk)
    initial = GuidanceForm.initial_of(guidance, guidances.regulation_of(guidance))
    form = GuidanceForm(request.POST or None, initial=initial)
    if form.is_valid():
        try:
            saved = guidances.guidance_update(
                guidance=guidance,
                info=form.info(),
                parameters=form.cleaned_data["block"],
                labels=form.cleaned_data["labels"],
                user=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if saved.pk != guidance.pk:
                messages.success(
                    request,
                    f"Hướng dẫn đang áp dụng không sửa được: đã lưu thành bản {saved.version}.",
                )
            else:
                messages.success(request, "Đã lưu hướng dẫn.")
            return redirect("guidance_detail", saved.pk)
    context = {"guidance": guidance, "form": form, "frozen": guidance.is_frozen}
    return render(request, "scoring/guidance_edit.html", context)


@login_required
def guidance_apply(request: HttpRequest, pk: int) -> HttpResponse:
    guidance = _get_guidance_for_province(request, pk)
    form = ApplyForm(request.POST or None)
    if form.is_valid():
        year, kind = form.cleaned_data["year"], form.cleaned_data["cluster_kind"]
        try:
            guidances.guidance_apply(
                guidance=guidance, year=year, cluster_kind=kind, user=request.user
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Đã áp dụng hướng dẫn cho năm {year.year}.")
            return redirect("guidance_detail", guidance.pk)
    return render(request, "scoring/guidance_apply.html", {"guidance": guidance, "form": form})


def _get_kind_application(request: HttpRequest, pk: int, year: int, kind: str) -> GuidanceYear:
    """The guidance's application to one kind of cluster in a year, which
    Sở Nội vụ may remove; 403 for anyone else, 404 for the year's own."""
    guidance = _get_guidance_for_province(request, pk)
    return get_object_or_404(
        GuidanceYear.objects.select_related("year", "guidance").exclude(cluster_kind=""),
        guidance=guidance,
        year__year=year,
        cluster_kind=kind,
    )


@login_required
def guidance_unapply(request: HttpRequest, pk: int, year: int, kind: str) -> HttpResponse:
    """The kind's clusters go back to the year's guidance, once confirmed with a reason."""
    application = _get_kind_application(request, pk, year, kind)
    form = ReasonForm(request.POST or None, label="Lý do bỏ hướng dẫn riêng")
    if form.is_valid():
        try:
            guidances.guidance_unapply(
                year=application.year,
                cluster_kind=kind,
                user=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Đã bỏ hướng dẫn riêng; lý do được ghi vào lịch sử.")
            return redirect("guidance_detail", pk)
    context = {
        "guidance": application.guidance,
        "application": Application(year, kind),
        "form": form,
    }
    return render(request, "scoring/guidance_unapply.html", context)


# ---------------------------------------------------------------------------
# A guidance's framework of criteria (Phụ lục 02)


def _framework_context(guidance: Guidance, **forms) -> dict:
    criteria = (
        list(
            guidance.framework.criteria.select_related("parent").order_by(
                "section", "group", "order", "pk"
            )
        )
        if guidance.framework_id
        else []
    )
    return {
        "guidance": guidance,
        "criteria": criteria,
        "frozen": guidance.is_frozen,
        "form": forms.get("form") or CriterionForm(),
        "upload": forms.get("upload") or FrameworkUploadForm(),
    }


@login_required
def guidance_framework(request: HttpRequest, pk: int) -> HttpResponse:
    """The criteria, a row to add and the workbook to upload."""
    guidance = _get_guidance_for_province(request, pk)
    form = CriterionForm(request.POST or None)
    if form.is_valid():
        try:
            guidance_framework_rules.framework_criterion_save(
                guidance=guidance, row=form.row(), user=request.user
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Đã thêm tiêu chí vào khung.")
            return redirect("guidance_framework", guidance.pk)
    return render(
        request, "scoring/guidance_framework.html", _framework_context(guidance, form=form)
    )


def _get_criterion(guidance: Guidance, criterion_pk: int) -> FrameworkCriterion:
    return get_object_or_404(
        FrameworkCriterion.objects.select_related("parent"),
        pk=criterion_pk,
        framework_id=guidance.framework_id,
    )


@login_required
def guidance_criterion(request: HttpRequest, pk: int, criterion_pk: int) -> HttpResponse:
    guidance = _get_guidance_for_province(request, pk)
    criterion = _get_criterion(guidance, criterion_pk)
    form = CriterionForm(request.POST or None, initial=CriterionForm.initial_of(criterion))
    if form.is_valid():
        try:
            guidance_framework_rules.framework_criterion_save(
                guidance=guidance, row=form.row(), criterion=criterion, user=request.user
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Đã lưu tiêu chí {form.row().code}.")
            return redirect("guidance_framework", guidance.pk)
    context = {"guidance": guidance, "criterion": criterion, "form": form}
    return render(request, "scoring/guidance_criterion.html", context)


@login_required
@require_POST
def guidance_criterion_remove(request: HttpRequest, pk: int, criterion_pk: int) -> HttpResponse:
    guidance = _get_guidance_for_province(request, pk)
    criterion = _get_criterion(guidance, criterion_pk)
    try:
        guidance_framework_rules.framework_criterion_remove(
            guidance=guidance, criterion=criterion, user=request.user
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Đã bỏ tiêu chí {criterion.code} và các tiêu chí thuộc nó.")
    return redirect("guidance_framework", guidance.pk)


@login_required
@require_POST
def guidance_framework_upload(request: HttpRequest, pk: int) -> HttpResponse:
    guidance = _get_guidance_for_province(request, pk)
    upload = FrameworkUploadForm(request.POST, request.FILES)
    if upload.is_valid():
        try:
            rows = guidance_framework_rules.rows_from_workbook(upload.cleaned_data["file"])
            count = guidance_framework_rules.framework_replace(
                guidance=guidance, rows=rows, user=request.user
            )
        except ValidationError as error:
            upload.add_error("file", error)
        else:
            messages.success(request, f"Đã thay khung bằng {count} tiêu chí của tệp.")
            return redirect("guidance_framework", guidance.pk)
    context = _framework_context(guidance, upload=upload)
    return render(request, "scoring/guidance_framework.html", context)


@login_required
def guidance_framework_download(request: HttpRequest, pk: int) -> HttpResponse:
    guidance = _get_guidance(pk)
    response = HttpResponse(
        guidance_framework_rules.framework_workbook(guidance),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="khung-{guidance.pk}.xlsx"'
    return response
