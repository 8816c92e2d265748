"""Start-up stays light (#17): loading Django and every URL's view module
imports none of the heavy libraries only a download, an upload, a PDF or a
background task needs; those are imported where they are used."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The PDF library and what it draws with (fonts, images, CSS), the workbooks,
# the task queue and its transport.
HEAVY = {
    "openpyxl",
    "weasyprint",
    "pydyf",
    "tinycss2",
    "cssselect2",
    "fontTools",
    "PIL",
    "celery",
    "kombu",
    "redis",
    "yaml",
}

LOAD_EVERY_VIEW = """
import sys
import django
django.setup()
import emulation.{server}  # the web server: every view module, imported
assert {{"scoring.views.sheet", "awards.views.documents", "clusters.views"}} <= set(sys.modules)
print(" ".join(sorted(name for name in sys.modules if name.split(".")[0] in {heavy!r})))
"""


@pytest.mark.parametrize("server", ["wsgi", "asgi"])
def test_the_web_server_loads_every_view_and_no_heavy_library(server):
    loaded = subprocess.run(
        [sys.executable, "-c", LOAD_EVERY_VIEW.format(server=server, heavy=HEAVY)],
        cwd=ROOT,
        env={"DJANGO_SETTINGS_MODULE": "emulation.settings", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert loaded == []


APP_VIEWS = re.compile(r"\b(emulation|clusters|scoring|awards)\.views\b")
# The project's view modules: emulation.views, scoring.views.sheet, clusters.record_views…
VIEW_MODULE = re.compile(
    r"(emulation|clusters|scoring|awards)\.(views|record_views|views_\w+)(\.|$)"
)


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


CHECK_THEN_LIST = """
import sys
import django
django.setup()
from django.core.management import call_command
call_command("check")
print(" ".join(sorted(sys.modules)))
"""


def test_the_system_check_imports_no_heavy_library_and_no_view(tmp_path):
    """`manage.py check` is Django's start-up with the URLconf and every check:
    none of it needs a PDF, a workbook or the task queue, nor a view module,
    which the URLconf names without importing (emulation.lazy_views)."""
    output = subprocess.run(
        [sys.executable, "-c", CHECK_THEN_LIST],
        cwd=ROOT,
        env={
            "DJANGO_SETTINGS_MODULE": "emulation.settings",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "no issues" in output
    imported = set(output.splitlines()[-1].split())
    assert {"emulation.urls", "scoring.urls", "awards.urls", "clusters.urls"} <= imported
    assert sorted(name for name in imported if VIEW_MODULE.match(name)) == []
    assert sorted(name for name in imported if name.split(".")[0] in HEAVY) == []


def test_manage_py_leaves_the_collector_on_once_django_is_set_up(tmp_path):
    """manage.py runs Django's start-up without the cyclic garbage collector,
    then turns it back on for the command, what start-up made kept out of it (#17)."""
    shell = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c",
         "import gc; print(gc.isenabled(), gc.get_freeze_count() > 10000)"],
        cwd=ROOT,
        env={
            "DJANGO_SETTINGS_MODULE": "emulation.settings",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
        check=True,
    )  # fmt: skip
    assert shell.stdout.split()[-2:] == ["True", "True"]
