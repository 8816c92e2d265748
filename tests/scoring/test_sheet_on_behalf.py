"""Entering a unit's self-scoring sheet on its behalf from its paper sheet
(#14): the head (or delegated deputy) or Sở Nội vụ, with a reason; the
history says who entered it for which unit, and the unit sees it."""

from decimal import Decimal

import pytest
from django.urls import reverse

from scoring.models import Score, Sheet
from tests.scoring.test_sheets_services import make_scorecard

pytestmark = pytest.mark.django_db

REASON = "Đơn vị mất kết nối mạng, gửi phiếu giấy có chữ ký và dấu"


@pytest.fixture
def card(world):
    return make_scorecard(world.cluster_a, world.year)


def _url(unit="HH", code="CUM-A") -> str:
    return reverse("sheet_behalf", args=[code, 2025, unit])


def _data(card, **more) -> dict:
    data = {
        f"r{card['I.1'].pk}-plan": "100",
        f"r{card['I.1'].pk}-actual": "90",
        f"r{card['II.1'].pk}-points": "150,5",
        "behalf_reason": REASON,
    }
    for leaf in card.values():
        data[f"r{leaf.pk}-revision"] = ""
    return data | more


@pytest.mark.parametrize("who", ["head", "staff"])
def test_head_or_province_enters_a_sheet_from_paper(client, world, card, who):
    user = getattr(world, who)
    client.force_login(user)
    page = client.post(_url(), _data(card, submit="1"), follow=True).content.decode()
    assert "Đã nhập thay" in page
    scores = {s.criterion.code: s for s in Score.objects.filter(membership__unit=world.a_member)}
    assert scores["I.1"].actual == Decimal(90) and scores["II.1"].points == Decimal("150.5")
    assert set(scores) == {"I.1", "II.1"}  # the empty rows stay unscored
    sheet = Sheet.objects.get(membership__unit=world.a_member)
    assert sheet.status == Sheet.Status.SUBMITTED
    assert sheet.behalf_by == user and sheet.behalf_reason == REASON
    reasons = [
        *Score.history.values_list("history_change_reason", flat=True),
        *sheet.history.values_list("history_change_reason", flat=True),
    ]
    assert all("nhập thay UBND huyện Hiệp Hòa" in r for r in reasons if "Lập phiếu" not in r)
    assert any(REASON in r for r in reasons)


def test_saved_without_submitting_stays_a_draft(client, world, card):
    client.force_login(world.head)
    client.post(_url(), _data(card))
    assert Sheet.objects.get(membership__unit=world.a_member).status == Sheet.Status.DRAFT
    assert Score.objects.filter(membership__unit=world.a_member).count() == 2


def test_rows_already_as_on_paper_are_not_written_again(client, world, card):
    client.force_login(world.head)
    client.post(_url(), _data(card))
    before = Score.history.count()
    revisions = {
        f"r{s.criterion_id}-revision": str(s.revision)
        for s in Score.objects.filter(membership__unit=world.a_member)
    }
    client.post(_url(), _data(card) | revisions | {f"r{card['II.1'].pk}-points": "160"})
    assert Score.history.count() == before + 1
    assert Score.objects.get(criterion=card["II.1"]).points == Decimal(160)


def test_a_reason_is_required_and_nothing_is_saved(client, world, card):
    client.force_login(world.head)
    page = client.post(_url(), _data(card, behalf_reason="")).content.decode()
    assert "Cần ghi lý do nhập thay đơn vị" in page
    assert not Score.objects.exists()


def test_one_wrong_row_saves_nothing(client, world, card):
    """All or nothing: a figure over the criterion's points refuses the whole sheet."""
    client.force_login(world.head)
    data = _data(card, **{f"r{card['I.3.1'].pk}-points": "999"})
    page = client.post(_url(), data).content.decode()
    assert "I.3.1" in page
    assert not Score.objects.exists()


def test_a_submitted_sheet_cannot_be_entered_again(client, world, card):
    client.force_login(world.head)
    client.post(_url(), _data(card, submit="1"))
    answer = client.post(_url(), _data(card, **{f"r{card['II.1'].pk}-points": "10"}))
    assert Score.objects.get(criterion=card["II.1"]).points == Decimal("150.5")
    assert answer.status_code == 302


def test_the_unit_sees_who_entered_its_sheet(client, world, card):
    client.force_login(world.head)
    client.post(_url(), _data(card))
    client.force_login(world.member)
    page = client.get(reverse("sheet", args=[2025])).content.decode()
    assert "nhập thay" in page and REASON in page and "Nguyễn Thu Hà" in page


def test_the_history_page_says_who_entered_for_whom(client, world, card):
    client.force_login(world.head)
    client.post(_url(), _data(card))
    page = client.get(reverse("history", args=["CUM-A", 2025])).content.decode()
    assert "nhập thay UBND huyện Hiệp Hòa" in page


@pytest.mark.parametrize("who", ["member", "other_staff", "other_head", "deputy"])
def test_others_cannot_enter_a_sheet_on_a_units_behalf(client, world, card, who):
    client.force_login(getattr(world, who))
    assert client.post(_url(), _data(card, submit="1")).status_code == 403
    assert client.get(_url()).status_code == 403
    assert not Score.objects.exists()


def test_anonymous_is_sent_to_login(client, world, card):
    answer = client.get(_url())
    assert answer.status_code == 302 and reverse("login") in answer["Location"]


def test_the_review_links_the_entry_on_behalf(client, world, card):
    client.force_login(world.head)
    page = client.get(reverse("review", args=["CUM-A", 2025])).content.decode()
    assert _url() in page
