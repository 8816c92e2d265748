"""Who the scoring workflow tells, in the product and by e-mail (#15): the
services call these once their change is made; the e-mails go after commit."""

from django.urls import reverse

from clusters.models import Authority, Cluster, EmulationYear, Membership
from emulation.models import User
from emulation.notifications import authority_users, notify, unit_users
from scoring.models import Scorecard


def head_users(cluster: Cluster, year: EmulationYear):
    """The users of the cluster's head unit in `year`, who lead its workflow."""
    heads = Membership.objects.filter(cluster=cluster, year=year, role=Membership.Role.HEAD)
    return unit_users(heads.values_list("unit_id", flat=True))


def member_users(cluster: Cluster, year: EmulationYear):
    members = Membership.objects.filter(cluster=cluster, year=year)
    return unit_users(members.values_list("unit_id", flat=True))


def standing_users():
    """Sở Nội vụ's staff, who approve scorecards and receive proposals."""
    return User.objects.filter(authority__kind=Authority.Kind.STANDING, is_active=True)


def _scorecard_page(scorecard: Scorecard) -> str:
    return reverse("scorecard", args=[scorecard.cluster.code, scorecard.year.year])


def scorecard_waiting(scorecard: Scorecard, *, forwarded: bool = False) -> None:
    """Submitted: to the authority guiding the cluster; forwarded: to Sở Nội vụ."""
    recipients = (
        standing_users() if forwarded else authority_users([scorecard.cluster.authority_id])
    )
    notify(
        recipients=recipients,
        text=(
            f"Bảng chấm điểm năm {scorecard.year.year} của {scorecard.cluster.name} "
            "đang chờ cho ý kiến, phê duyệt."
        ),
        link=_scorecard_page(scorecard),
    )


def scorecard_approved(scorecard: Scorecard) -> None:
    notify(
        recipients=head_users(scorecard.cluster, scorecard.year),
        text=(
            f"Sở Nội vụ đã phê duyệt bảng chấm điểm năm {scorecard.year.year} của "
            f"{scorecard.cluster.name}; trưởng cụm, khối ban hành bảng chấm điểm."
        ),
        link=_scorecard_page(scorecard),
    )


def scorecard_issued(scorecard: Scorecard) -> None:
    """Every member scores itself against it from now on (R18)."""
    notify(
        recipients=member_users(scorecard.cluster, scorecard.year),
        text=(
            f"{scorecard.cluster.name} đã ban hành bảng chấm điểm năm {scorecard.year.year}; "
            "đơn vị tự chấm điểm theo bảng này."
        ),
        link=reverse("sheet", args=[scorecard.year.year]),
    )


def scorecard_returned(scorecard: Scorecard, reason: str) -> None:
    notify(
        recipients=head_users(scorecard.cluster, scorecard.year),
        text=(
            f"Bảng chấm điểm năm {scorecard.year.year} của {scorecard.cluster.name} "
            f"bị trả lại. Lý do: {reason}"
        ),
        link=_scorecard_page(scorecard),
    )


def sheet_returned(membership: Membership, reason: str) -> None:
    notify(
        recipients=unit_users([membership.unit_id]),
        text=(
            f"Trưởng cụm, khối đã trả lại phiếu tự chấm điểm năm {membership.year.year} "
            f"của đơn vị để chấm lại. Lý do: {reason}"
        ),
        link=reverse("sheet", args=[membership.year.year]),
    )


def score_adjusted(membership: Membership, criterion_code: str, figures: str, reason: str) -> None:
    """The unit reads its cell's agreed figure beside its own on its sheet."""
    notify(
        recipients=unit_users([membership.unit_id]),
        text=(
            f"Trưởng cụm, khối đã điều chỉnh điểm tiêu chí {criterion_code} năm "
            f"{membership.year.year} của đơn vị: {figures}. Lý do: {reason}"
        ),
        link=reverse("sheet", args=[membership.year.year]),
    )


def scores_agreed(cluster: Cluster, year: EmulationYear) -> None:
    notify(
        recipients=member_users(cluster, year),
        text=(
            f"Điểm năm {year.year} của {cluster.name} đã được thống nhất sau họp trù bị; "
            "kết quả chấm điểm (tạm tính) đã có."
        ),
        link=reverse("results", args=[cluster.code, year.year]),
    )
