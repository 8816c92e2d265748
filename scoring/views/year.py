"""The pages of a cluster's year that show where its scorecard stands: each
person's home (a draft out for the members' discussion, II.1), the cluster's
page (whether its year is started) and the start of its next year, which
copies the issued scorecard in the same transaction as the memberships (#14).

The organisation's own pages are in clusters.views; these read scoring's
records too, so they live above it (#16, STYLE 15).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from clusters import years
from clusters.access import (
    Seat,
    acts_for_province,
    get_cluster_for_province,
    get_cluster_for_viewer,
    get_year,
    seat_of,
)
from clusters.models import Cluster, EmulationYear, Membership
from clusters.views_organisation import memberships_form
from emulation.forms import FAILED, attempt
from scoring.models import Scorecard
from scoring.services import year_start as start_year


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each person's home opens on the year in progress for their clusters
    (clusters.years); ?nam= chooses a year."""
    user = request.user
    chosen = request.GET.get("nam")
    year = get_year(chosen) if chosen else None
    if user.is_superuser or user.is_authority_staff:
        return _staff_home(request, year)
    if user.unit_id:
        return _unit_home(request, year or years.default_year(user, timezone.localdate()))
    raise PermissionDenied("Tài khoản chưa được gắn với cơ quan hay đơn vị nào.")


@login_required
def cluster_detail(request: HttpRequest, code: str, year: int) -> HttpResponse:
    cluster = get_cluster_for_viewer(request.user, code)
    emulation_year = get_year(year)
    seat = seat_of(request.user, cluster, emulation_year)
    context = {
        "cluster": cluster,
        "year": emulation_year,
        "members": _members(cluster, emulation_year),
        "seat": seat,
        # Sở Nội vụ keeps a unit's letterhead when the unit cannot (#15).
        "letterhead_links": acts_for_province(request.user),
        "start_from": _start_from(seat) if seat.province else None,
    }
    return render(request, "clusters/cluster_detail.html", context)


def _start_from(seat: Seat) -> int | None:
    """The year whose next one Sở Nội vụ starts from this cluster's page (#14).

    A cluster's year is started once it has a scorecard: `year_start` copies
    last year's issued one, or the head drafts one. Until then the page offers
    to start this very year from the year before (the election sets up its
    memberships, not its scorecard); once started, the next year. A first
    year with none before it has nothing to be started from: it offers the
    next year."""
    year = seat.year
    started = Scorecard.objects.filter(cluster=seat.cluster, year=year).exists()
    if not started and EmulationYear.objects.filter(year=year.year - 1).exists():
        return year.year - 1
    return year.year


def _staff_home(request: HttpRequest, year: EmulationYear | None) -> HttpResponse:
    """The clusters of the chosen year, or each at its own year in progress:
    a block of schools stays in its school year while the others begin the
    next calendar year (#14)."""
    visible = Cluster.objects.visible_to(request.user)
    shown = years.shown_years(visible, year, timezone.localdate())
    clusters = []
    for emulation_year, ids in shown:
        leaders = Membership.objects.filter(
            year=emulation_year, role__in=[Membership.Role.HEAD, Membership.Role.DEPUTY]
        ).select_related("unit")
        found = (
            visible.filter(pk__in=ids)
            .with_member_count(emulation_year)
            .filter(member_count__gt=0)
            .select_related("authority")
            .prefetch_related(Prefetch("memberships", queryset=leaders, to_attr="leaders"))
        )
        for cluster in found:
            cluster.shown_year = emulation_year
            clusters.append(cluster)
    clusters.sort(key=lambda c: c.code)
    any_year = bool(clusters) or EmulationYear.objects.exists()
    links_year = year or (shown[-1][0] if shown else None)
    context = {
        "year": year or (shown[0][0] if len(shown) == 1 else None),
        "clusters": clusters,
        "any_year": any_year,
        "links_year": links_year,
    }
    return render(request, "clusters/home_staff.html", context)


def _unit_home(request: HttpRequest, year) -> HttpResponse:
    membership = Membership.objects.of_user(request.user, year) if year else None
    members = _members(membership.cluster, year) if membership else []
    seat = seat_of(request.user, membership.cluster, year) if membership else None
    return render(
        request,
        "clusters/home_unit.html",
        {
            "year": year,
            "membership": membership,
            "members": members,
            "asked": _scorecard_asking(membership) if membership else None,
            "seat": seat,
        },
    )


def _scorecard_asking(membership: Membership) -> Scorecard | None:
    """The draft scorecard out for the members' discussion [II.1] that this
    unit (not the head's, which drafted it) has not given its position on."""
    if membership.role == Membership.Role.HEAD:
        return None
    return (
        Scorecard.objects.filter(
            cluster_id=membership.cluster_id,
            year_id=membership.year_id,
            status=Scorecard.Status.CONSULTING,
        )
        .exclude(positions__membership=membership)
        .first()
    )


def _members(cluster: Cluster, year) -> list[Membership]:
    order = {Membership.Role.HEAD: 0, Membership.Role.DEPUTY: 1, Membership.Role.MEMBER: 2}
    members = Membership.objects.filter(cluster=cluster, year=year).select_related("unit")
    return sorted(members, key=lambda m: (order[m.role], m.unit.code))


# ---------------------------------------------------------------------------
# Starting a cluster's next year


@login_required
def year_start(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """Sở Nội vụ starts the cluster's next year: members, deadlines, scorecard."""
    seat = get_cluster_for_province(request.user, code, get_year(year))
    form = memberships_form(request, seat.cluster, year + 1)
    done = FAILED
    if form.is_valid():
        done = attempt(
            form,
            lambda: start_year(
                cluster=seat.cluster,
                year=seat.year,
                units=form.units(),
                head=form.cleaned_data["head"],
                deputy=form.cleaned_data["deputy"],
                user=request.user,
            ),
        )
    if done is not FAILED:
        copied = " và dự thảo bảng chấm điểm sao từ bảng đã ban hành" if done.copied else ""
        messages.success(
            request,
            f"Đã bắt đầu năm {done.year.year} cho {seat.cluster.name}: "
            f"{len(done.memberships)} đơn vị, các hạn theo lịch{copied}.",
        )
        return redirect("cluster_detail", code, done.year.year)
    context = {"seat": seat, "form": form, "next_year": year + 1, "starting": True}
    return render(request, "clusters/memberships_edit.html", context)
