"""Who may see awards' own records; the seats come from clusters.access, the
layer below (#16: a lower app never imports a higher one)."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from awards.models import Proposal
from clusters.access import Seat, seat_of
from clusters.models import Cluster, EmulationYear


def get_proposal_for_viewer(user, code: str, year: EmulationYear) -> tuple[Seat, Proposal | None]:
    """A cluster's award proposal of `year` (R34) with the viewer's seat: for its
    head (or delegated deputy) and the staff guiding it; for its other members
    only once the results are announced."""
    cluster = get_object_or_404(Cluster.objects.select_related("authority"), code=code)
    seat = seat_of(user, cluster, year)
    proposal = (
        Proposal.objects.select_related("submitted_by")
        .filter(cluster=seat.cluster, year=year)
        .first()
    )
    if seat.oversees:
        return seat, proposal
    if seat.membership is None:
        raise PermissionDenied(
            "Bạn không có quyền xem hồ sơ đề nghị khen thưởng của cụm, khối này."
        )
    if proposal is None or not proposal.is_announced:
        raise PermissionDenied("Kết quả chưa được công bố.")
    return seat, proposal
