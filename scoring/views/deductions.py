"""A cluster's deductions (R25): the page listing them under the year's
guidance's names for their kinds (R39), and the staff's decision on those the
head proposed (clusters.views.deduction_propose), confirmed against the
year's kinds and limits (scoring.adjustments.deduction_confirm).
"""

from functools import partial

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from clusters import services as clusters_services
from clusters.access import get_cluster_for_lead_or_staff, get_cluster_for_staff, get_year
from clusters.deduction_kinds import MEMBER_DUTY, no_member_duty
from clusters.forms import DeductionProposalForm, DeductionRejectForm
from clusters.models import Deduction
from clusters.views import members_of, post_action
from scoring import adjustments
from scoring.guidances import stored_regulation


@login_required
def deductions(request: HttpRequest, code: str, year: int) -> HttpResponse:
    seat = get_cluster_for_lead_or_staff(request.user, code, get_year(year))
    found = (
        Deduction.objects.filter(membership__cluster=seat.cluster, membership__year=seat.year)
        .select_related("membership__unit", "created_by")
        .order_by("status", "membership__unit__code", "created_at")
    )
    members = members_of(seat.cluster, seat.year)
    regulation = stored_regulation(seat.year, seat.cluster)
    # R39: the head proposes the year's member_duty kind, where its guidance has one.
    member_duty = regulation.deductions.get(MEMBER_DUTY)
    context = {
        "seat": seat,
        # A proposal left from an earlier guidance of the year, of a kind the
        # year's has no longer, can only be rejected (R39).
        "deductions": [
            (d, regulation.deduction_label(d.kind), d.kind in regulation.deductions) for d in found
        ],
        "member_duty": member_duty,
        "no_member_duty": no_member_duty(seat.year),
        "propose_form": (
            DeductionProposalForm(members=members) if seat.leads and member_duty else None
        ),
        "reject_form": DeductionRejectForm() if seat.is_staff else None,
    }
    return render(request, "clusters/deductions.html", context)


@login_required
@require_POST
def deduction_decide(
    request: HttpRequest, code: str, year: int, pk: int, decision: str
) -> HttpResponse:
    seat = get_cluster_for_staff(request.user, code, get_year(year))
    deduction = get_object_or_404(
        Deduction, pk=pk, membership__cluster=seat.cluster, membership__year=seat.year
    )
    if decision == "confirm":
        action = partial(adjustments.deduction_confirm, deduction=deduction, user=request.user)
        success = "Đã xác nhận điểm trừ."
    else:
        action = partial(clusters_services.deduction_reject, deduction=deduction, user=request.user)
        success = "Đã không chấp nhận điểm trừ."
    post_action(
        request,
        DeductionRejectForm(request.POST),
        lambda data: action() if decision == "confirm" else action(**data),
        success=success,
        failure="Chưa xử lý được",
    )
    return redirect("deductions", code, year)
