"""Journey: Sở Nội vụ extends one unit's registration deadline by clicking
from its home page (#14), and the unit sees the new date in "Việc cần làm"."""

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest skips these journeys (or, on CI, fails them)
    expect = None

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_province_extends_a_units_deadline_and_the_unit_sees_it(browse, demo):
    from clusters.models import Extension

    page = browse.page
    browse.login("sonoivu", greeting="Sở Nội vụ tỉnh Bắc Giang")
    page.get_by_role("link", name="Cụm thi đua các huyện, thành phố").click()
    page.get_by_role("link", name="Gia hạn", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gia hạn")
    deadline = "Đăng ký thi đua (hạn 31/03/2025)"
    page.get_by_label("Hạn được gia hạn").select_option(label=deadline)
    page.get_by_label("Cho").select_option("HH")
    page.get_by_label("Hạn mới").fill("15/06/2026")
    page.get_by_label("Lý do gia hạn").fill("Đơn vị bị ảnh hưởng bởi bão, đề nghị gia hạn")
    page.get_by_role("button", name="Gia hạn").click()
    expect(page.get_by_role("alert")).to_have_text("Đã gia hạn.")
    expect(page.locator("table tbody tr").first).to_contain_text("15/06/2026")
    browse.shot("01-gia-han")
    extension = Extension.objects.get()
    assert extension.membership.unit.code == "HH" and extension.granted_by.username == "sonoivu"

    page.get_by_role("button", name="Đăng xuất").click()
    browse.login("thanhvien", greeting="UBND huyện Hiệp Hòa")
    page.get_by_role("link", name="Việc cần làm").click()
    row = page.locator("tr", has_text="Gửi bản đăng ký thi đua")
    expect(row).to_contain_text("15/06/2026")
    expect(row).to_contain_text("gia hạn")
    browse.shot("02-viec-can-lam")
