"""A unit's registration as it meets the scorecard (R6, R19).

A registration is the organisation's record (clusters.models); linking its
main targets to the quantitative criteria of the cluster's issued scorecard
is scoring's rule, so the saves that check those links live here, over the
organisation's records. Submitting a registration does not look at the
scorecard and stays with the other activities (clusters.services).
"""

from collections.abc import Mapping, Sequence
from decimal import Decimal
from functools import partial

from django.core.exceptions import ValidationError
from django.db import models, transaction

from clusters.models import Cluster, EmulationYear, Membership, Registration, RegistrationTarget
from clusters.services import StaleRegistration, TargetInput, behalf_reason
from emulation import audit, limits
from emulation.models import User
from scoring.models import Criterion, Direction, Method, Scorecard

# A planned value is DecimalField(max_digits=20, decimal_places=6).
_PLAN_LIMIT = Decimal(10) ** 14


def linkable_criteria(*, cluster: Cluster, year: EmulationYear) -> models.QuerySet[Criterion]:
    """Criteria a target may take its plan to: the quantitative leaves of the
    cluster's issued scorecard of the year (R18, R19)."""
    return Criterion.objects.filter(
        scorecard__in=Scorecard.objects.issued().filter(cluster=cluster, year=year),
        is_leaf=True,
        method=Method.QUANTITATIVE,
    ).order_by("order")


def _check_targets(membership: Membership, targets: Sequence[TargetInput]) -> dict[int, Criterion]:
    """The targets' rules; returns the linked criteria by id."""
    wanted = [t.criterion_id for t in targets if t.criterion_id is not None]
    criteria = {
        c.pk: c
        for c in linkable_criteria(cluster=membership.cluster, year=membership.year).filter(
            pk__in=wanted
        )
    }
    errors = []
    if len(set(wanted)) != len(wanted):
        errors.append("Mỗi tiêu chí chấm điểm chỉ gắn với một chỉ tiêu.")
    for number, target in enumerate(targets, start=1):
        label = f"Chỉ tiêu {number}"
        if not target.title.strip():
            errors.append(f"{label}: cần ghi nội dung chỉ tiêu.")
        plan = target.planned_value
        if plan is not None and not (0 <= plan < _PLAN_LIMIT):
            errors.append(f"{label}: kế hoạch phải là số không âm.")
        if target.criterion_id is None:
            continue
        criterion = criteria.get(target.criterion_id)
        if criterion is None:
            errors.append(
                f"{label}: chỉ gắn được với tiêu chí định lượng của bảng chấm điểm đã ban hành."
            )
        elif plan is None:
            errors.append(f"{label}: chỉ tiêu gắn với tiêu chí {criterion.code} cần có kế hoạch.")
        elif criterion.direction == Direction.HIGHER and plan == 0:
            errors.append(
                f"{label}: tiêu chí {criterion.code} tính theo chiều cao hơn là tốt hơn, "
                "kế hoạch phải lớn hơn 0."
            )
    if errors:
        raise ValidationError(errors)
    return criteria


@transaction.atomic
def registration_save(
    *,
    membership: Membership,
    objectives: str,
    other_targets: str,
    targets: Sequence[TargetInput],
    user: User | None,
    revision: int | None,
    on_behalf: str = "",
) -> Registration:
    """Save the unit's registration as a draft; its targets replace the old ones in order.

    `on_behalf`: the reason the head or Sở Nội vụ enters it for the unit from
    a paper copy (#14); every history row then says so (`_behalf`).

    `revision` is the Registration.revision the page was loaded with (None
    when there was none yet): as for a quota (awards.services.quota_set), of
    two saves by the unit's officers from the same page the second is refused
    with the current objectives (StaleRegistration), and so is a save
    without the revision over a stored registration."""
    registration = (
        Registration.objects.select_for_update(of=("self",)).filter(membership=membership).first()
    )
    if (registration.revision if registration else None) != revision:
        raise StaleRegistration(registration)
    registration = registration or Registration(membership=membership, revision=0)
    registration.revision += 1
    if registration.is_submitted:
        raise ValidationError("Bản đăng ký đã gửi, không sửa được nữa.")
    if len(targets) > limits.REGISTRATION_TARGETS:
        raise ValidationError(
            f"Mỗi đơn vị đăng ký tối đa {limits.REGISTRATION_TARGETS} chỉ tiêu chủ yếu."
        )
    _check_targets(membership, targets)
    registration.objectives = objectives.strip()
    registration.other_targets = other_targets.strip()
    said = partial(behalf_reason, membership=membership, user=user, on_behalf=on_behalf)
    audit.save(registration, user=user, reason=said("Lưu bản đăng ký thi đua"))
    existing = list(registration.targets.order_by("order", "pk"))
    # Links are cleared first so that moving a criterion between targets never
    # trips the one-target-per-criterion constraint halfway.
    RegistrationTarget.objects.filter(registration=registration).update(criterion=None)
    for order, given in enumerate(targets):
        target = existing[order] if order < len(existing) else RegistrationTarget()
        target.registration = registration
        target.order = order
        target.title = given.title.strip()
        target.measure = given.measure.strip()
        target.planned_value = given.planned_value
        target.criterion_id = given.criterion_id
        audit.save(target, user=user, reason=said("Lưu chỉ tiêu đăng ký"))
    for extra in existing[len(targets) :]:
        audit.delete(extra, user=user, reason=said("Bỏ chỉ tiêu đăng ký"))
    return registration


@transaction.atomic
def registration_link_criteria(
    *, registration: Registration, links: Mapping[int, int | None], user: User | None
) -> None:
    """Link targets (by id) to criteria of the issued scorecard (R19).

    Allowed after submission: the scorecard is issued after the registration
    is due (R7 after R6). The targets and their plans stay as registered.
    """
    targets = list(registration.targets.select_for_update(of=("self",)).order_by("order", "pk"))
    if set(links) - {t.pk for t in targets}:
        raise ValidationError("Chỉ tiêu không thuộc bản đăng ký này.")
    for target in targets:
        if target.pk in links:
            target.criterion_id = links[target.pk]
    given = [TargetInput(t.title, t.measure, t.planned_value, t.criterion_id) for t in targets]
    _check_targets(registration.membership, given)
    RegistrationTarget.objects.filter(registration=registration).update(criterion=None)
    for target in targets:
        audit.save(target, user=user, reason="Gắn chỉ tiêu với tiêu chí chấm điểm")
