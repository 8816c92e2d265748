"""Every write to the organisation models that touches several rows."""

from django.db import transaction

from clusters import deadlines
from clusters.models import Cluster, Deadline, EmulationYear


@transaction.atomic
def year_create(*, year: int) -> EmulationYear:
    """The emulation year with its R5–R10 default deadlines for both calendars.

    Idempotent: an existing year keeps the dates staff may have changed.
    """
    emulation_year, _ = EmulationYear.objects.get_or_create(year=year)
    for calendar in Cluster.Calendar.values:
        for kind, due in deadlines.default_deadlines(year, calendar).items():
            Deadline.objects.get_or_create(
                year=emulation_year, calendar=calendar, kind=kind, defaults={"due_date": due}
            )
    return emulation_year
