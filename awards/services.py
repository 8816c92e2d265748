"""Award review and the proposal workflow (R31–R35).

Sở Nội vụ staff record a cluster's quotas (R31); the head records the ballot
that settles a tie (R33); the head submits the proposal, which freezes the
allocation into its items; Sở Nội vụ staff return or accept it, record the
council's nominations for the Government's emulation flag within the national
cap and the Chairman's decision, and announce the results to the members
(R34). The authorities guiding the clusters [IV.2] do none of this
(clusters.access, issue 13). Every write is saved with who and why in its
history (R35).

Every way a quota, vote or proposal changes is a function here (`grep quota_`,
`vote_`, `proposal_`). Writes of a cluster's year lock its memberships first,
so a quota change, a ballot and a submission are applied one after the other.
"""

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from itertools import groupby

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Count, Model, Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from awards import allocation, notices
from awards.models import (
    Ballot,
    CouncilMeeting,
    CouncilResult,
    Decision,
    DecisionLine,
    DossierFile,
    Proposal,
    ProposalItem,
)
from clusters.access import ensure_acts_for_province, get_cluster_for_head
from clusters.models import Cluster, Conference, EmulationYear, Membership
from emulation import limits
from emulation.models import User
from emulation.numbers import format_datetime, format_figure
from emulation.uploads import extension, validate_upload
from scoring.guidances import stored_regulation
from scoring.models import Quota, ScoreAgreement, Sheet, Vote
from scoring.regulation import Regulation
from scoring.results import ClusterResults, UnitRow, cluster_results

Status = Proposal.Status
FLAG = "co_thi_dua"
# Quota.count is a PositiveSmallIntegerField; no cluster has anywhere near this many units.
QUOTA_MAX = 999
# Where the allocation shows in the proposal's items, flags counted for the
# Government flag cap (R34): proposals Sở Nội vụ has taken in.
IN_COUNCIL = (Status.ACCEPTED, Status.DECIDED)


# ---------------------------------------------------------------------------
# Reading: ties and the Government flag cap


@dataclass(frozen=True)
class Tie:
    """R33: eligible units with equal totals whose slots hold different outcomes.

    `outcomes` are the slots at the group's positions in the allocation order
    (None past all quotas): what the ballot decides between.
    """

    rows: tuple[UnitRow, ...]
    total: Decimal
    outcomes: tuple[str | None, ...]
    awards: tuple[str, ...] = allocation.AWARDS  # the year's, in allocation order (R40)

    @property
    def is_open(self) -> bool:
        return any(row.placement.award == allocation.TIE_VOTE_NEEDED for row in self.rows)

    @property
    def at_stake(self) -> list[tuple[str, int]]:
        """(award, how many) in the order awards are filled (R32)."""
        counts = Counter(o for o in self.outcomes if o is not None)
        return [(award, counts[award]) for award in self.awards if counts[award]]


def ties(results: ClusterResults | None) -> list[Tie]:
    """The tie groups of a cluster's allocation, highest total first."""
    if results is None:
        return []
    awards = tuple(results.regulation.awards)
    slots = [a for a in awards for _ in range(results.quotas.get(a, 0))]
    eligible = [row for row in results.rows if row.result.status == "eligible"]
    found: list[Tie] = []
    position = 0
    for total, group_iter in groupby(eligible, key=lambda row: row.result.total):
        group = tuple(group_iter)
        if group[0].placement.tie_group:
            outcomes = tuple(
                slots[i] if i < len(slots) else None for i in range(position, position + len(group))
            )
            found.append(Tie(group, total, outcomes, awards))
        position += len(group)
    return found


def proposal_of(cluster: Cluster, year: EmulationYear) -> Proposal | None:
    return (
        Proposal.objects.select_related("submitted_by").filter(cluster=cluster, year=year).first()
    )


def results_standing(proposal: Proposal | None) -> str:
    """What the results of a cluster's year are worth (issue 13): "tạm tính"
    until the Chairman's decision is recorded (R34), "chính thức" after it,
    citing every decision of the year's proposal."""
    if proposal is None or proposal.status != Proposal.Status.DECIDED:
        return "Kết quả tạm tính – chưa có quyết định khen thưởng của Chủ tịch UBND tỉnh."
    cited = ", ".join(
        f"số {d.number} ngày {d.date:%d/%m/%Y}" for d in proposal.decisions.order_by("date", "pk")
    )
    return f"Kết quả chính thức theo Quyết định {cited} của Chủ tịch UBND tỉnh."


def scores_agreed(cluster: Cluster, year: EmulationYear) -> bool:
    """Whether the cluster's scores of the year count as agreed (R11) for a proposal.

    With an agreement row, its `agreed_at` says so. Without one, scores entered
    through self-scoring sheets were never agreed; a cluster without any sheet
    (its scores imported from a dataset) has nothing to agree in the system.
    """
    agreement = ScoreAgreement.objects.filter(cluster=cluster, year=year).first()
    if agreement is not None:
        return agreement.is_locked
    return not Sheet.objects.filter(membership__cluster=cluster, membership__year=year).exists()


@dataclass(frozen=True)
class Check:
    """One thing a proposal needs before the head submits it (R34): a line of
    the checklist on the proposal page, and the refusal when it is not met."""

    label: str
    met: bool
    missing: str


def proposal_checklist(
    cluster: Cluster, year: EmulationYear, results: ClusterResults | None = None
) -> list[Check]:
    """What the proposal needs, in the order the year runs. The seed: "Sau hội
    nghị tổng kết, các đơn vị trưởng cụm, trưởng khối hoàn thiện hồ sơ đề nghị
    khen thưởng": the annual conference held (R9, R13), with its attendance
    (R12) and minutes (R34) recorded; the scores agreed (R11); an issued
    scorecard; the quotas known (R31); the ties settled by ballot (R33)."""
    if results is None:
        results = cluster_results(cluster, year)
    conference = (
        Conference.objects.filter(cluster=cluster, year=year, kind=Conference.Kind.ANNUAL)
        .annotate(attended=Count("attendances"))
        .first()
    )
    held = conference is not None and conference.held_on <= timezone.localdate()
    members = Membership.objects.filter(cluster=cluster, year=year).count()
    open_ties = [tie for tie in ties(results) if tie.is_open]
    return [
        Check(
            "Đã tổ chức hội nghị tổng kết năm (có ngày tổ chức)",
            held,
            f"Cụm, khối chưa tổ chức hội nghị tổng kết năm {year.year}; "
            "hồ sơ đề nghị khen thưởng được hoàn thiện sau hội nghị tổng kết.",
        ),
        Check(
            "Đã ghi nhận thành phần tham dự của tất cả đơn vị tại hội nghị tổng kết",
            held and conference.attended >= members,
            "Chưa ghi nhận thành phần tham dự hội nghị tổng kết của tất cả đơn vị thành viên "
            "; chưa thể trình hồ sơ.",
        ),
        Check(
            "Đã tải lên biên bản hội nghị tổng kết",
            held and bool(conference.minutes),
            "Chưa tải lên biên bản hội nghị tổng kết; chưa thể trình hồ sơ.",
        ),
        Check(
            "Điểm của cụm, khối đã được thống nhất",
            scores_agreed(cluster, year),
            f"Điểm của cụm, khối năm {year.year} chưa được thống nhất sau họp trù bị; "
            "chưa thể trình hồ sơ đề nghị khen thưởng.",
        ),
        Check(
            "Bảng chấm điểm của năm đã được ban hành",
            results is not None and results.scorecard is not None,
            "Cụm, khối chưa có bảng chấm điểm được ban hành cho năm này; chưa thể trình hồ sơ.",
        ),
        Check(
            "Sở Nội vụ đã phân bổ chỉ tiêu khen thưởng",
            Quota.objects.filter(cluster=cluster, year=year).exists(),
            "Sở Nội vụ chưa phân bổ chỉ tiêu khen thưởng cho cụm, khối năm này; "
            "chưa thể trình hồ sơ.",
        ),
        Check(
            "Các đơn vị bằng điểm đã được phân định bằng bỏ phiếu",
            not open_ties,
            " ".join(
                "Còn đơn vị bằng điểm chưa được phân định bằng bỏ phiếu: "
                f"{', '.join(row.unit.code for row in tie.rows)} "
                f"({format_figure(tie.total, 2)} điểm). Ghi kết quả bỏ phiếu trước khi trình."
                for tie in open_ties
            ),
        ),
    ]


@dataclass(frozen=True)
class GovernmentFlagCap:
    """R34: the province's flag winners of a year and how many the council may
    propose for the Government's emulation flag."""

    flag_winners: int
    limit: int
    nominated: int
    share: Decimal

    @property
    def percent(self) -> str:
        """'20' for 0.20, '12,5' for 0.125."""
        return format_figure(self.share * 100)

    @property
    def remaining(self) -> int:
        return max(self.limit - self.nominated, 0)


def government_flag_cap(year: EmulationYear) -> GovernmentFlagCap:
    """Counted over the flag items of every accepted or decided proposal of the year."""
    share = Decimal(settings.GOVERNMENT_FLAG_SHARE)
    counts = ProposalItem.objects.filter(
        proposal__year=year, proposal__status__in=IN_COUNCIL, award=FLAG
    ).aggregate(winners=Count("pk"), nominated=Count("pk", filter=Q(government_flag=True)))
    winners = counts["winners"]
    limit = int((share * winners).to_integral_value(rounding=ROUND_FLOOR))
    return GovernmentFlagCap(winners, limit, counts["nominated"], share)


# ---------------------------------------------------------------------------
# Quotas (R31) and the tie ballot (R33)


class StaleQuota(ValidationError):
    """A quota saved from a page whose revision someone else has since replaced."""

    def __init__(self, quota: Quota | None, label: str) -> None:
        self.quota = quota
        current = (
            f"{quota.count} (theo {quota.document})"
            if quota is not None and quota.document
            else f"{quota.count}"
            if quota is not None
            else "chưa phân bổ"
        )
        super().__init__(
            f"Chỉ tiêu {label} vừa được người khác thay đổi; giá trị hiện tại: {current}. "
            "Hãy xem lại rồi lưu lần nữa.",
            code="stale",
        )


@transaction.atomic
def quota_set(
    *,
    cluster: Cluster,
    year: EmulationYear,
    award: str,
    count: int,
    document: str,
    user: User,
    revision: int | None,
) -> Quota:
    """Sở Nội vụ staff record how many of `award` the cluster may propose (R31):
    "Cơ cấu, số lượng khen thưởng của từng cụm, khối thi đua do Chủ tịch UBND
    tỉnh hướng dẫn, phân bổ" [III.2.1], not the authority guiding the cluster.
    The allocation document is cited; saved only when something changed.

    `revision` is the Quota.revision the page was loaded with (None when there
    was no quota yet): as for a score (scoring.sheets.score_save), of two saves
    made from the same revision the second is refused with the current value
    (StaleQuota), and a missing revision over a stored quota is refused too."""
    ensure_acts_for_province(user)
    regulation = stored_regulation(year, cluster)  # R40: the year's awards
    if award not in regulation.awards:
        raise ValidationError(
            f"Danh hiệu “{award}” không có trong hướng dẫn áp dụng cho năm {year.year}."
        )
    label = regulation.award_label(award)
    if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= QUOTA_MAX:
        raise ValidationError(
            f"Chỉ tiêu {label} phải là số nguyên từ 0 đến {QUOTA_MAX}; nhận được {count!r}."
        )
    document = (document or "").strip()
    if not document:
        raise ValidationError("Cần ghi văn bản phân bổ chỉ tiêu (số, ngày văn bản) làm căn cứ.")
    if len(document) > Quota._meta.get_field("document").max_length:
        raise ValidationError("Ghi chú văn bản phân bổ dài quá 255 ký tự.")
    _lock_members(cluster, year)
    _ensure_allocation_open(cluster, year)
    current = Quota.objects.select_for_update(of=("self",)).filter(
        cluster=cluster, year=year, award=award
    )
    quota = current.first()
    if (quota.revision if quota else None) != revision:
        raise StaleQuota(quota, label)
    if quota is None:
        quota = Quota(cluster=cluster, year=year, award=award, revision=0)
        change = f"Đặt chỉ tiêu {label}: {count}"
    elif quota.count == count and quota.document == document:
        return quota
    else:
        change = f"Đổi chỉ tiêu {label}: {quota.count} → {count}"
    quota.revision += 1
    quota.count = count
    quota.document = document
    _save(quota, user=user, reason=f"{change} theo {document}.")
    return quota


@transaction.atomic
def quotas_set(
    *,
    cluster: Cluster,
    year: EmulationYear,
    counts: Mapping[str, int],
    revisions: Mapping[str, int | None],
    document: str,
    user: User,
) -> list[Quota]:
    """The quota page's save: every award type at once, all or nothing; every
    stale quota is named with its current value (StaleQuota)."""
    awards = stored_regulation(year, cluster).awards  # R40
    unknown = sorted(set(counts) - set(awards))
    if unknown:
        raise ValidationError(f"Danh hiệu không hợp lệ: {', '.join(unknown)}.")
    saved, stale = [], []
    for award in awards:
        if award not in counts:
            continue
        try:
            saved.append(
                quota_set(
                    cluster=cluster,
                    year=year,
                    award=award,
                    count=counts[award],
                    document=document,
                    user=user,
                    revision=revisions.get(award),
                )
            )
        except StaleQuota as error:
            stale.append(error)
    if stale:
        raise ValidationError(stale)
    return saved


class StaleVote(ValidationError):
    """A unit's votes recorded from a page whose revision was since replaced."""

    def __init__(self, vote: Vote | None, unit_code: str) -> None:
        current = f"{vote.votes} phiếu" if vote is not None else "chưa ghi"
        super().__init__(
            f"Số phiếu của {unit_code} vừa được người khác ghi; giá trị hiện tại: {current}. "
            "Hãy xem lại rồi lưu lần nữa.",
            code="stale",
        )


def ballot_errors(
    *, voters: int, members: int, counts: Mapping[int, int], groups: list[Tie]
) -> list[str]:
    """What makes a ballot impossible (R33), in Vietnamese.

    The seed: "Trường hợp có từ 02 đơn vị trở lên có số điểm bằng nhau thì tiến
    hành bỏ phiếu để chọn đủ số lượng khen thưởng theo quy định" [III.2.2]. The
    rule read from it: the voters are members of the cluster (at least one, at
    most its members of the year); each voter gives at most one vote to a unit,
    so a unit's count is between 0 and the voters; and each voter chooses at
    most as many units of a tie as there are awards to give within it (the
    tie's slots that hold an award), so the counts of one tie sum to at most
    voters × those awards. `counts` are keyed by membership id, for the units
    of `groups`.
    """
    if isinstance(voters, bool) or not isinstance(voters, int) or not 1 <= voters <= members:
        return [
            f"Số thành viên bỏ phiếu phải từ 1 đến {members} (số thành viên của cụm, khối "
            f"trong năm); nhận được {voters!r}."
        ]
    errors = []
    for tie in groups:
        units = [(row.membership, counts[row.membership.pk]) for row in tie.rows]
        for member, count in units:
            if count > voters:
                errors.append(
                    f"Số phiếu của {member.unit.name} ({count}) vượt số thành viên bỏ phiếu "
                    f"({voters}): mỗi thành viên bỏ cho một đơn vị nhiều nhất một phiếu."
                )
        awards = sum(n for _, n in tie.at_stake)
        total = sum(count for _, count in units)
        if total > voters * awards:
            errors.append(
                f"Tổng số phiếu của nhóm bằng điểm {format_figure(tie.total, 2)} ({total}) vượt "
                f"{voters} thành viên × {awards} danh hiệu được bình xét: mỗi thành viên chọn "
                "nhiều nhất số đơn vị bằng số danh hiệu."
            )
    return errors


@transaction.atomic
def vote_record(
    *,
    cluster: Cluster,
    year: EmulationYear,
    voters: int,
    votes: dict[int, int],
    revisions: Mapping[int, int | None],
    reason: str = "",
    user: User,
) -> list[Vote]:
    """The head records the ballot taken at the conference (R33): how many
    members voted and the votes of each unit of a tie group, keyed by
    membership id. The allocation orders the tied units by these votes from
    then on. A recorded ballot may be corrected, with a reason, until the
    proposal is submitted; each change keeps who, when, old → new and why (R35).

    `revisions` holds, per membership id, the Vote.revision the page was loaded
    with (None: no votes recorded yet). As for quotas and scores, votes
    recorded meanwhile by someone else refuse the whole ballot, each named
    with its current count (StaleVote)."""
    get_cluster_for_head(user, cluster.code, year)
    _lock_members(cluster, year)
    _ensure_allocation_open(cluster, year)
    if not votes:
        raise ValidationError("Chưa nhập số phiếu của đơn vị nào.")
    groups = ties(cluster_results(cluster, year))
    tied = {row.membership.pk: row.membership for tie in groups for row in tie.rows}
    errors = []
    for membership_id, count in votes.items():
        member = tied.get(membership_id)
        if member is None:
            errors.append("Chỉ ghi số phiếu cho đơn vị thuộc nhóm bằng điểm cần bỏ phiếu.")
        elif isinstance(count, bool) or not isinstance(count, int) or count < 0:
            errors.append(f"Số phiếu của {member.unit.name} phải là số nguyên không âm.")
    if errors:
        raise ValidationError(sorted(set(errors)))
    existing = {
        v.membership_id: v
        for v in Vote.objects.select_for_update(of=("self",)).filter(membership_id__in=list(tied))
    }
    stale = [
        StaleVote(existing.get(pk), tied[pk].unit.code)
        for pk in votes
        if (existing[pk].revision if pk in existing else None) != revisions.get(pk)
    ]
    if stale:
        raise ValidationError(stale)
    counts = {pk: vote.votes for pk, vote in existing.items()} | votes
    touched = [tie for tie in groups if all(row.membership.pk in counts for row in tie.rows)]
    members = Membership.objects.filter(cluster=cluster, year=year).count()
    errors = ballot_errors(voters=voters, members=members, counts=counts, groups=touched)
    if errors:
        raise ValidationError(errors)

    ballot = Ballot.objects.select_for_update(of=("self",)).filter(cluster=cluster, year=year)
    ballot = ballot.first()
    corrected = (ballot is not None and ballot.voters != voters) or any(
        pk in existing and existing[pk].votes != count for pk, count in votes.items()
    )
    reason = (reason or "").strip()
    if corrected and not reason:
        raise ValidationError("Cần ghi lý do sửa kết quả bỏ phiếu đã ghi.")
    why = f" Lý do: {reason}" if reason else ""
    if ballot is None or ballot.voters != voters:
        change = (
            f"Ghi số thành viên bỏ phiếu tại hội nghị tổng kết: {voters}"
            if ballot is None
            else f"Sửa số thành viên bỏ phiếu: {ballot.voters} → {voters}"
        )
        ballot = ballot or Ballot(cluster=cluster, year=year)
        ballot.voters = voters
        _save(ballot, user=user, reason=f"{change}.{why}")
    saved = []
    for membership_id, count in votes.items():
        unit = tied[membership_id].unit
        vote = existing.get(membership_id)
        if vote is None:
            vote = Vote(membership=tied[membership_id], revision=0)
            change = f"Ghi kết quả bỏ phiếu tại hội nghị tổng kết: {unit.code} {count} phiếu"
        elif vote.votes == count:
            saved.append(vote)
            continue
        else:
            change = f"Sửa kết quả bỏ phiếu của {unit.code}: {vote.votes} → {count} phiếu"
        vote.revision += 1
        vote.votes = count
        _save(vote, user=user, reason=f"{change}.{why}")
        saved.append(vote)
    return saved


# ---------------------------------------------------------------------------
# The proposal (R34)


@transaction.atomic
def proposal_submit(*, cluster: Cluster, year: EmulationYear, user: User) -> Proposal:
    """The head submits the cluster's proposal to Sở Nội vụ (R34), or submits
    it again after a return. The allocation of the moment is copied into the
    proposal's items, so what was proposed stays what it was."""
    get_cluster_for_head(user, cluster.code, year)
    _lock_members(cluster, year)
    proposal = (
        Proposal.objects.select_for_update(of=("self",)).filter(cluster=cluster, year=year).first()
    )
    if proposal is not None and not proposal.is_submittable:
        raise ValidationError(
            f"Hồ sơ đề nghị khen thưởng đang ở trạng thái “{proposal.get_status_display()}”; "
            "không trình được nữa."
        )
    results = cluster_results(cluster, year)
    missing = [
        check.missing for check in proposal_checklist(cluster, year, results) if not check.met
    ]
    if missing:
        raise ValidationError(missing)

    again = proposal is not None and proposal.status == Status.RETURNED
    reason = (
        "Trình lại hồ sơ đề nghị khen thưởng sau khi bị trả lại."
        if again
        else "Trưởng cụm, khối trình hồ sơ đề nghị khen thưởng lên Sở Nội vụ."
    )
    if proposal is None:
        proposal = Proposal(cluster=cluster, year=year)
    else:
        for item in proposal.items.all():
            item._change_reason = "Thay bằng bảng xếp hạng của lần trình mới."
            item._history_user = user
            item.delete()
    proposal.status = Status.SUBMITTED
    proposal.submitted_at = timezone.now()
    proposal.submitted_by = user
    proposal.return_reason = ""
    _save(proposal, user=user, reason=reason)
    bulk_create_with_history(
        [
            ProposalItem(
                proposal=proposal,
                membership=row.membership,
                rank=row.placement.rank,
                total=row.result.total,
                status=row.result.status,
                award=row.placement.award or "",
            )
            for row in results.rows
        ],
        ProposalItem,
        default_user=user,
        default_change_reason=reason,
    )
    notices.proposal_submitted(proposal)
    return proposal


@transaction.atomic
def proposal_return(*, proposal: Proposal, reason: str, user: User) -> Proposal:
    """Sở Nội vụ staff return a submitted proposal to the head, with a reason."""
    _lock(proposal, user)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Cần ghi lý do trả lại hồ sơ.")
    _ensure_status(proposal, Status.SUBMITTED, "trả lại")
    proposal.status = Status.RETURNED
    proposal.return_reason = reason
    _save(proposal, user=user, reason=f"Sở Nội vụ trả lại hồ sơ. Lý do: {reason}")
    notices.proposal_returned(proposal, reason)
    return proposal


@transaction.atomic
def proposal_accept(*, proposal: Proposal, user: User) -> Proposal:
    """Sở Nội vụ staff accept a submitted proposal for the council's review."""
    _lock(proposal, user)
    _ensure_status(proposal, Status.SUBMITTED, "tiếp nhận")
    proposal.status = Status.ACCEPTED
    proposal.accepted_at = timezone.now()
    _save(
        proposal,
        user=user,
        reason="Sở Nội vụ tiếp nhận hồ sơ, trình Hội đồng Thi đua – Khen thưởng tỉnh xét.",
    )
    return proposal


@transaction.atomic
def proposal_nominate_government_flag(
    *, proposal: Proposal, membership: Membership, user: User
) -> ProposalItem:
    """The council proposes a flag winner of outstanding merit for the
    Government's emulation flag (R34), within GOVERNMENT_FLAG_SHARE of the
    province's flag winners of the year."""
    # One nomination of the year at a time: the cap counts them all.
    EmulationYear.objects.select_for_update(of=("self",)).filter(pk=proposal.year_id).first()
    _lock(proposal, user)
    _ensure_status(proposal, Status.ACCEPTED, "đề nghị Cờ thi đua của Chính phủ")
    item = _item(proposal, membership)
    if item.award != FLAG:
        raise ValidationError(
            f"{item.membership.unit.name} không được đề nghị Cờ thi đua của UBND tỉnh; chỉ đơn vị "
            "được đề nghị Cờ thi đua của UBND tỉnh mới được đề nghị Cờ thi đua của Chính phủ."
        )
    if item.government_flag:
        raise ValidationError(
            f"{item.membership.unit.name} đã được đề nghị Cờ thi đua của Chính phủ."
        )
    cap = government_flag_cap(proposal.year)
    if cap.nominated + 1 > cap.limit:
        raise ValidationError(
            f"Vượt giới hạn đề nghị Cờ thi đua của Chính phủ: tối đa {cap.limit} đơn vị "
            f"({cap.percent}% của {cap.flag_winners} đơn vị được đề nghị Cờ thi đua của UBND tỉnh "
            f"năm {proposal.year.year}), đã đề nghị {cap.nominated}."
        )
    item.government_flag = True
    _save(
        item,
        user=user,
        reason=(
            f"Hội đồng Thi đua – Khen thưởng tỉnh đề nghị tặng Cờ thi đua của Chính phủ cho "
            f"{item.membership.unit.name}."
        ),
    )
    return item


@transaction.atomic
def proposal_withdraw_government_flag(
    *, proposal: Proposal, membership: Membership, user: User
) -> ProposalItem:
    """The council takes a Government flag nomination back before the decision."""
    _lock(proposal, user)
    _ensure_status(proposal, Status.ACCEPTED, "rút đề nghị Cờ thi đua của Chính phủ")
    item = _item(proposal, membership)
    if not item.government_flag:
        raise ValidationError(
            f"{item.membership.unit.name} chưa được đề nghị Cờ thi đua của Chính phủ."
        )
    item.government_flag = False
    _save(
        item,
        user=user,
        reason=f"Rút đề nghị tặng Cờ thi đua của Chính phủ cho {item.membership.unit.name}.",
    )
    return item


# ---------------------------------------------------------------------------
# The council's meeting and the Chairman's decisions (R34, issue 14)


@dataclass(frozen=True)
class Verdict:
    """The council's conclusion on one proposed unit, as typed on the page."""

    outcome: str
    award: str = ""
    reason: str = ""


Outcome = CouncilResult.Outcome


def proposed_items(proposal: Proposal) -> list[ProposalItem]:
    """The units the head proposed for an award: what the council rules on."""
    return [
        item
        for item in proposal.items.select_related("membership__unit", "council_result")
        if item.award and item.award != allocation.TIE_VOTE_NEEDED
    ]


def decided_units(proposal: Proposal) -> dict[int, DecisionLine]:
    """Membership id → the decision line that gave the unit its award."""
    lines = DecisionLine.objects.filter(decision__proposal=proposal).select_related("decision")
    return {line.membership_id: line for line in lines}


def pending_awards(proposal: Proposal) -> list[tuple[ProposalItem, str]]:
    """The units a decision recorded now would award, and the award: those the
    council agreed or changed and no decision awarded yet. The Chairman
    decides on the council's advice (R34): before its meeting, none."""
    decided = decided_units(proposal)
    pending = []
    for item in proposed_items(proposal):
        result = getattr(item, "council_result", None)
        if item.membership_id not in decided and result is not None and result.decided_award:
            pending.append((item, result.decided_award))
    return pending


def _regulation_of(proposal: Proposal) -> Regulation:
    return stored_regulation(proposal.year_id, proposal.cluster)


def _verdict_errors(item: ProposalItem, verdict: Verdict, regulation: Regulation) -> list[str]:
    name = item.membership.unit.name
    if verdict.outcome not in Outcome.values:
        return [f"Chưa chọn kết quả xét của Hội đồng cho {name}."]
    errors = []
    if verdict.outcome == Outcome.CHANGED:
        if verdict.award not in regulation.awards:
            errors.append(f"Cần chọn danh hiệu đổi thành cho {name}.")
        elif verdict.award == item.award:
            errors.append(f"Danh hiệu đổi thành của {name} trùng với danh hiệu được đề nghị.")
    if verdict.outcome != Outcome.AGREED and not verdict.reason.strip():
        errors.append(f"Cần ghi lý do Hội đồng không nhất trí như đề nghị đối với {name}.")
    if len(verdict.reason) > limits.REASON:
        errors.append(f"Lý do đối với {name} dài quá {limits.REASON} ký tự.")
    return errors


def _verdict_text(item: ProposalItem, verdict: Verdict, regulation: Regulation) -> str:
    label = Outcome(verdict.outcome).label
    if verdict.outcome == Outcome.CHANGED:
        label += f" thành {regulation.award_label(verdict.award)}"
    why = f" Lý do: {verdict.reason.strip()}" if verdict.reason.strip() else ""
    return f"{item.membership.unit.name}: {label}.{why}"


@transaction.atomic
def council_meeting_record(
    *,
    proposal: Proposal,
    held_on: date | None,
    members_present: str,
    verdicts: Mapping[int, Verdict],
    user: User,
) -> CouncilMeeting:
    """Sở Nội vụ, the council's standing agency, records the council's meeting
    on an accepted proposal: its date, the members present and a result for
    every proposed unit (keyed by membership id): agreed, changed to another
    award, refused or deferred ("chưa xét", R28), with a reason where not
    agreed. Recorded once; a unit's result is changed afterwards one at a time
    (council_result_change)."""
    _lock(proposal, user)
    _ensure_status(proposal, Status.ACCEPTED, "ghi kết quả họp Hội đồng")
    if CouncilMeeting.objects.filter(proposal=proposal).exists():
        raise ValidationError(
            "Kết quả họp Hội đồng đã được ghi; hãy sửa kết quả họp đã ghi, kèm lý do sửa."
        )
    members_present = (members_present or "").strip()
    items = proposed_items(proposal)
    regulation = _regulation_of(proposal)
    errors = _meeting_errors(proposal, held_on, members_present, items, verdicts, regulation)
    if errors:
        raise ValidationError(errors)
    meeting = CouncilMeeting(
        proposal=proposal, held_on=held_on, members_present=members_present, recorded_by=user
    )
    _save(
        meeting,
        user=user,
        reason=f"Ghi kết quả họp Hội đồng Thi đua – Khen thưởng tỉnh ngày {held_on:%d/%m/%Y}.",
    )
    for item in items:
        verdict = verdicts[item.membership_id]
        result = CouncilResult(
            item=item,
            outcome=verdict.outcome,
            award=verdict.award if verdict.outcome == Outcome.CHANGED else "",
            reason=verdict.reason.strip(),
        )
        text = _verdict_text(item, verdict, regulation)
        _save(result, user=user, reason=f"Hội đồng xét: {text}")
    return meeting


def _meeting_errors(
    proposal: Proposal,
    held_on: date | None,
    members_present: str,
    items: list[ProposalItem],
    verdicts: Mapping[int, Verdict],
    regulation: Regulation,
) -> list[str]:
    """What is wrong with a meeting as typed: its date in the year and not in
    the future, the members present, and a result with its reason per unit."""
    errors = []
    if held_on is None:
        errors.append("Cần ghi ngày họp Hội đồng.")
    else:
        errors += _date_errors(proposal, held_on, "Ngày họp Hội đồng")
    if not members_present:
        errors.append("Cần ghi thành viên Hội đồng có mặt.")
    elif len(members_present) > limits.REASON:
        errors.append(f"Danh sách thành viên có mặt dài quá {limits.REASON} ký tự.")
    for item in items:
        verdict = verdicts.get(item.membership_id)
        if verdict is None:
            errors.append(f"Chưa chọn kết quả xét của Hội đồng cho {item.membership.unit.name}.")
        else:
            errors += _verdict_errors(item, verdict, regulation)
    return errors


MEETING_FROZEN = (
    "Đã có quyết định của Chủ tịch UBND tỉnh theo kết quả họp này, nên kết quả họp Hội đồng "
    "không sửa được nữa. Đơn vị chưa có quyết định vẫn được sửa kết quả xét riêng, kèm lý do."
)


def meeting_frozen(proposal: Proposal) -> bool:
    """The council's meeting is corrected until the Chairman decides on it (R34, R35)."""
    return proposal.status == Status.DECIDED or proposal.decisions.exists()


class StaleCouncilMeeting(ValidationError):
    def __init__(self, meeting: CouncilMeeting) -> None:
        super().__init__(
            "Kết quả họp Hội đồng vừa được người khác sửa; ngày họp hiện tại: "
            f"{meeting.held_on:%d/%m/%Y}. Hãy xem lại rồi lưu lần nữa.",
            code="stale",
        )


@transaction.atomic
def council_meeting_correct(
    *,
    proposal: Proposal,
    held_on: date | None,
    members_present: str,
    verdicts: Mapping[int, Verdict],
    why: str,
    revision: int | None,
    result_revisions: Mapping[int, int | None],
    user: User,
) -> CouncilMeeting:
    """Sở Nội vụ corrects the recorded meeting (its date, the members present,
    each unit's result and reason) until the Chairman's decision is recorded,
    with the reason of the correction in the history of every row it changes
    (R35). `revision` is the meeting's revision and `result_revisions` each
    unit's result's (membership id → revision) the page was loaded with."""
    _lock(proposal, user)
    if meeting_frozen(proposal):
        raise ValidationError(MEETING_FROZEN)
    _ensure_status(proposal, Status.ACCEPTED, "sửa kết quả họp Hội đồng")
    meeting = (
        CouncilMeeting.objects.select_for_update(of=("self",)).filter(proposal=proposal).first()
    )
    if meeting is None:
        raise ValidationError("Chưa ghi kết quả họp Hội đồng; hãy ghi kết quả họp trước.")
    if meeting.revision != revision:
        raise StaleCouncilMeeting(meeting)
    items = proposed_items(proposal)
    results = {
        r.item_id: r
        for r in CouncilResult.objects.select_for_update(of=("self",)).filter(
            item__in=[item.pk for item in items]
        )
    }
    for item in items:
        result = results.get(item.pk)
        if result is not None and result.revision != result_revisions.get(item.membership_id):
            result.item = item
            raise StaleCouncilResult(result)
    members_present, why = (members_present or "").strip(), (why or "").strip()
    regulation = _regulation_of(proposal)
    errors = _meeting_errors(proposal, held_on, members_present, items, verdicts, regulation)
    if not why:
        errors.append("Cần ghi lý do sửa kết quả họp Hội đồng.")
    elif len(why) > limits.REASON:
        errors.append(f"Lý do sửa dài quá {limits.REASON} ký tự.")
    if errors:
        raise ValidationError(errors)
    changed = [
        (item, verdicts[item.membership_id])
        for item in items
        if _verdict_changes(results.get(item.pk), verdicts[item.membership_id])
    ]
    what = _meeting_changes(meeting, held_on, members_present)
    if not what and not changed:
        raise ValidationError("Không có thay đổi nào so với kết quả họp Hội đồng đã ghi.")
    meeting.held_on, meeting.members_present = held_on, members_present
    meeting.revision += 1
    what += [f"kết quả xét của {item.membership.unit.name}" for item, _ in changed]
    _save(
        meeting,
        user=user,
        reason=f"Sửa kết quả họp Hội đồng: {'; '.join(what)}. Lý do sửa: {why}",
    )
    for item, verdict in changed:
        result = results.get(item.pk) or CouncilResult(item=item, revision=0)
        before = result.get_outcome_display() if result.pk else "chưa có"
        result.outcome = verdict.outcome
        result.award = verdict.award if verdict.outcome == Outcome.CHANGED else ""
        result.reason = verdict.reason.strip()
        result.revision += 1
        _save(
            result,
            user=user,
            reason=(
                f"Sửa kết quả xét của Hội đồng (trước: {before}): "
                f"{_verdict_text(item, verdict, regulation)} Lý do sửa: {why}"
            ),
        )
    return meeting


def _verdict_changes(result: CouncilResult | None, verdict: Verdict) -> bool:
    if result is None:
        return True
    award = verdict.award if verdict.outcome == Outcome.CHANGED else ""
    return (result.outcome, result.award, result.reason) != (
        verdict.outcome,
        award,
        verdict.reason.strip(),
    )


def _meeting_changes(meeting: CouncilMeeting, held_on: date, members_present: str) -> list[str]:
    what = []
    if meeting.held_on != held_on:
        what.append(f"ngày họp từ {meeting.held_on:%d/%m/%Y} thành {held_on:%d/%m/%Y}")
    if meeting.members_present != members_present:
        what.append(f"thành viên có mặt: {members_present}")
    return what


class StaleCouncilResult(ValidationError):
    def __init__(self, result: CouncilResult) -> None:
        super().__init__(
            f"Kết quả xét của {result.item.membership.unit.name} vừa được người khác thay đổi; "
            f"giá trị hiện tại: {result.get_outcome_display()}. Hãy xem lại rồi lưu lần nữa.",
            code="stale",
        )


@transaction.atomic
def council_result_change(
    *,
    proposal: Proposal,
    membership: Membership,
    verdict: Verdict,
    why: str,
    revision: int | None,
    user: User,
) -> CouncilResult:
    """Change the council's result on one unit not yet decided, with the reason
    of the change: a deferred unit ("chưa xét", R28) whose reason is cleared
    is agreed (or changed) later in the year and then decided by a further
    decision. `revision` is the result's revision the page was loaded with."""
    _lock(proposal, user)
    if proposal.status not in IN_COUNCIL:
        _ensure_status(proposal, Status.ACCEPTED, "sửa kết quả xét của Hội đồng")
    result = (
        CouncilResult.objects.select_for_update(of=("self",))
        .select_related("item__membership__unit")
        .filter(item__proposal=proposal, item__membership=membership)
        .first()
    )
    if result is None:
        raise ValidationError(f"Chưa có kết quả xét của Hội đồng đối với {membership.unit.name}.")
    if result.revision != revision:
        raise StaleCouncilResult(result)
    if membership.pk in decided_units(proposal):
        raise ValidationError(
            f"{membership.unit.name} đã có quyết định khen thưởng; không sửa kết quả xét được nữa."
        )
    why = (why or "").strip()
    regulation = _regulation_of(proposal)
    errors = _verdict_errors(result.item, verdict, regulation)
    if not why:
        errors.append("Cần ghi lý do sửa kết quả xét của Hội đồng.")
    elif len(why) > limits.REASON:
        errors.append(f"Lý do sửa dài quá {limits.REASON} ký tự.")
    if errors:
        raise ValidationError(errors)
    before = result.get_outcome_display()
    result.outcome = verdict.outcome
    result.award = verdict.award if verdict.outcome == Outcome.CHANGED else ""
    result.reason = verdict.reason.strip()
    result.revision += 1
    _save(
        result,
        user=user,
        reason=(
            f"Sửa kết quả xét của Hội đồng (trước: {before}): "
            f"{_verdict_text(result.item, verdict, regulation)} Lý do sửa: {why}"
        ),
    )
    return result


def _date_errors(proposal: Proposal, day: date, what: str) -> list[str]:
    try:
        proposal.year.check_date(day, calendar=proposal.cluster.calendar, what=what, happened=True)
    except ValidationError as error:
        return error.messages
    return []


def _decision_date_errors(proposal: Proposal, day: date | None) -> list[str]:
    """A decision is dated in the year's window, not in the future, and not
    before the council met (R34)."""
    if day is None:
        return ["Cần ghi ngày quyết định."]
    errors = _date_errors(proposal, day, "Ngày quyết định")
    meeting = CouncilMeeting.objects.filter(proposal=proposal).first()
    if not errors and meeting is not None and day < meeting.held_on:
        errors.append(
            f"Ngày quyết định {day:%d/%m/%Y} trước ngày họp Hội đồng {meeting.held_on:%d/%m/%Y}."
        )
    return errors


NO_MEETING_YET = (
    "Chưa ghi được quyết định: Chủ tịch UBND tỉnh quyết định theo kết quả họp của Hội đồng "
    "Thi đua – Khen thưởng tỉnh, mà kết quả họp Hội đồng chưa được ghi. Hãy ghi kết quả họp "
    "Hội đồng trước."
)
NO_SIGNED_DECISION = "Cần tải lên bản quyết định đã ký (tệp PDF)."


@transaction.atomic
def proposal_decide(
    *,
    proposal: Proposal,
    number: str,
    date: date | None,
    signer: str,
    user: User,
    file: File | None,
) -> Decision:
    """Record a decision of the Chairman on an accepted proposal (R34): its
    number, date, signer and signed scan (a PDF), with a line per unit it
    awards (pending_awards). The council's meeting comes first: the Chairman
    decides on its results. A proposal decided before may be decided again
    for units the council deferred and later agreed (council_result_change),
    each decision with its own signed scan."""
    _lock(proposal, user)
    if proposal.status != Status.DECIDED:
        _ensure_status(proposal, Status.ACCEPTED, "ghi nhận quyết định")
    if not CouncilMeeting.objects.filter(proposal=proposal).exists():
        raise ValidationError(NO_MEETING_YET)
    number, signer = (number or "").strip(), (signer or "").strip()
    errors = []
    if not number:
        errors.append("Cần ghi số quyết định.")
    elif proposal.decisions.filter(number=number).exists():
        errors.append(f"Quyết định số {number} đã được ghi nhận cho hồ sơ này.")
    if not signer:
        errors.append("Cần ghi người ký quyết định.")
    errors += _decision_date_errors(proposal, date)
    errors += _pdf_errors(file) if file else [NO_SIGNED_DECISION]
    pending = pending_awards(proposal)
    if not pending:
        errors.append("Không còn đơn vị nào được Hội đồng nhất trí mà chưa có quyết định.")
    if errors:
        raise ValidationError(errors)
    decision = Decision(
        proposal=proposal, number=number, date=date, signer=signer, recorded_by=user
    )
    decision.file = file
    recorded = f"Ghi nhận Quyết định số {number} ngày {date:%d/%m/%Y}, người ký: {signer}."
    _save(decision, user=user, reason=recorded)
    bulk_create_with_history(
        [
            DecisionLine(decision=decision, membership=item.membership, award=award)
            for item, award in pending
        ],
        DecisionLine,
        default_user=user,
        default_change_reason=recorded,
    )
    proposal.status = Status.DECIDED
    _save(proposal, user=user, reason=recorded)
    notices.proposal_decided(decision)
    return decision


class StaleDecision(ValidationError):
    def __init__(self, decision: Decision) -> None:
        super().__init__(
            f"Quyết định số {decision.number} vừa được người khác sửa; ngày hiện tại: "
            f"{decision.date:%d/%m/%Y}. Hãy xem lại rồi lưu lần nữa.",
            code="stale",
        )


@transaction.atomic
def decision_redate(
    *, decision: Decision, date: date | None, reason: str, revision: int | None, user: User
) -> Decision:
    """Correct the date of a recorded decision (issue #12: "a wrong signature or
    date can be corrected with a reason"); the new date is checked like the
    first one and the change goes to the history with its reason (R35)."""
    proposal = decision.proposal
    _lock(proposal, user)
    _ensure_status(proposal, Status.DECIDED, "sửa quyết định")
    decision = Decision.objects.select_for_update(of=("self",)).get(pk=decision.pk)
    if decision.revision != revision:
        raise StaleDecision(decision)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Cần ghi lý do sửa quyết định.")
    errors = _decision_date_errors(proposal, date)
    if errors:
        raise ValidationError(errors)
    before = decision.date
    decision.date = date
    decision.revision += 1
    _save(
        decision,
        user=user,
        reason=(
            f"Sửa ngày Quyết định số {decision.number} từ {before:%d/%m/%Y} "
            f"thành {date:%d/%m/%Y}. Lý do: {reason}"
        ),
    )
    return decision


def _pdf_errors(file: File) -> list[str]:
    """A signed scan: a PDF of at most MAX_UPLOAD_BYTES, judged by its bytes."""
    if extension(getattr(file, "name", "")) != "pdf":
        return ["Chỉ nhận bản scan dạng tệp PDF."]
    try:
        validate_upload(file)
    except ValidationError as error:
        return error.messages
    return []


# ---------------------------------------------------------------------------
# The dossier (hồ sơ đề nghị, R34)


@dataclass(frozen=True)
class DossierPiece:
    kind: str
    label: str
    file: DossierFile | None


def dossier(cluster: Cluster, year: EmulationYear) -> list[DossierPiece]:
    """The signed and sealed scans the proposal needs ("trưởng cụm, trưởng khối
    tổng hợp kết quả, trình Chủ tịch UBND tỉnh", III.2.2; R34: tờ trình,
    minutes, ranking table), each with its upload or None."""
    stored = {
        f.kind: f
        for f in DossierFile.objects.filter(cluster=cluster, year=year).select_related(
            "uploaded_by"
        )
    }
    return [DossierPiece(kind, label, stored.get(kind)) for kind, label in DossierFile.Kind.choices]


class StaleDossierFile(ValidationError):
    def __init__(self, label: str) -> None:
        super().__init__(
            f"{label} vừa được người khác tải lên hoặc thay; hãy xem lại rồi tải lên lần nữa.",
            code="stale",
        )


@transaction.atomic
def dossier_upload(
    *,
    cluster: Cluster,
    year: EmulationYear,
    kind: str,
    file: File,
    revision: int | None,
    user: User,
) -> DossierFile:
    """The head uploads a signed and sealed scan of one piece of the dossier
    while the proposal is being prepared or was returned; a new upload of the
    piece replaces the old one, both in the history (R35). `revision` is the
    piece's revision the page was loaded with (None: nothing uploaded yet)."""
    get_cluster_for_head(user, cluster.code, year)
    _lock_members(cluster, year)
    if kind not in DossierFile.Kind.values:
        raise ValidationError("Thành phần hồ sơ không hợp lệ.")
    label = DossierFile.Kind(kind).label
    proposal = Proposal.objects.filter(cluster=cluster, year=year).first()
    if proposal is not None and not proposal.is_submittable:
        raise ValidationError(
            f"Hồ sơ đang ở trạng thái “{proposal.get_status_display()}”; chỉ tải lên khi hồ sơ "
            "đang chuẩn bị hoặc bị trả lại."
        )
    errors = _pdf_errors(file)
    if errors:
        raise ValidationError(errors)
    stored = (
        DossierFile.objects.select_for_update(of=("self",))
        .filter(cluster=cluster, year=year, kind=kind)
        .first()
    )
    if (stored.revision if stored else None) != revision:
        raise StaleDossierFile(label)
    if stored is None:
        stored = DossierFile(cluster=cluster, year=year, kind=kind, revision=0)
        change = f"Tải lên {label} (bản đã ký, đóng dấu)."
    else:
        change = f"Thay {label} bằng bản mới."
    stored.file = file
    stored.uploaded_by = user
    stored.revision += 1
    _save(stored, user=user, reason=change)
    return stored


@transaction.atomic
def proposal_announce(*, proposal: Proposal, user: User) -> Proposal:
    """Announce the decided results to the cluster's members; from then on they
    see the ranking and their awards."""
    _lock(proposal, user)
    _ensure_status(proposal, Status.DECIDED, "công bố kết quả")
    if proposal.is_announced:
        at = format_datetime(proposal.announced_at)
        raise ValidationError(f"Kết quả đã được công bố lúc {at}.")
    proposal.announced_at = timezone.now()
    _save(proposal, user=user, reason="Công bố kết quả khen thưởng tới các đơn vị thành viên.")
    notices.proposal_announced(proposal)
    return proposal


# ---------------------------------------------------------------------------
# Checks and helpers


def _ensure_allocation_open(cluster: Cluster, year: EmulationYear) -> None:
    """Quotas and votes stay as proposed from submission on (R34, R35)."""
    proposal = Proposal.objects.filter(cluster=cluster, year=year).first()
    if proposal is None or not proposal.freezes_allocation:
        return
    if proposal.status == Status.DECIDED:
        raise ValidationError(
            "Đã có quyết định khen thưởng của cụm, khối năm này; kết quả đã khóa."
        )
    raise ValidationError(
        f"Hồ sơ đề nghị khen thưởng đang ở trạng thái “{proposal.get_status_display()}”; "
        "chỉ tiêu và kết quả bỏ phiếu đã khóa, chỉ thay đổi được khi Sở Nội vụ trả lại hồ sơ."
    )


def _ensure_status(proposal: Proposal, status: str, action: str) -> None:
    if proposal.status != status:
        raise ValidationError(
            f"Không thể {action}: hồ sơ đang ở trạng thái “{proposal.get_status_display()}”, "
            f"chỉ {action} khi hồ sơ ở trạng thái “{Status(status).label}”."
        )


def _lock(proposal: Proposal, user: User) -> None:
    """Sở Nội vụ only: proposals go "(qua Sở Nội vụ)" to the council and the
    Chairman [III.2.2], who receives them and records what they decide. The
    proposal's row is locked and re-read, so checks see its latest state."""
    ensure_acts_for_province(user)
    Proposal.objects.select_for_update(of=("self",)).filter(pk=proposal.pk).first()
    proposal.refresh_from_db()


def _item(proposal: Proposal, membership: Membership) -> ProposalItem:
    item = (
        proposal.items.select_for_update(of=("self",))
        .select_related("membership__unit")
        .filter(membership=membership)
        .first()
    )
    if item is None:
        raise ValidationError(f"{membership.unit.name} không có trong hồ sơ đề nghị này.")
    return item


def _lock_members(cluster: Cluster, year: EmulationYear) -> None:
    """Serialise the writes of a cluster's year (its memberships stay locked until commit)."""
    locked = Membership.objects.select_for_update(of=("self",)).filter(cluster=cluster, year=year)
    list(locked.order_by("pk").values_list("pk", flat=True))


def _save(instance: Model, *, user: User | None, reason: str) -> None:
    """Save with the history row's who and why (R35)."""
    instance._change_reason = reason
    if user is not None:
        instance._history_user = user
    try:
        instance.save()
    finally:
        # simple-history reads these on every save; they must not leak into the next one.
        del instance._change_reason
        instance.__dict__.pop("_history_user", None)
