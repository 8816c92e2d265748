"""The guidances' pages (#16): everyone signed in reads them; Sở Nội vụ, the
council's standing agency, copies, edits and applies them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from clusters.access import acts_for_province, ensure_acts_for_province
from scoring import guidances
from scoring.guidance_forms import ApplyForm, GuidanceForm
from scoring.guidance_pages import guidance_detail_page, guidance_list_page
from scoring.models import Guidance


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
