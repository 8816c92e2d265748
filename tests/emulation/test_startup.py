"""Start-up stays light (#17): loading Django and every URL's view module
imports none of the heavy libraries only a download, an upload, a PDF or a
background task needs; those are imported where they are used."""

import subprocess
import sys
from pathlib import Path

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
