"""Who may see awards' own records and a cluster's results; the seats come
from clusters.access, the layer below (#16: a lower app never imports a higher
one). Whether the members see the results depends on the scores being agreed
(scoring) or the results announced (awards), so that rule lives here, and the
clusters' pages ask it through the `results_access` template filter."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from awards.models import Proposal
from clusters.access import Seat, seat_of
from clusters.models import Cluster, EmulationYear
from scoring.models import ScoreAgreement


def get_proposal_for_viewer(user, code: str, year: EmulationYear) -> tuple[Seat, Proposal | None]:
    """A cluster's award proposal of `year` (R34) with the viewer's seat: for its
    head (or delegated deputy) and the staff guiding it; for its other members
    only once the results are announced."""
    seat = _seat_for_code(user, code, year)
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


def get_cluster_for_results(user, code: str, year: EmulationYear) -> Cluster:
    """A cluster whose results of `year` the user may read (see get_seat_for_results)."""
    return get_seat_for_results(user, code, year).cluster


def get_seat_for_results(user, code: str, year: EmulationYear) -> Seat:
    """A cluster's year whose results (the results page, the award review read
    only, the ranking and the minutes) the user may read (R1–R3, R11, R34).

    Staff guiding the cluster and its head (or delegated deputy) always may;
    its other members once the scores are agreed: the seed has the units of
    the cluster "bình xét" together and the results announced to all members
    at the annual conference (issue 13), so they see them "tạm tính" until
    the Chairman's decision. Members of other clusters never do.
    """
    seat = _seat_for_code(user, code, year)
    if seat.oversees:
        return seat
    if seat.membership is None:
        raise PermissionDenied("Bạn không có quyền xem kết quả của cụm, khối này.")
    if not results_shared(seat.cluster, year):
        raise PermissionDenied("Điểm của cụm, khối chưa được thống nhất; chưa có kết quả để xem.")
    return seat


def sees_results(seat: Seat) -> bool:
    """Whether the seat may open the cluster's results (see get_seat_for_results),
    for the pages that show the link only to whoever may follow it. Kept on
    the seat: a page asks it in its header and in its tabs."""
    if "sees_results" not in seat.__dict__:  # the seat is frozen; this is a cache
        seat.__dict__["sees_results"] = seat.oversees or (
            seat.membership is not None and results_shared(seat.cluster, seat.year)
        )
    return seat.__dict__["sees_results"]


def results_shared(cluster: Cluster, year: EmulationYear) -> bool:
    """Whether the members see the cluster's results: its scores agreed (R11),
    or the results announced (R34)."""
    agreed = ScoreAgreement.objects.filter(cluster=cluster, year=year, agreed_at__isnull=False)
    announced = Proposal.objects.filter(cluster=cluster, year=year, announced_at__isnull=False)
    return agreed.exists() or announced.exists()


def _seat_for_code(user, code: str, year: EmulationYear) -> Seat:
    cluster = get_object_or_404(Cluster.objects.select_related("authority"), code=code)
    return seat_of(user, cluster, year)
