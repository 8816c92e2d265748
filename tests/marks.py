"""The few tests that need more than SQLite: they run wherever `make test` finds
PostgreSQL and Redis (our machines and CI), and say why they skip elsewhere."""

import os

import pytest
from django.db import connection

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite takes no row locks, cannot be shared with a worker process and has no "
    "server to prepare statements on: this needs PostgreSQL, which make test uses when one "
    "answers on 127.0.0.1:5432 (or set DATABASE_URL=postgres://…); CI always runs it",
)

needs_redis = pytest.mark.skipif(
    not os.environ.get("REDIS_URL"),
    reason="no Redis broker: make test uses one when it answers on 127.0.0.1:6379 "
    "(or set REDIS_URL=redis://…); CI always runs it",
)
