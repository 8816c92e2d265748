"""The ranking table as rows, CSV and xlsx, from results built in memory."""

import csv
from decimal import Decimal
from io import BytesIO, StringIO

from openpyxl import load_workbook

from awards.allocation import Placement
from clusters.models import Cluster, Membership, Unit
from scoring.engine import UnitResult
from scoring.results import ClusterResults, UnitRow
from scoring.tables import ranking_header, ranking_rows, write_csv, xlsx_bytes

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


def _row(code, name, sections, bonus, deductions, status, reasons, rank, award):
    base = sum(Decimal(s) for s in sections)
    total = base + Decimal(bonus) - Decimal(deductions)
    result = UnitResult(
        unit=code,
        base=base,
        sections=dict(zip(("I", "II", "III"), (Decimal(s) for s in sections), strict=True)),
        exceed_bonus=Decimal("0.00"),
        other_bonus=Decimal(bonus),
        bonus=Decimal(bonus),
        deductions=Decimal(deductions),
        total=total,
        status=status,
        reasons=reasons,
    )
    membership = Membership(unit=Unit(code=code, name=name))
    return UnitRow(membership, result, Placement(unit=code, rank=rank, award=award))


def _results() -> list[ClusterResults]:
    rows = [
        _row("VY", "UBND huyện Việt Yên", ("549.30", "200", "200"), "21.00", "0", "eligible", (),
             1, "co_thi_dua"),
        _row("HH", "UBND huyện Hiệp Hòa", ("540", "195", "195"), "0", "5", "deferred",
             ("under_review",), 2, None),
        _row("LG", "UBND huyện Lạng Giang", ("500", "180", "180"), "0", "0", "excluded",
             ("no_registration", "security"), 3, None),
        _row("YT", "UBND huyện Yên Thế", ("540", "190", "190"), "0", "0", "eligible", (),
             4, "tie_vote_needed"),
    ]  # fmt: skip
    cluster = Cluster(code="CUM-HUYEN", name="Cụm thi đua các huyện, thành phố")
    return [ClusterResults(cluster, None, {"co_thi_dua": 1}, rows)]


def test_header_is_vietnamese():
    assert ranking_header() == HEADER


def test_rows_keep_decimals_and_use_vietnamese_labels():
    rows = ranking_rows(_results())
    assert rows[0] == [
        "CUM-HUYEN",
        1,
        "VY",
        "UBND huyện Việt Yên",
        Decimal("549.30"),
        Decimal("200"),
        Decimal("200"),
        Decimal("949.30"),
        Decimal("21.00"),
        Decimal("0"),
        Decimal("970.30"),
        "Đủ điều kiện",
        "",
        "Cờ thi đua của UBND tỉnh",
    ]
    assert all(isinstance(v, Decimal) for row in rows for v in row[4:11])
    assert rows[1][11:] == [
        "Chưa xét",
        "Đang bị xem xét kỷ luật, điều tra, thanh tra, kiểm tra hoặc xác minh",
        "",
    ]
    assert rows[2][11:13] == [
        "Không xét",
        "Không đăng ký tham gia thi đua; Không đạt tiêu chuẩn “An toàn về an ninh trật tự”",
    ]
    assert rows[3][13] == "Cần bỏ phiếu"


def test_csv_has_header_and_one_line_per_unit():
    stream = StringIO()
    write_csv(_results(), stream)
    text = stream.getvalue()
    assert not text.startswith("\ufeff")
    lines = list(csv.reader(StringIO(text)))
    assert lines[0] == HEADER
    assert [line[2] for line in lines[1:]] == ["VY", "HH", "LG", "YT"]
    assert lines[1][10] == "970.30"
    assert lines[2][12].startswith("Đang bị xem xét kỷ luật")


def test_xlsx_has_bold_frozen_header_and_numeric_cells():
    sheet = load_workbook(BytesIO(xlsx_bytes(_results())))["Xếp hạng"]
    assert [c.value for c in sheet[1]] == HEADER
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.max_row == 5
    total = sheet.cell(row=2, column=11)
    # Grouped, and written the reader's way by their Excel (#15).
    assert total.value == 970.3 and total.number_format == "#,##0.00"
    assert sheet.cell(row=2, column=2).value == 1
    assert sheet.cell(row=3, column=13).value.startswith("Đang bị xem xét kỷ luật")
    assert sheet.cell(row=2, column=14).value == "Cờ thi đua của UBND tỉnh"
    assert sheet.column_dimensions["D"].width >= 30


def test_empty_results_give_only_the_header():
    stream = StringIO()
    write_csv([], stream)
    assert list(csv.reader(StringIO(stream.getvalue()))) == [HEADER]
    assert load_workbook(BytesIO(xlsx_bytes([])))["Xếp hạng"].max_row == 1
