"""The ranking table of a year's results as rows, CSV and xlsx (R30–R33).

Shared by the results page downloads and the `export_results` command, so a
spreadsheet reads the same wherever it comes from.
"""

import csv
from decimal import Decimal
from io import BytesIO
from typing import TextIO

from awards.allocation import AWARD_LABELS
from emulation.workbooks import formula_safe_rows, formula_safe_workbook
from scoring.engine import REASON_LABELS, STATUS_LABELS
from scoring.results import ClusterResults, UnitRow

HEADER = [
    "Cụm, khối",
    "Hạng",
    "Mã đơn vị",
    "Đơn vị",
    "Phần I",
    "Phần II",
    "Phần III",
    "Điểm cơ bản",
    "Điểm thưởng",
    "Điểm trừ",
    "Tổng điểm",
    "Xếp loại",
    "Lý do",
    "Danh hiệu",
]
SHEET_TITLE = "Xếp hạng"
_WIDTHS = [14, 7, 12, 40, 10, 10, 10, 12, 12, 10, 11, 16, 60, 34]


def ranking_header() -> list[str]:
    return list(HEADER)


def ranking_rows(results: list[ClusterResults]) -> list[list]:
    """One row per unit, clusters in the given order, units by rank."""
    return [_row(c.cluster.code, row) for c in results for row in c.rows]


def _row(cluster_code: str, row: UnitRow) -> list:
    result = row.result
    return [
        cluster_code,
        row.placement.rank,
        row.unit.code,
        row.unit.name,
        *(result.sections.get(section, Decimal("0.00")) for section in ("I", "II", "III")),
        result.base,
        result.bonus,
        result.deductions,
        result.total,
        STATUS_LABELS[result.status],
        "; ".join(REASON_LABELS[reason] for reason in result.reasons),
        AWARD_LABELS[row.placement.award] if row.placement.award else "",
    ]


def write_csv(results: list[ClusterResults], stream: TextIO) -> None:
    """The ranking as CSV; a name or code that could start a formula is
    written as text (#12: emulation.workbooks)."""
    writer = csv.writer(stream)
    writer.writerow(ranking_header())
    writer.writerows(formula_safe_rows(ranking_rows(results)))


def xlsx_bytes(results: list[ClusterResults]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLE
    sheet.append(ranking_header())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    # Rows counted here: openpyxl's max_row scans every cell (#17).
    for row, values in enumerate(ranking_rows(results), start=2):
        sheet.append(values)
        for column, value in enumerate(values, start=1):
            if isinstance(value, Decimal):
                sheet.cell(row=row, column=column).number_format = "0.00"
    for index, width in enumerate(_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    formula_safe_workbook(workbook)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
