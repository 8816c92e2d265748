"""A unit's record over the years (hồ sơ thi đua, #14, #16), where Sở Nội vụ
also records which units it succeeds."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header

from awards.records import unit_record, unit_record_xlsx
from clusters.access import acts_for_province, get_unit_for_record
from clusters.forms import SuccessionForm
from clusters.services import succession_record

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def record(request: HttpRequest, unit: str) -> HttpResponse:
    found = get_unit_for_record(request.user, unit)
    may_record = acts_for_province(request.user)
    form = SuccessionForm(request.POST or None) if may_record else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("Chỉ Sở Nội vụ ghi nhận việc sáp nhập, chia tách, đổi tên.")
        if form.is_valid():
            try:
                succession_record(successor=found, user=request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Đã ghi nhận đơn vị được kế thừa.")
                return redirect("unit_record", found.code)
    context = {"record": unit_record(found), "form": form}
    return render(request, "awards/unit_record.html", context)


@login_required
def record_download(request: HttpRequest, unit: str) -> HttpResponse:
    found = get_unit_for_record(request.user, unit)
    response = HttpResponse(unit_record_xlsx(unit_record(found)), content_type=XLSX)
    filename = f"ho-so-thi-dua-{found.code}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
