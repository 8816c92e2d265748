"""Journey on a phone (issue #15): a member unit (HH, `thanhvien`) on a 390×844
screen opens its to-do list from the folded menu, its registration and its
sheet, saves a figure and uploads evidence, then opens its pledge, reports and
last year's pages and results; no page scrolls sideways."""

from decimal import Decimal

import pytest

from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.test_member_journey import (
    EVIDENCE,
    issued,  # noqa: F401 (a fixture)
)

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest skips these journeys (or, on CI, fails them)
    expect = None

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def assert_fits_the_phone(page) -> None:
    """Nothing wider than the screen: the page never scrolls sideways."""
    width = page.evaluate("document.scrollingElement.scrollWidth")
    if width > PHONE["width"]:
        wide = page.evaluate(
            """() => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                .slice(0, 5).map(e => e.tagName + '.' + e.className + ': '
                    + (e.textContent || '').trim().slice(0, 40))"""
        )
        pytest.fail(f"{page.url} rộng {width}px > {PHONE['width']}px: {wide}")


def test_member_saves_a_figure_from_a_phone(browse, demo, issued):  # noqa: F811
    revenue, _ = issued
    page = browse.page
    page.set_viewport_size(PHONE)

    browse.login("thanhvien", greeting="UBND huyện Hiệp Hòa")
    expect(page.get_by_role("heading", name="UBND huyện Hiệp Hòa")).to_be_visible()
    assert_fits_the_phone(page)
    # The menu folds behind its button.
    menu = page.locator("#nav")
    todo = menu.get_by_role("link", name="Việc cần làm")
    expect(todo).to_be_hidden()
    toggler = page.get_by_role("button", name="Mở menu")
    expect(toggler).to_be_visible()
    browse.shot("01-trang-chu-390")
    toggler.click()
    expect(todo).to_be_visible()
    browse.shot("02-menu-390")

    todo.click()
    expect(page.get_by_role("heading", name="Việc cần làm năm 2026")).to_be_visible()
    expect(menu.get_by_role("link", name="Việc cần làm")).to_be_hidden()
    assert_fits_the_phone(page)
    browse.shot("03-viec-can-lam-390")

    page.get_by_role("link", name="Đăng ký thi đua").first.click()
    expect(page.get_by_role("heading", name="Đăng ký tham gia thi đua năm 2026")).to_be_visible()
    assert_fits_the_phone(page)
    browse.shot("04-dang-ky-390")

    page.go_back()
    page.get_by_role("link", name="Nộp phiếu tự chấm điểm").click()
    expect(page.get_by_role("heading", name="Tự chấm điểm năm 2026")).to_be_visible()
    assert_fits_the_phone(page)
    row = page.locator(f"#row-{revenue.pk}")
    with page.expect_response(lambda r: r.url.endswith(f"/tieu-chi/{revenue.pk}/")):
        row.get_by_label("Kế hoạch").fill("100")
        row.get_by_label("Kế hoạch").press("Tab")
    with page.expect_response(lambda r: r.url.endswith(f"/tieu-chi/{revenue.pk}/")):
        row.get_by_label("Thực hiện").fill("95,5")
        row.get_by_label("Thực hiện").press("Tab")
    expect(page.locator(f"#status-{revenue.pk}")).to_have_text("Đã lưu.")
    expect(page.locator(f"#result-{revenue.pk}")).to_contain_text("Tỷ lệ thực hiện: 95,5%")
    assert_fits_the_phone(page)
    # Evidence from the phone, uploaded into the row.
    row.get_by_label(f"Tệp minh chứng cho tiêu chí {revenue.code}").set_input_files(
        files=[{"name": "anh-chup-bao-cao.pdf", "mimeType": "application/pdf", "buffer": EVIDENCE}]
    )
    with page.expect_response(lambda r: r.url.endswith(f"/tieu-chi/{revenue.pk}/minh-chung/")):
        row.get_by_role("button", name="Tải lên minh chứng").click()
    evidence = page.locator(f"#evidence-{revenue.pk}")
    expect(evidence.get_by_role("link", name="anh-chup-bao-cao.pdf")).to_be_visible()
    assert_fits_the_phone(page)
    assert browse.shot("05-tu-cham-390").is_relative_to(SCREENSHOTS)
    assert (SCREENSHOTS / "phone-05-tu-cham-390.png").stat().st_size > 0

    # Last year's scores agreed at the preparatory meeting: the member reads the
    # cluster's results too.
    from django.utils import timezone

    from clusters.models import Cluster, EmulationYear
    from scoring.models import ScoreAgreement

    ScoreAgreement.objects.update_or_create(
        cluster=Cluster.objects.get(code="CUM-HUYEN"),
        year=EmulationYear.objects.get(year=2025),
        defaults={"agreed_at": timezone.now()},
    )
    # The member's other pages, and last year's sheet with every row filled.
    for path in (
        "/",
        "/cum/CUM-HUYEN/2026/",
        "/cum/CUM-HUYEN/2026/giao-uoc/",
        "/cum/CUM-HUYEN/2026/bao-cao/",
        "/dang-ky/2025/",
        "/cham-diem/2025/",
        "/viec-can-lam/?nam=2025",
        "/ket-qua/CUM-HUYEN/2025/",
    ):
        page.goto(path)
        assert_fits_the_phone(page)
    browse.check()

    from scoring.models import Score

    score = Score.objects.get(membership__unit=demo.member.unit, criterion=revenue)
    assert (score.plan, score.actual) == (100, Decimal("95.5"))
