import os
import subprocess
import sys
from pathlib import Path

import pytest

from emulation.env import ImproperlyConfiguredEnv, database_from_url, env_bool, env_int, env_list

ROOT = Path(__file__).resolve().parents[2]


def test_database_url_sqlite_relative_and_absolute():
    assert database_from_url("sqlite:///db.sqlite3", ROOT)["NAME"] == str(ROOT / "db.sqlite3")
    assert database_from_url("sqlite:////tmp/x.sqlite3", ROOT)["NAME"] == "/tmp/x.sqlite3"


def test_database_url_postgres():
    db = database_from_url("postgres://thidua:m%40t@db.local:5433/thidua?sslmode=require", ROOT)
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["USER"], db["PASSWORD"], db["HOST"], db["PORT"], db["NAME"]) == (
        "thidua",
        "m@t",
        "db.local",
        "5433",
        "thidua",
    )
    assert db["OPTIONS"] == {
        "sslmode": "require",
        "server_side_binding": True,
        "prepare_threshold": 5,
    }


def test_database_url_postgres_prepared_statements_can_be_turned_off():
    """Behind a pooler that cannot keep prepared statements (#17)."""
    db = database_from_url("postgres://db.local/thidua?prepare_threshold=none", ROOT)
    assert db["OPTIONS"] == {"server_side_binding": True, "prepare_threshold": None}
    db = database_from_url(
        "postgres://db.local/thidua?server_side_binding=off&prepare_threshold=2", ROOT
    )
    assert db["OPTIONS"] == {"server_side_binding": False, "prepare_threshold": 2}


@pytest.mark.parametrize(
    "query", ["prepare_threshold=five", "server_side_binding=maybe", "prepare_threshold=1.5"]
)
def test_database_url_postgres_refuses_a_bad_option(query):
    with pytest.raises(ImproperlyConfiguredEnv, match=query.partition("=")[0]):
        database_from_url(f"postgres://db.local/thidua?{query}", ROOT)


@pytest.mark.parametrize(
    "url", ["mysql://x/y", "postgres://host:notaport/db", "postgres://host/", "sqlite://"]
)
def test_bad_database_url_fails_loudly(url):
    with pytest.raises(ImproperlyConfiguredEnv):
        database_from_url(url, ROOT)


def test_env_bool_refuses_typos(monkeypatch):
    monkeypatch.setenv("DEBUG", "flase")
    with pytest.raises(ImproperlyConfiguredEnv, match="DEBUG"):
        env_bool("DEBUG", True)
    monkeypatch.setenv("DEBUG", "off")
    assert env_bool("DEBUG", True) is False


def test_env_int_and_list(monkeypatch):
    monkeypatch.setenv("EMAIL_PORT", "2x5")
    with pytest.raises(ImproperlyConfiguredEnv):
        env_int("EMAIL_PORT", 25)
    monkeypatch.setenv("ALLOWED_HOSTS", "thidua.bacgiang.gov.vn, localhost ,")
    assert env_list("ALLOWED_HOSTS", []) == ["thidua.bacgiang.gov.vn", "localhost"]


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "REDIS_URL"}}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_secret_key_is_required_when_debug_is_off():
    result = _manage("check", DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_like_environment_passes_check_deploy():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY="k8#" + "x7Q2mZp4Lr9Vt1Nc6Wb3Hs5Jd0Fg8Ky" * 2,
        ALLOWED_HOSTS="thidua.bacgiang.gov.vn",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_language_time_zone_and_celery_eager_without_redis(settings):
    assert settings.LANGUAGE_CODE == "vi"
    assert settings.TIME_ZONE == "Asia/Ho_Chi_Minh"
    assert settings.USE_TZ is True


def test_celery_runs_tasks_eagerly_when_no_broker_is_configured():
    code = "from django.conf import settings; print(settings.CELERY_TASK_ALWAYS_EAGER)"
    result = _manage("shell", "-c", code)
    assert result.stdout.strip().splitlines()[-1] == "True"
    result = _manage("shell", "-c", code, REDIS_URL="redis://127.0.0.1:6379/0")
    assert result.stdout.strip().splitlines()[-1] == "False"


_GOOD_KEY = "k8#" + "x7Q2mZp4Lr9Vt1Nc6Wb3Hs5Jd0Fg8Ky" * 2


def _env_example_secret_key() -> str:
    for line in (ROOT / ".env.example").read_text("utf-8").splitlines():
        if line.startswith("SECRET_KEY="):
            return line.partition("=")[2]
    raise AssertionError(".env.example has no SECRET_KEY line")


@pytest.mark.parametrize(
    "key",
    [
        pytest.param(_env_example_secret_key(), id="env-example-placeholder"),
        pytest.param("short-but-random-Q7x", id="too-short"),
        pytest.param("change-me" * 8, id="placeholder-words"),
        pytest.param("a" * 60, id="one-character"),
    ],
)
def test_production_refuses_a_placeholder_or_weak_secret_key(key):
    result = _manage("check", DEBUG="false", SECRET_KEY=key, ALLOWED_HOSTS="thidua.bacgiang.gov.vn")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_development_keeps_working_with_the_placeholder_secret_key():
    result = _manage("check", DEBUG="true", SECRET_KEY=_env_example_secret_key())
    assert result.returncode == 0, result.stderr


def test_seed_demo_refuses_to_run_in_production():
    """`seed_demo` makes `admin` with the published demo password: never on a server."""
    result = _manage(
        "seed_demo",
        DEBUG="false",
        SECRET_KEY=_GOOD_KEY,
        ALLOWED_HOSTS="thidua.bacgiang.gov.vn",
        DATABASE_URL="sqlite:////nonexistent-dir/never-created.sqlite3",
    )
    assert result.returncode != 0
    assert "Không chạy seed_demo khi DEBUG=false" in result.stderr
