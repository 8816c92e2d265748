"""Evidence (minh chứng): checked uploads under random names, served only to
the unit, its head and the staff guiding the cluster."""

import re
from urllib.parse import quote

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clusters.models import Membership
from scoring import sheets
from scoring.models import Evidence
from tests.factories import UserFactory
from tests.scoring.test_sheets_services import PDF, make_scorecard, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def card(world):
    return make_scorecard(world.cluster_a, world.year)


@pytest.fixture
def hh(world):
    return member(world, world.a_member)


HTMX = {"HTTP_HX_REQUEST": "true"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64


def stored_files(media_root) -> list:
    return [p for p in media_root.rglob("*") if p.is_file()] if media_root.exists() else []


def upload_url(criterion):
    return reverse("evidence_upload", args=[2025, criterion.pk])


def upload(client, criterion, name, content, htmx=True):
    field = f"e{criterion.pk}-file"
    data = {field: SimpleUploadedFile(name, content, content_type="application/pdf")}
    return client.post(upload_url(criterion), data, **(HTMX if htmx else {}))


def raw_upload(client, criterion, filename: str, content: bytes):
    """A multipart body written by hand: the test client would strip the path."""
    boundary = "thidua-boundary"
    head = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="e{criterion.pk}-file"; filename="{filename}"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    body = head + content + f"\r\n--{boundary}--\r\n".encode()
    return client.generic(
        "POST",
        upload_url(criterion),
        body,
        content_type=f"multipart/form-data; boundary={boundary}",
        **HTMX,
    )


@pytest.fixture
def stored(world, card, hh, media_root):
    return sheets.evidence_add(
        membership=hh,
        criterion=card["II.1"],
        file=SimpleUploadedFile("Báo cáo tổng kết.pdf", PDF),
        user=world.member,
    )


# ---------------------------------------------------------------------------
# Uploading


def test_a_valid_upload_is_stored_under_a_random_name(client, world, card, media_root):
    client.force_login(world.member)
    response = upload(client, card["II.1"], "Báo cáo tổng kết.pdf", PDF)
    assert response.status_code == 200
    evidence = Evidence.objects.get()
    assert re.fullmatch(r"minh-chung/[0-9a-f]{32}", evidence.file.name)
    assert evidence.original_name == "Báo cáo tổng kết.pdf"
    assert (evidence.content_type, evidence.size) == ("application/pdf", len(PDF))
    assert evidence.uploaded_by == world.member
    [path] = stored_files(media_root)
    assert path.read_bytes() == PDF and "Báo" not in str(path)
    html = response.content.decode()
    assert f'id="evidence-{card["II.1"].pk}"' in html and "Báo cáo tổng kết.pdf" in html


def test_the_content_type_follows_the_checked_bytes(world, card, hh, media_root):
    evidence = sheets.evidence_add(
        membership=hh,
        criterion=card["II.1"],
        file=SimpleUploadedFile("anh.png", PNG),
        user=world.member,
    )
    assert evidence.content_type == "image/png"


REFUSED = [
    ("virus.pdf", EXE, "không đúng định dạng .pdf"),  # a wrong type renamed to .pdf
    ("script.exe", EXE, "Chỉ nhận tệp PDF"),
    ("rong.pdf", b"", "rỗng"),
]


@pytest.mark.parametrize(("name", "content", "message"), REFUSED)
def test_a_refused_upload_stores_nothing(client, world, card, media_root, name, content, message):
    client.force_login(world.member)
    response = upload(client, card["II.1"], name, content)
    assert message in response.content.decode()
    assert not Evidence.objects.exists()
    assert stored_files(media_root) == []


def test_an_oversize_upload_stores_nothing(client, world, card, media_root, monkeypatch):
    monkeypatch.setattr("emulation.uploads.MAX_UPLOAD_BYTES", len(PDF) - 1)
    client.force_login(world.member)
    response = upload(client, card["II.1"], "lon.pdf", PDF)
    assert "lớn hơn 20 MB" in response.content.decode()
    assert not Evidence.objects.exists()
    assert stored_files(media_root) == []


# Limits per criterion and per unit (emulation/limits.py; issue #12): a unit
# cannot fill the disk by uploading without end.

LIMITS = "emulation.limits."


def test_a_criterion_takes_at_most_so_many_files(client, world, card, media_root, monkeypatch):
    monkeypatch.setattr(LIMITS + "EVIDENCE_FILES_PER_CRITERION", 2)
    client.force_login(world.member)
    for number in range(2):
        upload(client, card["II.1"], f"minh-chung-{number}.pdf", PDF)
    response = upload(client, card["II.1"], "thua.pdf", PDF)
    assert "Mỗi tiêu chí có tối đa 2 tệp minh chứng" in response.content.decode()
    assert Evidence.objects.filter(criterion=card["II.1"]).count() == 2
    assert len(stored_files(media_root)) == 2
    # Another criterion still takes files.
    upload(client, card["I.1"], "khac.pdf", PDF)
    assert Evidence.objects.filter(criterion=card["I.1"]).count() == 1


def test_a_criterion_takes_at_most_so_many_bytes(client, world, card, media_root, monkeypatch):
    monkeypatch.setattr(LIMITS + "EVIDENCE_BYTES_PER_CRITERION", len(PDF) * 2 - 1)
    client.force_login(world.member)
    upload(client, card["II.1"], "mot.pdf", PDF)
    response = upload(client, card["II.1"], "hai.pdf", PDF)
    assert "tổng dung lượng minh chứng của tiêu chí" in response.content.decode()
    assert Evidence.objects.count() == 1


def test_a_unit_takes_at_most_so_many_files_and_bytes(client, world, card, media_root, monkeypatch):
    monkeypatch.setattr(LIMITS + "EVIDENCE_FILES_PER_UNIT", 2)
    client.force_login(world.member)
    upload(client, card["II.1"], "mot.pdf", PDF)
    upload(client, card["I.1"], "hai.pdf", PDF)
    response = upload(client, card["III.1"], "ba.pdf", PDF)
    assert "Mỗi đơn vị có tối đa 2 tệp minh chứng" in response.content.decode()
    assert Evidence.objects.count() == 2

    monkeypatch.setattr(LIMITS + "EVIDENCE_FILES_PER_UNIT", 100)
    monkeypatch.setattr(LIMITS + "EVIDENCE_BYTES_PER_UNIT", len(PDF) * 3 - 1)
    response = upload(client, card["III.1"], "ba.pdf", PDF)
    assert "tổng dung lượng minh chứng của đơn vị" in response.content.decode()
    assert Evidence.objects.count() == 2
    assert len(stored_files(media_root)) == 2


def test_another_units_files_do_not_count(world, card, media_root, monkeypatch):
    monkeypatch.setattr(LIMITS + "EVIDENCE_FILES_PER_CRITERION", 1)
    for unit, user in ((world.a_member, world.member), (world.a_head, world.head)):
        sheets.evidence_add(
            membership=member(world, unit),
            criterion=card["II.1"],
            file=SimpleUploadedFile("mc.pdf", PDF),
            user=user,
        )
    assert Evidence.objects.count() == 2


def test_a_name_with_a_path_is_refused_by_the_service(world, card, hh, media_root):
    for name in ("../../etc/passwd.pdf", "..\\..\\boot.pdf", "minh-chung/x.pdf"):
        with pytest.raises(ValidationError, match="không được chứa đường dẫn"):
            sheets.evidence_add(
                membership=hh,
                criterion=card["II.1"],
                file=ContentFile(PDF, name),
                user=world.member,
            )
    assert not Evidence.objects.exists()
    assert stored_files(media_root) == []


def test_a_bare_dot_dot_name_is_refused_over_http(client, world, card, media_root):
    client.force_login(world.member)
    response = raw_upload(client, card["II.1"], "..", PDF)
    assert response.status_code == 200
    assert not Evidence.objects.exists()
    assert stored_files(media_root) == []


def test_a_path_in_an_http_upload_never_reaches_the_disk(client, world, card, media_root):
    # Django's multipart parser keeps only the base name of what the browser
    # sent; the file is then stored under a random name inside MEDIA_ROOT.
    client.force_login(world.member)
    raw_upload(client, card["II.1"], "../../../ngoai-thu-muc.pdf", PDF)
    assert list(media_root.parent.rglob("ngoai-thu-muc.pdf")) == []
    [path] = stored_files(media_root)
    assert path.parent == media_root / "minh-chung"
    assert re.fullmatch(r"[0-9a-f]{32}", path.name)
    assert Evidence.objects.get().original_name == "ngoai-thu-muc.pdf"


def test_another_clusters_member_cannot_upload_here(client, world, card, media_root):
    client.force_login(world.other_member)
    assert upload(client, card["II.1"], "a.pdf", PDF).status_code == 404
    assert not Evidence.objects.exists()


def test_uploading_for_another_unit_is_refused_by_the_service(world, card, hh, media_root):
    with pytest.raises(PermissionDenied):
        sheets.evidence_add(
            membership=hh,
            criterion=card["II.1"],
            file=ContentFile(PDF, "a.pdf"),
            user=world.head,
        )
    assert stored_files(media_root) == []


def test_uploading_after_submission_is_refused(client, world, card, hh, media_root):
    sheets.sheet_submit(membership=hh, user=world.member)
    client.force_login(world.member)
    response = upload(client, card["II.1"], "a.pdf", PDF, htmx=False)
    assert response.status_code == 302
    follow = client.get(response["Location"]).content.decode()
    assert "Phiếu tự chấm đã nộp" in follow
    assert not Evidence.objects.exists()
    assert stored_files(media_root) == []


def test_anonymous_upload_is_sent_to_login(client, world, card, media_root):
    response = upload(client, card["II.1"], "a.pdf", PDF)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert stored_files(media_root) == []


# ---------------------------------------------------------------------------
# Downloading


DOWNLOAD = {
    "member": 200,  # the unit itself
    "head": 200,  # its cluster's head
    "staff": 200,  # Sở Nội vụ guides cluster A
    "deputy": 403,  # not acting for the head
    "other_member": 403,
    "other_head": 403,
    "other_staff": 403,
}


@pytest.mark.parametrize(("who", "status"), DOWNLOAD.items())
def test_download_access(client, world, stored, who, status):
    client.force_login(getattr(world, who))
    response = client.get(reverse("evidence_download", args=[stored.pk]))
    assert response.status_code == status
    if status == 200:
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        disposition = response["Content-Disposition"]
        assert disposition.startswith("attachment")
        assert quote("Báo cáo tổng kết.pdf") in disposition


def test_another_member_of_the_same_cluster_cannot_download(client, world, stored):
    client.force_login(UserFactory(unit=world.a_member2))
    assert client.get(reverse("evidence_download", args=[stored.pk])).status_code == 403


def test_a_deputy_acting_for_the_head_may_download(client, world, stored):
    Membership.objects.filter(unit=world.a_deputy).update(acts_for_head=True)
    client.force_login(world.deputy)
    assert client.get(reverse("evidence_download", args=[stored.pk])).status_code == 200


def test_anonymous_download_is_sent_to_login(client, world, stored):
    response = client.get(reverse("evidence_download", args=[stored.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# ---------------------------------------------------------------------------
# Removing


def test_the_unit_removes_its_evidence_while_editable(
    client, world, stored, media_root, django_capture_on_commit_callbacks
):
    client.force_login(world.member)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("evidence_delete", args=[stored.pk]), **HTMX)
    assert response.status_code == 200
    assert not Evidence.objects.exists()
    assert stored_files(media_root) == []


@pytest.mark.parametrize("who", ["head", "staff", "other_member", "other_staff"])
def test_others_cannot_remove_a_units_evidence(client, world, stored, media_root, who):
    client.force_login(getattr(world, who))
    assert client.post(reverse("evidence_delete", args=[stored.pk])).status_code == 403
    assert Evidence.objects.exists() and len(stored_files(media_root)) == 1


def test_removing_after_submission_is_refused(client, world, stored, hh, media_root):
    sheets.sheet_submit(membership=hh, user=world.member)
    client.force_login(world.member)
    response = client.post(reverse("evidence_delete", args=[stored.pk]), **HTMX)
    assert "Phiếu tự chấm đã nộp" in response.content.decode()
    assert Evidence.objects.exists() and len(stored_files(media_root)) == 1


def test_the_sheet_lists_the_evidence_of_each_row(client, world, stored, card):
    client.force_login(world.member)
    page = client.get(reverse("sheet", args=[2025])).content.decode()
    assert reverse("evidence_download", args=[stored.pk]) in page
    assert reverse("evidence_delete", args=[stored.pk]) in page
