"""One way to show a date and a time (#15): day/month/year, then the hour, in
the local time zone (Asia/Ho_Chi_Minh), from one place: the project's formats
for templates, emulation.numbers for Python."""

import re
from datetime import UTC, date, datetime
from pathlib import Path

from django.conf import settings
from django.template import Context, Template

from emulation.numbers import format_date, format_datetime

AT = datetime(2026, 12, 3, 20, 40, tzinfo=UTC)  # 03:40 on 4 December in Hà Nội


def test_python_shows_day_month_year_then_the_local_hour():
    assert format_datetime(AT) == "04/12/2026 03:40"
    assert format_date(date(2026, 12, 4)) == "04/12/2026"
    assert format_date(AT) == "04/12/2026"
    assert format_datetime(None) == format_date(None) == ""


def test_templates_show_the_same_by_the_format_names():
    shown = Template('{{ at|date:"DATETIME_FORMAT" }} · {{ at|date }} · {{ day|date }}').render(
        Context({"at": AT, "day": date(2026, 12, 4)})
    )
    assert shown == "04/12/2026 03:40 · 04/12/2026 · 04/12/2026"


def test_no_template_spells_out_its_own_date_format():
    """A literal pattern (`|date:"H:i d/m/Y"`) is how two orders came about."""
    spelled = []
    for path in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        for found in re.finditer(r'\|date:"([^"]*)"', path.read_text("utf-8")):
            if not found[1].endswith("_FORMAT"):
                spelled.append(f"{path.name}: {found[0]}")
    assert spelled == []


def test_no_python_puts_the_hour_before_the_day():
    apps = ("emulation", "clusters", "scoring", "awards")
    found = [
        f"{path.relative_to(settings.BASE_DIR)}: {line.strip()}"
        for app in apps
        for path in Path(settings.BASE_DIR, app).rglob("*.py")
        for line in path.read_text("utf-8").splitlines()
        if "%H:%M %d" in line
    ]
    assert found == []
