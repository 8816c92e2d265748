"""Evidence (minh chứng) of a unit's scores: uploaded and removed by the unit
while its sheet is editable, read by the unit, its head and the staff."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from clusters.access import get_own_membership, get_year
from clusters.models import Membership
from scoring import sheets
from scoring.access import get_evidence_for_viewer
from scoring.forms import EvidenceForm
from scoring.models import Criterion
from scoring.sheet_pages import leaf_of, sheet_page


@login_required
@require_POST
def evidence_upload(request: HttpRequest, year: int, criterion_id: int) -> HttpResponse:
    membership = get_own_membership(request.user, get_year(year))
    _, criterion = leaf_of(membership, criterion_id)
    form = EvidenceForm(request.POST, request.FILES, criterion=criterion)
    if form.is_valid():
        try:
            sheets.evidence_add(
                membership=membership,
                criterion=criterion,
                file=form.cleaned_data["file"],
                user=request.user,
            )
        except ValidationError as error:
            form.add_error("file", error)
    problems = [str(e) for errors in form.errors.values() for e in errors]
    return _answer(request, membership, criterion, problems, done="Đã tải lên minh chứng.")


@login_required
def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    evidence = get_evidence_for_viewer(request.user, pk)
    try:
        stored = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404("Không tìm thấy tệp minh chứng.") from None
    return FileResponse(
        stored,
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )


@login_required
@require_POST
def evidence_delete(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = get_evidence_for_viewer(request.user, pk)
    membership, criterion = evidence.membership, evidence.criterion
    problems = []
    try:
        sheets.evidence_remove(evidence=evidence, user=request.user)
    except ValidationError as error:
        problems = error.messages
    return _answer(request, membership, criterion, problems, done="Đã xóa minh chứng.")


def _answer(
    request: HttpRequest,
    membership: Membership,
    criterion: Criterion,
    problems: list[str],
    *,
    done: str,
) -> HttpResponse:
    """htmx: the row's evidence block; otherwise back to the sheet with a message."""
    if request.htmx:
        page = sheet_page(membership)
        row = page.row(criterion.pk)
        row.evidence_messages = problems
        return render(request, "scoring/_sheet_evidence.html", {"page": page, "row": row})
    if problems:
        messages.error(request, f"Tiêu chí {criterion.code}: {' '.join(problems)}")
    else:
        messages.success(request, f"Tiêu chí {criterion.code}: {done}")
    return redirect("sheet", membership.year.year)
