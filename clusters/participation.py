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
4. Its deadline has passed (the registration's for the registration, R10's
   for the reports, the pledge's own for the pledge: `pledge_due_on`):
   counts against the unit.
5. Otherwise: "chưa đến hạn", not counted yet. A year without dates has no
   deadline that could have passed.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.utils import timezone

from clusters import deadlines, extensions
from clusters.models import Conference, Deadline, Membership, Participation, Pledge
from emulation.models import User
from scoring import engine

FACTS = Participation.FACTS
FACT_LABELS = {
    "registered": "Đăng ký thi đua",
    "pledge_signed": "Ký giao ước thi đua",
    "mid_year_report": "Báo cáo sơ kết 6 tháng",
    "annual_report": "Báo cáo tổng kết năm",
}
# Fact → the kind of the deadline it is due by (as `progress.DUE_WITH`); the
# pledge only when no conference dates it (`pledge_due_on`).
DUE_WITH = {
    "registered": deadlines.REGISTRATION,
    "pledge_signed": deadlines.REGISTRATION,
    "mid_year_report": deadlines.MID_YEAR_REPORT,
    "annual_report": deadlines.ANNUAL_REPORT,
}


def pledge_due_on() -> Subquery:
    """For a queryset of memberships: the day the year's pledge is signed, when
    the product knows it.

    The seed signs the pledge at a conference, not by a date: the head
    "Tổ chức ký kết giao ước thi đua giữa các đơn vị thành viên trong cụm,
    khối thi đua (vào dịp tổng kết công tác thi đua, khen thưởng hằng năm)"
    [I.2.2], and the annual conference does "Ký kết giao ước và phát động thi
    đua năm tiếp theo" [I.3.2.b]. So year N's pledge is due on the day of the
    cluster's annual conference of year N − 1, when it is recorded (planned
    or held). The product has no separate launch (phát động) conference: the
    launch is that same conference. Without it (a cluster's first year in the
    product) the fallback is the registration's deadline (R6), since a member
    "Ký giao ước và đăng ký tham gia thi đua" together [I.2.3].
    """
    return Subquery(
        Conference.objects.filter(
            cluster=OuterRef("cluster"),
            year__year=OuterRef("year__year") - 1,
            kind=Conference.Kind.ANNUAL,
        ).values("held_on")[:1]
    )


def fact_due(fact: str, *, dates: dict[str, date], pledge_due: date | None) -> date | None:
    """The due date of one fact: the pledge's conference day when known, else
    its deadline kind's date (`DUE_WITH`)."""
    if fact == "pledge_signed" and pledge_due is not None:
        return pledge_due
    return dates.get(DUE_WITH[fact])


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
    "chưa làm chỉ bị tính là không thực hiện (không xét) khi đã quá hạn; trước hạn là "
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
        return _counted(self.facts)


def _counted(facts: Iterable["Fact"]) -> engine.Participation:
    return engine.Participation(**{f.name: not f.counts_against for f in facts})


def records(memberships: Iterable[Membership], today: date | None = None) -> dict[int, Record]:
    """Each membership's record by membership id, read by the rule on
    `today` (default: today in Asia/Ho_Chi_Minh). Three queries."""
    ids = [m.pk for m in memberships]
    if not ids:
        return {}
    today = today or timezone.localdate()
    rows = list(
        _with_pledge(Membership.objects.filter(pk__in=ids))
        .select_related("unit", "cluster", "participation__confirmed_by")
        .order_by("unit__code")
    )
    due_dates = _due_dates({row.year_id for row in rows})
    found = {}
    for row in rows:
        try:
            stored = row.participation
        except Participation.DoesNotExist:
            stored = Participation(membership=row)
        values = {name: getattr(stored, name) for name in FACTS}
        sources = {name: getattr(stored, f"{name}_source") for name in FACTS}
        dates = due_dates(row.year_id, row.cluster.calendar, row.cluster_id, row.pk)
        facts = _facts(values, sources, dates, row.pledge_due, row.pledge_published, today)
        found[row.pk] = Record(row, facts, stored.confirmed_at, stored.confirmed_by)
    return found


def participation_facts(
    memberships: Iterable[Membership], today: date | None = None
) -> dict[int, engine.Participation]:
    """R27's facts for the results, by membership id: `records`' read as
    values, without building the memberships and their records (#17). Three
    queries."""
    ids = [m.pk for m in memberships]
    if not ids:
        return {}
    today = today or timezone.localdate()
    stored = [f"participation__{name}{suffix}" for name in FACTS for suffix in ("", "_source")]
    rows = list(
        _with_pledge(Membership.objects.filter(pk__in=ids)).values_list(
            "pk", "year_id", "cluster_id", "cluster__calendar", "pledge_due", "pledge_published",
            *stored,
        )
    )  # fmt: skip
    due_dates = _due_dates({row[1] for row in rows})
    found = {}
    for pk, year_id, cluster_id, calendar, pledge_due, pledge_published, *figures in rows:
        values = dict(zip(FACTS, figures[::2], strict=True))
        sources = {name: source or "" for name, source in zip(FACTS, figures[1::2], strict=True)}
        dates = due_dates(year_id, calendar, cluster_id, pk)
        facts = _facts(values, sources, dates, pledge_due, pledge_published, today)
        found[pk] = _counted(facts)
    return found


def _with_pledge(memberships: QuerySet[Membership]) -> QuerySet[Membership]:
    return memberships.annotate(
        pledge_published=Exists(
            Pledge.objects.filter(
                cluster=OuterRef("cluster"), year=OuterRef("year"), published_at__isnull=False
            )
        ),
        pledge_due=pledge_due_on(),
    )


def _due_dates(year_ids: set[int]) -> Callable[[int, str, int, int], dict[str, date]]:
    """(year, calendar, cluster, membership) → each deadline kind's date for
    the unit, its extension applied (#14). Two queries."""
    dated: dict[tuple[int, str], list[Deadline]] = {}
    for d in Deadline.objects.filter(year_id__in=year_ids):
        dated.setdefault((d.year_id, d.calendar), []).append(d)
    extended = extensions.table(year_ids)

    def due_dates(year_id: int, calendar: str, cluster_id: int, membership_id: int):
        return {
            d.kind: extended.due(d, cluster_id, membership_id)
            for d in dated.get((year_id, calendar), [])
        }

    return due_dates


def _facts(
    values: dict[str, bool | None],
    sources: dict[str, str],
    dates: dict[str, date],
    pledge_due: date | None,
    pledge_published: bool,
    today: date,
) -> tuple[Fact, ...]:
    facts = []
    for name in FACTS:
        due = fact_due(name, dates=dates, pledge_due=pledge_due)
        state = fact_state(
            fact=name,
            value=values[name],
            source=sources[name],
            due=due,
            today=today,
            pledge_published=pledge_published,
        )
        facts.append(Fact(name, values[name], sources[name], due, state))
    return tuple(facts)
