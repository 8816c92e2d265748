"""R27's participation facts: one record per unit and year, and the one rule
that says when a missing fact counts against the unit.

Each unit has one `Participation` record per year (STYLE 18) with four facts:
registered (R6), pledge signed, mid-year report and annual report (R10).
Each fact has a value (done, not done, or nothing recorded yet) and where
that value came from: the unit's online work (a submitted registration, a
signature of the published pledge, an uploaded report, written onto the
record as it happens: `clusters.services`), a dataset import (DATASET.md),
or an entry by hand by the head or the staff, with a reason (R35). An
import is one more source on the same record, never a second truth: a later
online signature replaces an imported "not signed", and the history keeps
both.

The rule, fact by fact, in this order (`fact_state`):

1. Recorded as done: done.
2. Stated "not done" by a dataset import: counts against the unit. The import
   is the only source of an imported year and gives its facts as they were
   at the end of the year ("a missing field means true", DATASET.md).
3. The pledge, when the cluster's pledge of the year was never published:
   never counts against a member. Nobody could sign it; publishing it is the
   head's duty, answered by an R25 `head_duty` deduction, not by excluding
   the members.
4. Its deadline has passed (the registration's for the registration and the
   pledge, which the seed ties together [I.2.3]; R10's for the reports):
   counts against the unit.
5. Otherwise: "chưa đến hạn", not counted yet. A year without dates has no
   deadline that could have passed.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Exists, OuterRef
from django.utils import timezone

from clusters import deadlines
from clusters.models import Deadline, Membership, Pledge
from emulation.models import User
from scoring import engine
from scoring.models import Participation

FACTS = Participation.FACTS
FACT_LABELS = {
    "registered": "Đăng ký thi đua",
    "pledge_signed": "Ký giao ước thi đua",
    "mid_year_report": "Báo cáo sơ kết 6 tháng",
    "annual_report": "Báo cáo tổng kết năm",
}
# Fact → the kind of the deadline it is due by (as `progress.DUE_WITH`).
DUE_WITH = {
    "registered": deadlines.REGISTRATION,
    "pledge_signed": deadlines.REGISTRATION,
    "mid_year_report": deadlines.MID_YEAR_REPORT,
    "annual_report": deadlines.ANNUAL_REPORT,
}

DONE = "done"
MISSING = "missing"
NOT_DUE = "not_due"
NOT_PUBLISHED = "not_published"
STATE_LABELS = {
    DONE: "Đã thực hiện",
    MISSING: "Không thực hiện",
    NOT_DUE: "Chưa đến hạn",
    NOT_PUBLISHED: "Giao ước chưa được công bố",
}
NOT_RECORDED = "Chưa ghi nhận"
RULE_TEXT = (
    "Mỗi đơn vị có một hồ sơ tham gia mỗi năm: đăng ký thi đua, ký giao ước, báo cáo sơ kết, "
    "báo cáo tổng kết. Hồ sơ được ghi tự động khi đơn vị làm trực tuyến, khi nhập tệp dữ liệu, "
    "hoặc do trưởng cụm, khối, cán bộ cơ quan hướng dẫn ghi nhận thủ công kèm lý do. Một việc "
    "chưa làm chỉ bị tính là không thực hiện (không xét, R27) khi đã quá hạn; trước hạn là "
    "“chưa đến hạn”. Giao ước chưa được công bố thì không tính cho thành viên (trách nhiệm của "
    "trưởng cụm, khối). Tệp dữ liệu nhập vào ghi kết quả cả năm nên được tính như đã ghi."
)


def fact_state(
    *,
    fact: str,
    value: bool | None,
    source: str,
    due: date | None,
    today: date,
    pledge_published: bool,
) -> str:
    """The state of one fact on `today`: the rule of the module docstring."""
    if value:
        return DONE
    if value is False and source == Participation.Source.IMPORT:
        return MISSING
    if fact == "pledge_signed" and not pledge_published:
        return NOT_PUBLISHED
    if due is not None and today > due:
        return MISSING
    return NOT_DUE


@dataclass(frozen=True)
class Fact:
    name: str
    value: bool | None
    source: str
    due: date | None
    state: str

    @property
    def label(self) -> str:
        return FACT_LABELS[self.name]

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def source_label(self) -> str:
        return Participation.Source(self.source).label if self.source else NOT_RECORDED

    @property
    def counts_against(self) -> bool:
        return self.state == MISSING


@dataclass(frozen=True)
class Record:
    """A unit's participation record as the rule reads it on a given day."""

    membership: Membership
    facts: tuple[Fact, ...]
    confirmed_at: datetime | None
    confirmed_by: User | None

    @property
    def unit(self):
        return self.membership.unit

    def fact(self, name: str) -> Fact:
        return next(f for f in self.facts if f.name == name)

    @property
    def engine_facts(self) -> engine.Participation:
        """What the results count: only the facts that count against the unit are false."""
        return engine.Participation(**{f.name: not f.counts_against for f in self.facts})


def records(memberships: Iterable[Membership], today: date | None = None) -> dict[int, Record]:
    """Each membership's record by membership id, read by the rule on
    `today` (default: today in Asia/Ho_Chi_Minh). Two queries."""
    ids = [m.pk for m in memberships]
    if not ids:
        return {}
    today = today or timezone.localdate()
    rows = list(
        Membership.objects.filter(pk__in=ids)
        .select_related("unit", "cluster", "participation__confirmed_by")
        .annotate(
            pledge_published=Exists(
                Pledge.objects.filter(
                    cluster=OuterRef("cluster"), year=OuterRef("year"), published_at__isnull=False
                )
            )
        )
        .order_by("unit__code")
    )
    dates = {
        (d.year_id, d.calendar, d.kind): d.due_date
        for d in Deadline.objects.filter(year_id__in={row.year_id for row in rows})
    }
    found = {}
    for row in rows:
        try:
            stored = row.participation
        except Participation.DoesNotExist:
            stored = Participation(membership=row)
        facts = []
        for name in FACTS:
            value, source = getattr(stored, name), getattr(stored, f"{name}_source")
            due = dates.get((row.year_id, row.cluster.calendar, DUE_WITH[name]))
            state = fact_state(
                fact=name,
                value=value,
                source=source,
                due=due,
                today=today,
                pledge_published=row.pledge_published,
            )
            facts.append(Fact(name, value, source, due, state))
        found[row.pk] = Record(row, tuple(facts), stored.confirmed_at, stored.confirmed_by)
    return found


def participation_facts(
    memberships: Iterable[Membership], today: date | None = None
) -> dict[int, engine.Participation]:
    """R27's facts for the results, by membership id. Two queries."""
    return {pk: record.engine_facts for pk, record in records(memberships, today).items()}
