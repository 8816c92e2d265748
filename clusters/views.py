from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from clusters.access import get_cluster_for_viewer, get_year
from clusters.models import Cluster, Membership


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    year = get_year(request.GET.get("nam"))
    if user.is_superuser or user.is_authority_staff:
        return _staff_home(request, year)
    if user.unit_id:
        return _unit_home(request, year)
    raise PermissionDenied("Tài khoản chưa được gắn với cơ quan hay đơn vị nào.")


@login_required
def cluster_detail(request: HttpRequest, code: str, year: int) -> HttpResponse:
    cluster = get_cluster_for_viewer(request.user, code)
    emulation_year = get_year(year)
    return render(
        request,
        "clusters/cluster_detail.html",
        {"cluster": cluster, "year": emulation_year, "members": _members(cluster, emulation_year)},
    )


def _staff_home(request: HttpRequest, year) -> HttpResponse:
    clusters = []
    if year is not None:
        leaders = Membership.objects.filter(
            year=year, role__in=[Membership.Role.HEAD, Membership.Role.DEPUTY]
        ).select_related("unit")
        clusters = (
            Cluster.objects.visible_to(request.user)
            .with_member_count(year)
            .filter(member_count__gt=0)
            .select_related("authority")
            .prefetch_related(Prefetch("memberships", queryset=leaders, to_attr="leaders"))
        )
    return render(request, "clusters/home_staff.html", {"year": year, "clusters": clusters})


def _unit_home(request: HttpRequest, year) -> HttpResponse:
    membership = Membership.objects.of_user(request.user, year) if year else None
    members = _members(membership.cluster, year) if membership else []
    return render(
        request,
        "clusters/home_unit.html",
        {"year": year, "membership": membership, "members": members},
    )


def _members(cluster: Cluster, year) -> list[Membership]:
    order = {Membership.Role.HEAD: 0, Membership.Role.DEPUTY: 1, Membership.Role.MEMBER: 2}
    members = Membership.objects.filter(cluster=cluster, year=year).select_related("unit")
    return sorted(members, key=lambda m: (order[m.role], m.unit.code))
