"""The ranking table of a year's results as rows, CSV and xlsx (R30–R33).

Shared by the results page downloads and the `export_results` command, so a
spreadsheet reads the same wherever it comes from.
"""

import csv
from decimal import Decimal
from io import BytesIO
from typing import TextIO

from emulation.workbooks import FIGURE_FORMAT, formula_safe_rows, formula_safe_workbook
from scoring.regulation import DEFAULT, Regulation
from scoring.results import ClusterResults, UnitRow

# The columns before and after the sections, which are the regulation's (R37).
BEFORE_SECTIONS = ["Cụm, khối", "Hạng", "Mã đơn vị", "Đơn vị"]
AFTER_SECTIONS = [
    "Điểm cơ bản",
    "Điểm thưởng",
    "Điểm trừ",
    "Tổng điểm",
    "Xếp loại",
    "Lý do",
    "Danh hiệu",
]
SHEET_TITLE = "Xếp hạng"
_WIDTHS_BEFORE, _SECTION_WIDTH, _WIDTHS_AFTER = [14, 7, 12, 40], 10, [12, 12, 10, 11, 16, 60, 34]


def _regulation(results: list[ClusterResults]) -> Regulation:
    # A year's clusters share its regulation (R36).
    return results[0].regulation if results else DEFAULT


def ranking_header(results: list[ClusterResults] | None = None) -> list[str]:
    sections = _regulation(results or []).section_codes
    return [*BEFORE_SECTIONS, *(f"Phần {code}" for code in sections), *AFTER_SECTIONS]


def ranking_rows(results: list[ClusterResults]) -> list[list]:
    """One row per unit, clusters in the given order, units by rank."""
    return [_row(c.cluster.code, row, c.regulation) for c in results for row in c.rows]


def _row(cluster_code: str, row: UnitRow, regulation: Regulation) -> list:
    result = row.result
    award = row.placement.award
    return [
        cluster_code,
        row.placement.rank,
        row.unit.code,
        row.unit.name,
        *(result.sections.get(code, Decimal("0.00")) for code in regulation.section_codes),
        result.base,
        result.bonus,
        result.deductions,
        result.total,
        regulation.status_label(result.status),
        "; ".join(regulation.reason_label(reason) for reason in result.reasons),
        regulation.award_label(award) if award else "",
    ]


def write_csv(results: list[ClusterResults], stream: TextIO) -> None:
    """The ranking as CSV; a name or code that could start a formula is
    written as text (#12: emulation.workbooks)."""
    writer = csv.writer(stream)
    writer.writerow(ranking_header(results))
    writer.writerows(formula_safe_rows(ranking_rows(results)))


def xlsx_bytes(results: list[ClusterResults]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLE
    sheet.append(ranking_header(results))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    # Rows counted here: openpyxl's max_row scans every cell (#17).
    for row, values in enumerate(ranking_rows(results), start=2):
        sheet.append(values)
        for column, value in enumerate(values, start=1):
            if isinstance(value, Decimal):
                sheet.cell(row=row, column=column).number_format = FIGURE_FORMAT
    sections = len(_regulation(results).sections)
    widths = [*_WIDTHS_BEFORE, *[_SECTION_WIDTH] * sections, *_WIDTHS_AFTER]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    formula_safe_workbook(workbook)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
