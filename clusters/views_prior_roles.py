"""A cluster's heads and deputies of the years before its first year in the
system (#14): whoever sees the cluster reads them; Sở Nội vụ enters, corrects
and removes them (the rotation of R2 reads them)."""

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from clusters import services
from clusters.access import (
    acts_for_province,
    get_cluster_for_province,
    get_cluster_for_viewer,
    get_year,
    seat_of,
)
from clusters.forms import PriorRoleCorrectForm, PriorRoleForm, PriorRoleRemoveForm
from clusters.models import PriorRole
from clusters.views import FAILED, post_action
from emulation.forms import attempt


@login_required
def prior_roles(request: HttpRequest, code: str, year: int) -> HttpResponse:
    emulation_year = get_year(year)
    cluster = get_cluster_for_viewer(request.user, code)
    data = request.POST if request.method == "POST" else None
    if data is not None:
        get_cluster_for_province(request.user, code, emulation_year)
    form = PriorRoleForm(data) if acts_for_province(request.user) else None
    if data is not None and form.is_valid():
        action = partial(
            services.prior_role_add, cluster=cluster, user=request.user, **form.cleaned_data
        )
        if attempt(form, action) is not FAILED:
            messages.success(request, "Đã nhập trưởng, phó trưởng cụm, khối của năm trước.")
            return redirect("prior_roles", code, year)
    context = {
        "seat": seat_of(request.user, cluster, emulation_year),
        "cluster": cluster,
        "year": emulation_year,
        "page": services.prior_roles_page(cluster),
        "form": form,
        "remove_form": PriorRoleRemoveForm() if form else None,
    }
    return render(request, "clusters/prior_roles.html", context)


@login_required
def prior_role_edit(request: HttpRequest, code: str, year: int, pk: int) -> HttpResponse:
    seat = get_cluster_for_province(request.user, code, get_year(year))
    prior = get_object_or_404(PriorRole.objects.select_related("unit"), pk=pk, cluster=seat.cluster)
    initial = {"year": prior.year, "role": prior.role, "unit": prior.unit.code}
    data = request.POST if request.method == "POST" else None
    form = PriorRoleCorrectForm(data, initial=initial | {"source": prior.source})
    if data is not None and form.is_valid():
        action = partial(
            services.prior_role_correct, prior=prior, user=request.user, **form.cleaned_data
        )
        if attempt(form, action) is not FAILED:
            messages.success(request, "Đã sửa trưởng, phó trưởng cụm, khối của năm trước.")
            return redirect("prior_roles", code, year)
    context = {"cluster": seat.cluster, "year": seat.year, "prior": prior, "form": form}
    return render(request, "clusters/prior_role_edit.html", context)


@login_required
@require_POST
def prior_role_remove(request: HttpRequest, code: str, year: int, pk: int) -> HttpResponse:
    seat = get_cluster_for_province(request.user, code, get_year(year))
    prior = get_object_or_404(
        PriorRole.objects.select_related("unit", "cluster"), pk=pk, cluster=seat.cluster
    )
    post_action(
        request,
        PriorRoleRemoveForm(request.POST),
        lambda data: services.prior_role_remove(prior=prior, user=request.user, **data),
        success="Đã xóa trưởng, phó trưởng cụm, khối của năm trước.",
        failure="Chưa xóa được",
    )
    return redirect("prior_roles", code, year)
