"""Which year a person is working in, and which years they can switch to (#14).

A cluster's emulation year runs until its annual conference (R9): the end of
December for a calendar year, the end of June of the next year for a school
year (R4). So in February 2026 a block of schools is still in its year 2025
("năm học 2025–2026") while the clusters of districts have begun 2026. The
year "in progress" for a cluster is the oldest of its years whose annual
conference is not past; when all are past, its newest year. Home pages open
on it, not on the newest year the system holds.
"""

from collections.abc import Iterable
from datetime import date

from django.db.models import QuerySet

from clusters import deadlines
from clusters.models import Cluster, Deadline, EmulationYear, Membership

Pair = tuple[int, str]  # (year, calendar)


def label(year: int, calendar: str) -> str:
    """How people name the year: "2025", or "2025–2026" for a school year."""
    return f"{year}–{year + 1}" if calendar == deadlines.EDUCATION else str(year)


def long_label(year: int, calendar: str) -> str:
    """ "năm 2025", "năm học 2025–2026"."""
    return f"năm học {label(year, calendar)}" if calendar == deadlines.EDUCATION else f"năm {year}"


def year_end(year: int, calendar: str, ends: dict[Pair, date]) -> date:
    """The day the year's annual conference is due (R9): its `Deadline` row
    when the year has one, else the default."""
    found = ends.get((year, calendar))
    return found or deadlines.default_deadlines(year, calendar)[deadlines.ANNUAL_CONFERENCE]


def in_progress(pairs: Iterable[Pair], today: date, ends: dict[Pair, date]) -> int | None:
    """The year in progress among `pairs`: the oldest not yet ended, else the newest."""
    pairs = list(pairs)
    if not pairs:
        return None
    running = [y for y, calendar in pairs if year_end(y, calendar, ends) >= today]
    return min(running) if running else max(y for y, _ in pairs)


def annual_conference_dates() -> dict[Pair, date]:
    """Every year's annual conference due date per calendar. One query."""
    rows = Deadline.objects.filter(kind=deadlines.ANNUAL_CONFERENCE).values_list(
        "year__year", "calendar", "due_date"
    )
    return {(year, calendar): due for year, calendar, due in rows}


def _pairs(memberships: QuerySet[Membership]) -> list[tuple[int, int, str, int]]:
    """(cluster id, year, calendar, year id) of the memberships. One query."""
    return list(
        memberships.values_list("cluster_id", "year__year", "cluster__calendar", "year_id")
        .distinct()
        .order_by()
    )


def _years(rows) -> dict[int, EmulationYear]:
    """The years named by `_pairs` rows, without querying them again."""
    return {year: EmulationYear(pk=pk, year=year) for _, year, _, pk in rows}


def cluster_years(clusters: QuerySet[Cluster], today: date) -> dict[int, EmulationYear]:
    """Each cluster with members in some year → its year in progress. Two queries."""
    rows = _pairs(Membership.objects.filter(cluster__in=clusters))
    found: dict[int, list[Pair]] = {}
    for cluster_id, year, calendar, _ in rows:
        found.setdefault(cluster_id, []).append((year, calendar))
    ends, known = annual_conference_dates(), _years(rows)
    return {pk: known[in_progress(pairs, today, ends)] for pk, pairs in found.items()}


def shown_years(
    clusters: QuerySet[Cluster], year: EmulationYear | None, today: date
) -> list[tuple[EmulationYear, list[int]]]:
    """The chosen year for every cluster, or each cluster's year in progress:
    (year, its clusters' ids), by year."""
    if year is not None:
        return [(year, list(clusters.values_list("pk", flat=True)))]
    by_year: dict[int, tuple[EmulationYear, list[int]]] = {}
    for pk, emulation_year in cluster_years(clusters, today).items():
        by_year.setdefault(emulation_year.year, (emulation_year, []))[1].append(pk)
    return [by_year[number] for number in sorted(by_year)]


def default_year(user, today: date) -> EmulationYear | None:
    """The year a person's pages open on: for a unit, the year in progress of
    its memberships; for staff, the newest of their clusters' years in
    progress (each cluster shows its own on the home page); the newest year
    when there is none."""
    if user.unit_id and not (user.is_superuser or user.is_authority_staff):
        rows = _pairs(Membership.objects.filter(unit_id=user.unit_id))
        chosen = in_progress([(y, c) for _, y, c, _ in rows], today, annual_conference_dates())
        found = _years(rows).get(chosen)
    else:
        current = cluster_years(Cluster.objects.visible_to(user), today).values()
        found = max(current, key=lambda y: y.year, default=None)
    return found or EmulationYear.objects.current()


def viewer_years(user, code: str | None = None) -> list[tuple[int, str]]:
    """The years `user` can switch to, with their labels: a cluster's years
    (for a unit, those its unit was a member of it); without a cluster, the
    unit's years, or the years of the staff's clusters (every year for Sở
    Nội vụ and superusers). One or two queries."""
    staff = user.is_superuser or user.is_authority_staff
    if staff and code is None and (user.is_superuser or user.is_provincial_staff):
        every = EmulationYear.objects.order_by("year").values_list("year", flat=True)
        return [(year, str(year)) for year in every]
    memberships = Membership.objects.all()
    if code is not None:
        memberships = memberships.filter(cluster__code=code)
    if not staff:
        memberships = memberships.filter(unit_id=user.unit_id)
    elif code is None:
        memberships = memberships.filter(cluster__in=Cluster.objects.visible_to(user))
    calendars: dict[int, set[str]] = {}
    for _, year, calendar, _ in _pairs(memberships):
        calendars.setdefault(year, set()).add(calendar)
    return [
        (year, label(year, next(iter(cals))) if len(cals) == 1 else str(year))
        for year, cals in sorted(calendars.items())
    ]
