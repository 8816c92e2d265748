"""A unit's registration (R6, Phụ lục 01) as it is entered: by the unit, or
from its paper copy by the head or Sở Nội vụ (#14), its main targets linked
to the quantitative criteria of the cluster's issued scorecard (R19).

The pages that only read registrations (who has registered, one unit's
registration) are the organisation's, in clusters.views; these offer the
scorecard's criteria, so they live above it (#16, STYLE 15).
"""

from collections.abc import Callable
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms.models import model_to_dict
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from clusters import services as clusters_services
from clusters.access import get_member_for_behalf, get_own_membership, get_year
from clusters.forms import BehalfForm, CriterionLinkForm, RegistrationForm, TargetFormSet
from clusters.models import Membership, Registration
from clusters.views import registration_due, stale_shows_current
from emulation.forms import FAILED, attempt
from scoring import registrations


def _criterion_choices(membership: Membership) -> list[tuple[int, str]]:
    criteria = registrations.linkable_criteria(cluster=membership.cluster, year=membership.year)
    return [(c.pk, f"{c.code}. {c.title[:90]}") for c in criteria]


@login_required
def registration_edit(request: HttpRequest, year: int) -> HttpResponse:
    membership = get_own_membership(request.user, get_year(year))
    registration = Registration.objects.filter(membership=membership).first()
    if registration is not None and registration.is_submitted:
        return _registration_links(request, membership, registration)
    return _registration_entry(
        request, membership, registration, done=lambda: redirect("registration_edit", year)
    )


@login_required
def registration_behalf(request: HttpRequest, code: str, year: int, unit: str) -> HttpResponse:
    """The head or Sở Nội vụ enter a unit's registration from its paper copy (#14)."""
    _, member = get_member_for_behalf(request.user, code, get_year(year), unit)
    registration = Registration.objects.filter(membership=member).first()
    if registration is not None and registration.is_submitted:
        messages.info(request, f"{member.unit.name} đã gửi bản đăng ký.")
        return redirect("registration_detail", code, year, unit)
    return _registration_entry(
        request,
        member,
        registration,
        behalf=True,
        done=lambda: redirect("registration_progress", code, year),
    )


def _registration_entry(
    request: HttpRequest,
    membership: Membership,
    registration: Registration | None,
    *,
    done: Callable[[], HttpResponse],
    behalf: bool = False,
) -> HttpResponse:
    """The registration form (Phụ lục 01), by the unit itself or, `behalf`,
    by the head or Sở Nội vụ with the reason they enter it for the unit."""
    data = request.POST if request.method == "POST" else None
    form = RegistrationForm(data, initial=model_to_dict(registration) if registration else None)
    targets = TargetFormSet(
        data,
        prefix="targets",
        initial=_target_initial(registration),
        form_kwargs={"criterion_choices": _criterion_choices(membership)},
    )
    behalf_form = BehalfForm(data) if behalf else None
    valid = [form, targets] + ([behalf_form] if behalf_form else [])
    if data is not None and all([f.is_valid() for f in valid]):
        on_behalf = behalf_form.cleaned_data["behalf_reason"] if behalf_form else ""
        submit = "submit" in data

        def save() -> None:
            fields = form.cleaned_data
            with stale_shows_current(form):
                registrations.registration_save(
                    membership=membership,
                    targets=targets.targets(),
                    user=request.user,
                    on_behalf=on_behalf,
                    **fields,
                )
            if submit:
                clusters_services.registration_submit(
                    membership=membership, user=request.user, on_behalf=on_behalf
                )

        if attempt(form, save) is not FAILED:
            if behalf:
                sent = " và gửi" if submit else ""
                messages.success(
                    request, f"Đã nhập thay{sent} bản đăng ký của {membership.unit.name}."
                )
            else:
                messages.success(request, "Đã gửi bản đăng ký." if submit else "Đã lưu.")
            return done()
    context = {
        "membership": membership,
        "form": form,
        "targets": targets,
        "behalf_form": behalf_form,
    }
    return render(
        request, "clusters/registration_edit.html", context | registration_due(membership)
    )


def _target_initial(registration: Registration | None) -> list[dict]:
    if registration is None:
        return []
    return [
        {
            "title": t.title,
            "measure": t.measure,
            "planned_value": t.planned_value,
            "criterion": t.criterion_id,
        }
        for t in registration.targets.order_by("order", "pk")
    ]


def _registration_links(
    request: HttpRequest, membership: Membership, registration: Registration
) -> HttpResponse:
    """A submitted registration: read-only, but its targets may be linked to
    the criteria of a scorecard issued later (R19)."""
    targets = list(registration.targets.select_related("criterion").order_by("order", "pk"))
    choices = _criterion_choices(membership)
    data = request.POST if request.method == "POST" else None
    form = CriterionLinkForm(data, targets=targets, criterion_choices=choices)
    if data is not None and form.is_valid():
        action = partial(
            registrations.registration_link_criteria,
            registration=registration,
            links=form.links(),
            user=request.user,
        )
        if attempt(form, action) is not FAILED:
            messages.success(request, "Đã gắn chỉ tiêu với tiêu chí chấm điểm.")
            return redirect("registration_edit", membership.year.year)
    context = {
        "membership": membership,
        "registration": registration,
        "targets": targets,
        "link_form": form if choices and targets else None,
    }
    return render(
        request,
        "clusters/registration_view.html",
        context | registration_due(membership, registration),
    )
