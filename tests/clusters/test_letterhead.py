"""A unit's letterhead (issue #15): the issuing body, place and signer its
official documents print, kept by the unit's officers on /don-vi/van-ban/ and
by Sở Nội vụ for any unit; every change in the history."""

import pytest
from django.urls import reverse

from awards.documents import registration_context
from clusters.models import Unit
from emulation import limits
from tests.awards.test_review_views import member_of

pytestmark = pytest.mark.django_db

OWN = reverse("letterhead_own")
FILLED = {
    "superior_name": "",
    "issuer_name": "Ủy ban nhân dân huyện Hiệp Hòa",
    "place_name": "Hiệp Hòa",
    "signer_title": "KT. CHỦ TỊCH\r\nPHÓ CHỦ TỊCH",
    "signer_name": "Nguyễn Thị Thu Hà",
}


def test_a_units_officer_sets_what_its_documents_print(client, world):
    client.force_login(world.member)
    response = client.post(OWN, FILLED)
    assert response.status_code == 302
    unit = Unit.objects.get(code="HH")
    assert unit.place_name == "Hiệp Hòa"
    assert unit.signer_title == "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH"
    context = registration_context(member_of(world, "HH"))
    assert context["issuer"] == "ỦY BAN NHÂN DÂN HUYỆN HIỆP HÒA"
    assert context["date_line"].startswith("Hiệp Hòa, ")
    assert (context["signer_role"], context["signer_name"]) == (
        "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH",
        "Nguyễn Thị Thu Hà",
    )
    change = unit.history.first()
    assert change.history_user == world.member
    assert change.history_change_reason == "Cập nhật thông tin in trên văn bản"


def test_the_page_shows_the_units_current_letterhead(client, world):
    Unit.objects.filter(code="HH").update(place_name="Hiệp Hòa")
    client.force_login(world.member)
    page = client.get(OWN).content.decode()
    assert "Thông tin in trên văn bản của UBND huyện Hiệp Hòa" in page
    assert 'value="Hiệp Hòa"' in page


def test_a_name_over_its_limit_is_refused_in_vietnamese_and_nothing_saved(client, world):
    client.force_login(world.member)
    response = client.post(OWN, {**FILLED, "signer_name": "A" * (limits.PERSON_NAME + 1)})
    assert response.status_code == 200
    assert f"Tối đa {limits.PERSON_NAME} ký tự" in response.content.decode()
    assert Unit.objects.get(code="HH").place_name == ""


def test_staff_of_so_noi_vu_keep_any_units_letterhead(client, world):
    client.force_login(world.staff)
    url = reverse("letterhead_unit", args=["HH"])
    assert client.post(url, FILLED).status_code == 302
    assert Unit.objects.get(code="HH").signer_name == "Nguyễn Thị Thu Hà"
    # The cluster's page links each member's.
    page = client.get(reverse("cluster_detail", args=[world.cluster_a.code, 2025])).content
    assert url in page.decode()


def test_a_member_cannot_change_another_units_letterhead(client, world):
    client.force_login(world.member)
    response = client.post(reverse("letterhead_unit", args=["LG"]), FILLED)
    assert response.status_code == 403
    assert Unit.objects.get(code="LG").signer_name == ""
    # Its own page changes its own unit only.
    client.post(OWN, FILLED)
    assert Unit.objects.get(code="LG").signer_name == ""


def test_a_visitor_is_sent_to_the_login(client):
    response = client.get(OWN)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_the_demo_districts_print_their_own_place():
    from clusters.demo import letterhead

    assert letterhead("UBND huyện Hiệp Hòa", "district") == {
        "issuer_name": "Ủy ban nhân dân huyện Hiệp Hòa",
        "place_name": "Hiệp Hòa",
        "signer_title": "CHỦ TỊCH",
    }
    assert letterhead("UBND thành phố Bắc Giang", "district")["place_name"] == "TP. Bắc Giang"
