"""Lịch sử (R35): every recorded change of a cluster's year, or of one of its
units, for the staff guiding the cluster and its head."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from awards import history
from clusters.access import (
    Seat,
    get_cluster_for_lead_or_staff,
    get_member_for_lead_or_staff,
    get_year,
)
from clusters.models import Membership

PER_PAGE = 50


@login_required
def cluster_history(request: HttpRequest, code: str, year: int) -> HttpResponse:
    seat = get_cluster_for_lead_or_staff(request.user, code, get_year(year))
    return _render(request, seat, history.cluster_trail(seat.cluster, seat.year))


@login_required
def unit_history(request: HttpRequest, code: str, year: int, unit: str) -> HttpResponse:
    seat, member = get_member_for_lead_or_staff(request.user, code, get_year(year), unit)
    return _render(request, seat, history.unit_trail(member), member)


def _render(
    request: HttpRequest, seat: Seat, trail: history.Trail, member: Membership | None = None
) -> HttpResponse:
    page = Paginator(trail.pairs, PER_PAGE).get_page(request.GET.get("trang"))
    context = {
        "seat": seat,
        "member": member,
        "page": page,
        "changes": history.describe(page.object_list, trail.memberships, trail.regulation),
    }
    return render(request, "scoring/history.html", context)
