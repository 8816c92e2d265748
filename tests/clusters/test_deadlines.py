from datetime import date

import pytest

from clusters import deadlines
from clusters.models import Deadline
from clusters.services import year_create


@pytest.mark.parametrize(
    ("kind", "standard", "education"),
    [
        (deadlines.PROGRAMME, date(2025, 3, 31), date(2025, 10, 31)),  # R5
        (deadlines.REGISTRATION, date(2025, 3, 31), date(2025, 10, 31)),  # R6
        (deadlines.REGULATION, date(2025, 7, 31), date(2025, 12, 31)),  # R7
        (deadlines.MID_YEAR_CONFERENCE, date(2025, 7, 31), date(2026, 1, 31)),  # R8
        (deadlines.ANNUAL_CONFERENCE, date(2025, 12, 31), date(2026, 6, 30)),  # R9
        (deadlines.MID_YEAR_REPORT, date(2025, 6, 30), date(2025, 12, 31)),  # R10
        (deadlines.ANNUAL_REPORT, date(2025, 11, 30), date(2026, 5, 31)),  # R10
    ],
)
def test_r5_to_r10_default_dates_per_calendar(kind, standard, education):
    assert deadlines.default_deadlines(2025, deadlines.STANDARD)[kind] == standard
    assert deadlines.default_deadlines(2025, deadlines.EDUCATION)[kind] == education


def test_r4_unknown_calendar_is_refused():
    with pytest.raises(ValueError):
        deadlines.default_deadlines(2025, "lunar")


@pytest.mark.django_db
def test_year_create_fills_defaults_and_keeps_edited_dates():
    year = year_create(year=2025)
    assert Deadline.objects.filter(year=year).count() == 14
    edited = Deadline.objects.get(year=year, calendar="standard", kind=deadlines.REGISTRATION)
    edited.due_date = date(2025, 4, 15)
    edited.save()
    year_create(year=2025)
    edited.refresh_from_db()
    assert edited.due_date == date(2025, 4, 15)
    assert Deadline.objects.filter(year=year).count() == 14
