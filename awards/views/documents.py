"""Official documents as PDF downloads (Nghị định 30/2020): the registration
form, a unit's scoring sheet, the ranking table, the minutes of the review
meeting and the tờ trình. Each view fetches through one helper of
clusters.access, builds the document's context and renders it inline."""

import re
import unicodedata

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.http import content_disposition_header

from awards import documents
from awards.access import get_seat_for_results
from awards.services import proposal_of, results_standing
from clusters.access import (
    Seat,
    get_cluster_for_lead_or_staff,
    get_member_for_overseer,
    get_own_membership,
    get_year,
)

NO_SCORECARD = "Cụm, khối chưa có bảng chấm điểm được ban hành cho năm này."


@login_required
def registration(request: HttpRequest, year: int) -> HttpResponse:
    membership = get_own_membership(request.user, get_year(year))
    context = documents.registration_context(membership)
    return _pdf("registration", context, "dang-ky", membership.unit.code, year)


@login_required
def registration_of_member(request: HttpRequest, code: str, year: int, unit: str) -> HttpResponse:
    _, member = get_member_for_overseer(request.user, code, get_year(year), unit)
    context = documents.registration_context(member)
    return _pdf("registration", context, "dang-ky", member.unit.code, year)


@login_required
def scoring_sheet(request: HttpRequest, year: int) -> HttpResponse:
    membership = get_own_membership(request.user, get_year(year))
    context = documents.scoring_sheet_context(membership)
    return _pdf("scoring_sheet", context, "phieu-cham", membership.unit.code, year)


@login_required
def scoring_sheet_of_member(request: HttpRequest, code: str, year: int, unit: str) -> HttpResponse:
    _, member = get_member_for_overseer(request.user, code, get_year(year), unit)
    context = documents.scoring_sheet_context(member)
    return _pdf("scoring_sheet", context, "phieu-cham", member.unit.code, year)


@login_required
def ranking(request: HttpRequest, code: str, year: int) -> HttpResponse:
    seat = get_seat_for_results(request.user, code, get_year(year))
    context = _with_standing(documents.ranking_context(seat.cluster, seat.year), seat)
    return _pdf("ranking", context, "xep-hang", seat.cluster.code, year)


@login_required
def minutes(request: HttpRequest, code: str, year: int) -> HttpResponse:
    seat = get_seat_for_results(request.user, code, get_year(year))
    context = _with_standing(documents.minutes_context(seat.cluster, seat.year), seat)
    return _pdf("minutes", context, "bien-ban", seat.cluster.code, year)


def _with_standing(context: dict | None, seat: Seat) -> dict | None:
    """The document marked "tạm tính" or "chính thức" (issue 13)."""
    if context is None:
        return None
    return context | {"standing": results_standing(proposal_of(seat.cluster, seat.year))}


@login_required
def proposal(request: HttpRequest, code: str, year: int) -> HttpResponse:
    seat = get_cluster_for_lead_or_staff(request.user, code, get_year(year))
    context = documents.proposal_context(seat.cluster, seat.year)
    return _pdf("proposal", context, "to-trinh", seat.cluster.code, year)


def _pdf(template: str, context: dict | None, *name: str | int) -> HttpResponse:
    """The document inline, named 'to-trinh-CUM-A-2025.pdf'; 404 while there is
    nothing to print (no issued scorecard)."""
    if context is None:
        raise Http404(NO_SCORECARD)
    content = documents.render_pdf(f"pdf/{template}.html", context)
    response = HttpResponse(content, content_type="application/pdf")
    filename = "-".join(_ascii(str(part)) for part in name) + ".pdf"
    response["Content-Disposition"] = content_disposition_header(False, filename)
    return response


def _ascii(text: str) -> str:
    """'Đ' → 'D', 'ồ' → 'o', anything else outside [A-Za-z0-9_-] dropped, so the
    name survives every browser and mail client."""
    text = text.replace("Đ", "D").replace("đ", "d")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9_-]+", "", text.replace(" ", "-")) or "van-ban"
