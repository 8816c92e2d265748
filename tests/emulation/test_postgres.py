"""PostgreSQL's timestamps read by psycopg's compiled loader (#17)."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from emulation.models import User
from tests.marks import needs_postgres

pytestmark = [pytest.mark.django_db, needs_postgres]

UTC = datetime.UTC


def _loader():
    import psycopg
    from psycopg.pq import Format

    oid = psycopg.postgres.types["timestamptz"].oid
    with connection.cursor() as cursor:
        return cursor.cursor.adapters.get_loader(oid, Format.TEXT)(oid, cursor.cursor)


def test_timestamps_are_parsed_by_psycopgs_own_loader():
    import psycopg
    from psycopg.pq import Format

    own = psycopg.adapters.get_loader(psycopg.postgres.types["timestamptz"].oid, Format.TEXT)
    assert type(_loader().load.__self__) is own


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-04 05:06:07.123456+07", datetime.datetime(2026, 3, 3, 22, 6, 7, 123456, UTC)),
        ("2026-12-31 23:59:59+00", datetime.datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC)),
        ("0001-01-01 00:00:00+00", datetime.datetime(1, 1, 1, tzinfo=UTC)),
    ],
)
def test_a_timestamp_reads_as_django_reads_it(text, expected):
    from django.db.backends.postgresql.psycopg_any import BaseTzLoader

    read = _loader().load(text.encode())
    assert read == expected and read.tzinfo is UTC
    django_own = type("Utc", (BaseTzLoader,), {"timezone": UTC})(1184, None)
    assert django_own.load(text.encode()) == read


def test_a_stored_date_comes_back_the_same_and_aware():
    joined = timezone.now()
    user = User.objects.create(username="ngay-tham-gia", date_joined=joined)
    with connection.cursor() as cursor:
        cursor.execute("SELECT date_joined FROM emulation_user WHERE id = %s", [user.pk])
        (read,) = cursor.fetchone()
    assert read == joined and read.tzinfo is UTC
    assert User.objects.get(pk=user.pk).date_joined == joined
