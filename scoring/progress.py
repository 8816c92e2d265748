"""The year's items and who has done them (R5–R10, R14).

`items()` is the one place that decides whether an item of the year is done
for a unit, or, for the head's items, for its cluster. The "Việc cần làm"
page, the navigation bar's count and the reminders (scoring.reminders) all
read it, with a fixed number of queries whatever the number of units or
clusters. The items themselves (labels, deadlines, pages) are the
organisation's, in clusters.progress; they are decided here because two of
them are scoring's records: the self-scoring sheet (with the agreement that
locks it, R11) and the issued scorecard that comes with the regulation (R7).

A pledge dated by a conference has no `Deadline` row; R14's reminders of it
are counted from that conference's day.

A conference counts only inside the month the seed places it in
(`deadlines.window_opens`, R8, R9): held before, it is early ("sớm") and not
done; held after its date, it is done but late ("muộn").
"""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse

from clusters import deadlines, extensions
from clusters.models import (
    Cluster,
    ClusterReport,
    Conference,
    Deadline,
    EmulationYear,
    HeadDocument,
    Membership,
    Participation,
    Pledge,
    Report,
)
from clusters.participation import pledge_due_on
from clusters.progress import (
    CLUSTER_ANNUAL_REPORT,
    CLUSTER_MID_YEAR_REPORT,
    DUE_WITH,
    FOLLOW_PAGES,
    HEAD_ITEMS,
    ITEM_LABELS,
    ITEM_PAGES,
    ORDER,
    PLEDGE,
    SHEET,
)
from emulation.models import User
from scoring.models import ScoreAgreement, Scorecard, Sheet

DONE = "done"
TODO = "todo"
LATE = "late"
# The self-scoring sheet once the cluster's scores are agreed: locked as it stands (R11).
AGREED = "agreed"
# A conference held before the month the seed places it in: not done (R8, R9).
EARLY = "early"
# A conference held after its date: done, late.
HELD_LATE = "held_late"
STATUS_LABELS = {
    DONE: "Đã xong",
    TODO: "Chưa làm",
    LATE: "Quá hạn",
    EARLY: "Tổ chức sớm, trước tháng quy định",
    HELD_LATE: "Tổ chức muộn, sau hạn",
    AGREED: ScoreAgreement.LOCKED_LABEL,
}


def days_text(days: int) -> str:
    """Days to a due date the way people say it: "còn 12 ngày", "quá hạn 3 ngày"."""
    if days > 0:
        return f"còn {days} ngày"
    if days == 0:
        return "hôm nay là hạn cuối"
    return f"quá hạn {-days} ngày"


@dataclass(frozen=True)
class Item:
    """One thing a unit answers for in its year. The head's items (R5, R7–R9)
    belong to the head's membership: the cluster's leading unit."""

    kind: str
    membership: Membership
    deadline: Deadline | None
    done: bool
    agreed: bool = False
    # The pledge's conference day, when one dates it (`deadline` is then None).
    due_on: date | None = None
    # A conference's day, once held (R8, R9).
    held_on: date | None = None
    # An extension of the deadline for this unit or its cluster, and why (#14).
    extended_to: date | None = None
    extension_reason: str = ""

    @property
    def label(self) -> str:
        return ITEM_LABELS[self.kind]

    @property
    def original_due(self) -> date | None:
        """The date before any extension."""
        if self.due_on is not None:
            return self.due_on
        return self.deadline.due_date if self.deadline else None

    @property
    def is_extended(self) -> bool:
        due = self.original_due
        return self.extended_to is not None and due is not None and self.extended_to > due

    @property
    def is_head_item(self) -> bool:
        return self.kind in HEAD_ITEMS

    @property
    def url(self) -> str:
        """The page where the item is done."""
        name, of_cluster = ITEM_PAGES[self.kind]
        year = self.membership.year.year
        return reverse(name, args=[self.membership.cluster.code, year] if of_cluster else [year])

    @property
    def due_date(self) -> date | None:
        """The date the unit is held to: its extension's when it has one."""
        return self.extended_to if self.is_extended else self.original_due

    @property
    def timing(self) -> str | None:
        """EARLY or HELD_LATE for a conference held outside its window, else None.
        An extension moves the end of the window, not its start."""
        due = self.due_date
        if self.held_on is None or due is None:
            return None
        opens = deadlines.window_opens(self.kind, self.original_due)
        if opens is not None and self.held_on < opens:
            return EARLY
        return HELD_LATE if self.held_on > due else None

    def days_left(self, today: date) -> int | None:
        due = self.due_date
        return None if due is None else (due - today).days

    def status(self, today: date) -> str:
        if self.agreed:
            return AGREED
        if self.done:
            return self.timing or DONE
        if self.timing == EARLY:
            return EARLY
        days = self.days_left(today)
        return LATE if days is not None and days < 0 else TODO


@dataclass(frozen=True)
class Line:
    """An item as the todo page shows it on a given day."""

    item: Item
    status: str
    status_label: str
    days: str

    @property
    def open(self) -> bool:
        """Still to do: not done, or held too early to count."""
        return self.status in (TODO, LATE, EARLY)

    @classmethod
    def of(cls, item: Item, today: date) -> "Line":
        status = item.status(today)
        days = item.days_left(today)
        text = "" if status in (DONE, AGREED, HELD_LATE) or days is None else days_text(days)
        return cls(item, status, STATUS_LABELS[status], text)


def _annotated(memberships: QuerySet[Membership], today: date) -> QuerySet[Membership]:
    """The memberships with every fact an item needs: one query."""
    own = {"membership": OuterRef("pk")}
    cluster_year = {"cluster": OuterRef("cluster"), "year": OuterRef("year")}

    def held_on(kind: str) -> Subquery:
        # A conference recorded ahead of its day is planned, not yet held.
        held = Conference.objects.filter(**cluster_year, kind=kind, held_on__lte=today)
        return Subquery(held.values("held_on")[:1])

    return memberships.select_related("unit", "cluster", "year").annotate(
        # The member's facts are those of its one participation record (R27,
        # clusters.participation), whatever wrote them: online work, an
        # import or an entry by hand.
        has_registration=Exists(Participation.objects.filter(**own, registered=True)),
        pledge_published=Exists(Pledge.objects.filter(**cluster_year, published_at__isnull=False)),
        pledge_due=pledge_due_on(),
        has_pledge=Exists(Participation.objects.filter(**own, pledge_signed=True)),
        has_mid_year_report=Exists(Participation.objects.filter(**own, mid_year_report=True)),
        has_annual_report=Exists(Participation.objects.filter(**own, annual_report=True)),
        scorecard_issued=Exists(Scorecard.objects.issued().filter(**cluster_year)),
        has_sheet=Exists(Sheet.objects.filter(**own, status=Sheet.Status.SUBMITTED)),
        scores_agreed=Exists(
            ScoreAgreement.objects.filter(**cluster_year, agreed_at__isnull=False)
        ),
        has_programme=Exists(
            HeadDocument.objects.filter(**cluster_year, kind=HeadDocument.Kind.PROGRAMME)
        ),
        has_regulation=Exists(
            HeadDocument.objects.filter(**cluster_year, kind=HeadDocument.Kind.REGULATION)
        ),
        sent_cluster_mid_year_report=Exists(
            ClusterReport.objects.filter(**cluster_year, kind=Report.Kind.MID_YEAR)
        ),
        sent_cluster_annual_report=Exists(
            ClusterReport.objects.filter(**cluster_year, kind=Report.Kind.ANNUAL)
        ),
        mid_year_held_on=held_on(Conference.Kind.MID_YEAR),
        annual_held_on=held_on(Conference.Kind.ANNUAL),
    )


def _facts(m: Membership) -> dict[str, bool | None]:
    """Item → done, for the items that apply to the membership (None: not applicable)."""
    facts: dict[str, bool | None] = {
        deadlines.REGISTRATION: m.has_registration,
        PLEDGE: m.has_pledge if m.pledge_published else None,
        deadlines.MID_YEAR_REPORT: m.has_mid_year_report,
        deadlines.ANNUAL_REPORT: m.has_annual_report,
        # Agreed scores close the sheet, submitted or not (R11).
        SHEET: (m.has_sheet or m.scores_agreed) if m.scorecard_issued else None,
    }
    if m.role == Membership.Role.HEAD:
        facts |= {
            deadlines.PROGRAMME: m.has_programme,
            # R7: the regulation is issued together with the approved scorecard (R18).
            deadlines.REGULATION: m.has_regulation and m.scorecard_issued,
            deadlines.MID_YEAR_CONFERENCE: m.mid_year_held_on is not None,
            deadlines.ANNUAL_CONFERENCE: m.annual_held_on is not None,
            CLUSTER_MID_YEAR_REPORT: m.sent_cluster_mid_year_report,
            CLUSTER_ANNUAL_REPORT: m.sent_cluster_annual_report,
        }
    return facts


def items(
    year: EmulationYear, today: date, *, memberships: QuerySet[Membership] | None = None
) -> list[Item]:
    """Every item of the year for `memberships` (all of the year's by default),
    done or not, by due date, each extension applied. Three queries."""
    if memberships is None:
        memberships = Membership.objects.all()
    dated = {(d.calendar, d.kind): d for d in Deadline.objects.filter(year=year)}
    extended = extensions.table([year.pk])
    found = [
        item
        for m in _annotated(memberships.filter(year=year), today)
        for item in _items_of(m, m, m.cluster.calendar, dated, extended)
    ]
    found.sort(key=lambda i: (i.due_date or date.max, ORDER.index(i.kind), i.membership.unit.code))
    return found


def _items_of(
    m, membership: Membership | None, calendar: str, dated: dict, extended: extensions.Table
) -> Iterator[Item]:
    """The items that apply to one membership, `m` carrying `_annotated`'s facts
    (the membership itself, or `_Facts` of its values)."""
    for kind, done in _facts(m).items():
        if done is None:
            continue
        deadline = dated.get((calendar, DUE_WITH[kind]))
        due_on = m.pledge_due if kind == PLEDGE else None
        granted = (
            extended.extension(deadline.pk, m.cluster_id, m.pk)
            if deadline is not None and not due_on
            else None
        )
        item = Item(
            kind,
            membership,
            None if due_on else deadline,
            bool(done),
            agreed=kind == SHEET and m.scores_agreed,
            due_on=due_on,
            held_on={
                deadlines.MID_YEAR_CONFERENCE: m.mid_year_held_on,
                deadlines.ANNUAL_CONFERENCE: m.annual_held_on,
            }.get(kind),
            extended_to=granted.due_date if granted else None,
            extension_reason=granted.reason if granted else "",
        )
        # Held before its month, a conference does not count (R8, R9).
        yield replace(item, done=False) if item.timing == EARLY else item


class _Facts:
    """A membership's `_annotated` facts read as values, without building the
    membership, its unit, cluster and year (the staff's count, #17)."""

    def __init__(self, row: dict) -> None:
        self.__dict__.update(row)


def overdue_count(year: EmulationYear, today: date, clusters: QuerySet[Cluster]) -> int:
    """`overdue_cells(cluster_tallies(…))`, what the bar shows the staff, from
    the same items but read as values and never sorted nor linked. Three queries."""
    dated = {(d.calendar, d.kind): d for d in Deadline.objects.filter(year=year)}
    extended = extensions.table([year.pk])
    annotated = _annotated(Membership.objects.filter(year=year, cluster__in=clusters), today)
    late = set()
    for row in annotated.values(
        "pk", "cluster_id", "role", "cluster__calendar", *annotated.query.annotations
    ):
        m = _Facts(row)
        for item in _items_of(m, None, m.cluster__calendar, dated, extended):
            if item.status(today) == LATE:
                late.add((m.cluster_id, item.kind))
    return len(late)


def outstanding(
    year: EmulationYear, today: date, *, memberships: QuerySet[Membership] | None = None
) -> list[Item]:
    """The items of the year not done yet that have a due date (a deadline's,
    or the pledge's conference day): what reminders are about."""
    return [i for i in items(year, today, memberships=memberships) if not i.done and i.due_date]


def unit_lines(membership: Membership, today: date) -> list[Line]:
    """A unit's own items, and the cluster's items when it leads it (head, or
    deputy acting for the head: R3)."""
    wanted = Q(pk=membership.pk)
    if membership.leads:
        wanted |= Q(cluster_id=membership.cluster_id, role=Membership.Role.HEAD)
    mine = [
        i
        for i in items(membership.year, today, memberships=Membership.objects.filter(wanted))
        if i.membership.pk == membership.pk or i.is_head_item
    ]
    lines = [Line.of(i, today) for i in mine]
    # Overdue first (the oldest first), then the rest by due date (#15).
    return sorted(lines, key=lambda line: line.status != LATE)


def open_count(user: User, year: EmulationYear | None, today: date) -> int:
    """What the navigation bar counts on "Việc cần làm": a unit's items still
    to do; for the staff, the items overdue in the clusters they follow."""
    if year is None:
        return 0
    if user.is_superuser or user.is_authority_staff:
        return overdue_count(year, today, Cluster.objects.visible_to(user))
    membership = Membership.objects.of_user(user, year) if user.unit_id else None
    if membership is None:
        return 0
    return open_lines(unit_lines(membership, today))


def open_lines(lines: list["Line"]) -> int:
    return sum(line.open for line in lines)


def overdue_cells(rows: list[tuple]) -> int:
    """Rows of (cluster, tallies, …): the cells of overdue items."""
    return sum(1 for row in rows for tally in row[1] if tally and tally.overdue)


@dataclass(frozen=True)
class Tally:
    """How many of a cluster's responsible units have done one item."""

    kind: str
    due_date: date | None
    done: int
    total: int
    overdue: bool
    # Conferences held before their month (R8, R9): not counted as done.
    early: int = 0
    # The cluster's page where the staff follow the item.
    url: str = ""

    @property
    def label(self) -> str:
        return ITEM_LABELS[self.kind]

    @property
    def not_done(self) -> int:
        return self.total - self.done


def cluster_tallies(
    year: EmulationYear, today: date, clusters: QuerySet[Cluster]
) -> list[tuple[Cluster, list[Tally | None]]]:
    """Per cluster with members in the year: for each item of ORDER, the
    counts of units done and not done (None where the item does not apply
    yet). Four queries."""
    counts: dict[tuple[int, str], list] = defaultdict(lambda: [None, 0, 0, 0, 0])
    memberships = Membership.objects.filter(cluster__in=clusters)
    for item in items(year, today, memberships=memberships):
        entry = counts[(item.membership.cluster_id, item.kind)]
        entry[0] = item.original_due
        entry[1] += item.done
        entry[2] += 1
        entry[3] += item.timing == EARLY
        # An extended unit is not late before its new date (#14).
        entry[4] += item.status(today) == LATE
    rows = []
    for cluster in clusters.select_related("authority").order_by("code"):
        row = []
        for kind in ORDER:
            if (cluster.pk, kind) not in counts:
                row.append(None)
                continue
            due, done, total, early, late = counts[(cluster.pk, kind)]
            follow = reverse(FOLLOW_PAGES[kind], args=[cluster.code, year.year])
            row.append(Tally(kind, due, done, total, late > 0, early, follow))
        if any(row):
            rows.append((cluster, row))
    return rows
