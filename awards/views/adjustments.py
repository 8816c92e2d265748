"""Bonuses, deductions and flags of a cluster's year (R23, R25, R27, R28):
per unit every entry with its reason, and the forms the viewer's role gives.

The head gives the cluster's own bonus; staff the reporting and council
bonuses, their deductions and the flags (scoring.adjustments says why).
"""

from dataclasses import dataclass
from decimal import Decimal
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from clusters.access import (
    Seat,
    get_cluster_for_lead_or_staff,
    get_cluster_for_staff,
    get_member_for_overseer,
    get_year,
)
from clusters.models import Deduction, Membership
from emulation.forms import FAILED, attempt
from emulation.uploads import extension
from scoring import adjustments, sheets
from scoring.adjustments import UnitEntries
from scoring.forms import BonusForm, FlagForm, ReasonForm, StaffDeductionForm
from scoring.guidances import stored_regulation
from scoring.models import Bonus, Flag, ScoreAgreement
from scoring.regulation import Regulation


@login_required
def adjustments_page(request: HttpRequest, code: str, year: int) -> HttpResponse:
    seat = get_cluster_for_lead_or_staff(request.user, code, get_year(year))
    return _render(request, _page(seat))


@login_required
@require_POST
def bonus_add(request: HttpRequest, code: str, year: int) -> HttpResponse:
    page = _page(get_cluster_for_lead_or_staff(request.user, code, get_year(year)))
    page.ensure_gives(request.POST.get("kind", ""))
    form = page.bonus_form(request.POST)
    if form.is_valid():
        action = partial(
            adjustments.bonus_add,
            membership=page.member(form.cleaned_data["member"]),
            kind=form.cleaned_data["kind"],
            points=form.cleaned_data["points"],
            reason=form.cleaned_data["reason"],
            user=request.user,
        )
        if attempt(form, action) is not FAILED:
            messages.success(request, "Đã cộng điểm thưởng.")
            return redirect("adjustments", code, year)
    return _render(request, page, bonus_form=form)


@login_required
@require_POST
def deduction_add(request: HttpRequest, code: str, year: int) -> HttpResponse:
    page = _page(get_cluster_for_staff(request.user, code, get_year(year)))
    form = page.deduction_form(request.POST, request.FILES)
    if form.is_valid():
        action = partial(
            adjustments.deduction_add,
            membership=page.member(form.cleaned_data["member"]),
            kind=form.cleaned_data["kind"],
            count=form.cleaned_data["count"],
            reason=form.cleaned_data["reason"],
            evidence=form.cleaned_data["evidence"],
            user=request.user,
        )
        if attempt(form, action) is not FAILED:
            messages.success(request, "Đã trừ điểm.")
            return redirect("adjustments", code, year)
    return _render(request, page, deduction_form=form)


@login_required
@require_POST
def flag_set(request: HttpRequest, code: str, year: int) -> HttpResponse:
    page = _page(get_cluster_for_staff(request.user, code, get_year(year)))
    form = page.flag_form(request.POST, request.FILES)
    if form.is_valid():
        action = partial(
            adjustments.flag_set,
            membership=page.member(form.cleaned_data["member"]),
            kind=form.cleaned_data["kind"],
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
            evidence=form.cleaned_data["evidence"],
            user=request.user,
            revision=form.cleaned_data["revision"],
        )
        if attempt(form, action) is not FAILED:
            messages.success(request, "Đã ghi nhận không xét / chưa xét.")
            return redirect("adjustments", code, year)
    return _render(request, page, flag_form=_with_current_revision(form))


@login_required
@require_POST
def bonus_remove(request: HttpRequest, code: str, year: int, pk: int) -> HttpResponse:
    seat = get_cluster_for_lead_or_staff(request.user, code, get_year(year))
    bonus = get_object_or_404(Bonus, pk=pk, **_in(seat))
    _remove(request, lambda reason: adjustments.bonus_remove(bonus=bonus, **reason))
    return redirect("adjustments", code, year)


@login_required
@require_POST
def deduction_remove(request: HttpRequest, code: str, year: int, pk: int) -> HttpResponse:
    seat = get_cluster_for_staff(request.user, code, get_year(year))
    deduction = get_object_or_404(Deduction, pk=pk, **_in(seat))
    _remove(request, lambda reason: adjustments.deduction_remove(deduction=deduction, **reason))
    return redirect("adjustments", code, year)


@login_required
@require_POST
def flag_remove(request: HttpRequest, code: str, year: int, pk: int) -> HttpResponse:
    seat = get_cluster_for_staff(request.user, code, get_year(year))
    flag = get_object_or_404(Flag, pk=pk, **_in(seat))
    _remove(request, lambda reason: adjustments.flag_remove(flag=flag, **reason))
    return redirect("adjustments", code, year)


EVIDENCE_OF = {"diem-tru": Deduction, "khong-xet": Flag}


@login_required
def evidence(
    request: HttpRequest, code: str, year: int, unit: str, what: str, pk: int
) -> FileResponse:
    """A deduction's or flag's evidence: for the unit itself, its head and the staff."""
    if what not in EVIDENCE_OF:
        raise Http404("Không có loại minh chứng này.")
    _, member = get_member_for_overseer(request.user, code, get_year(year), unit)
    record = get_object_or_404(EVIDENCE_OF[what], pk=pk, membership=member)
    if not record.evidence:
        raise Http404("Chưa có tệp minh chứng.")
    try:
        stored = record.evidence.open("rb")
    except FileNotFoundError:
        raise Http404("Không tìm thấy tệp minh chứng.") from None
    filename = f"minh-chung-{what}-{member.unit.code}-{pk}.{extension(record.evidence.name)}"
    return FileResponse(stored, as_attachment=True, filename=filename)


# ---------------------------------------------------------------------------
# Helpers


def _in(seat: Seat) -> dict:
    return {"membership__cluster": seat.cluster, "membership__year": seat.year}


def _with_current_revision(form: FlagForm) -> FlagForm:
    """A refused stale flag shown again with the revision stored now, so that
    saving it once more (after reading the current note) replaces it (#11.8)."""
    stale = [e for e in form.non_field_errors().as_data() if isinstance(e, adjustments.StaleFlag)]
    if stale:
        data = form.data.copy()
        data[form.add_prefix("revision")] = stale[0].flag.revision if stale[0].flag else ""
        form.data = data
    return form


def _remove(request: HttpRequest, action) -> None:
    form = ReasonForm(request.POST, label="Lý do xóa")
    try:
        if not form.is_valid():
            raise ValidationError("Cần ghi lý do xóa.")
        action({"reason": form.cleaned_data["reason"], "user": request.user})
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Đã xóa; lý do được ghi vào lịch sử.")


def _render(request: HttpRequest, page: "Page", **bound) -> HttpResponse:
    forms = {
        "bonus_form": page.bonus_form() if page.bonus_kinds else None,
        "deduction_form": page.deduction_form() if page.seat.is_staff else None,
        "flag_form": page.flag_form() if page.seat.is_staff else None,
    }
    return render(request, "scoring/adjustments.html", {"page": page, **forms, **bound})


# ---------------------------------------------------------------------------
# The page's content


@dataclass(frozen=True)
class UnitBlock:
    membership: Membership
    entries: UnitEntries
    cap: Decimal | None
    regulation: Regulation

    @property
    def bonus_sums(self) -> list[tuple[str, Decimal, Decimal | None]]:
        """(label, given, cap) per bonus kind of the year's guidance (R23, R39)."""
        return [
            (
                self.regulation.bonus_label(kind),
                self.entries.bonus_sum(kind),
                self.cap if kind == "cluster" else cap,
            )
            for kind, cap in self.regulation.bonuses.items()
        ]


@dataclass(frozen=True)
class Page:
    seat: Seat
    units: list[UnitBlock]
    cap: Decimal | None
    agreement: ScoreAgreement | None
    regulation: Regulation

    @property
    def locked(self) -> bool:
        return self.agreement is not None and self.agreement.is_locked

    @property
    def members(self) -> list[Membership]:
        return [block.membership for block in self.units]

    @property
    def bonus_kinds(self) -> list[str]:
        """The year's kinds (R23, R39) the viewer gives: the head its cluster's,
        staff the others, the council's only Sở Nội vụ."""
        kinds = self.regulation.bonuses
        leads = [k for k in adjustments.HEAD_BONUS_KINDS if k in kinds and self.seat.leads]
        staff = [
            kind
            for kind in kinds
            if self.seat.is_staff
            and kind not in adjustments.HEAD_BONUS_KINDS
            and (kind not in adjustments.PROVINCE_BONUS_KINDS or self.seat.province)
        ]
        return [*leads, *staff]

    def ensure_gives(self, kind: str) -> None:
        """403 for a bonus kind of the year the viewer does not give (issue 13)."""
        if kind in self.regulation.bonuses and kind not in self.bonus_kinds:
            raise PermissionDenied("Bạn không được cộng loại điểm thưởng này.")

    def member(self, pk: int) -> Membership:
        for membership in self.members:
            if membership.pk == pk:
                return membership
        raise Http404("Đơn vị không thuộc cụm, khối trong năm này.")

    def bonus_form(self, data=None) -> BonusForm:
        choices = adjustments.bonus_choices(self.bonus_kinds, self.regulation)
        return BonusForm(data, members=self.members, kinds=choices)

    def deduction_form(self, data=None, files=None) -> StaffDeductionForm:
        choices = adjustments.deduction_choices(self.regulation)
        return StaffDeductionForm(data, files, members=self.members, kinds=choices)

    def flag_form(self, data=None, files=None) -> FlagForm:
        choices = adjustments.flag_choices(self.regulation)
        return FlagForm(data, files, members=self.members, reasons=choices)


def _page(seat: Seat) -> Page:
    """Every unit's entries in a fixed number of queries, whatever the number of units."""
    members = list(
        Membership.objects.filter(cluster=seat.cluster, year=seat.year)
        .select_related("unit", "cluster", "year")
        .order_by("unit__code")
    )
    regulation = stored_regulation(seat.year, seat.cluster)
    found = adjustments.entries_of(members, regulation=regulation)
    cap = adjustments.cluster_cap(seat.cluster, seat.year)
    units = [UnitBlock(m, found.get(m.pk, UnitEntries()), cap, regulation) for m in members]
    return Page(seat, units, cap, sheets.agreement_of(seat.cluster, seat.year), regulation)
