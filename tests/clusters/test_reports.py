"""Members' mid-year and annual reports (R10) and the head's documents (R5, R7)."""

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from clusters.models import HeadDocument, Report
from clusters.services import report_upload
from tests.clusters.helpers import membership, pdf

pytestmark = pytest.mark.django_db

PAGE = reverse("reports", args=["CUM-A", 2025])
UPLOAD = reverse("report_upload", args=["CUM-A", 2025])


def _report(**fields) -> dict:
    return {"kind": "mid_year", "number": "45/BC-UBND", "reported_on": "28/06/2025"} | fields


def test_member_sends_its_mid_year_report(client, world, media_root):
    client.force_login(world.member)
    response = client.post(UPLOAD, _report(file=pdf("bao-cao.pdf")))
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.membership == membership(world, world.a_member)
    assert (report.kind, report.reported_on) == ("mid_year", date(2025, 6, 28))
    assert report.uploaded_by == world.member


def test_a_new_upload_replaces_the_report_and_keeps_the_history(client, world, media_root):
    client.force_login(world.member)
    client.post(UPLOAD, _report(file=pdf()))
    client.post(UPLOAD, _report(number="46/BC-UBND", file=pdf()))
    report = Report.objects.get()
    assert report.number == "46/BC-UBND"
    assert report.history.count() == 2


def test_dates_are_read_day_first(client, world, media_root):
    client.force_login(world.member)
    client.post(UPLOAD, _report(reported_on="05/07/2025", file=pdf()))
    assert Report.objects.get().reported_on == date(2025, 7, 5)


@pytest.mark.parametrize("who", ["other_member", "other_head", "staff", "other_staff"])
def test_others_cannot_send_a_report_for_the_cluster(client, world, media_root, who):
    client.force_login(getattr(world, who))
    assert client.post(UPLOAD, _report(file=pdf())).status_code == 403
    assert not Report.objects.exists()


def test_sending_needs_login(client, world, media_root):
    response = client.post(UPLOAD, _report(file=pdf()))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert not Report.objects.exists()


@pytest.fixture
def two_reports(world, media_root):
    for unit, number in ((world.a_member, "HH-01"), (world.a_member2, "LG-01")):
        report_upload(
            membership=membership(world, unit),
            kind="annual",
            number=number,
            reported_on=date(2025, 11, 25),
            file=pdf(),
            user=None,
        )


@pytest.mark.parametrize("who", ["head", "staff", "admin"])
def test_head_and_staff_see_every_members_reports(client, world, two_reports, who):
    client.force_login(getattr(world, who))
    response = client.get(PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    assert "HH-01" in page and "LG-01" in page
    members_table = page.split("Báo cáo của cụm, khối")[0]
    assert members_table.count("Chưa gửi") == 6  # 4 mid-year + 2 annual


def test_a_member_sees_only_its_own_reports(client, world, two_reports):
    client.force_login(world.member)
    page = client.get(PAGE).content.decode()
    assert "HH-01" in page and "LG-01" not in page


@pytest.mark.parametrize("who", ["other_member", "other_head", "other_staff"])
def test_others_cannot_see_the_reports(client, world, two_reports, who):
    client.force_login(getattr(world, who))
    assert client.get(PAGE).status_code == 403


def test_late_report_is_marked_late(client, world, dated, media_root):
    with time_machine.travel(date(2025, 7, 3)):
        report_upload(
            membership=membership(world, world.a_member),
            kind="mid_year",
            number="",
            reported_on=date(2025, 7, 2),
            file=pdf(),
            user=None,
        )
    client.force_login(world.head)
    assert "Gửi muộn" in client.get(PAGE).content.decode()


# --- The head's documents ------------------------------------------------------

DOCUMENTS = reverse("head_documents", args=["CUM-A", 2025])
DOCUMENT_UPLOAD = reverse("head_document_upload", args=["CUM-A", 2025])


def test_head_uploads_the_programme(client, world, media_root):
    client.force_login(world.head)
    response = client.post(
        DOCUMENT_UPLOAD,
        {"kind": "programme", "number": "01/CTr-CT", "issued_on": "15/03/2025", "file": pdf()},
    )
    assert response.status_code == 302
    document = HeadDocument.objects.get()
    assert document.issued_on == date(2025, 3, 15)
    client.force_login(world.member)
    page = client.get(DOCUMENTS).content.decode()
    assert "01/CTr-CT" in page and "15/03/2025" in page
    download = reverse("upload_download", args=["van-ban", document.pk])
    assert client.get(download).status_code == 200


@pytest.mark.parametrize("who", ["member", "deputy", "other_head", "staff", "other_staff"])
def test_only_the_head_uploads_its_documents(client, world, media_root, who):
    client.force_login(getattr(world, who))
    response = client.post(
        DOCUMENT_UPLOAD,
        {"kind": "programme", "number": "", "issued_on": "15/03/2025", "file": pdf()},
    )
    assert response.status_code == 403
    assert not HeadDocument.objects.exists()
