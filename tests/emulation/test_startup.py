"""Start-up stays light (#17): loading Django and every URL's view module
imports none of the heavy libraries only a download, an upload, a PDF or a
background task needs; those are imported where they are used."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = {"openpyxl", "weasyprint", "celery", "kombu", "yaml"}

LOAD_EVERY_VIEW = f"""
import sys
import django
django.setup()
from django.urls import get_resolver
get_resolver().url_patterns
get_resolver()._populate()  # every included URLconf, hence every view module
print(" ".join(sorted(name for name in sys.modules if name.split(".")[0] in {HEAVY!r})))
"""


def test_django_and_the_urlconf_load_no_heavy_library():
    loaded = subprocess.run(
        [sys.executable, "-c", LOAD_EVERY_VIEW],
        cwd=ROOT,
        env={"DJANGO_SETTINGS_MODULE": "emulation.settings", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert loaded == []


APP_VIEWS = re.compile(r"\b(emulation|clusters|scoring|awards)\.views\b")


@pytest.mark.parametrize(
    "command",
    [
        ["import_dataset", "missing.json"],
        ["export_dataset", "--year", "1999"],
        ["export_results", "--year", "1999"],
    ],
    ids=lambda command: command[0],
)
def test_the_dataset_commands_import_no_view(command, tmp_path):
    """The dataset commands skip Django's system checks, which load every URL's
    view module: a command run from a script or cron pays only for the models
    and the engine it uses."""
    timing = subprocess.run(
        [sys.executable, "-X", "importtime", "manage.py", *command],
        cwd=ROOT,
        env={
            "DJANGO_SETTINGS_MODULE": "emulation.settings",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
    ).stderr
    assert "import time:" in timing
    assert not APP_VIEWS.search(timing)
