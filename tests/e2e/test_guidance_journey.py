"""Journey: Sở Nội vụ (`sonoivu`) copies the 2022 guidance, lowers its
threshold to 880 and adds a bonus kind with its label, applies it to 2026;
the head of CUM-HUYEN issues the cluster's scorecard, and the cluster's 2026
results follow the new guidance: HH, at 890, below the 2022 threshold, is now
considered, and the new bonus shows by its label (#16)."""

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest skips these journeys (or, on CI, fails them)
    expect = None

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LABEL = "Có sáng kiến được công nhận"


@pytest.fixture
def approved(demo, next_year):
    """CUM-HUYEN's 2026 scorecard approved, not yet issued (the guidance of a
    year whose scorecard is issued no longer changes), and its members'
    scores: TPBG 945, HH 890. The demo's 2026 cluster of communes is not
    visited; its scorecard is set back to approved so that the year's
    guidance may change. The mid-year report is due in 30 days, as the
    registration and the annual report are (`next_year`): no unit is
    excluded for it, whatever today is."""
    from datetime import timedelta

    from django.utils import timezone

    from clusters import deadlines
    from clusters.models import Deadline, Membership
    from scoring.guidances import stored_regulation
    from scoring.models import Scorecard
    from tests.awards.test_review_views import give_total, issue_scorecard

    Deadline.objects.filter(year=next_year, kind=deadlines.MID_YEAR_REPORT).update(
        due_date=timezone.localdate() + timedelta(days=30)
    )
    Scorecard.objects.filter(year=next_year).update(status=Scorecard.Status.APPROVED)
    criteria = issue_scorecard(demo.cluster, next_year)
    Scorecard.objects.filter(cluster=demo.cluster, year=next_year).update(
        status=Scorecard.Status.APPROVED
    )
    members = Membership.objects.filter(cluster=demo.cluster, year=next_year)
    for membership in members.select_related("unit"):
        give_total(membership, criteria, "890" if membership.unit.code == "HH" else "945")
    # Under the 2022 guidance, 890 is below the threshold.
    assert stored_regulation(next_year, demo.cluster).threshold == 900
    return next_year


def test_staff_copy_change_and_apply_a_guidance_and_the_results_follow(browse, demo, approved):
    from scoring.guidances import stored_regulation

    page = browse.page
    browse.login("sonoivu", greeting="Sở Nội vụ tỉnh Bắc Giang")

    # Copy the 2022 guidance.
    page.get_by_role("navigation").get_by_role("link", name="Hướng dẫn").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hướng dẫn thi đua các cụm, khối")
    page.get_by_role("link", name="BG-2022", exact=True).click()
    page.get_by_role("button", name="Sao chép").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sửa hướng dẫn")
    browse.shot("01-ban-sao")

    # Its threshold and a new bonus kind, with the label people read.
    page.get_by_label("Mã hướng dẫn").fill("BG-2026")
    page.get_by_label("Tên hướng dẫn").fill("Hướng dẫn thi đua các cụm, khối năm 2026")
    page.get_by_label("Ngưỡng điểm để được xét khen thưởng").fill("880")
    bonuses = page.get_by_label("Các loại điểm thưởng")
    bonuses.fill(bonuses.input_value() + f"\nsang_kien = 3 | {LABEL}")
    page.get_by_role("button", name="Lưu hướng dẫn").click()
    expect(page.get_by_role("alert")).to_have_text("Đã lưu hướng dẫn.")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Hướng dẫn thi đua các cụm, khối năm 2026"
    )
    expect(page.locator("h2:text-is('Điểm thưởng') + table")).to_contain_text(LABEL)
    browse.shot("02-huong-dan-moi")

    # Applied to 2026.
    page.get_by_role("link", name="Áp dụng cho năm").click()
    page.get_by_label("Năm thi đua").select_option("2026")
    page.get_by_role("button", name="Áp dụng").click()
    expect(page.get_by_role("alert")).to_have_text("Đã áp dụng hướng dẫn cho năm 2026.")
    expect(page.locator("dl")).to_contain_text("Năm 2026")
    assert stored_regulation(approved, demo.cluster).threshold == 880

    # The head issues the cluster's scorecard, now under the 2026 guidance.
    page.get_by_role("button", name="Đăng xuất").click()
    browse.login("truongcum", greeting="UBND thành phố Bắc Giang")
    page.locator(".page-header").get_by_role("link", name="Bảng chấm điểm").click()
    page.get_by_role("button", name="Ban hành").click()
    expect(page.locator("#trang-thai")).to_contain_text("ban hành")
    page.get_by_role("button", name="Đăng xuất").click()

    # Sở Nội vụ gives HH the new bonus, then reads the results.
    browse.login("sonoivu", greeting="Sở Nội vụ tỉnh Bắc Giang")
    page.get_by_role("link", name="Cụm thi đua các huyện, thành phố").first.click()
    page.get_by_role("link", name="Điểm thưởng, điểm trừ").click()
    bonus = page.locator("form", has=page.get_by_role("button", name="Cộng điểm thưởng"))
    bonus.get_by_label("Đơn vị").select_option(label="HH – UBND huyện Hiệp Hòa")
    bonus.get_by_label("Loại điểm thưởng").select_option(label=LABEL)
    bonus.get_by_role("textbox", name="Điểm").fill("2")
    bonus.get_by_label("Lý do").fill("Sáng kiến cải cách thủ tục hành chính")
    bonus.get_by_role("button", name="Cộng điểm thưởng").click()
    expect(page.get_by_role("alert")).to_have_text("Đã cộng điểm thưởng.")
    expect(page.locator("main")).to_contain_text(LABEL)
    browse.shot("03-diem-thuong")

    page.locator(".page-header").get_by_role("link", name="Kết quả chấm điểm").click()
    hh = page.locator("tr", has_text="UBND huyện Hiệp Hòa")
    expect(hh).to_contain_text(f"+2 {LABEL}")
    expect(hh).to_contain_text("892")
    expect(hh).to_contain_text("Đủ điều kiện")
    expect(page.locator("main")).not_to_contain_text("Dưới 900 điểm")
    browse.shot("04-ket-qua")
