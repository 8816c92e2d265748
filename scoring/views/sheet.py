"""A unit's self-scoring sheet (R19–R22): each leaf saved as it changes, with
the points the engine gives it and the live section and unit totals."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from clusters.access import get_member_for_behalf, get_own_membership_in, get_year
from clusters.forms import BehalfForm
from emulation.forms import ConfirmForm
from scoring import sheets
from scoring.forms import ScoreRowForm
from scoring.sheet_pages import Row, row_form, sheet_page, sheet_row_save


@login_required
def sheet(request: HttpRequest, year: int) -> HttpResponse:
    membership, scorecard = sheets.own_sheet(request.user, year)
    page = sheet_page(membership, scorecard=scorecard)
    context = {"page": page, "submit_form": ConfirmForm(label=SUBMIT_CONFIRM)}
    return render(request, "scoring/sheet.html", context)


SUBMIT_CONFIRM = (
    "Tôi xác nhận nộp phiếu tự chấm điểm: sau khi nộp, đơn vị không sửa được điểm và minh "
    "chứng nữa (trừ khi trưởng cụm, khối trả lại phiếu); phiếu được gửi tới trưởng cụm, khối "
    "để thẩm định."
)


@login_required
@require_POST
def sheet_row(request: HttpRequest, year: int, criterion_id: int) -> HttpResponse:
    """htmx: the row's result, status and the totals, swapped out of band (the
    inputs the user is typing in stay; on a conflict they show the current
    figures). Without htmx: back to the sheet, or the sheet with the row's errors."""
    membership, scorecard = sheets.own_sheet(request.user, year)
    answer = sheet_row_save(
        membership=membership,
        scorecard=scorecard,
        criterion_id=criterion_id,
        data=request.POST,
        user=request.user,
        htmx=bool(request.htmx),
    )
    if answer.page is None:
        messages.success(request, f"Đã lưu điểm tự chấm tiêu chí {answer.criterion.code}.")
        return redirect("sheet", year)
    context = {"page": answer.page, "row": answer.row}
    if request.htmx:
        return render(request, "scoring/_sheet_row_saved.html", context)
    return render(request, "scoring/sheet.html", context)


@login_required
@require_POST
def sheet_submit(request: HttpRequest, year: int) -> HttpResponse:
    membership = get_own_membership_in(request.user, year)
    form = ConfirmForm(request.POST, label=SUBMIT_CONFIRM)
    if not form.is_valid():
        messages.error(request, f"Chưa nộp phiếu: {form.errors['confirm'][0]}")
        return redirect("sheet", year)
    try:
        sheets.sheet_submit(membership=membership, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Đã nộp phiếu tự chấm điểm cho trưởng cụm, khối.")
    return redirect("sheet", year)


BEHALF_SUBMIT = "Nộp phiếu thay đơn vị sau khi lưu (phiếu giấy đã có chữ ký, đóng dấu)"


@login_required
def sheet_behalf(request: HttpRequest, code: str, year: int, unit: str) -> HttpResponse:
    """The head or Sở Nội vụ enter a unit's sheet from its paper copy (#14)."""
    _, member = get_member_for_behalf(request.user, code, get_year(year), unit)
    page = sheet_page(member)
    if page.scorecard is not None and not page.editable:
        messages.info(request, f"Phiếu tự chấm của {member.unit.name} không còn sửa được.")
        return redirect("review", code, year)
    data = request.POST if request.method == "POST" else None
    rows = [row for section in page.sections for row in section.lines if not row.is_heading]
    forms = {row.criterion.pk: _behalf_row_form(data, row) for row in rows}
    behalf = BehalfForm(data)
    submit = forms_ok = False
    if data is not None:
        forms_ok = all([f.is_valid() for f in forms.values()] + [behalf.is_valid()])
        submit = "submit" in data
    if forms_ok:
        entered = [(row.criterion, forms[row.criterion.pk].figures(), row.revision) for row in rows]
        try:
            sheets.sheet_enter_on_behalf(
                membership=member,
                rows=entered,
                user=request.user,
                reason=behalf.cleaned_data["behalf_reason"],
                submit=submit,
            )
        except ValidationError as error:
            behalf.add_error(None, error)
        else:
            sent = " và nộp" if submit else ""
            messages.success(request, f"Đã nhập thay{sent} phiếu tự chấm của {member.unit.name}.")
            return redirect("review", code, year)
    for row in rows:
        row.form = forms[row.criterion.pk]
    context = {"page": page, "behalf_form": behalf, "submit_label": BEHALF_SUBMIT}
    return render(request, "scoring/sheet_behalf.html", context)


def _behalf_row_form(data, row: Row) -> ScoreRowForm:
    """A row of the paper sheet: the stored figures shown, the registered plan locked (R19)."""
    initial = row_form(row.criterion, row.score, row.registered_plan).initial
    return ScoreRowForm(
        data,
        initial=initial,
        criterion=row.criterion,
        plan_locked=row.registered_plan is not None,
    )
