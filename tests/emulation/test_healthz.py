"""The compose healthcheck of `web` must pass on a production server: plain
HTTP from inside the container, to 127.0.0.1, with DEBUG off, the HTTPS
redirect on and ALLOWED_HOSTS holding only the real domain (issue #12)."""

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from django.db import DatabaseError

ROOT = Path(__file__).resolve().parents[2]


def _healthcheck_url() -> str:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text("utf-8"))
    command = " ".join(compose["services"]["web"]["healthcheck"]["test"])
    return re.search(r"http://[^'\" )]+", command).group(0)


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["thidua.bacgiang.gov.vn"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


@pytest.mark.django_db
def test_the_compose_healthcheck_url_answers_ok_in_production(client, production):
    url = urlsplit(_healthcheck_url())
    response = client.get(url.path, HTTP_HOST=url.netloc)
    assert response.status_code == 200
    assert response.content == b"ok"


@pytest.mark.django_db
def test_health_answers_503_when_the_database_is_down(client, production, monkeypatch):
    from django.db import connection

    def down(*args, **kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr(connection, "cursor", down)
    response = client.get(urlsplit(_healthcheck_url()).path, HTTP_HOST="127.0.0.1:8000")
    assert response.status_code == 503


@pytest.mark.django_db
def test_other_pages_still_redirect_and_check_the_host(client, production):
    assert client.get("/dang-nhap/", HTTP_HOST="thidua.bacgiang.gov.vn").status_code == 301
    assert client.get("/dang-nhap/", HTTP_HOST="127.0.0.1:8000").status_code == 400
