"""Extensions of a deadline for one unit or a whole cluster (#14): the date
each reader compares a unit's work with.

One query reads a year's active extensions into a `Table`; `Table.due` then
answers, for a deadline, a cluster and a unit, the latest of the deadline's
own date, the cluster's extension and the unit's. An extension never brings
a date forward.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from operator import attrgetter

from clusters.models import Deadline, Extension

Key = tuple[int, int, int | None]  # (deadline, cluster, membership or None for the cluster)


@dataclass(frozen=True)
class Granted:
    """An active extension's new date and why it was given."""

    due_date: date
    reason: str


@dataclass(frozen=True)
class Table:
    granted: dict[Key, Granted] = field(default_factory=dict)

    def extension(
        self, deadline_id: int, cluster_id: int, membership_id: int | None
    ) -> Granted | None:
        """The unit's active extension that goes furthest (its own or its cluster's), if any."""
        found = [
            self.granted.get((deadline_id, cluster_id, None)),
            self.granted.get((deadline_id, cluster_id, membership_id))
            if membership_id is not None
            else None,
        ]
        found = [g for g in found if g is not None]
        return max(found, key=attrgetter("due_date")) if found else None

    def extended(self, deadline_id: int, cluster_id: int, membership_id: int | None) -> date | None:
        """The latest active extension's date for the unit (its own or its cluster's), if any."""
        found = self.extension(deadline_id, cluster_id, membership_id)
        return found.due_date if found else None

    def due(self, deadline: Deadline | None, cluster_id: int, membership_id: int | None):
        """The date the unit's work is compared with: the deadline's, or its extension's."""
        if deadline is None:
            return None
        extended = self.extended(deadline.pk, cluster_id, membership_id)
        return max(deadline.due_date, extended) if extended else deadline.due_date


def table(year_ids: Iterable[int], clusters: Iterable[int] | None = None) -> Table:
    """The active extensions of the years (of the clusters, when given). One query."""
    found = Extension.objects.active().filter(year_id__in=list(year_ids))
    if clusters is not None:
        found = found.filter(cluster_id__in=list(clusters))
    rows = found.values_list("deadline_id", "cluster_id", "membership_id", "due_date", "reason")
    return Table({(d, c, m): Granted(due, reason) for d, c, m, due, reason in rows})
