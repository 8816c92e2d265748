"""Helpers for the tests of the year's activities: files and members by unit."""

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

from clusters.models import Membership

PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def pdf(name: str = "van-ban.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def office_package(folder: str) -> bytes:
    """A minimal Office Open XML package: a zip with `folder` entries."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr(f"{folder}document.xml", "<document/>")
    return buffer.getvalue()


def membership(world, unit) -> Membership:
    return Membership.objects.select_related("unit", "cluster", "year").get(
        unit=unit, year=world.year
    )
