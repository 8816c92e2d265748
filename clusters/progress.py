"""What a unit answers for in its year (R5–R10, R14), and changing the year's dates.

The items: each one's label, the deadline it is due by and the pages where it
is done and followed. Whether an item is done for a unit (or, for the head's
items, for its cluster) is decided in one place, `scoring.progress.items()`:
the self-scoring sheet and the regulation's issued scorecard are scoring's
records (#16). The reminders and the "Việc cần làm" pages read it there.

Two items have no date of their own in R5–R10. The pledge is signed at the
previous year's annual conference, so it is due on that conference's day
(`participation.pledge_due_on`); without one the seed's pairing ([I.2.3]: a
member "ký giao ước và đăng ký tham gia thi đua" together) makes it due with
the registration (R6). A member "tự chấm điểm … và gửi báo cáo kết quả … của
năm", so the self-scoring sheet is due with the annual report (R10).
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from clusters import deadlines
from clusters.models import Cluster, Deadline, EmulationYear
from emulation.models import User

PLEDGE = "pledge_signature"
SHEET = "self_scoring"
# The cluster's own sơ kết / tổng kết reports, sent by the head (#14), due
# with the members' reports (R10).
CLUSTER_MID_YEAR_REPORT = "cluster_mid_year_report"
CLUSTER_ANNUAL_REPORT = "cluster_annual_report"

# Item → the kind of the deadline it is due by.
DUE_WITH = {
    deadlines.REGISTRATION: deadlines.REGISTRATION,
    PLEDGE: deadlines.REGISTRATION,
    deadlines.PROGRAMME: deadlines.PROGRAMME,
    deadlines.MID_YEAR_REPORT: deadlines.MID_YEAR_REPORT,
    CLUSTER_MID_YEAR_REPORT: deadlines.MID_YEAR_REPORT,
    deadlines.REGULATION: deadlines.REGULATION,
    deadlines.MID_YEAR_CONFERENCE: deadlines.MID_YEAR_CONFERENCE,
    deadlines.ANNUAL_REPORT: deadlines.ANNUAL_REPORT,
    CLUSTER_ANNUAL_REPORT: deadlines.ANNUAL_REPORT,
    SHEET: deadlines.ANNUAL_REPORT,
    deadlines.ANNUAL_CONFERENCE: deadlines.ANNUAL_CONFERENCE,
}
ORDER = tuple(DUE_WITH)
ITEM_LABELS = {
    deadlines.REGISTRATION: "Gửi bản đăng ký thi đua",
    PLEDGE: "Ký giao ước thi đua",
    deadlines.PROGRAMME: "Ban hành chương trình, kế hoạch hoạt động",
    deadlines.MID_YEAR_REPORT: "Gửi báo cáo sơ kết 6 tháng",
    CLUSTER_MID_YEAR_REPORT: "Gửi báo cáo sơ kết 6 tháng của cụm, khối",
    deadlines.REGULATION: "Ban hành quy chế và bảng chấm điểm",
    deadlines.MID_YEAR_CONFERENCE: "Tổ chức hội nghị sơ kết 6 tháng",
    deadlines.ANNUAL_REPORT: "Gửi báo cáo tổng kết năm",
    CLUSTER_ANNUAL_REPORT: "Gửi báo cáo tổng kết năm của cụm, khối",
    SHEET: "Nộp phiếu tự chấm điểm",
    deadlines.ANNUAL_CONFERENCE: "Tổ chức hội nghị tổng kết năm",
}
HEAD_ITEMS = frozenset(deadlines.HEAD_KINDS | {CLUSTER_MID_YEAR_REPORT, CLUSTER_ANNUAL_REPORT})
# Item → the page where it is done: (url name, whether it names the cluster).
ITEM_PAGES = {
    deadlines.REGISTRATION: ("registration_edit", False),
    PLEDGE: ("pledge", True),
    deadlines.PROGRAMME: ("head_document_upload", True),
    deadlines.MID_YEAR_REPORT: ("report_upload", True),
    CLUSTER_MID_YEAR_REPORT: ("cluster_report_send", True),
    deadlines.REGULATION: ("head_document_upload", True),
    deadlines.MID_YEAR_CONFERENCE: ("conferences", True),
    deadlines.ANNUAL_REPORT: ("report_upload", True),
    CLUSTER_ANNUAL_REPORT: ("cluster_report_send", True),
    SHEET: ("sheet", False),
    deadlines.ANNUAL_CONFERENCE: ("conferences", True),
}
# Item → the cluster's page where the staff follow who has done it.
FOLLOW_PAGES = {
    deadlines.REGISTRATION: "registration_progress",
    PLEDGE: "pledge",
    deadlines.PROGRAMME: "head_documents",
    deadlines.MID_YEAR_REPORT: "reports",
    CLUSTER_MID_YEAR_REPORT: "reports",
    deadlines.REGULATION: "head_documents",
    deadlines.MID_YEAR_CONFERENCE: "conferences",
    deadlines.ANNUAL_REPORT: "reports",
    CLUSTER_ANNUAL_REPORT: "reports",
    SHEET: "review",
    deadlines.ANNUAL_CONFERENCE: "conferences",
}

# ---------------------------------------------------------------------------
# Changing a year's dates (the authority may: R5–R10)


class StaleDeadline(ValidationError):
    """A deadline moved from a page whose revision was since replaced."""

    def __init__(self, deadline: Deadline) -> None:
        self.deadline = deadline
        self.revision = deadline.revision
        super().__init__(
            "Hạn này vừa được người khác thay đổi; hiện tại: "
            f"{deadline.get_kind_display()}, {deadline.get_calendar_display()}: "
            f"hạn {deadline.due_date:%d/%m/%Y}. Hãy xem lại rồi lưu lần nữa.",
            code="stale",
        )


@transaction.atomic
def deadline_change(
    *, deadline: Deadline, due_date: date, reason: str, user: User | None, revision: int | None
) -> None:
    """Move one deadline of a year; its history keeps who, when and why (R35).

    `revision` is the Deadline.revision the page was loaded with: of two
    changes from pages showing the same date the second is refused with the
    current date (StaleDeadline), and so is a change without it (#11.8).

    Reminders already sent for the old date are not sent again for the same
    offset (R14 counts per deadline, unit and offset).
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError("Cần ghi lý do thay đổi hạn.")
    deadline = (
        Deadline.objects.select_for_update(of=("self",)).select_related("year").get(pk=deadline.pk)
    )
    if deadline.revision != revision:
        raise StaleDeadline(deadline)
    deadline.year.check_date(due_date, calendar=deadline.calendar, what="Hạn mới", happened=False)
    if deadline.due_date == due_date:
        raise ValidationError("Ngày mới trùng với hạn hiện tại.")
    old = deadline.due_date
    deadline.due_date = due_date
    deadline.revision += 1
    deadline._change_reason = f"Đổi hạn từ {old:%d/%m/%Y} sang {due_date:%d/%m/%Y}: {reason}"
    if user is not None:
        deadline._history_user = user
    deadline.save()


@dataclass(frozen=True)
class Change:
    """One change of a deadline's date, from its history."""

    deadline_label: str
    calendar_label: str
    old: date | None
    new: date
    at: datetime
    by: User | None
    reason: str


def deadline_changes(year: EmulationYear) -> list[Change]:
    """The year's date changes, newest first. One query."""
    history = (
        Deadline.history.filter(year_id=year.pk)
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    changes = []
    previous: dict[int, date] = {}
    for row in history:
        if row.history_type == "~" and previous.get(row.id) != row.due_date:
            changes.append(
                Change(
                    deadline_label=deadlines.KIND_LABELS.get(row.kind, row.kind),
                    calendar_label=Cluster.Calendar(row.calendar).label,
                    old=previous.get(row.id),
                    new=row.due_date,
                    at=row.history_date,
                    by=row.history_user,
                    reason=row.history_change_reason or "",
                )
            )
        previous[row.id] = row.due_date
    changes.sort(key=lambda c: c.at, reverse=True)
    return changes


def year_deadlines(year: EmulationYear) -> list[tuple[str, list[Deadline | None]]]:
    """The year's deadlines in R5–R10 order: each kind's label and its row
    per calendar (in `Cluster.Calendar` order). One query."""
    found = {(d.kind, d.calendar): d for d in Deadline.objects.filter(year=year)}
    return [
        (label, [found.get((kind, calendar)) for calendar in Cluster.Calendar.values])
        for kind, label in deadlines.KIND_LABELS.items()
    ]
