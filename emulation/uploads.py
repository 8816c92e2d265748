"""Uploaded documents: which files are accepted and where they are stored.

Two things, used by every model that keeps a user's file (reports, pledges,
conference minutes, evidence):

- `validate_upload(file)` refuses anything but PDF, Word, Excel, JPEG or PNG
  of at most `MAX_UPLOAD_BYTES`, judged by the file's bytes (magic numbers),
  not by the name or the browser's content type. Use it as a form field
  validator and call it again in the service that stores the file.
- `random_upload_path(prefix)` is an `upload_to` that stores a file as
  `<prefix>/<uuid4 hex>.<ext>`: the name a user gave is never part of the
  path (only its extension, once validated, is kept).

Files are served only through views that check who may read them, never
from MEDIA_URL.
"""

import uuid
import zipfile
from pathlib import PurePosixPath
from typing import IO

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

from emulation.limits import MAX_UPLOAD_BYTES

PDF = b"%PDF-"
PNG = b"\x89PNG\r\n\x1a\n"
JPEG = b"\xff\xd8\xff"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc, .xls (Compound File Binary)
ZIP = b"PK\x03\x04"  # .docx, .xlsx (Office Open XML)

# Extension → (leading bytes, folder an Office Open XML package must contain).
ALLOWED: dict[str, tuple[bytes, str | None]] = {
    "pdf": (PDF, None),
    "png": (PNG, None),
    "jpg": (JPEG, None),
    "jpeg": (JPEG, None),
    "doc": (OLE2, None),
    "xls": (OLE2, None),
    "docx": (ZIP, "word/"),
    "xlsx": (ZIP, "xl/"),
}
ACCEPT = ",".join(f".{ext}" for ext in ALLOWED)  # for <input type="file" accept=…>
HELP_TEXT = "Tệp PDF, Word (.doc, .docx), Excel (.xls, .xlsx) hoặc ảnh (.jpg, .png), tối đa 20 MB."

_WRONG_TYPE = "Chỉ nhận tệp PDF, Word (.doc, .docx), Excel (.xls, .xlsx) hoặc ảnh (.jpg, .png)."


def extension(name: str | None) -> str:
    """The lower-case extension of a file name, without the dot ('' if none)."""
    return PurePosixPath((name or "").replace("\\", "/")).suffix.lower().lstrip(".")


def validate_upload(file: IO[bytes]) -> None:
    """Refuse a file that is not an accepted document (ValidationError, in Vietnamese).

    `file` is an uploaded file (or any Django `File`) with a `name` and a
    `size`; it is read from the start and left at the start.
    """
    ext = extension(getattr(file, "name", ""))
    if ext not in ALLOWED:
        raise ValidationError(_WRONG_TYPE, code="upload_type")
    size = getattr(file, "size", None)
    if size is None:
        raise ValidationError("Không đọc được kích thước tệp.", code="upload_size")
    if size == 0:
        raise ValidationError("Tệp rỗng.", code="upload_empty")
    if size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            "Tệp lớn hơn 20 MB (dung lượng tối đa cho phép).", code="upload_too_large"
        )
    magic, package_folder = ALLOWED[ext]
    file.seek(0)
    try:
        if file.read(len(magic)) != magic or (
            package_folder is not None and not _zip_has_folder(file, package_folder)
        ):
            raise ValidationError(
                f"Nội dung tệp không đúng định dạng .{ext} (tệp có thể đã bị đổi tên).",
                code="upload_content",
            )
    finally:
        file.seek(0)


def _zip_has_folder(file: IO[bytes], folder: str) -> bool:
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as package:
            return any(name.startswith(folder) for name in package.namelist())
    except (zipfile.BadZipFile, OSError, EOFError):
        return False


@deconstructible
class RandomUploadPath:
    """`upload_to` giving `<prefix>/<uuid4 hex>.<ext>`; see `random_upload_path`."""

    def __init__(self, prefix: str) -> None:
        if not prefix or not all(c.isalnum() or c in "-_" for c in prefix):
            raise ValueError(f"upload prefix must be a plain folder name, not {prefix!r}")
        self.prefix = prefix

    def __call__(self, instance: object, filename: str) -> str:
        ext = extension(filename)
        suffix = f".{ext}" if ext in ALLOWED else ""
        return f"{self.prefix}/{uuid.uuid4().hex}{suffix}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RandomUploadPath) and other.prefix == self.prefix

    def __hash__(self) -> int:
        return hash(self.prefix)


def random_upload_path(prefix: str) -> RandomUploadPath:
    """An `upload_to` for a FileField: files go to `<prefix>/` under random names."""
    return RandomUploadPath(prefix)
