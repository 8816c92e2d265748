"""Who the award workflow tells, in the product and by e-mail (#15)."""

from django.urls import reverse

from awards.models import Decision, Proposal
from emulation.notifications import notify
from scoring.notices import head_users, member_users, standing_users


def _page(proposal: Proposal) -> str:
    return reverse("award_proposal", args=[proposal.cluster.code, proposal.year.year])


def proposal_submitted(proposal: Proposal) -> None:
    notify(
        recipients=standing_users(),
        text=(
            f"{proposal.cluster.name} đã trình hồ sơ đề nghị khen thưởng năm "
            f"{proposal.year.year}; hồ sơ chờ Sở Nội vụ tiếp nhận."
        ),
        link=_page(proposal),
    )


def proposal_returned(proposal: Proposal, reason: str) -> None:
    notify(
        recipients=head_users(proposal.cluster, proposal.year),
        text=(
            f"Sở Nội vụ trả lại hồ sơ đề nghị khen thưởng năm {proposal.year.year} của "
            f"{proposal.cluster.name}. Lý do: {reason}"
        ),
        link=_page(proposal),
    )


def proposal_decided(decision: Decision) -> None:
    proposal = decision.proposal
    notify(
        recipients=head_users(proposal.cluster, proposal.year),
        text=(
            f"Chủ tịch UBND tỉnh đã quyết định khen thưởng năm {proposal.year.year} cho "
            f"{proposal.cluster.name}: Quyết định số {decision.number} ngày "
            f"{decision.date:%d/%m/%Y}."
        ),
        link=_page(proposal),
    )


def proposal_announced(proposal: Proposal) -> None:
    notify(
        recipients=member_users(proposal.cluster, proposal.year),
        text=(
            f"Kết quả khen thưởng năm {proposal.year.year} của {proposal.cluster.name} "
            "đã được công bố."
        ),
        link=_page(proposal),
    )
