"""The rule every export applies to text a spreadsheet could run as a formula
(emulation.workbooks, #12)."""

from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import Workbook, load_workbook

from emulation.workbooks import formula_safe, formula_safe_workbook, starts_formula

TRIGGERS = ["=1+2", '=HYPERLINK("http://x.invalid","Bấm")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]


@pytest.mark.parametrize("text", TRIGGERS)
def test_text_that_could_start_a_formula_is_neutralised(text):
    assert starts_formula(text)
    assert formula_safe(text) == f"'{text}"


@pytest.mark.parametrize("value", ["UBND huyện Hiệp Hòa", "I.1", "", None, Decimal("-5"), -5, -2.5])
def test_other_values_and_numbers_stay_as_they_are(value):
    assert not starts_formula(value)
    assert formula_safe(value) == value


def test_a_workbook_keeps_the_text_exactly_as_text_and_numbers_as_numbers():
    workbook = Workbook()
    workbook.active.append([*TRIGGERS, Decimal("-5"), -2.5, "bình thường"])
    buffer = BytesIO()
    formula_safe_workbook(workbook).save(buffer)
    cells = next(load_workbook(BytesIO(buffer.getvalue())).active.iter_rows())
    # XML reads a bare carriage return back as a line feed; the rest is exact.
    assert [c.value for c in cells[: len(TRIGGERS)]] == [t.replace("\r", "\n") for t in TRIGGERS]
    assert all(c.data_type == "s" and c.quotePrefix for c in cells[: len(TRIGGERS)])
    assert [(c.value, c.data_type) for c in cells[len(TRIGGERS) :]] == [
        (-5, "n"),
        (-2.5, "n"),
        ("bình thường", "s"),
    ]
