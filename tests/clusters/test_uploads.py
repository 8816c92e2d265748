"""Uploaded files: accepted by their bytes, stored under random names, served
only to those who may read them (emulation/uploads.py)."""

import re
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clusters.models import Report
from clusters.services import report_upload
from emulation import uploads
from emulation.uploads import (
    MAX_UPLOAD_BYTES,
    RandomUploadPath,
    random_upload_path,
    validate_upload,
)
from tests.clusters.helpers import PDF_BYTES, membership, office_package, pdf
from tests.factories import UserFactory

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\0" * 120


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("bao-cao.pdf", PDF_BYTES),
        ("BAO-CAO.PDF", PDF_BYTES),
        ("anh.png", PNG),
        ("anh.jpg", JPEG),
        ("anh.jpeg", JPEG),
        ("cong-van.doc", OLE2),
        ("bang.xls", OLE2),
        ("cong-van.docx", office_package("word/")),
        ("bang.xlsx", office_package("xl/")),
    ],
)
def test_accepted_documents_pass_and_are_left_at_the_start(name, content):
    file = SimpleUploadedFile(name, content)
    validate_upload(file)
    assert file.read(3) == content[:3]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("setup.pdf", EXE),  # a program renamed .pdf
        ("anh.png", JPEG),  # the wrong image type
        ("cong-van.docx", office_package("xl/")),  # a workbook renamed .docx
        ("bang.xlsx", b"PK\x03\x04 not really a zip"),
        ("cong-van.doc", PDF_BYTES),
    ],
)
def test_content_that_does_not_match_the_extension_is_refused(name, content):
    with pytest.raises(ValidationError) as refused:
        validate_upload(SimpleUploadedFile(name, content))
    assert "Nội dung tệp không đúng định dạng" in refused.value.messages[0]


@pytest.mark.parametrize("name", ["setup.exe", "trang.html", "khong-duoi", "bao-cao.pdf.exe"])
def test_other_extensions_are_refused(name):
    with pytest.raises(ValidationError) as refused:
        validate_upload(SimpleUploadedFile(name, PDF_BYTES))
    assert "Chỉ nhận tệp PDF" in refused.value.messages[0]


def test_the_size_limit_is_20_mb():
    at_limit = pdf()
    at_limit.size = MAX_UPLOAD_BYTES
    validate_upload(at_limit)
    over = pdf()
    over.size = MAX_UPLOAD_BYTES + 1
    with pytest.raises(ValidationError) as refused:
        validate_upload(over)
    assert "20 MB" in refused.value.messages[0]


def test_empty_file_is_refused():
    with pytest.raises(ValidationError):
        validate_upload(SimpleUploadedFile("rong.pdf", b""))


def test_random_upload_path_never_uses_the_given_name():
    upload_to = random_upload_path("reports")
    first = upload_to(None, "../../etc/passwd.pdf")
    second = upload_to(None, "../../etc/passwd.pdf")
    assert re.fullmatch(r"reports/[0-9a-f]{32}\.pdf", first)
    assert first != second
    assert re.fullmatch(r"reports/[0-9a-f]{32}", upload_to(None, "chay.exe"))


def test_random_upload_path_is_serialisable_and_refuses_a_nested_prefix():
    assert random_upload_path("minutes").deconstruct() == (
        "emulation.uploads.RandomUploadPath",
        ("minutes",),
        {},
    )
    assert random_upload_path("minutes") == RandomUploadPath("minutes")
    for prefix in ("", "../x", "a/b"):
        with pytest.raises(ValueError):
            random_upload_path(prefix)


# --- Through the report upload view ------------------------------------------


def _post_report(client, file, kind="mid_year"):
    return client.post(
        reverse("report_upload", args=["CUM-A", 2025]),
        {"kind": kind, "number": "12/BC-UBND", "reported_on": "30/06/2025", "file": file},
    )


def _stored_files(media_root) -> list:
    return [p for p in media_root.rglob("*") if p.is_file()] if media_root.exists() else []


@pytest.mark.django_db
def test_a_renamed_program_is_refused_and_nothing_is_stored(client, world, media_root):
    client.force_login(world.member)
    response = _post_report(client, SimpleUploadedFile("bao-cao.pdf", EXE))
    assert response.status_code == 200
    assert "Nội dung tệp không đúng định dạng .pdf" in response.content.decode()
    assert not Report.objects.exists()
    assert _stored_files(media_root) == []


@pytest.mark.django_db
def test_an_oversize_file_is_refused_and_nothing_is_stored(client, world, media_root):
    client.force_login(world.member)
    big = PDF_BYTES + b"0" * (MAX_UPLOAD_BYTES + 1 - len(PDF_BYTES))
    response = _post_report(client, SimpleUploadedFile("bao-cao.pdf", big))
    assert response.status_code == 200
    assert "lớn hơn 20 MB" in response.content.decode()
    assert not Report.objects.exists()
    assert _stored_files(media_root) == []


@pytest.mark.django_db
def test_a_name_with_dot_dot_is_stored_under_a_random_name(client, world, media_root):
    client.force_login(world.member)
    response = _post_report(client, pdf("../../../tmp/../evil.pdf"))
    assert response.status_code == 302
    report = Report.objects.get()
    assert re.fullmatch(r"reports/[0-9a-f]{32}\.pdf", report.file.name)
    stored = _stored_files(media_root)
    assert stored == [media_root / report.file.name]
    assert "evil" not in str(stored[0])


@pytest.mark.django_db
def test_the_service_checks_the_file_again(world, media_root):
    with pytest.raises(ValidationError):
        report_upload(
            membership=membership(world, world.a_member),
            kind="annual",
            number="",
            reported_on=date(2025, 11, 20),
            file=SimpleUploadedFile("bao-cao.pdf", EXE),
            user=world.member,
        )
    assert not Report.objects.exists()
    assert _stored_files(media_root) == []


def test_validator_module_keeps_a_small_interface():
    public = {n for n in vars(uploads) if not n.startswith("_") and n.isidentifier()}
    assert {"validate_upload", "random_upload_path", "MAX_UPLOAD_BYTES"} <= public


# --- Downloads ----------------------------------------------------------------


@pytest.fixture
def stored_report(world, media_root):
    return report_upload(
        membership=membership(world, world.a_member),
        kind="mid_year",
        number="5/BC",
        reported_on=date(2025, 6, 25),
        file=pdf("bao-cao-6-thang.pdf"),
        user=world.member,
    )


def _download(client, report):
    return client.get(reverse("upload_download", args=["bao-cao", report.pk]))


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["member", "head", "staff", "admin"])
def test_report_is_served_to_the_unit_its_head_and_staff(client, world, stored_report, who):
    client.force_login(getattr(world, who))
    response = _download(client, stored_report)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Disposition"].startswith("attachment")


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["deputy", "other_member", "other_head", "other_staff"])
def test_report_is_not_served_to_others(client, world, stored_report, who):
    """The deputy (not acting for the head) is another unit of the same cluster."""
    client.force_login(getattr(world, who))
    assert _download(client, stored_report).status_code == 403


@pytest.mark.django_db
def test_report_download_needs_login(client, world, stored_report):
    response = _download(client, stored_report)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.django_db
def test_unknown_kind_is_404(client, world, stored_report):
    client.force_login(world.staff)
    response = client.get(reverse("upload_download", args=["mat-khau", stored_report.pk]))
    assert response.status_code == 404


@pytest.mark.django_db
def test_user_of_another_unit_in_the_same_cluster_cannot_read_a_report(
    client, world, stored_report
):
    client.force_login(UserFactory(unit=world.a_member2))
    assert _download(client, stored_report).status_code == 403
