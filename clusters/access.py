"""Who may see which cluster: the one place the rules of R1–R3 meet a request.

Views fetch through these helpers; a permission check is never written inline.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.fields.files import FieldFile
from django.http import Http404
from django.shortcuts import get_object_or_404

from clusters.models import (
    AdhocAnswer,
    Cluster,
    ClusterReport,
    Conference,
    EmulationYear,
    ExemplaryModel,
    HeadDocument,
    Membership,
    Pledge,
    Report,
    Unit,
)
from emulation.prepared import Prepared


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


# ---------------------------------------------------------------------------
# Who decides (issue 13). A staff member's role comes from their authority and
# its kind (Authority.kind, set by an administrator):
# - the standing agency, Sở Nội vụ ("Cơ quan thường trực Hội đồng TĐKT tỉnh"),
#   sees every cluster and holds the province's powers: it agrees every
#   scorecard before it is issued [II.1], receives the proposals ("trình Chủ
#   tịch UBND tỉnh xem xét, quyết định khen thưởng (qua Sở Nội vụ)" [III.2.2])
#   and keeps the deadlines; as the council's standing agency it records the
#   council's bonus [II.2.3.d] and its choice for the Government's flag
#   [III.2.2], and the Chairman's quotas [III.2.1] and decision;
# - a guiding authority [IV.2] (UBND huyện, BQL các KCN, Liên minh HTX, Sở Y
#   tế, Sở GD&ĐT) guides, follows and evaluates its own clusters and sends
#   their results to Sở Nội vụ: it sees them, comments on a scorecard, forwards
#   it to Sở Nội vụ or returns it, and decides none of the above.


def is_standing_staff(user) -> bool:
    """Staff of the council's standing agency (Sở Nội vụ)."""
    return user.is_authenticated and user.is_provincial_staff


def is_guiding_staff(user, cluster: Cluster) -> bool:
    """Staff of the authority that guides `cluster` [IV.2] (Sở Nội vụ for the
    clusters it guides itself)."""
    return (
        user.is_authenticated
        and user.authority_id is not None
        and user.authority_id == cluster.authority_id
    )


def is_staff_of(user, cluster: Cluster) -> bool:
    """Authority staff that see and follow `cluster`: its guiding authority's
    and Sở Nội vụ's, who sees every cluster."""
    return is_standing_staff(user) or is_guiding_staff(user, cluster)


def acts_for_province(user) -> bool:
    """Whoever holds the province's powers (records its decisions, keeps the
    organisation's units, clusters, memberships and accounts, records which
    units succeed which): Sở Nội vụ's staff, and superusers, who administer
    the system."""
    return user.is_authenticated and (user.is_superuser or is_standing_staff(user))


def ensure_acts_for_province(user) -> None:
    """The services' own check of the province's powers."""
    if not acts_for_province(user):
        raise PermissionDenied(PROVINCE_ONLY)


PROVINCE_ONLY = (
    "Chỉ Sở Nội vụ (cơ quan thường trực Hội đồng Thi đua – Khen thưởng tỉnh) được làm việc này."
)


# ---------------------------------------------------------------------------
# The year's activities (R5–R13)


@dataclass(frozen=True)
class Seat:
    """Where a user sits in a cluster's year: its unit's membership there (if
    any) and whether it is staff guiding the cluster (or a superuser)."""

    cluster: Cluster
    year: EmulationYear
    membership: Membership | None
    is_staff: bool
    # Records the province's decisions on the cluster (acts_for_province).
    province: bool = False

    @property
    def leads(self) -> bool:
        """Head, or deputy acting for the head (R3)."""
        return self.membership is not None and self.membership.leads

    @property
    def oversees(self) -> bool:
        """Sees every member's records: the head and the staff."""
        return self.leads or self.is_staff

    @property
    def opens_records(self) -> bool:
        """May open each member's record over the years (get_unit_for_record)."""
        head = self.membership is not None and self.membership.role == Membership.Role.HEAD
        return self.province or head

    @property
    def may_remind(self) -> bool:
        """Reminds the members by hand (#15): the head (or delegated deputy) and Sở Nội vụ."""
        return self.province or self.leads


def _seat(user, cluster: Cluster, year: EmulationYear) -> Seat:
    membership = Membership.objects.of_user(user, year)
    if membership is not None and membership.cluster_id != cluster.pk:
        membership = None
    return Seat(
        cluster,
        year,
        membership,
        user.is_superuser or is_staff_of(user, cluster),
        acts_for_province(user),
    )


def seat_of(user, cluster: Cluster, year: EmulationYear) -> Seat:
    """Where `user` sits in the cluster's year, for a page that shows only the
    links its viewer may open."""
    return _seat(user, cluster, year)


def _seat_for_code(user, code: str, year: EmulationYear) -> Seat:
    cluster = get_object_or_404(Cluster.objects.select_related("authority"), code=code)
    return _seat(user, cluster, year)


def get_cluster_for_member(user, code: str, year: EmulationYear) -> Seat:
    """A cluster's year for its members and the staff guiding it (R1)."""
    seat = _seat_for_code(user, code, year)
    if seat.membership is None and not seat.is_staff:
        raise PermissionDenied("Bạn không thuộc cụm, khối này trong năm được chọn.")
    return seat


def get_cluster_for_lead_or_staff(user, code: str, year: EmulationYear) -> Seat:
    """A cluster's year for its head (or delegated deputy) and the staff guiding it."""
    seat = _seat_for_code(user, code, year)
    if not seat.oversees:
        raise PermissionDenied(
            "Chỉ trưởng cụm, khối và cán bộ cơ quan hướng dẫn được xem trang này."
        )
    return seat


def get_cluster_for_staff(user, code: str, year: EmulationYear) -> Seat:
    """A cluster's year for the staff guiding it only (confirmations, the Chairman's decisions)."""
    seat = _seat_for_code(user, code, year)
    if not seat.is_staff:
        raise PermissionDenied("Chỉ cán bộ cơ quan hướng dẫn cụm, khối được làm việc này.")
    return seat


def get_cluster_for_head_itself(user, code: str, year: EmulationYear) -> Membership:
    """The head's own membership of the cluster's year: what only the head
    does, never its deputy even when delegated (delegating, #14)."""
    membership = Membership.objects.of_user(user, year)
    if (
        membership is None
        or membership.cluster.code != code
        or membership.role != Membership.Role.HEAD
    ):
        raise PermissionDenied("Chỉ trưởng cụm, khối được ủy quyền cho phó trưởng cụm, khối.")
    return membership


def get_member_for_behalf(
    user, code: str, year: EmulationYear, unit_code: str
) -> tuple[Seat, Membership]:
    """A member whose records the head (or delegated deputy) or Sở Nội vụ
    enter on its behalf from a paper copy (#14); not a guiding authority."""
    seat = _seat_for_code(user, code, year)
    if not (seat.leads or seat.province):
        raise PermissionDenied("Chỉ trưởng cụm, khối và Sở Nội vụ được nhập thay đơn vị.")
    member = get_object_or_404(
        Membership.objects.select_related("unit", "cluster", "year"),
        cluster=seat.cluster,
        year=year,
        unit__code=unit_code,
    )
    return seat, member


def may_extend(seat: Seat) -> bool:
    """Who grants a cluster's extensions (#14): Sở Nội vụ (and superusers) for
    any deadline, the head (or delegated deputy) for what its members send it
    (the services keep which)."""
    return seat.province or seat.leads


def get_cluster_for_extending(user, code: str, year: EmulationYear) -> Seat:
    """A cluster's year for granting or revoking an extension (may_extend)."""
    seat = _seat_for_code(user, code, year)
    if not may_extend(seat):
        raise PermissionDenied("Chỉ Sở Nội vụ và trưởng cụm, khối được gia hạn.")
    return seat


def get_cluster_for_reminding(user, code: str, year: EmulationYear) -> Seat:
    """A cluster's year for reminding its members by hand (Seat.may_remind)."""
    seat = _seat_for_code(user, code, year)
    if not seat.may_remind:
        raise PermissionDenied("Chỉ Sở Nội vụ và trưởng cụm, khối được nhắc việc các đơn vị.")
    return seat


def get_cluster_for_province(user, code: str, year: EmulationYear) -> Seat:
    """A cluster's year for the province's powers over it (quotas, the
    council's choices, receiving the proposal, the Chairman's decision): Sở
    Nội vụ's staff and superusers, never a guiding authority's (issue 13)."""
    seat = _seat_for_code(user, code, year)
    if not seat.province:
        raise PermissionDenied(PROVINCE_ONLY)
    return seat


def get_cluster_for_guiding_staff(user, code: str, year: EmulationYear) -> Seat:
    """A cluster's year for the staff of the authority that guides it [IV.2]:
    they comment on its scorecard and send it on to Sở Nội vụ."""
    seat = _seat_for_code(user, code, year)
    if not is_guiding_staff(user, seat.cluster):
        raise PermissionDenied("Chỉ cán bộ cơ quan hướng dẫn cụm, khối được làm việc này.")
    return seat


def get_own_membership(user, year: EmulationYear) -> Membership:
    """The user's unit's membership in `year`; 403 for a user without one."""
    membership = Membership.objects.of_user(user, year)
    if membership is None:
        raise PermissionDenied("Đơn vị của bạn không thuộc cụm, khối nào trong năm này.")
    return membership


def get_own_membership_in(user, year: int) -> Membership:
    """get_own_membership(user, get_year(year)) with the year read in the same
    query: a save at the deadline peak (#17) pays one round trip for both. A
    miss is asked again the long way, for its 404 (no such year) or 403."""
    if getattr(user, "unit_id", None) and type(year) is int:
        found = _OWN_MEMBERSHIP.fetch(user.unit_id, year)
        if found:  # one at most (R2)
            return found[0]
    return get_own_membership(user, get_year(year))


def own_membership_query(unit_id: int, year: int) -> QuerySet[Membership]:
    """The read of get_own_membership_in: the unit's membership in the year
    numbered `year`, with its year, cluster and unit; one row at most."""
    return (
        Membership.objects.select_related("year", "cluster", "unit")
        .filter(unit_id=unit_id, year__year=year)
        .order_by()  # one row at most: unsorted, as get() reads it
    )


# Compiled once per process: the select_related's joins cost more to build than to run (#17).
_OWN_MEMBERSHIP = Prepared(own_membership_query)


def get_cluster_membership(user, code: str, year: EmulationYear) -> Membership:
    """The user's unit's membership in this cluster's year: what a member does for itself."""
    membership = Membership.objects.of_user(user, year)
    if membership is None or membership.cluster.code != code:
        raise PermissionDenied("Chỉ đơn vị thành viên của cụm, khối được làm việc này.")
    return membership


def get_cluster_member_asked(user, code: str, year: EmulationYear) -> Membership:
    """A member unit giving its own position on the cluster's draft scorecard
    [II.1]: every unit of the cluster's year but the head's, which drafted it."""
    membership = get_cluster_membership(user, code, year)
    if membership.role == Membership.Role.HEAD:
        raise PermissionDenied(
            "Đơn vị trưởng cụm, khối dự thảo bảng chấm điểm; các thành viên khác cho ý kiến."
        )
    return membership


def get_member_for_overseer(
    user, code: str, year: EmulationYear, unit_code: str
) -> tuple[Seat, Membership]:
    """One member's records: for the unit itself, its head and the staff."""
    seat = _seat_for_code(user, code, year)
    member = get_object_or_404(
        Membership.objects.select_related("unit", "cluster", "year"),
        cluster=seat.cluster,
        year=year,
        unit__code=unit_code,
    )
    own = seat.membership is not None and seat.membership.pk == member.pk
    if not (own or seat.oversees):
        raise PermissionDenied("Bạn không có quyền xem hồ sơ của đơn vị này.")
    return seat, member


# Download kinds: the URL's slug → (queryset, file field, owned by one member?).
# A record owned by one member is read by the unit itself, its head and the
# staff; the others by the cluster's units and staff (an exemplary model,
# though a member's, is put forward for the whole cluster to learn from).
UPLOAD_KINDS = {
    "bao-cao": (
        Report.objects.select_related("membership__cluster__authority", "membership__year"),
        "file",
        True,
    ),
    "giao-uoc": (Pledge.objects.select_related("cluster__authority", "year"), "file", False),
    "van-ban": (HeadDocument.objects.select_related("cluster__authority", "year"), "file", False),
    "bien-ban": (Conference.objects.select_related("cluster__authority", "year"), "minutes", False),
    "bao-cao-cum": (
        ClusterReport.objects.select_related("cluster__authority", "year"),
        "file",
        False,
    ),
    "dien-hinh": (
        ExemplaryModel.objects.select_related("membership__cluster__authority", "membership__year"),
        "file",
        False,
    ),
    "dot-xuat": (
        AdhocAnswer.objects.select_related("membership__cluster__authority", "membership__year"),
        "file",
        True,
    ),
}


def get_upload_for_viewer(user, kind: str, pk: int) -> FieldFile:
    """A stored file the user may read: a member's report for the unit itself,
    its head and the staff; the cluster's documents for its members and staff."""
    if kind not in UPLOAD_KINDS:
        raise Http404("Không có loại tệp này.")
    queryset, field, per_member = UPLOAD_KINDS[kind]
    record = get_object_or_404(queryset, pk=pk)
    holder = getattr(record, "membership", None)
    owner = holder if per_member else None
    cluster, year = (holder.cluster, holder.year) if holder else (record.cluster, record.year)
    seat = _seat(user, cluster, year)
    if per_member:
        allowed = seat.oversees or (seat.membership is not None and seat.membership.pk == owner.pk)
    else:
        allowed = seat.is_staff or seat.membership is not None
    if not allowed:
        raise PermissionDenied("Bạn không có quyền tải tệp này.")
    stored = getattr(record, field)
    if not stored:
        raise Http404("Chưa có tệp.")
    return stored


def get_clusters_for_staff(user):
    """The clusters a staff member guides (every one for a superuser or Sở Nội vụ);
    403 for a unit's user (R1)."""
    if not (user.is_superuser or user.is_authority_staff):
        raise PermissionDenied("Chỉ cán bộ cơ quan hướng dẫn cụm, khối được xem trang này.")
    return Cluster.objects.visible_to(user)


def get_member_for_lead_or_staff(
    user, code: str, year: EmulationYear, unit_code: str
) -> tuple[Seat, Membership]:
    """One member's audit trail (R35): for the cluster's head (or delegated
    deputy) and the staff guiding it; not for the unit itself."""
    seat = get_cluster_for_lead_or_staff(user, code, year)
    member = get_object_or_404(
        Membership.objects.select_related("unit", "cluster", "year"),
        cluster=seat.cluster,
        year=year,
        unit__code=unit_code,
    )
    return seat, member


def can_change_deadlines(user) -> bool:
    """Staff and superusers read the year's dates (403 for a unit's user);
    returns whether they may change them: the province's deadlines are kept
    by Sở Nội vụ (and superusers), not by a guiding authority."""
    get_clusters_for_staff(user)
    return acts_for_province(user)


def get_cluster_for_deciding_staff(user, code: str, year: EmulationYear) -> Seat:
    """Staff of the authority guiding the cluster, who decide on it (R18, R35).

    Superusers administer the system but take no decision for an authority.
    """
    seat = get_cluster_for_staff(user, code, year)
    if not is_staff_of(user, seat.cluster):
        raise PermissionDenied("Chỉ cán bộ cơ quan hướng dẫn cụm, khối mới được làm việc này.")
    return seat


def get_unit_for_record(user, code: str) -> Unit:
    """A unit whose record over the years the user may read (#14, #16): the unit
    itself and the units formed from it (its record is theirs too), the head of
    a cluster it was a member of that year, Sở Nội vụ; 403 for any other unit
    or authority, 404 for an unknown code."""
    from clusters.lineage import predecessor_ids

    unit = get_object_or_404(Unit, code=code)
    if acts_for_province(user):
        return unit
    if user.is_authenticated and user.unit_id:
        if unit.pk in predecessor_ids([user.unit_id])[user.unit_id]:
            return unit
        led = Membership.objects.filter(
            unit_id=user.unit_id,
            role=Membership.Role.HEAD,
            cluster_id=OuterRef("cluster_id"),
            year_id=OuterRef("year_id"),
        )
        if Membership.objects.filter(unit=unit).filter(Exists(led)).exists():
            return unit
    raise PermissionDenied("Chỉ đơn vị, trưởng cụm, khối của đơn vị và Sở Nội vụ xem hồ sơ này.")


# ---------------------------------------------------------------------------
# The organisation (#14): units, clusters and blocks, memberships and the
# units' accounts are kept by Sở Nội vụ; other authorities' staff read their own.


def get_units_for_staff(user):
    """The units a staff member may read: every one for Sở Nội vụ and
    superusers, the members (in any year) of its own clusters for a guiding
    authority; 403 for a unit's user."""
    clusters = get_clusters_for_staff(user)
    if acts_for_province(user):
        return Unit.objects.all()
    return Unit.objects.filter(memberships__cluster__in=clusters).distinct()


# ---------------------------------------------------------------------------
# What a unit's official documents print (issue #15)


def get_own_unit(user) -> Unit:
    """The user's own unit, whose letterhead its officers keep."""
    if not user.is_authenticated or user.unit_id is None:
        raise PermissionDenied("Chỉ cán bộ của đơn vị được sửa thông tin văn bản của đơn vị.")
    return user.unit


def get_unit_for_province(user, code: str) -> Unit:
    """Any unit's letterhead, for Sở Nội vụ's staff and superusers."""
    if not acts_for_province(user):
        raise PermissionDenied(PROVINCE_ONLY)
    return get_object_or_404(Unit, code=code)
