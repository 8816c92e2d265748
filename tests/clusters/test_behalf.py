"""Entering a unit's registration on its behalf from a paper copy (#14): the
head or Sở Nội vụ, with a reason, marked in the history as entered by them
on behalf of the unit."""

import pytest
from django.urls import reverse

from clusters.models import Registration

pytestmark = pytest.mark.django_db


def _url(world, unit="HH") -> str:
    return reverse("registration_behalf", args=[world.cluster_a.code, 2025, unit])


def _data(**more) -> dict:
    return {
        "objectives": "Hoàn thành toàn diện nhiệm vụ năm 2025",
        "other_targets": "",
        "targets-TOTAL_FORMS": "1",
        "targets-INITIAL_FORMS": "0",
        "targets-0-title": "Thu ngân sách đạt 100% dự toán",
        "targets-0-measure": "%",
        "targets-0-planned_value": "100",
        "behalf_reason": "Đơn vị mất kết nối mạng, gửi bản giấy có chữ ký và dấu",
        "submit": "1",
    } | more


@pytest.mark.parametrize("who", ["head", "staff"])
def test_head_or_province_enters_a_registration_from_paper(client, world, dated, who):
    user = getattr(world, who)
    client.force_login(user)
    page = client.post(_url(world), _data(), follow=True).content.decode()
    assert "Đã nhập thay" in page
    registration = Registration.objects.get(membership__unit=world.a_member)
    assert registration.is_submitted and registration.submitted_by == user
    reasons = list(registration.history.values_list("history_change_reason", flat=True))
    assert all("nhập thay UBND huyện Hiệp Hòa" in r for r in reasons)
    assert any("mất kết nối mạng" in r for r in reasons)
    assert any(user.username in r or user.get_full_name() in r for r in reasons)


def test_a_reason_is_required(client, world, dated):
    client.force_login(world.head)
    page = client.post(_url(world), _data(behalf_reason="")).content.decode()
    assert "lý do" in page.lower()
    assert not Registration.objects.exists()


def test_the_history_page_says_who_entered_for_whom(client, world, dated):
    client.force_login(world.head)
    client.post(_url(world), _data())
    page = client.get(reverse("history", args=["CUM-A", 2025])).content.decode()
    assert "nhập thay UBND huyện Hiệp Hòa" in page


@pytest.mark.parametrize(
    ("who", "status"), [("member", 403), ("other_staff", 403), ("other_head", 403)]
)
def test_others_cannot_enter_on_a_units_behalf(client, world, dated, who, status):
    client.force_login(getattr(world, who))
    assert client.post(_url(world), _data()).status_code == status
    assert not Registration.objects.exists()


def test_the_registration_progress_links_the_entry_on_behalf(client, world, dated):
    client.force_login(world.head)
    page = client.get(reverse("registration_progress", args=["CUM-A", 2025])).content.decode()
    assert _url(world) in page
