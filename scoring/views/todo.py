"""What is due and who has done it (R5–R10, R14): the "Việc cần làm" page,
and the reminders the head or Sở Nội vụ send by hand (#15). Both read
`scoring.progress.items()`, which counts the self-scoring sheets (#16).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from clusters import records, years
from clusters.access import get_cluster_for_reminding, get_clusters_for_staff, get_year
from clusters.models import Membership
from scoring import progress, reminders


@login_required
def todo(request: HttpRequest) -> HttpResponse:
    """What is due: on the chosen year (?nam=), else on each cluster's year in
    progress (#14)."""
    user, today = request.user, timezone.localdate()
    chosen = request.GET.get("nam")
    year = get_year(chosen) if chosen else None
    context = {"year": year, "today": today}
    if user.is_superuser or user.is_authority_staff:
        clusters = get_clusters_for_staff(user)
        shown = years.shown_years(clusters, year, today)
        rows = [
            (cluster, tallies, emulation_year)
            for emulation_year, ids in shown
            for cluster, tallies in progress.cluster_tallies(
                emulation_year, today, clusters.filter(pk__in=ids)
            )
        ]
        columns = [progress.ITEM_LABELS[kind] for kind in progress.ORDER]
        # The bar's count is the page's own (not counted a second time).
        context |= {
            "staff": True,
            "rows": rows,
            "evaluations": records.evaluations_due(user, [(c, y) for c, _, y in rows]),
            "columns": columns,
            "todo_count": progress.overdue_cells(rows),
            "links_year": year or (shown[-1][0] if shown else None),
        }
        return render(request, "clusters/todo.html", context)
    if not user.unit_id:
        raise PermissionDenied("Tài khoản chưa được gắn với cơ quan hay đơn vị nào.")
    year = year or years.default_year(user, today)
    membership = Membership.objects.of_user(user, year) if year else None
    lines = progress.unit_lines(membership, today) if membership else []
    adhoc = records.adhoc_open_for(membership) if membership else []
    context |= {
        "year": year,
        "membership": membership,
        "lines": lines,
        "adhoc": adhoc,
        "todo_count": progress.open_lines(lines),
    }
    return render(request, "clusters/todo.html", context)


@login_required
def reminders_by_hand(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """The members' open items, each with its last reminder; the head (or
    delegated deputy) and Sở Nội vụ remind a unit of one now (#15)."""
    seat = get_cluster_for_reminding(request.user, code, get_year(year))
    if request.method == "POST":
        member = (
            Membership.objects.select_related("unit", "cluster", "year")
            .filter(cluster=seat.cluster, year=seat.year, unit__code=request.POST.get("unit", ""))
            .first()
        )
        kind = request.POST.get("kind", "")
        try:
            if member is None or kind not in progress.ITEM_LABELS:
                raise ValidationError("Hãy chọn một việc của một đơn vị trong danh sách.")
            reminders.reminder_send_by_hand(membership=member, kind=kind, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Đã gửi thư nhắc việc và thông báo cho đơn vị.")
        return redirect("reminders_by_hand", code, year)
    rows = reminders.reminders_by_hand_page(
        cluster=seat.cluster, year=seat.year, today=timezone.localdate(), viewer=seat.membership
    )
    context = {"seat": seat, "rows": rows, "today": timezone.localdate()}
    return render(request, "clusters/reminders_by_hand.html", context)
