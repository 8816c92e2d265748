"""A cluster's self-scores as a spreadsheet (R18–R21, R35).

The head (or the deputy acting for the head: R3) downloads a template of the
cluster's issued scorecard, fills in the figures of every unit and uploads
it. The upload is judged whole, with the same checks as a unit's own save
(`scoring.sheets`): every cell is read and validated first, each problem is
reported with its cell, unit, criterion and rule, and only a file without a
single error is stored, in one transaction, with a revision bump and a
history row per changed score ("Nhập từ tệp Excel").

The sheet "Bảng điểm" of the template (also explained to users in the sheet
"Hướng dẫn"):

    row 1 (hidden)   keys: A1 FORMAT, B1 cluster code, C1 year, D1 scorecard id;
                     over each unit's two columns "<unit code>|1" and "<unit code>|2"
    row 2            title
    row 3            each unit's code and name over its two columns
    row 4            column headers
    row 5…           a row per section, per parent criterion (no key) and per
                     leaf criterion, whose id is in the hidden column A

Columns B–I describe the criterion (code, title, section, method,
direction, maximum points, bands, what to enter); from column J each unit
has two columns: the first takes the plan (KH) of a quantitative criterion,
the points of a qualitative one or the value of a tiered one, the second
the actual (TH) of a quantitative criterion and nothing else. An empty
cell keeps what is stored: the file enters and updates figures, it never
clears them.

The template also carries, in a very hidden and protected sheet "Phiên bản",
the revision (Score.revision, 0 for no score) of every unit's row as it was
downloaded: row 1 holds the unit codes from column B, column A the leaf ids.
A cell whose figures differ from what is stored while its row's revision
moved since the download (the unit saved its sheet, the head adjusted it) is
refused with the current value, exactly as a unit's own save from a stale
revision is (`sheets.StaleScore`). Such a cell is an error like any other:
the whole file is refused, so no figure is ever lost silently, neither the
unit's newer one nor the head's own entries (which are kept in the file, to
be uploaded again once the stale cells are emptied, set to the current value
or the template downloaded anew).
"""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO
from typing import IO

from django.core.exceptions import ValidationError
from django.db import transaction
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from clusters.models import Cluster, EmulationYear, Membership
from clusters.services import registered_plans_of
from emulation import audit
from emulation.models import User
from emulation.numbers import VietnameseDecimalField, format_figure
from emulation.uploads import MAX_UPLOAD_BYTES, ZIP
from emulation.workbooks import FIGURE_FORMAT, XlsxLimits, formula_safe_workbook, xlsx_open
from scoring import engine, sheets
from scoring.guidances import stored_regulation
from scoring.models import FIGURES, Criterion, Method, Score, Scorecard, Sheet
from scoring.sheet_pages import band_text

FORMAT = "thidua-bang-diem/2"  # /2: with the revisions sheet
SHEET_TITLE = "Bảng điểm"
GUIDE_TITLE = "Hướng dẫn"
REVISIONS_TITLE = "Phiên bản"
KEY_ROW, TITLE_ROW, UNIT_ROW, HEADER_ROW, FIRST_ROW = 1, 2, 3, 4, 5
KEY_COLUMN = 1
FIRST_UNIT_COLUMN = 10  # J
INFO_HEADERS = [
    "Khóa",  # hidden
    "Mã",
    "Nội dung tiêu chí",
    "Phần",
    "Cách chấm",
    "Chiều chỉ tiêu",
    "Điểm tối đa",
    "Các mức điểm",
    "Ô cần nhập",
]
INFO_WIDTHS = [6, 9, 48, 6, 22, 20, 9, 34, 22]
FIRST_LABEL = "KH · điểm · giá trị"
SECOND_LABEL = "TH"
TO_ENTER = {
    Method.QUANTITATIVE: "Cột 1: kế hoạch (KH); cột 2: thực hiện (TH)",
    Method.QUALITATIVE: "Cột 1: điểm chấm; cột 2 để trống",
    Method.TIERED: "Cột 1: giá trị để xếp mức; cột 2 để trống",
}
REASON = "Nhập từ tệp Excel"
# Far beyond any cluster's scorecard and membership; a file past these is not a template.
MAX_ROWS = 2000
MAX_COLUMNS = FIRST_UNIT_COLUMN + 2 * 300
MAX_ERRORS = 200
# What a cluster's template can hold (upload_limits): its rows and unit columns,
# room for a user's notes below and beside them, and generous bytes per cell
# (Excel writes well under 100 bytes per cell, styles and strings included).
ROW_SLACK, COLUMN_SLACK = 100, 20
BYTES_PER_CELL = 256
BASE_PART_BYTES = 2 * 1024 * 1024
SAME, EMPTY = "same", "empty"

HEADER_FILL = PatternFill("solid", fgColor="DDE3EA")
SECTION_FILL = PatternFill("solid", fgColor="F2E6C9")
UNUSED_FILL = PatternFill("solid", fgColor="D9D9D9")
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)

NOT_XLSX = (
    "Tệp tải lên không phải tệp Excel (.xlsx) hợp lệ: nội dung tệp không đúng định dạng. "
    "Hãy điền vào tệp mẫu tải từ hệ thống và lưu lại dưới dạng Excel (.xlsx)."
)
NO_REVISIONS = (
    "Tệp thiếu trang ẩn “Phiên bản” ghi phiên bản điểm của từng ô lúc tải mẫu (mẫu cũ hoặc "
    "đã bị sửa), nên không biết điểm nào đã được đơn vị cập nhật sau đó. Hãy tải mẫu mới."
)
NOT_TEMPLATE = (
    "Tệp không phải mẫu bảng điểm của hệ thống (thiếu trang “Bảng điểm” hoặc dòng khóa ẩn "
    "đã bị sửa). Hãy tải mẫu mới và điền vào đó."
)


@dataclass(frozen=True)
class ImportSummary:
    """What an upload stored: scores written, scores the file left as they were."""

    changed: int
    unchanged: int
    units: int

    @property
    def message(self) -> str:
        if not self.changed:
            return (
                f"Tệp hợp lệ nhưng không có điểm nào thay đổi ({self.unchanged} điểm giữ nguyên)."
            )
        return (
            f"Đã nhập {self.changed} điểm tiêu chí của {self.units} đơn vị từ tệp Excel; "
            f"{self.unchanged} điểm giữ nguyên."
        )


# ---------------------------------------------------------------------------
# The template


def scorecard_template_xlsx(cluster: Cluster, year: EmulationYear) -> bytes:
    """The cluster's issued scorecard with a pair of columns per unit, pre-filled
    with the units' own figures (a registered plan where the unit has one: R19).

    Refused (ValidationError) while the cluster has no issued scorecard (R18).
    """
    scorecard = sheets.issued_scorecard(cluster, year)
    if scorecard is None:
        raise ValidationError(sheets.NO_SCORECARD)
    criteria = sheets.criteria_of(scorecard)
    leaves = [c for c in criteria if c.is_leaf]
    members = _members(cluster, year)
    scores = {
        (s.membership_id, s.criterion_id): s
        for s in Score.objects.filter(membership__in=members, criterion__in=leaves)
    }
    submitted = set(
        Sheet.objects.filter(membership__in=members, status=Sheet.Status.SUBMITTED).values_list(
            "membership_id", flat=True
        )
    )
    plans = registered_plans_of(members)

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLE
    _write_heading(sheet, cluster, year, scorecard, members, submitted)
    quantities = DataValidation(
        type="decimal",
        operator="greaterThanOrEqual",
        formula1="0",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Số không hợp lệ",
        error="Kế hoạch và thực hiện là số không âm.",
    )
    regulation = stored_regulation(year, cluster)
    row = FIRST_ROW
    section = None
    for criterion in criteria:
        if criterion.section != section:
            section = criterion.section
            _write_section(sheet, row, section, regulation.section_title(section), len(members))
            row += 1
        if not criterion.is_leaf:
            _write_info(sheet, row, criterion, key=False)
            for cell in sheet[row][: FIRST_UNIT_COLUMN - 1]:
                cell.font = BOLD
            row += 1
            continue
        _write_info(sheet, row, criterion, key=True)
        for index, member in enumerate(members):
            first = FIRST_UNIT_COLUMN + 2 * index
            own = sheets.own_figures(scores.get((member.pk, criterion.pk)))
            plan = plans.get(member.pk, {}).get(criterion.pk)
            _write_figures(sheet, row, first, criterion, own, plan)
        if members:
            last = get_column_letter(FIRST_UNIT_COLUMN + 2 * len(members) - 1)
            span = f"{get_column_letter(FIRST_UNIT_COLUMN)}{row}:{last}{row}"
            if criterion.method == Method.QUANTITATIVE:
                quantities.add(span)
            elif criterion.method == Method.QUALITATIVE:
                _points_validation(sheet, criterion, members, row)
        row += 1
    if quantities.sqref.ranges:
        sheet.add_data_validation(quantities)
    sheet.freeze_panes = sheet.cell(row=FIRST_ROW, column=FIRST_UNIT_COLUMN)
    _write_guide(workbook.create_sheet(GUIDE_TITLE), cluster, year)
    _write_revisions(workbook.create_sheet(REVISIONS_TITLE), leaves, members, scores)
    buffer = BytesIO()
    formula_safe_workbook(workbook)  # a code or title "=…" stays text (#12)
    workbook.save(buffer)
    return buffer.getvalue()


def _members(cluster: Cluster, year: EmulationYear) -> list[Membership]:
    return list(
        Membership.objects.filter(cluster=cluster, year=year)
        .select_related("unit", "cluster", "year")
        .order_by("unit__code")
    )


def _write_heading(
    sheet: Worksheet,
    cluster: Cluster,
    year: EmulationYear,
    scorecard: Scorecard,
    members: list[Membership],
    submitted: set[int],
) -> None:
    for column, value in enumerate((FORMAT, cluster.code, year.year, scorecard.pk), start=1):
        sheet.cell(row=KEY_ROW, column=column, value=value)
    sheet.row_dimensions[KEY_ROW].hidden = True
    sheet.column_dimensions[get_column_letter(KEY_COLUMN)].hidden = True
    title = sheet.cell(
        row=TITLE_ROW,
        column=2,
        value=(
            f"Bảng chấm điểm {cluster.name} năm {year.year} (bản {scorecard.version}) – "
            "tự chấm điểm của các đơn vị"
        ),
    )
    title.font = Font(bold=True, size=13)
    for column, (header, width) in enumerate(zip(INFO_HEADERS, INFO_WIDTHS, strict=True), start=1):
        cell = sheet.cell(row=HEADER_ROW, column=column, value=header)
        cell.font, cell.fill, cell.alignment = BOLD, HEADER_FILL, CENTER
        sheet.column_dimensions[get_column_letter(column)].width = width
    for index, member in enumerate(members):
        first = FIRST_UNIT_COLUMN + 2 * index
        code = member.unit.code
        sheet.cell(row=KEY_ROW, column=first, value=f"{code}|1")
        sheet.cell(row=KEY_ROW, column=first + 1, value=f"{code}|2")
        note = " (đã nộp phiếu)" if member.pk in submitted else ""
        unit = sheet.cell(row=UNIT_ROW, column=first, value=f"{code} – {member.unit.name}{note}")
        unit.font, unit.fill, unit.alignment = BOLD, HEADER_FILL, CENTER
        sheet.merge_cells(
            start_row=UNIT_ROW, start_column=first, end_row=UNIT_ROW, end_column=first + 1
        )
        for column, label in ((first, FIRST_LABEL), (first + 1, SECOND_LABEL)):
            cell = sheet.cell(row=HEADER_ROW, column=column, value=label)
            cell.font, cell.fill, cell.alignment = BOLD, HEADER_FILL, CENTER
            sheet.column_dimensions[get_column_letter(column)].width = 13
    sheet.row_dimensions[UNIT_ROW].height = 45


def _write_section(sheet: Worksheet, row: int, section: str, title: str, units: int) -> None:
    cell = sheet.cell(row=row, column=2, value=f"Phần {section}. {title}")
    cell.font = BOLD
    for column in range(2, FIRST_UNIT_COLUMN + 2 * units):
        sheet.cell(row=row, column=column).fill = SECTION_FILL


def _write_info(sheet: Worksheet, row: int, criterion: Criterion, *, key: bool) -> None:
    leaf = criterion.is_leaf
    quantitative = leaf and criterion.method == Method.QUANTITATIVE
    values = [
        criterion.pk if key else None,
        criterion.code,
        criterion.title,
        criterion.section,
        engine.METHOD_LABELS[criterion.method] if leaf else "Gồm các tiêu chí con",
        engine.DIRECTION_LABELS[criterion.direction] if quantitative else None,
        criterion.points,
        "; ".join(band_text(b) for b in criterion.bands.all())
        if leaf and criterion.method == Method.TIERED
        else None,
        TO_ENTER[criterion.method] if leaf else None,
    ]
    for column, value in enumerate(values, start=1):
        cell = sheet.cell(row=row, column=column, value=value)
        cell.alignment = WRAP
    sheet.cell(row=row, column=7).number_format = FIGURE_FORMAT


def _write_figures(
    sheet: Worksheet,
    row: int,
    first: int,
    criterion: Criterion,
    own: dict[str, Decimal | None],
    registered: Decimal | None,
) -> None:
    if criterion.method == Method.QUANTITATIVE:
        plan = registered if registered is not None else own.get("plan")
        sheet.cell(row=row, column=first, value=plan)
        sheet.cell(row=row, column=first + 1, value=own.get("actual"))
        return
    name = "points" if criterion.method == Method.QUALITATIVE else "value"
    sheet.cell(row=row, column=first, value=own.get(name))
    sheet.cell(row=row, column=first + 1).fill = UNUSED_FILL


def _points_validation(
    sheet: Worksheet, criterion: Criterion, members: list[Membership], row: int
) -> None:
    points = engine.fmt_points(criterion.points)
    rule = DataValidation(
        type="decimal",
        operator="between",
        formula1="0",
        formula2=format(criterion.points, "f"),
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Điểm không hợp lệ",
        error=f"Điểm chấm của tiêu chí {criterion.code} từ 0 đến {points}.",
    )
    sheet.add_data_validation(rule)
    for index in range(len(members)):
        rule.add(sheet.cell(row=row, column=FIRST_UNIT_COLUMN + 2 * index).coordinate)


def _write_guide(sheet: Worksheet, cluster: Cluster, year: EmulationYear) -> None:
    lines = [
        f"Hướng dẫn nhập điểm tự chấm của {cluster.name} năm {year.year}",
        "",
        "1. Trang “Bảng điểm” có một dòng cho mỗi tiêu chí chấm điểm và hai cột cho mỗi "
        "đơn vị (tên đơn vị ở dòng 3).",
        "2. Tiêu chí định lượng: cột 1 (KH) là kế hoạch, cột 2 (TH) là thực hiện. "
        "Kế hoạch và thực hiện không được âm; với chiều “cao hơn là tốt” kế hoạch phải "
        "lớn hơn 0. Nếu đơn vị đã đăng ký chỉ tiêu gắn với tiêu chí, kế hoạch lấy từ bản "
        "đăng ký thi đua và không sửa ở đây.",
        "3. Tiêu chí định tính: cột 1 là điểm chấm, từ 0 đến điểm tối đa, "
        "tối đa 2 chữ số thập phân; cột 2 (tô xám) để trống.",
        "4. Tiêu chí theo mức: cột 1 là giá trị để xếp mức (xem cột “Các mức điểm”); "
        "cột 2 (tô xám) để trống.",
        "5. Chỉ nhập số (không nhập chữ, không nhập đơn vị tính như “%”). Kế hoạch, thực "
        "hiện và giá trị có tối đa 6 chữ số thập phân.",
        "6. Ô để trống: giữ nguyên điểm đang có của đơn vị; tệp không xóa điểm đã chấm.",
        "7. Không sửa, xóa hay chèn cột ẩn A, dòng ẩn 1 và các cột mô tả tiêu chí: hệ thống "
        "dùng chúng để biết mỗi ô thuộc đơn vị và tiêu chí nào.",
        "8. Khi tải lên, cả tệp được kiểm tra trước: nếu có dù chỉ một ô sai, không điểm "
        "nào được lưu và hệ thống liệt kê từng ô sai (ví dụ “Ô J12 (HH – I.3): …”).",
        "9. Không sửa được điểm của đơn vị đã nộp phiếu tự chấm (trừ khi trưởng cụm, khối "
        "trả lại phiếu), và không nhập được khi điểm đã thống nhất sau họp trù bị.",
        "10. Mỗi điểm thay đổi được ghi vào lịch sử với người nhập, thời gian và lý do "
        f"“{REASON}”.",
        "11. Nếu sau khi tải mẫu, đơn vị đã cập nhật điểm (hoặc điểm đã được điều chỉnh), "
        "ô khác với điểm hiện tại của dòng đó bị từ chối và cả tệp không được nhập: hệ thống "
        "nêu giá trị hiện tại để không ghi đè điểm đơn vị đã cập nhật sau khi tải mẫu. Hãy để "
        "trống ô đó, nhập lại giá trị hiện tại hoặc tải mẫu mới. Không sửa trang ẩn ghi "
        "phiên bản của tệp.",
    ]
    for row, line in enumerate(lines, start=1):
        cell = sheet.cell(row=row, column=1, value=line)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.column_dimensions["A"].width = 120


def _write_revisions(
    sheet: Worksheet,
    leaves: list[Criterion],
    members: list[Membership],
    scores: dict[tuple[int, int], Score],
) -> None:
    """Each unit's row revision at download time, out of the user's way: a very
    hidden sheet (Excel's menus cannot show it) that is protected as well."""
    sheet.append([FORMAT, *(m.unit.code for m in members)])
    for criterion in leaves:
        found = (scores.get((m.pk, criterion.pk)) for m in members)
        sheet.append([criterion.pk, *(score.revision if score else 0 for score in found)])
    sheet.sheet_state = "veryHidden"
    sheet.protection.sheet = True


# ---------------------------------------------------------------------------
# The upload


@dataclass(frozen=True)
class _Change:
    membership: Membership
    criterion: Criterion
    figures: dict[str, Decimal | None]


def scores_import_xlsx(
    *, cluster: Cluster, year: EmulationYear, file: IO[bytes], user: User
) -> ImportSummary:
    """Enter or update the own figures of the cluster's units from a filled template.

    For the cluster's head (or delegated deputy: R3). Every cell is checked
    before anything is stored; any error refuses the whole file with a
    ValidationError listing each problem. Otherwise the changed scores are
    written in one transaction, each with its revision bumped and a history
    row with the user and the reason (R35), as `sheets.score_save` does for a
    unit's own save.
    """
    sheets._ensure_leads(user, cluster, year)
    workbook = _open(file, upload_limits(cluster, year))
    try:
        with transaction.atomic():
            members = _members(cluster, year)
            sheets._lock_members(members)
            scorecard = sheets.issued_scorecard(cluster, year)
            if scorecard is None:
                raise ValidationError(sheets.NO_SCORECARD)
            sheets._ensure_unlocked(cluster, year)
            changes, unchanged, errors = _parse(workbook, cluster, year, scorecard, members)
            if errors:
                if len(errors) > MAX_ERRORS:
                    more = len(errors) - MAX_ERRORS
                    errors = [*errors[:MAX_ERRORS], f"… và {more} lỗi khác."]
                raise ValidationError(errors)
            _store(changes, user)
    finally:
        workbook.close()
    return ImportSummary(
        changed=len(changes),
        unchanged=unchanged,
        units=len({c.membership.pk for c in changes}),
    )


def upload_limits(cluster: Cluster, year: EmulationYear) -> XlsxLimits:
    """What the cluster's template can hold: a file past this is refused before
    it is parsed (#12: a 387 KB file unpacking to 190 MB of cells)."""
    scorecard = sheets.issued_scorecard(cluster, year)
    criteria = scorecard.criteria.count() if scorecard else 0
    units = Membership.objects.filter(cluster=cluster, year=year).count()
    rows = min(MAX_ROWS, FIRST_ROW + criteria + len(engine.SECTIONS) + ROW_SLACK)
    columns = min(MAX_COLUMNS, FIRST_UNIT_COLUMN + 2 * units + COLUMN_SLACK)
    part = BASE_PART_BYTES + rows * columns * BYTES_PER_CELL
    return XlsxLimits(rows=rows, cells=rows * columns, part_bytes=part, total_bytes=3 * part)


def _open(file: IO[bytes], limits: XlsxLimits) -> Workbook:
    """The upload as a read-only workbook, refused unless its bytes are an Office
    Open XML workbook (whatever the file is called) within the template's limits."""
    file.seek(0)
    data = file.read(MAX_UPLOAD_BYTES + 1)
    if not data:
        raise ValidationError("Tệp rỗng.")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError("Tệp lớn hơn 20 MB (dung lượng tối đa cho phép).")
    if not data.startswith(ZIP):
        raise ValidationError(NOT_XLSX)
    try:
        return xlsx_open(data, limits)
    except ValidationError as error:
        if error.code == "xlsx_broken":  # not a workbook at all: say so the template's way
            raise ValidationError(NOT_XLSX) from None
        raise


def _rows(workbook: Workbook, title: str = SHEET_TITLE) -> Iterator[tuple]:
    """The rows of a sheet of the template as values (cached results of formulas)."""
    if title not in workbook.sheetnames:
        raise ValidationError(NOT_TEMPLATE if title == SHEET_TITLE else NO_REVISIONS)
    sheet = workbook[title]
    sheet.reset_dimensions()  # trust the cells, not the size the file claims
    cells = sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
    for index in range(MAX_ROWS + 1):
        try:
            row = next(cells)
        except StopIteration:
            return
        except Exception:  # a damaged sheet inside a valid package
            raise ValidationError(NOT_XLSX) from None
        if index == MAX_ROWS:
            raise ValidationError(f"Tệp có hơn {MAX_ROWS} dòng; đây không phải tệp mẫu.")
        yield row


def _parse(
    workbook: Workbook,
    cluster: Cluster,
    year: EmulationYear,
    scorecard: Scorecard,
    members: list[Membership],
) -> tuple[list[_Change], int, list[str]]:
    rows = _rows(workbook)
    keys = next(rows, None)
    errors = _check_keys(keys, cluster, year, scorecard)
    if errors:
        return [], 0, errors
    units, errors = _unit_columns(keys, cluster, year, members)
    revisions = _revisions(workbook)
    leaves = {c.pk: c for c in sheets.criteria_of(scorecard) if c.is_leaf}
    member_ids = [m.pk for m in units.values()]
    scores = {
        (s.membership_id, s.criterion_id): s
        for s in Score.objects.filter(membership_id__in=member_ids, criterion__in=leaves.values())
    }
    editable = {m.pk: True for m in units.values()}
    for sheet in Sheet.objects.filter(membership_id__in=member_ids):
        editable[sheet.membership_id] = sheet.is_editable
    plans = registered_plans_of(units.values())

    changes: list[_Change] = []
    unchanged = 0
    seen: dict[int, int] = {}
    for number, row in enumerate(rows, start=KEY_ROW + 1):
        if number < FIRST_ROW:
            continue
        key = row[KEY_COLUMN - 1] if row else None
        if _blank(key):
            errors += [
                f"Ô {_ref(number, column)}: dòng này không phải tiêu chí chấm điểm; "
                "hãy để trống ô này."
                for first in units
                for column in (first, first + 1)
                if not _blank(_cell(row, column))
            ]
            continue
        criterion = leaves.get(_integer(key))
        if criterion is None:
            errors.append(
                f"Dòng {number}: khóa tiêu chí ở cột ẩn A (“{key}”) không thuộc bảng chấm điểm "
                "đã ban hành; hãy tải mẫu mới."
            )
            continue
        if criterion.pk in seen:
            errors.append(
                f"Dòng {number}: tiêu chí {criterion.code} đã có ở dòng {seen[criterion.pk]}; "
                "mỗi tiêu chí chỉ một dòng."
            )
            continue
        seen[criterion.pk] = number
        for column, membership in units.items():
            cells = (_cell(row, column), _cell(row, column + 1))
            outcome = _judge(
                number,
                column,
                cells,
                membership,
                criterion,
                scores.get((membership.pk, criterion.pk)),
                plans.get(membership.pk, {}).get(criterion.pk),
                editable[membership.pk],
                revisions.get((criterion.pk, membership.unit.code)),
            )
            if isinstance(outcome, list):
                errors += outcome
            elif isinstance(outcome, _Change):
                changes.append(outcome)
            elif outcome == SAME:
                unchanged += 1
    return changes, unchanged, errors


def _revisions(workbook: Workbook) -> dict[tuple[int, str], int]:
    """(leaf id, unit code) → the row's revision when the template was downloaded."""
    rows = _rows(workbook, REVISIONS_TITLE)
    header = next(rows, None)
    if not header or header[0] != FORMAT:
        raise ValidationError(NO_REVISIONS)
    codes = header[1:]
    found: dict[tuple[int, str], int] = {}
    for row in rows:
        criterion_id = _integer(row[0]) if row else None
        if criterion_id is None:
            continue
        for code, revision in zip(codes, row[1:], strict=False):
            revision = _integer(revision)
            if isinstance(code, str) and revision is not None:
                found[criterion_id, code] = revision
    return found


def _check_keys(
    keys: tuple | None, cluster: Cluster, year: EmulationYear, scorecard: Scorecard
) -> list[str]:
    if not keys or len(keys) < 4 or keys[0] != FORMAT:
        return [NOT_TEMPLATE]
    code, file_year, scorecard_id = keys[1], _integer(keys[2]), _integer(keys[3])
    if code != cluster.code or file_year != year.year:
        return [
            f"Tệp mẫu này của cụm, khối “{code}” năm {file_year}, không phải của "
            f"{cluster.name} năm {year.year}; hãy tải mẫu của cụm, khối mình."
        ]
    if scorecard_id != scorecard.pk:
        return [
            "Tệp mẫu được lập theo một phiên bản khác của bảng chấm điểm; hãy tải mẫu mới "
            f"theo bảng chấm điểm đã ban hành (bản {scorecard.version})."
        ]
    return []


def _unit_columns(
    keys: tuple, cluster: Cluster, year: EmulationYear, members: list[Membership]
) -> tuple[dict[int, Membership], list[str]]:
    """Column of each unit's first cell → its membership, from the hidden key row."""
    by_code = {m.unit.code: m for m in members}
    units: dict[int, Membership] = {}
    errors: list[str] = []
    column = FIRST_UNIT_COLUMN
    while column <= len(keys):
        first, second = _cell(keys, column), _cell(keys, column + 1)
        if _blank(first) and _blank(second):
            column += 2
            continue
        letter = get_column_letter(column)
        code = str(first).rsplit("|", 1)[0] if isinstance(first, str) else ""
        if first != f"{code}|1" or second != f"{code}|2" or not code:
            errors.append(
                f"Cột {letter}: khóa đơn vị ở dòng ẩn 1 (“{first or ''}”) bị sửa hoặc các cột "
                "bị chèn, xóa; hãy tải mẫu mới."
            )
        elif code not in by_code:
            errors.append(
                f"Cột {letter}: đơn vị “{code}” không thuộc {cluster.name} năm {year.year}."
            )
        elif by_code[code] in units.values():
            errors.append(f"Cột {letter}: đơn vị “{code}” có hai lần trong tệp.")
        else:
            units[column] = by_code[code]
        column += 2
    return units, errors


def _judge(
    number: int,
    column: int,
    cells: tuple[object, object],
    membership: Membership,
    criterion: Criterion,
    score: Score | None,
    registered: Decimal | None,
    editable: bool,
    downloaded: int | None,
) -> "list[str] | _Change | str":
    """One unit's cells of one criterion: its errors, a change to store, SAME
    (the figures stored already) or EMPTY (left empty: kept as stored).

    `downloaded` is the row's revision the template carries: a change to a row
    that moved since then is refused with the current value (see the module
    docstring), and so is one whose revision the file lacks."""
    refs = (_ref(number, column), _ref(number, column + 1))
    where = f"({membership.unit.code} – {criterion.code})"
    errors: list[str] = []
    numbers: list[Decimal | None] = []
    for ref, value in zip(refs, cells, strict=True):
        figure, problem = _number(value)
        if problem:
            errors.append(f"Ô {ref} {where}: {problem}")
        numbers.append(figure)
    quantitative = criterion.method == Method.QUANTITATIVE
    if not quantitative and not _blank(cells[1]):
        errors.append(
            f"Ô {refs[1]} {where}: cột TH chỉ dùng cho tiêu chí định lượng; hãy để trống ô này."
        )
    if errors:
        return errors
    first, second = numbers
    if first is None and (second is None or not quantitative):
        return EMPTY
    if quantitative:
        if registered is not None and first is not None and first != registered:
            return [
                f"Ô {refs[0]} {where}: kế hoạch lấy từ bản đăng ký thi đua của đơn vị "
                f"({format_figure(registered)}); không sửa ở đây."
            ]
        given = {"plan": registered if registered is not None else first, "actual": second}
    elif criterion.method == Method.QUALITATIVE:
        given = {"points": first}
    else:
        given = {"value": first}
    figures = sheets.figures_for(criterion, **given)
    problems = sheets.score_errors(criterion, figures)
    if problems:
        prefix = f"Tiêu chí {criterion.code}: "
        return [
            f"Ô {_figure_ref(problem, refs, quantitative)} {where}: {problem.removeprefix(prefix)}"
            for problem in problems
        ]
    if figures == (sheets.own_figures(score) or dict.fromkeys(FIGURES)):
        return SAME
    if downloaded is None or downloaded != (score.revision if score else 0):
        current = sheets.describe(criterion, sheets.own_figures(score))
        return [
            f"Ô {refs[0]} {where}: điểm của đơn vị đã được cập nhật sau khi tải tệp mẫu; "
            f"giá trị hiện tại: {current}. Tệp không ghi đè: hãy để trống ô này, nhập lại "
            "giá trị hiện tại hoặc tải mẫu mới."
        ]
    if not editable:
        return [
            f"Ô {refs[0]} {where}: đơn vị đã nộp phiếu tự chấm nên không sửa được điểm; "
            "chỉ sửa khi trưởng cụm, khối trả lại phiếu."
        ]
    return _Change(membership, criterion, figures)


def _figure_ref(problem: str, refs: tuple[str, str], quantitative: bool) -> str:
    """The cell a message is about: TH for a message about the actual only."""
    about_actual = sheets.FIGURE_LABELS["actual"] in problem
    about_plan = sheets.FIGURE_LABELS["plan"] in problem
    return refs[1] if quantitative and about_actual and not about_plan else refs[0]


# Every cell is read as the widest figure of a score (plan, actual, value:
# DecimalField(20, 6)); the engine then judges it as on the sheet (R20, R21).
_CELL = VietnameseDecimalField(max_digits=20, decimal_places=6, min_value=None)


def _number(value: object) -> tuple[Decimal | None, str]:
    """A cell's number as an exact Decimal, or why it is not one. A text cell
    is read the way people type figures (emulation.numbers: "12,5")."""
    if _blank(value):
        return None, ""
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        return None, f"“{str(value)[:30]}” không phải là số; chỉ nhập số vào ô này."
    # A float read from the file: its shortest repr is the number the file holds.
    try:
        return _CELL.clean(Decimal(str(value)) if isinstance(value, float) else value), ""
    except ValidationError as error:
        return None, " ".join(error.messages)


def _store(changes: list[_Change], user: User) -> None:
    """Write the changes the way score_save does: revision + 1, history with why (R35)."""
    by_member: dict[int, list[_Change]] = defaultdict(list)
    for change in changes:
        by_member[change.membership.pk].append(change)
    for found in by_member.values():
        sheets._ensure_editable(found[0].membership, user=user)
    current = {
        (s.membership_id, s.criterion_id): s
        for s in Score.objects.select_for_update(of=("self",)).filter(
            membership_id__in=list(by_member),
            criterion_id__in={c.criterion.pk for c in changes},
        )
    }
    for change in changes:
        score = current.get((change.membership.pk, change.criterion.pk)) or Score(
            membership=change.membership, criterion=change.criterion, revision=0
        )
        for name, figure in change.figures.items():
            setattr(score, name, figure)
        score.revision += 1
        described = sheets.describe(change.criterion, change.figures)
        reason = f"{REASON} – tiêu chí {change.criterion.code}: {described}"
        audit.save(score, user=user, reason=reason)


def _cell(row: tuple, column: int) -> object:
    return row[column - 1] if column - 1 < len(row) else None


def _integer(value: object) -> int | None:
    """A key the file holds as a number (an int, or a float Excel saved)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value if isinstance(value, int) else None


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _ref(row: int, column: int) -> str:
    return f"{get_column_letter(column)}{row}"
