"""The sheet by keyboard alone (issue #15): a member unit reaches a row's
figures with Tab, types them, and each is saved when it leaves the field,
with the result announced in the row; no mouse."""

from decimal import Decimal

import pytest

from tests.e2e.test_member_journey import issued  # noqa: F401 (a fixture)

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest skips these journeys (or, on CI, fails them)
    expect = None

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Enough presses to cross the bar, the year switch and the rows before it.
MOST_TABS = 400


def tab_to(page, element) -> None:
    """Press Tab until `element` has the focus, as a keyboard user does."""
    for _ in range(MOST_TABS):
        page.keyboard.press("Tab")
        if element.evaluate("e => e === document.activeElement"):
            return
    pytest.fail("Không tới được ô bằng phím Tab.")


def test_member_scores_a_row_with_the_keyboard_alone(browse, demo, issued):  # noqa: F811
    revenue, _ = issued
    page = browse.page
    browse.login("thanhvien", greeting="UBND huyện Hiệp Hòa")
    page.goto("/cham-diem/2026/")
    expect(page.get_by_role("heading", name="Tự chấm điểm năm 2026")).to_be_visible()

    row = page.locator(f"#row-{revenue.pk}")
    plan, actual = row.get_by_label("Kế hoạch"), row.get_by_label("Thực hiện")
    tab_to(page, plan)
    with page.expect_response(lambda r: r.url.endswith(f"/tieu-chi/{revenue.pk}/")):
        page.keyboard.type("100")
        page.keyboard.press("Tab")
    # The next field is the actual figure: one Tab further, not a hidden control.
    expect(actual).to_be_focused()
    with page.expect_response(lambda r: r.url.endswith(f"/tieu-chi/{revenue.pk}/")):
        page.keyboard.type("95,5")
        page.keyboard.press("Tab")
    status = page.locator(f"#status-{revenue.pk}")
    expect(status).to_have_text("Đã lưu.")
    # Read out where it changes: a screen reader hears the row's status.
    assert status.get_attribute("aria-live") or status.get_attribute("role") == "status"
    expect(page.locator(f"#result-{revenue.pk}")).to_contain_text("Tỷ lệ thực hiện: 95,5%")
    browse.check()

    from scoring.models import Score

    score = Score.objects.get(membership__unit=demo.member.unit, criterion=revenue)
    assert (score.plan, score.actual) == (100, Decimal("95.5"))
