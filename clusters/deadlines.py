"""Default dates of a year's activities per calendar (R5–R10).

Pure: the defaults only. Each year's actual dates are `Deadline` rows that
the authority may change.
"""

import calendar as _calendar
from datetime import date

STANDARD = "standard"
EDUCATION = "education"

PROGRAMME = "programme"
REGISTRATION = "registration"
REGULATION = "regulation"
MID_YEAR_REPORT = "mid_year_report"
MID_YEAR_CONFERENCE = "mid_year_conference"
ANNUAL_REPORT = "annual_report"
ANNUAL_CONFERENCE = "annual_conference"

KIND_LABELS = {
    PROGRAMME: "Ban hành chương trình, kế hoạch hoạt động",
    REGISTRATION: "Đăng ký thi đua",
    REGULATION: "Ban hành quy chế và bảng chấm điểm",
    MID_YEAR_REPORT: "Gửi báo cáo sơ kết 6 tháng",
    MID_YEAR_CONFERENCE: "Hội nghị sơ kết",
    ANNUAL_REPORT: "Gửi báo cáo tổng kết năm",
    ANNUAL_CONFERENCE: "Hội nghị tổng kết",
}
HEAD_KINDS = frozenset({PROGRAMME, REGULATION, MID_YEAR_CONFERENCE, ANNUAL_CONFERENCE})
MEMBER_KINDS = frozenset({REGISTRATION, MID_YEAR_REPORT, ANNUAL_REPORT})
CONFERENCE_KINDS = frozenset({MID_YEAR_CONFERENCE, ANNUAL_CONFERENCE})


def _end_of_month(year: int, month: int) -> date:
    return date(year, month, _calendar.monthrange(year, month)[1])


def default_deadlines(year: int, calendar: str) -> dict[str, date]:
    """The R5–R10 defaults for the emulation year `year`.

    A standard year is the calendar year; an education year `year` is the
    school year that starts in autumn of `year` and ends in summer of
    `year + 1`. Conferences "in July" are due by the end of that month and
    count only from its first day (`window_opens`); the
    reports (R10, "before the conference") are due at the end of the month
    before the conference's month: a product decision, editable per year.
    """
    if calendar == STANDARD:
        return {
            PROGRAMME: date(year, 3, 31),
            REGISTRATION: date(year, 3, 31),
            REGULATION: date(year, 7, 31),
            MID_YEAR_REPORT: date(year, 6, 30),
            MID_YEAR_CONFERENCE: _end_of_month(year, 7),
            ANNUAL_REPORT: date(year, 11, 30),
            ANNUAL_CONFERENCE: _end_of_month(year, 12),
        }
    if calendar == EDUCATION:
        return {
            PROGRAMME: date(year, 10, 31),
            REGISTRATION: date(year, 10, 31),
            REGULATION: date(year, 12, 31),
            MID_YEAR_REPORT: date(year, 12, 31),
            MID_YEAR_CONFERENCE: _end_of_month(year + 1, 1),
            ANNUAL_REPORT: date(year + 1, 5, 31),
            ANNUAL_CONFERENCE: _end_of_month(year + 1, 6),
        }
    raise ValueError(f"unknown calendar {calendar!r}")


def window_opens(kind: str, due: date) -> date | None:
    """The first day a conference counts for its item (R8, R9), or None for
    the other items, which count whenever done by their date.

    The seed places each conference in a month, not before a day: the mid-year
    one "trong tháng 7" (R8) and the annual one "Hoàn thành trong tháng 12
    hằng năm" (R9). So a conference counts only inside the month of its due
    date: one held earlier is early ("sớm"), one held later is late ("muộn").
    When the authority moves the date, the window is the month of the new date
    up to that date.
    """
    return due.replace(day=1) if kind in CONFERENCE_KINDS else None
