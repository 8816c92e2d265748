"""Who may see scoring's own records; the seats come from clusters.access, the
layer below (#16: a lower app never imports a higher one)."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from clusters.access import seat_of
from scoring.models import Evidence


def get_evidence_for_viewer(user, pk: int):
    """A unit's evidence (minh chứng): for the unit itself, its cluster's head
    (or delegated deputy) and the staff guiding the cluster."""
    evidence = get_object_or_404(
        Evidence.objects.select_related(
            "membership__cluster__authority", "membership__year", "membership__unit", "criterion"
        ),
        pk=pk,
    )
    seat = seat_of(user, evidence.membership.cluster, evidence.membership.year)
    own = seat.membership is not None and seat.membership.pk == evidence.membership_id
    if not (own or seat.oversees):
        raise PermissionDenied("Bạn không có quyền xem minh chứng này.")
    return evidence
