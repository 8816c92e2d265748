"""Who may see which cluster: the one place the rules of R1–R3 meet a request.

Views fetch through these helpers; a permission check is never written inline.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from awards.models import Proposal
from clusters.models import Cluster, EmulationYear, Membership


def get_year(year: int | str | None) -> EmulationYear | None:
    """The requested year (404 if unknown), or the current one when none is asked."""
    if year is None:
        return EmulationYear.objects.current()
    try:
        return get_object_or_404(EmulationYear, year=int(year))
    except ValueError:
        raise Http404("Năm không hợp lệ.") from None


def get_cluster_for_viewer(user, code: str) -> Cluster:
    """A cluster the user may read; 403 for one it may not (R1)."""
    cluster = get_object_or_404(Cluster.objects.select_related("authority"), code=code)
    if not Cluster.objects.visible_to(user).filter(pk=cluster.pk).exists():
        raise PermissionDenied("Bạn không có quyền xem cụm, khối này.")
    return cluster


def get_cluster_for_head(user, code: str, year: EmulationYear) -> tuple[Cluster, Membership]:
    """A cluster the user's unit leads in `year` (head, or deputy when delegated: R3)."""
    cluster = get_object_or_404(Cluster.objects.select_related("authority"), code=code)
    membership = Membership.objects.of_user(user, year)
    if membership is None or membership.cluster_id != cluster.pk or not membership.leads:
        raise PermissionDenied("Chỉ trưởng cụm, khối mới được làm việc này.")
    return cluster, membership


def is_staff_of(user, cluster: Cluster) -> bool:
    """Authority staff that guide `cluster` (Sở Nội vụ for every cluster)."""
    if not user.is_authenticated:
        return False
    return user.is_provincial_staff or (
        user.authority_id is not None and user.authority_id == cluster.authority_id
    )


def get_cluster_for_results(user, code: str, year: EmulationYear) -> Cluster:
    """A cluster whose results of `year` the user may read (R1–R3, R34).

    Staff guiding the cluster and its head (or delegated deputy) always may;
    its other members only once the results are announced to them.
    """
    cluster = get_object_or_404(Cluster.objects.select_related("authority"), code=code)
    if user.is_superuser or is_staff_of(user, cluster):
        return cluster
    membership = Membership.objects.of_user(user, year)
    if membership is None or membership.cluster_id != cluster.pk:
        raise PermissionDenied("Bạn không có quyền xem kết quả của cụm, khối này.")
    if membership.leads:
        return cluster
    announced = Proposal.objects.filter(cluster=cluster, year=year, announced_at__isnull=False)
    if not announced.exists():
        raise PermissionDenied("Kết quả chưa được công bố.")
    return cluster
