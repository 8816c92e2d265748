"""A draft guidance's framework of criteria (Phụ lục 02, #16): rows added,
changed and removed one by one, or replaced whole from an xlsx workbook read
by the safe reader (emulation.workbooks). A guidance in use is frozen (R18):
its framework is not edited; its new version or a copy is.

Each change is recorded in the guidance's history with who and why (R35)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO
from typing import IO

from django.core.exceptions import ValidationError
from django.db import transaction

from emulation import audit, limits
from emulation.models import User
from emulation.numbers import read_figure
from emulation.workbooks import XlsxLimits, formula_safe_rows, xlsx_open
from scoring import engine
from scoring.guidances import framework_copy, regulation_of
from scoring.models import Framework, FrameworkCriterion, Guidance, Scorecard
from scoring.regulation import GROUPS

COLUMNS = ("Phần", "Nhóm", "Mã", "Thuộc tiêu chí", "Nội dung", "Điểm", "Cách chấm")
SHEET_TITLE = "Khung tiêu chí"
MAX_ROWS = 1000
WORKBOOK_LIMITS = XlsxLimits(
    rows=MAX_ROWS + 1,
    cells=(MAX_ROWS + 1) * 20,
    part_bytes=4 * 1024 * 1024,
    total_bytes=8 * 1024 * 1024,
)
METHOD_OF_LABEL = {label.lower(): code for code, label in engine.METHOD_LABELS.items()}
FROZEN = (
    "Hướng dẫn đang áp dụng: khung tiêu chí không sửa được. Hãy sửa hướng dẫn (tạo phiên "
    "bản mới) hoặc sao chép nó, rồi sửa khung của bản mới."
)


@dataclass(frozen=True)
class Row:
    """One criterion of the framework as a person writes it."""

    section: str
    group: str
    code: str
    parent: str
    title: str
    points: Decimal | None
    method: str


def _editable(guidance: Guidance) -> Framework:
    """The guidance's own framework, copied first when it shares one (with
    another guidance or with scorecards built from it)."""
    if guidance.is_frozen:
        raise ValidationError(FROZEN)
    framework = guidance.framework
    if framework is None:
        framework = Framework.objects.create(year=_year(guidance), title=guidance.name[:500])
    elif (
        Guidance.objects.filter(framework=framework).exclude(pk=guidance.pk).exists()
        or Scorecard.objects.filter(framework=framework).exists()
    ):
        framework = framework_copy(framework)
    if guidance.framework_id != framework.pk:
        guidance.framework = framework
        guidance.save(update_fields=["framework"])
    return framework


def _year(guidance: Guidance) -> int:
    return guidance.document_date.year if guidance.document_date else 2022


def _check(guidance: Guidance, rows: list[Row], others: dict[tuple[str, str], str]) -> None:
    """R37: sections of the guidance; group A–D or none; codes unique within
    a group; a parent of the same section and group; an item's points as the
    guidance fixes them. `others`: the framework's rows kept beside `rows`,
    (group, code) → section."""
    regulation = regulation_of(guidance)
    errors: list[str] = []
    seen: dict[tuple[str, str], str] = {}
    for n, row in enumerate(rows, 1):
        where = f"Dòng {n} ({row.code or 'chưa có mã'})" if len(rows) > 1 else "Tiêu chí"
        section = regulation.section(row.section)
        if section is None:
            errors.append(
                f"{where}: phần “{row.section}” không có trong hướng dẫn (có "
                f"{', '.join(regulation.section_codes)})."
            )
        if row.group and row.group not in GROUPS:
            errors.append(f"{where}: nhóm phải là A, B, C, D hoặc để trống.")
        if not row.code:
            errors.append(f"{where}: chưa có mã.")
        if not row.title:
            errors.append(f"{where}: chưa có nội dung.")
        if len(row.title) > limits.CRITERION_TITLE:
            errors.append(f"{where}: nội dung tối đa {limits.CRITERION_TITLE} ký tự.")
        if len(row.code) > limits.CODE:
            errors.append(f"{where}: mã tối đa {limits.CODE} ký tự.")
        key = (row.group, row.code)
        if key in seen or key in others:
            errors.append(f"{where}: mã “{row.code}” đã có trong nhóm này.")
        seen[key] = row.section
        points = row.points
        if points is not None and (points < 0 or points != points.quantize(Decimal("0.01"))):
            errors.append(f"{where}: điểm phải từ 0 trở lên, tối đa 2 chữ số sau dấu phẩy.")
        if section is not None and row.code in section.items and points != section.items[row.code]:
            errors.append(
                f"{where}: hướng dẫn quy định mục {row.code} là "
                f"{engine.fmt_points(section.items[row.code])} điểm."
            )
    sections = others | seen
    for n, row in enumerate(rows, 1):
        if row.parent and (
            row.parent == row.code or sections.get((row.group, row.parent)) != row.section
        ):
            errors.append(
                f"Dòng {n} ({row.code}): tiêu chí cha “{row.parent}” không có trong phần "
                f"{row.section}, nhóm {row.group or 'chung'}."
            )
    if errors:
        raise ValidationError(errors)


def _others(framework: Framework, but: int | None) -> dict[tuple[str, str], str]:
    return {
        (group, code): section
        for pk, group, code, section in framework.criteria.values_list(
            "pk", "group", "code", "section"
        )
        if pk != but
    }


def _order(framework: Framework, row: Row) -> int:
    last = (
        framework.criteria.filter(section=row.section, group=row.group)
        .order_by("-order")
        .values_list("order", flat=True)
        .first()
    )
    return 0 if last is None else last + 1


def _parent(framework: Framework, row: Row) -> FrameworkCriterion | None:
    if not row.parent:
        return None
    return framework.criteria.get(group=row.group, code=row.parent)


def _fill(criterion: FrameworkCriterion, row: Row, framework: Framework) -> None:
    criterion.section = row.section
    criterion.group = row.group
    criterion.code = row.code
    criterion.title = row.title
    criterion.points = row.points
    criterion.method = row.method
    criterion.parent = _parent(framework, row)


@transaction.atomic
def framework_criterion_save(
    *, guidance: Guidance, row: Row, criterion: FrameworkCriterion | None = None, user: User
) -> FrameworkCriterion:
    """Add a criterion to the guidance's framework, or change one."""
    guidance = Guidance.objects.select_for_update().get(pk=guidance.pk)
    framework = _editable(guidance)
    if criterion is not None:
        # The row of the guidance's own framework with the same place (it may
        # just have been copied).
        criterion = framework.criteria.get(group=criterion.group, code=criterion.code)
    _check(guidance, [row], _others(framework, criterion.pk if criterion else None))
    if criterion is None:
        criterion = FrameworkCriterion(framework=framework, order=_order(framework, row))
        reason = f"Thêm tiêu chí {row.code} vào khung"
    else:
        reason = f"Sửa tiêu chí {row.code} của khung"
    _fill(criterion, row, framework)
    criterion.save()
    audit.save(guidance, user=user, reason=reason)
    return criterion


@transaction.atomic
def framework_criterion_remove(
    *, guidance: Guidance, criterion: FrameworkCriterion, user: User
) -> None:
    """Remove a criterion and the criteria under it."""
    guidance = Guidance.objects.select_for_update().get(pk=guidance.pk)
    framework = _editable(guidance)
    framework.criteria.filter(group=criterion.group, code=criterion.code).delete()
    audit.save(guidance, user=user, reason=f"Bỏ tiêu chí {criterion.code} khỏi khung")


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def rows_from_workbook(file: IO[bytes]) -> list[Row]:
    """The rows of an uploaded framework workbook (the columns of COLUMNS),
    checked by the safe reader before it is parsed."""
    file.seek(0)
    data = file.read(WORKBOOK_LIMITS.total_bytes + 1)
    if not data:
        raise ValidationError("Tệp rỗng.")
    workbook = xlsx_open(data, WORKBOOK_LIMITS)
    sheet = workbook[SHEET_TITLE] if SHEET_TITLE in workbook.sheetnames else workbook.worksheets[0]
    sheet.reset_dimensions()
    cells = sheet.iter_rows(max_col=len(COLUMNS), values_only=True)
    header = next(cells, None)
    if header is None or tuple(_text(c) for c in header) != COLUMNS:
        raise ValidationError(
            "Dòng đầu của tệp phải là các cột: " + ", ".join(COLUMNS) + " (tải tệp mẫu để xem)."
        )
    rows, errors = [], []
    for n, values in enumerate(cells, 2):
        if n > MAX_ROWS + 1:
            raise ValidationError(f"Tệp có hơn {MAX_ROWS} tiêu chí.")
        texts = [_text(v) for v in (*values, *[None] * len(COLUMNS))][: len(COLUMNS)]
        if not any(texts):
            continue
        section, group, code, parent, title, points, method = texts
        try:
            figure = read_figure(points) if points else None
        except ValidationError as error:
            errors.append(f"Dòng {n}, điểm: {' '.join(error.messages)}")
            continue
        chosen = METHOD_OF_LABEL.get(method.lower(), method if method in engine.METHODS else None)
        if method and chosen is None:
            errors.append(f"Dòng {n}: cách chấm “{method}” không có.")
            continue
        rows.append(Row(section, group.upper(), code, parent, title, figure, chosen or ""))
    if errors:
        raise ValidationError(errors)
    if not rows:
        raise ValidationError("Tệp không có tiêu chí nào.")
    return rows


@transaction.atomic
def framework_replace(*, guidance: Guidance, rows: list[Row], user: User) -> int:
    """The guidance's framework becomes the given rows (an uploaded workbook)."""
    guidance = Guidance.objects.select_for_update().get(pk=guidance.pk)
    framework = _editable(guidance)
    _check(guidance, rows, {})
    framework.criteria.all().delete()
    made: dict[tuple[str, str], FrameworkCriterion] = {}
    order: dict[tuple[str, str], int] = {}
    pending = list(rows)
    while pending:  # parents first, whatever the order of the file
        later = []
        for row in pending:
            if row.parent and (row.group, row.parent) not in made:
                later.append(row)
                continue
            place = (row.section, row.group)
            order[place] = order.get(place, -1) + 1
            criterion = FrameworkCriterion(
                framework=framework,
                section=row.section,
                group=row.group,
                code=row.code,
                title=row.title,
                points=row.points,
                method=row.method,
                order=order[place],
                parent=made.get((row.group, row.parent)) if row.parent else None,
            )
            criterion.save()
            made[(row.group, row.code)] = criterion
        if len(later) == len(pending):  # a parent that is its own ancestor
            raise ValidationError("Các tiêu chí cha lặp vòng: " + ", ".join(r.code for r in later))
        pending = later
    audit.save(guidance, user=user, reason=f"Tải lên khung tiêu chí ({len(rows)} tiêu chí)")
    return len(rows)


def framework_workbook(guidance: Guidance) -> bytes:
    """The guidance's framework as the workbook the upload reads."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLE
    criteria = (
        list(
            guidance.framework.criteria.select_related("parent").order_by(
                "section", "group", "order", "pk"
            )
        )
        if guidance.framework_id
        else []
    )
    rows = [
        [
            c.section,
            c.group,
            c.code,
            c.parent.code if c.parent else "",
            c.title,
            c.points,
            engine.METHOD_LABELS.get(c.method, ""),
        ]
        for c in criteria
    ]
    for row in [list(COLUMNS), *formula_safe_rows(rows)]:
        sheet.append(row)
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()
