"""The province's year at a glance for authority staff (R1): progress of every
cluster and block, awards against quotas, the totals compared; as a page and
as a workbook."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header

from awards.province import province_summary, province_xlsx
from clusters import years
from clusters.access import acts_for_province, get_clusters_for_staff, get_year

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def province(request: HttpRequest, year: int) -> HttpResponse:
    clusters = get_clusters_for_staff(request.user)
    summary = province_summary(get_year(year), clusters)
    context = {
        "p": summary,
        "year": summary.year,
        "may_open_records": acts_for_province(request.user),
    }
    return render(request, "awards/province.html", context)


@login_required
def province_download(request: HttpRequest, year: int) -> HttpResponse:
    clusters = get_clusters_for_staff(request.user)
    summary = province_summary(get_year(year), clusters)
    response = HttpResponse(province_xlsx(summary), content_type=XLSX)
    filename = f"toan-tinh-{summary.year.year}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@login_required
def province_current(request: HttpRequest) -> HttpResponse:
    get_clusters_for_staff(request.user)
    year = years.default_year(request.user, timezone.localdate())
    if year is None:
        raise Http404("Chưa có năm thi đua nào.")
    return redirect("province", year.year)
