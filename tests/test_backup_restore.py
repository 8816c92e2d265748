"""Backup and restore (issue 7): scripts/backup.sh and scripts/restore_check.sh
run as an operator runs them, against a PostgreSQL database of the test's own
(migrated, then given example 01), which is dropped at the end."""

import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote, urlsplit
from uuid import uuid4

import pytest

ROOT = Path(__file__).resolve().parents[1]
BASIC = ROOT / "tests" / "data" / "01-cum-huyen-basic.json"
BACKUP = ROOT / "scripts" / "backup.sh"
RESTORE_CHECK = ROOT / "scripts" / "restore_check.sh"
MISSING = [tool for tool in ("pg_dump", "pg_restore", "psql") if shutil.which(tool) is None]
# The server of the test run when it is PostgreSQL, else the usual local one.
ENV_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = ENV_URL.startswith(("postgres://", "postgresql://"))
SERVER = ENV_URL if ON_POSTGRES else "postgres://postgres@127.0.0.1:5432/postgres"

pytestmark = pytest.mark.skipif(
    bool(MISSING),
    reason=f"{', '.join(MISSING)} not on PATH: install postgresql-client (CI has it)",
)


def _database(name: str) -> str:
    return urlsplit(SERVER)._replace(path="/" + quote(name, safe="")).geturl()


def _psql(sql: str, database: str = "postgres") -> str:
    return subprocess.run(
        ["psql", _database(database), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout


def _run(args: list, url: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(arg) for arg in args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url, "PYTHON": sys.executable, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def _start(args: list, url: str) -> subprocess.Popen:
    return subprocess.Popen(
        [str(arg) for arg in args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url, "PYTHON": sys.executable},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(process: subprocess.Popen) -> subprocess.CompletedProcess:
    try:
        stdout, stderr = process.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def _manage(url: str, *args: str) -> None:
    done = _run([sys.executable, "manage.py", *args], url)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture
def original():
    """A new database on the server, dropped at the end with whatever the
    scripts may have left beside it."""
    try:
        _psql("SELECT 1")
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
        if ON_POSTGRES:
            raise
        pytest.skip(f"no PostgreSQL server at {SERVER} (set DATABASE_URL=postgres://…): {error}")
    name = f"thidua_bk_{uuid4().hex[:10]}"
    _psql(f'CREATE DATABASE "{name}"')
    try:
        yield SimpleNamespace(name=name, url=_database(name))
    finally:
        for leftover in [*_others(name), name]:
            _psql(f'DROP DATABASE IF EXISTS "{leftover}" WITH (FORCE)')


def _others(name: str) -> list[str]:
    """The databases the scripts create beside `name` (name_restore_…, name_import_…)."""
    return _psql(
        f"SELECT datname FROM pg_database WHERE datname LIKE '{name}\\_%' ORDER BY 1"
    ).split()


def _copy(folder: Path, to: Path) -> Path:
    return Path(shutil.copytree(folder, to))


def _reseal(folder: Path) -> None:
    """New checksums, as if the backup had been written so."""
    subprocess.run(
        "sha256sum -- $(ls | grep -v SHA256SUMS) > SHA256SUMS", shell=True, cwd=folder, check=True
    )


def test_a_backup_restores_into_empty_databases_with_the_same_results(original, tmp_path):
    _manage(original.url, "migrate", "--noinput")
    _manage(original.url, "import_dataset", str(BASIC))
    media = tmp_path / "media"
    (media / "minh-chung").mkdir(parents=True)
    (media / "minh-chung" / "bao-cao.pdf").write_bytes(b"%PDF-1.4 minh chung")

    backup = _run([BACKUP, tmp_path / "backups"], original.url, MEDIA_ROOT=str(media))

    assert backup.returncode == 0, backup.stdout + backup.stderr
    folder = Path(backup.stdout.splitlines()[-1])
    assert folder.parent == tmp_path / "backups"
    assert sorted(path.name for path in folder.iterdir()) == [
        "SHA256SUMS",
        "dataset-2025.json",
        "media.tar.gz",
        "results-2025.json",
        "thidua.dump",
    ]
    dataset = json.loads((folder / "dataset-2025.json").read_text("utf-8"))
    assert (dataset["format"], dataset["year"]) == ("thidua-dataset/1", 2025)
    assert [c["code"] for c in dataset["clusters"]] == ["CUM-HUYEN"]
    results = json.loads((folder / "results-2025.json").read_text("utf-8"))
    expected = json.loads((ROOT / "tests/data/01-cum-huyen-basic.expected.json").read_text())
    assert [(u["unit"], u["rank"]) for u in results["clusters"][0]["units"]] == [
        (u["unit"], u["rank"]) for u in expected["clusters"][0]["units"]
    ]
    with tarfile.open(folder / "media.tar.gz") as tar:
        assert "./minh-chung/bao-cao.pdf" in tar.getnames()

    # A damaged copy is refused before anything is restored.
    damaged = _copy(folder, tmp_path / "damaged")
    with (damaged / "thidua.dump").open("r+b") as dump:
        dump.truncate(1000)
    check = _run([RESTORE_CHECK, damaged], original.url)
    assert check.returncode != 0
    assert "thidua.dump: FAILED" in check.stdout + check.stderr
    assert "Khôi phục khớp" not in check.stdout
    assert _others(original.name) == []

    # A copy whose results differ from the database's at backup time, as if the
    # dump had lost something: checked at the same time as the good copy.
    different = _copy(folder, tmp_path / "different")
    results["clusters"][0]["units"][0]["total"] += 1
    (different / "results-2025.json").write_text(json.dumps(results, ensure_ascii=False, indent=2))
    _reseal(different)
    # A change to the original after the backup is no difference of the backup's:
    # the restores are compared with the results at backup time.
    _psql("DELETE FROM scoring_deduction", original.name)

    good, bad = (
        _start([RESTORE_CHECK, folder], original.url),
        _start([RESTORE_CHECK, different], original.url),
    )
    check, wrong = _finish(good), _finish(bad)

    assert check.returncode == 0, check.stdout + check.stderr
    assert "năm 2025, pg_restore: khớp" in check.stdout
    assert "năm 2025, import_dataset: khớp" in check.stdout
    assert "năm 2025: cơ sở dữ liệu gốc đã thay đổi từ lúc sao lưu" in check.stdout
    assert check.stdout.splitlines()[-1] == "Khôi phục khớp dữ liệu (năm: 2025)"

    assert wrong.returncode == 1, wrong.stdout + wrong.stderr
    assert "năm 2025, pg_restore: KHÁC kết quả lúc sao lưu" in wrong.stderr
    assert "năm 2025, import_dataset: KHÁC kết quả lúc sao lưu" in wrong.stderr
    assert "Khôi phục KHÔNG khớp dữ liệu" in wrong.stderr
    assert "Khôi phục khớp" not in wrong.stdout

    # Both dropped their temporary databases.
    assert _others(original.name) == []


def test_the_scripts_need_a_postgres_database_url(tmp_path):
    for script in (BACKUP, RESTORE_CHECK):
        done = _run([script, tmp_path], "sqlite:///db.sqlite3")
        assert done.returncode == 2
        assert "DATABASE_URL must be a postgres:// URL" in done.stderr
        env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
        done = subprocess.run([script], cwd=ROOT, env=env, capture_output=True, text=True)
        assert done.returncode != 0 and "DATABASE_URL" in done.stderr
    assert not any(tmp_path.iterdir())
