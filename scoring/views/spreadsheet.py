"""The cluster's self-scores as a spreadsheet: the head and the staff download
the template; the head uploads the filled file (R18–R21, R35)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header

from clusters.access import get_cluster_for_head, get_cluster_for_lead_or_staff, get_year
from scoring import sheets

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class SpreadsheetForm(forms.Form):
    file = forms.FileField(
        label="Tệp Excel đã điền (.xlsx)",
        help_text="Tệp mẫu tải từ trang này, tối đa 20 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx", "class": "form-control"}),
    )


@login_required
def scores_template(request: HttpRequest, code: str, year: int) -> HttpResponse:
    from scoring import spreadsheets  # openpyxl: loaded by the pages that need it (#17)

    seat = get_cluster_for_lead_or_staff(request.user, code, get_year(year))
    try:
        content = spreadsheets.scorecard_template_xlsx(seat.cluster, seat.year)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("review", code, year)
    response = HttpResponse(content, content_type=XLSX)
    filename = f"mau-bang-diem-{seat.cluster.code}-{seat.year.year}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@login_required
def scores_import(request: HttpRequest, code: str, year: int) -> HttpResponse:
    from scoring import spreadsheets  # openpyxl: loaded by the pages that need it (#17)

    emulation_year = get_year(year)
    cluster, _ = get_cluster_for_head(request.user, code, emulation_year)
    form = SpreadsheetForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if form.is_valid():
        try:
            summary = spreadsheets.scores_import_xlsx(
                cluster=cluster,
                year=emulation_year,
                file=form.cleaned_data["file"],
                user=request.user,
            )
        except ValidationError as error:
            errors = error.messages
        else:
            messages.success(request, summary.message)
            return redirect("review", code, year)
    context = {
        "cluster": cluster,
        "year": emulation_year,
        "form": form,
        "errors": errors,
        "scorecard": sheets.issued_scorecard(cluster, emulation_year),
        "agreement": sheets.agreement_of(cluster, emulation_year),
        "no_scorecard": sheets.NO_SCORECARD,
    }
    return render(request, "scoring/spreadsheet_import.html", context)
