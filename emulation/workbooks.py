"""Spreadsheets in and out of the product: the guard every xlsx upload passes
before a parser reads it, and the one rule every export applies to text that
a spreadsheet program would run as a formula.

Uploads. An xlsx file is a zip of XML parts, and a few hundred kilobytes can
unpack to hundreds of megabytes of cells (a "zip bomb"); openpyxl keeps the
shared strings and each row it parses in memory, so such a file took a worker
past a gigabyte. `xlsx_check` refuses a package whose parts, rows or cells
exceed the limits the caller gives (what the expected file can hold) before
anything parses it: it reads every part through a counter, never trusting
the sizes the zip declares, and stops at the first byte over a limit, so a
refusal costs at most the limits' worth of work. XML parts go through expat
(no tree is built) to count a worksheet's rows and cells; a part declaring a
DOCTYPE is refused (no spreadsheet needs one; entity tricks do). `xlsx_open`
checks, then opens the workbook in openpyxl's read-only streaming mode.

Exports. A cell whose text starts with `=`, `+`, `-`, `@`, a tab or a
carriage return can be read as a formula ("CSV injection"): a criterion code
`=1+2` or a unit named `=HYPERLINK(…)` must come out as the text it is.
`starts_formula` is that rule; CSV cells get a leading apostrophe
(`formula_safe`), xlsx cells stay exactly the text but are written as text
cells with Excel's quote prefix (`formula_safe_workbook`), so that a value
read back (a template's keys) is unchanged. Only strings are touched: a
negative number that is a real numeric cell stays a number.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import import_module
from importlib.util import find_spec
from io import BytesIO
from typing import TYPE_CHECKING
from xml.parsers import expat

from django.core.exceptions import ValidationError

if TYPE_CHECKING:  # openpyxl is imported where a workbook is made or read (#17)
    from openpyxl import Workbook

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Points in a workbook: numbers, two decimals, thousands grouped; Excel writes the
# marks the reader's way (a Vietnamese Excel shows "1.234,50", #15).
FIGURE_FORMAT = "#,##0.00"
CHUNK = 64 * 1024

BROKEN = "Tệp Excel (.xlsx) bị hỏng hoặc không đúng định dạng; hãy lưu lại tệp bằng Excel."


# ---------------------------------------------------------------------------
# Exports


def starts_formula(value: object) -> bool:
    """Whether a spreadsheet program could take this cell's text as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def formula_safe(value: object) -> object:
    """A cell value for CSV (or any export without a text type): text that
    could start a formula gets a leading apostrophe; anything else as it is."""
    return f"'{value}" if starts_formula(value) else value


def formula_safe_workbook(workbook: Workbook) -> Workbook:
    """Every text cell of the workbook that could start a formula becomes a
    text cell with the quote prefix, its text unchanged."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if starts_formula(cell.value):
                    cell.data_type = "s"
                    cell.quotePrefix = True
    return workbook


def formula_safe_rows(rows: Iterable[Iterable[object]]) -> list[list[object]]:
    return [[formula_safe(value) for value in row] for row in rows]


# ---------------------------------------------------------------------------
# Uploads


@dataclass(frozen=True)
class XlsxLimits:
    """What the expected file can hold: per worksheet `rows` and `cells`; per
    part (uncompressed) `part_bytes`; all parts together `total_bytes`."""

    rows: int
    cells: int
    part_bytes: int
    total_bytes: int
    parts: int = 200

    @property
    def megabytes(self) -> str:
        return f"{self.total_bytes / (1024 * 1024):.0f}".replace(".", ",")


def xlsx_open(data: bytes, limits: XlsxLimits) -> Workbook:
    """The upload as a read-only (streaming) openpyxl workbook, once it passed
    `xlsx_check`. Raises ValidationError in Vietnamese."""
    from openpyxl import load_workbook

    xlsx_check(data, limits)
    try:
        return load_workbook(BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a broken package
        raise ValidationError(BROKEN, code="xlsx_broken") from None


def xlsx_check(data: bytes, limits: XlsxLimits) -> None:
    """Refuse (ValidationError) an xlsx package that is more than `limits`
    allow, reading at most the limits' worth of it."""
    try:
        with zipfile.ZipFile(BytesIO(data)) as package:
            infos = package.infolist()
            if len(infos) > limits.parts:
                raise _too_big(f"có {len(infos)} thành phần", limits)
            declared = 0
            for info in infos:
                declared += info.file_size
                if info.file_size > limits.part_bytes or declared > limits.total_bytes:
                    raise _too_big("quá lớn khi giải nén", limits)
            total = 0
            for info in infos:
                total = _read_part(package, info, limits, total)
    except ValidationError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, RuntimeError):
        # RuntimeError: an encrypted part; BadZipFile: a CRC that does not match
        # (a part larger than it claims is cut at its claimed size and fails here).
        raise ValidationError(BROKEN, code="xlsx_broken") from None
    except (NotImplementedError, ValueError):  # an unknown compression method
        raise ValidationError(BROKEN, code="xlsx_broken") from None


def _too_big(what: str, limits: XlsxLimits) -> ValidationError:
    return ValidationError(
        f"Tệp Excel {what}, vượt quá những gì một tệp đúng mẫu có thể chứa "
        f"(tối đa {limits.rows} dòng, {limits.cells} ô mỗi trang và khoảng "
        f"{limits.megabytes} MB khi giải nén); tệp không được đọc. Hãy dùng tệp mẫu "
        "tải từ hệ thống.",
        code="xlsx_too_big",
    )


def _read_part(
    package: zipfile.ZipFile, info: zipfile.ZipInfo, limits: XlsxLimits, total: int
) -> int:
    """Read one part through the counters; the running total of bytes read."""
    name = info.filename
    counter = _SheetCounter(limits) if _is_worksheet(name) else None
    parser = _xml_parser(counter) if name.endswith((".xml", ".rels")) else None
    size = 0
    with package.open(info) as part:
        while chunk := part.read(CHUNK):
            size += len(chunk)
            total += len(chunk)
            if size > limits.part_bytes or total > limits.total_bytes:
                raise _too_big("quá lớn khi giải nén", limits)
            if parser is not None:
                _feed(parser, chunk)
    if parser is not None:
        _feed(parser, b"", final=True)
    return total


def _is_worksheet(name: str) -> bool:
    return name.startswith("xl/worksheets/") and name.endswith(".xml")


class _SheetCounter:
    def __init__(self, limits: XlsxLimits) -> None:
        self.limits = limits
        self.rows = 0
        self.cells = 0

    def start(self, name: str, attributes: dict[str, str]) -> None:
        local = name.rsplit("}", 1)[-1]
        if local == "row":
            self.rows += 1
            number = attributes.get("r", "")
            if self.rows > self.limits.rows or (
                number.isdigit() and int(number) > self.limits.rows
            ):
                raise _too_big(f"có hơn {self.limits.rows} dòng", self.limits)
        elif local == "c":
            self.cells += 1
            if self.cells > self.limits.cells:
                raise _too_big(f"có hơn {self.limits.cells} ô trong một trang", self.limits)


def _xml_parser(counter: _SheetCounter | None) -> expat.XMLParserType:
    parser = expat.ParserCreate(namespace_separator="}")

    def doctype(*_args) -> None:
        raise ValidationError(BROKEN, code="xlsx_broken")

    parser.StartDoctypeDeclHandler = doctype
    if counter is not None:
        parser.StartElementHandler = counter.start
    return parser


def _feed(parser: expat.XMLParserType, chunk: bytes, *, final: bool = False) -> None:
    try:
        parser.Parse(chunk, final)
    except expat.ExpatError:
        raise ValidationError(BROKEN, code="xlsx_broken") from None


# ---------------------------------------------------------------------------
# Start-up


class _DeferredTablibFormat:
    """One of tablib's formats, its module imported on first use. At import,
    django-import-export asks tablib which formats exist, which loads each
    format's module: xlsx imports openpyxl and yaml PyYAML (together about
    0.15 s) in every process, for the admin's spreadsheet import and export
    alone (#17)."""

    def __init__(self, path: str, title: str, extensions: tuple[str, ...]) -> None:
        self._path, self.title, self.extensions = path, title, extensions

    def __getattr__(self, name: str):
        module, _, cls = self._path.rpartition(".")
        return getattr(getattr(import_module(module), cls), name)


# key → (tablib's class, the library it needs, its title and extensions)
_DEFERRED_FORMATS = {
    "xlsx": ("tablib.formats._xlsx.XLSXFormat", "openpyxl", ("xlsx",)),
    "yaml": ("tablib.formats._yaml.YAMLFormat", "yaml", ("yaml", "yml")),
}


def defer_tablib_formats() -> None:
    """Register the heavy formats in tablib's registry as deferred, in place of
    tablib's own; called before the admin modules load (emulation/apps.py)."""
    from tablib.formats import registry

    for key, (path, library, extensions) in _DEFERRED_FORMATS.items():
        if find_spec(library):
            registry.register(key, _DeferredTablibFormat(path, key, extensions))
