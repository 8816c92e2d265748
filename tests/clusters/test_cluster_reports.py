"""The cluster's own sơ kết / tổng kết report, sent by the head beside each
member's reports (#14): a file and a date, late after the deadline."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from clusters import services
from clusters.models import ClusterReport
from tests.clusters.helpers import pdf

pytestmark = pytest.mark.django_db

SEND = reverse("cluster_report_send", args=["CUM-A", 2025])
REPORTS = reverse("reports", args=["CUM-A", 2025])


@pytest.fixture
def deadlines(world):
    services.year_create(year=2025)  # mid-year report due 30/06/2025
    return world


def _send(client, reported_on="25/06/2025", kind="mid_year"):
    return client.post(
        SEND, {"kind": kind, "number": "15/BC-CTĐ", "reported_on": reported_on, "file": pdf()}
    )


def test_head_sends_the_clusters_report_on_time(deadlines, client, media_root):
    world = deadlines
    client.force_login(world.head)
    with time_machine.travel(datetime(2025, 6, 28, 3, tzinfo=UTC)):
        assert _send(client).status_code == 302
        page = client.get(REPORTS).content.decode()
    report = ClusterReport.objects.get()
    assert (report.kind, report.reported_on) == ("mid_year", date(2025, 6, 25))
    assert report.history.first().history_user == world.head
    section = page.split("Báo cáo của cụm, khối")[1]
    assert "15/BC-CTĐ" in section and "Gửi muộn" not in section
    # The cluster's units and the staff read it; another cluster does not.
    download = reverse("upload_download", args=["bao-cao-cum", report.pk])
    for user, status in ((world.member, 200), (world.staff, 200), (world.other_member, 403)):
        client.force_login(user)
        assert client.get(download).status_code == status


def test_a_report_sent_after_the_deadline_is_late(deadlines, client, media_root):
    client.force_login(deadlines.head)
    with time_machine.travel(datetime(2025, 7, 5, 3, tzinfo=UTC)):
        _send(client, reported_on="04/07/2025")
        page = client.get(REPORTS).content.decode()
    assert "Gửi muộn" in page.split("Báo cáo của cụm, khối")[1]


def test_a_future_or_out_of_year_date_is_refused(deadlines, client, media_root):
    client.force_login(deadlines.head)
    with time_machine.travel(datetime(2025, 6, 28, 3, tzinfo=UTC)):
        assert "ngày trong tương lai" in _send(client, reported_on="30/06/2025").content.decode()
        assert "không thuộc năm thi đua" in _send(client, reported_on="01/01/2024").content.decode()
    assert not ClusterReport.objects.exists()


def test_only_the_head_sends_it(deadlines, client, media_root):
    for user in (deadlines.member, deadlines.staff, deadlines.other_head):
        client.force_login(user)
        assert _send(client).status_code == 403
    assert not ClusterReport.objects.exists()


def test_the_reports_page_shows_the_send_link_to_the_head_only(deadlines, client):
    client.force_login(deadlines.head)
    assert SEND in client.get(REPORTS).content.decode()
    client.force_login(deadlines.member)
    page = client.get(REPORTS).content.decode()
    assert SEND not in page and "Chưa gửi" in page.split("Báo cáo của cụm, khối")[1]
