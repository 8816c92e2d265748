"""No Docker engine runs on our machines: the compose file is checked by parsing."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text("utf-8"))


def test_compose_names_the_five_services():
    assert set(_compose()["services"]) == {"postgres", "redis", "web", "worker", "beat"}


def test_compose_commands_run_gunicorn_celery_worker_and_beat():
    services = _compose()["services"]
    assert "gunicorn emulation.wsgi:application" in services["web"]["command"]
    assert "migrate" in services["web"]["command"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "emulation", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "emulation", "beat"]


def test_the_web_workers_follow_web_concurrency_one_per_core_by_default():
    services = _compose()["services"]
    assert "--workers" not in services["web"]["command"]
    assert services["web"]["environment"]["WEB_CONCURRENCY"] == "${WEB_CONCURRENCY:-2}"
    dockerfile = (ROOT / "Dockerfile").read_text("utf-8")
    assert "ENV WEB_CONCURRENCY=2" in dockerfile
    assert "--workers" not in dockerfile


def test_compose_app_services_point_at_postgres_and_redis_and_keep_files():
    services = _compose()["services"]
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert (
            env["DATABASE_URL"].startswith("postgres://")
            and "@postgres:5432/" in env["DATABASE_URL"]
        )
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert env["DEBUG"] == "false"
        assert "media:/app/media" in services[name]["volumes"]
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "pgdata:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert set(_compose()["volumes"]) >= {"pgdata", "media"}


def test_compose_services_have_healthchecks():
    services = _compose()["services"]
    for name in ("postgres", "redis", "web", "worker"):
        assert services[name]["healthcheck"]["test"]


def test_dockerfile_installs_weasyprint_libraries_and_fonts():
    dockerfile = (ROOT / "Dockerfile").read_text("utf-8")
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz0b", "fonts-liberation"):
        assert package in dockerfile
    assert "FROM python:3.11" in dockerfile


def test_collectstatic_works_with_the_production_storage(settings, tmp_path):
    """The Dockerfile collects static files with the manifest storage of DEBUG=false."""
    from django.core.management import call_command

    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", "--noinput", verbosity=0)
    assert (tmp_path / "static" / "staticfiles.json").exists()


def test_dockerfile_collects_static_files_with_a_generated_key():
    """Settings refuse a short or placeholder SECRET_KEY with DEBUG=false, the
    Dockerfile's own default: its build step must generate one."""
    dockerfile = (ROOT / "Dockerfile").read_text("utf-8")
    assert "ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DEBUG=false" in dockerfile
    assert 'SECRET_KEY="$(python -c "import secrets; print(secrets.token_urlsafe(50))")"' in (
        dockerfile
    )


def test_the_web_healthcheck_calls_healthz_on_plain_http():
    """tests/emulation/test_healthz.py calls the same URL with production settings."""
    command = " ".join(_compose()["services"]["web"]["healthcheck"]["test"])
    assert "http://127.0.0.1:8000/healthz" in command


def test_readme_documents_the_proxy_and_the_size_limits():
    from emulation.limits import MAX_REQUEST_BYTES, MB

    readme = (ROOT / "README.md").read_text("utf-8")
    configuration = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    assert "`TRUSTED_PROXY_COUNT`" in configuration
    assert "$proxy_add_x_forwarded_for" in configuration
    assert f"client_max_body_size {MAX_REQUEST_BYTES // MB}m;" in configuration
    assert "TRUSTED_PROXY_COUNT=1" in (ROOT / ".env.example").read_text("utf-8")


def test_the_image_compiles_the_projects_bytecode_before_dropping_root():
    """PYTHONDONTWRITEBYTECODE keeps the running user from caching bytecode, so
    the image compiles the project once at build time: a start-up then reads
    the compiled modules instead of compiling every one (#17)."""
    dockerfile = (ROOT / "Dockerfile").read_text("utf-8")
    assert "PYTHONDONTWRITEBYTECODE=1" in dockerfile
    compile_step = dockerfile.index("python -m compileall -q emulation clusters scoring awards")
    assert compile_step < dockerfile.index("USER thidua")
    assert compile_step > dockerfile.index("COPY . .")
