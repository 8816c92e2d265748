"""bench/peak.py's load code, a few seconds against the live server, so the
deadline-peak benchmark cannot rot between runs."""

import threading

import pytest

from bench import peak


@pytest.fixture
def server(live_server):
    """The live server, one request at a time on SQLite: pytest-django gives
    its request threads one shared in-memory connection, whose transactions
    would interleave (the benchmark itself runs gunicorn on PostgreSQL)."""
    from django.db import connection

    httpd = live_server.thread.httpd
    app, lock = httpd.get_app(), threading.Lock()

    def serial(environ, start_response):
        with lock:
            return app(environ, start_response)

    if connection.vendor == "sqlite":
        httpd.set_app(serial)
    try:
        yield live_server
    finally:
        httpd.set_app(app)


@pytest.mark.django_db(transaction=True)
def test_peak_load_saves_every_value_it_reports(server):
    document = peak.province_document(1, 5, seed=7)
    members = peak.prepare(document)
    load = peak.Load(
        base_url=server.url,
        year=document["year"],
        password=peak.PASSWORD,
        duration=3.0,
        think=(0.05, 0.3),
        timeout=20.0,
    )

    report = peak.run_load(members, load, processes=2, logins=2)
    checked, lost = peak.verify(members, report.saved)

    assert report.sessions == 5
    assert report.saves >= 10
    assert report.error_count == 0, report.samples
    assert checked > 0
    assert lost == []
