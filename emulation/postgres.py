"""PostgreSQL's timestamps read by psycopg's C loader (#17).

Django registers its own loader for `timestamptz` so that datetimes come back
in the connection's time zone: a Python subclass of psycopg's pure-Python
loader, which parses each value in Python. At the deadline peak a save reads
the unit's scores with their two dates each, and that parsing was a twentieth
of the save's CPU. Where Django's zone is UTC, as it is with USE_TZ and no
TIME_ZONE of the database, the session's time zone is UTC too (Django sets
it on connecting), and psycopg's compiled loader gives the very same
datetimes: aware, with datetime.timezone.utc. This puts that loader behind
the `timezone` attribute Django's cursors check, in the adapters template
Django builds its connections from.
"""

import datetime

from django.conf import settings


def use_compiled_timestamps() -> None:
    """For each PostgreSQL database whose zone is UTC (before any connection)."""
    from django.db import connections

    for alias, database in settings.DATABASES.items():
        if database["ENGINE"] != "django.db.backends.postgresql":
            continue  # checked by name: SQLite's start-up imports nothing of psycopg
        zone = connections[alias].timezone
        from django.db.backends.postgresql.psycopg_any import get_adapters_template, is_psycopg3

        if is_psycopg3 and zone is datetime.UTC:
            get_adapters_template(settings.USE_TZ, zone).register_loader(
                "timestamptz", _utc_loader()
            )


def _utc_loader() -> type:
    from psycopg import adapters, postgres
    from psycopg.adapt import Loader
    from psycopg.pq import Format

    # psycopg's own: the compiled class when it has its C module
    # (psycopg[binary]), else the Python one. A compiled class may not be
    # subclassed in Python, so it is wrapped.
    loader = adapters.get_loader(postgres.types["timestamptz"].oid, Format.TEXT)

    class UtcTimestamptzLoader(Loader):
        timezone = datetime.UTC  # what Django's cursors compare with theirs

        def __init__(self, oid: int, context=None) -> None:
            super().__init__(oid, context)
            self.load = loader(oid, context).load  # called as it is, in C

        def load(self, data):  # replaced on each instance; the class must define it
            raise NotImplementedError

    return UtcTimestamptzLoader
