"""Every page of the year's activities renders, in Vietnamese, for those who may see it."""

from datetime import date

import pytest
from django.urls import reverse

from clusters.services import (
    conference_record_attendance,
    conference_save,
    deduction_propose,
    head_document_upload,
    pledge_save,
    report_upload,
)
from tests.clusters.helpers import membership, pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(world, dated, media_root):
    hh = membership(world, world.a_member)
    conference = conference_save(
        cluster=world.cluster_a,
        year=world.year,
        kind="annual",
        held_on=date(2025, 12, 20),
        place="UBND thành phố Bắc Giang",
        agenda="Tổng kết năm",
        minutes=pdf(),
        user=None,
    )
    conference_record_attendance(
        conference=conference, statuses={hh.pk: "absent"}, revision=0, user=None
    )
    pledge_save(
        revision=None,
        cluster=world.cluster_a,
        year=world.year,
        text="Giao ước",
        file=None,
        user=None,
    )
    head_document_upload(
        cluster=world.cluster_a,
        year=world.year,
        kind="programme",
        number="01/CTr",
        issued_on=date(2025, 4, 5),
        file=pdf(),
        user=None,
    )
    report_upload(
        membership=hh,
        kind="mid_year",
        number="",
        reported_on=date(2025, 6, 30),
        file=pdf(),
        user=None,
    )
    deduction_propose(membership=hh, reason="Không thực hiện nhiệm vụ", user=None)
    return conference


def _cluster_pages(conference) -> list[str]:
    args = ["CUM-A", 2025]
    return [
        reverse("cluster_detail", args=args),
        reverse("registration_progress", args=args),
        reverse("registration_detail", args=[*args, "HH"]),
        reverse("pledge", args=args),
        reverse("head_documents", args=args),
        reverse("reports", args=args),
        reverse("conferences", args=args),
        reverse("conference_detail", args=[*args, conference.pk]),
        reverse("deductions", args=args),
        reverse("election", args=args),
    ]


def _head_pages(conference) -> list[str]:
    args = ["CUM-A", 2025]
    return [
        reverse("registration_edit", args=[2025]),
        reverse("pledge_edit", args=args),
        reverse("head_document_upload", args=args),
        reverse("report_upload", args=args),
        reverse("conference_create", args=[*args, "khac"]),
        reverse("conference_edit", args=[*args, conference.pk]),
        reverse("conference_attendance", args=[*args, conference.pk]),
    ]


ENGLISH = ("This field", "Currently", "Submit", "Save", "Delete", "None</")


def _check(client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200, url
    page = response.content.decode()
    assert not [word for word in ENGLISH if word in page], url


@pytest.mark.parametrize("who", ["head", "staff"])
def test_cluster_pages_render_for_head_and_staff(client, world, records, who):
    client.force_login(getattr(world, who))
    for url in _cluster_pages(records):
        _check(client, url)


def test_head_forms_render(client, world, records):
    client.force_login(world.head)
    for url in _head_pages(records):
        _check(client, url)


def test_unit_home_links_to_the_activities(client, world):
    client.force_login(world.head)
    page = client.get(reverse("home")).content.decode()
    assert reverse("registration_edit", args=[2025]) in page
    assert reverse("election", args=["CUM-A", 2025]) in page
    client.force_login(world.member)
    page = client.get(reverse("home")).content.decode()
    assert reverse("registration_edit", args=[2025]) in page
    assert reverse("election", args=["CUM-A", 2025]) not in page
