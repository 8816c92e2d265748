"""Django's database sessions, with the read every request makes written as
one plain statement (#17): at the deadline peak a save's session lookup built
through the ORM cost about a tenth of the save's CPU. Same table, same expiry,
same decoding and writes as django.contrib.sessions.backends.db: a session
ends on logout or expiry for every worker at once, which a per-process cache
(cached_db without a shared cache) or signed cookies (valid until they expire,
even after logout) would not give."""

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        model = self.model
        connection = connections[router.db_for_read(model)]
        table = connection.ops.quote_name(model._meta.db_table)
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT session_data FROM {table} WHERE session_key = %s AND expire_date > %s",
                [self.session_key, now],
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return model(session_key=self.session_key, session_data=row[0])
