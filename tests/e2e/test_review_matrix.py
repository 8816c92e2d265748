"""The head's review matrix on a 1366×768 screen (issue #15): the header row and
the criteria column stay in view while the matrix scrolls, titles are whole,
sections fold, and a unit's column opens its scoring sheet."""

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest skips these journeys (or, on CI, fails them)
    expect = None

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def box(locator) -> dict:
    return locator.bounding_box()


def test_the_review_matrix_keeps_its_header_and_criteria_in_view(browse, demo):
    page = browse.page
    page.set_viewport_size({"width": 1366, "height": 768})
    browse.login("truongcum", greeting="UBND thành phố Bắc Giang")
    page.goto("/tham-dinh/CUM-HUYEN/2025/")
    matrix = page.get_by_role("region", name="Bảng điểm tự chấm của các đơn vị theo tiêu chí")
    expect(matrix).to_be_visible()
    browse.shot("01-1366")

    # The whole title of a criterion, on lines of a readable width.
    first = matrix.locator("tbody th[scope=row]").first
    assert box(first)["width"] >= 250
    # The matrix fits the screen: its own scrollbars, not an 8,000 px page.
    assert box(matrix)["height"] <= 768
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 1366

    # Scrolled to its far corner, the header row and the criteria column stay.
    # (Instantly: Bootstrap makes scrolling smooth, which would move the boxes measured.)
    matrix.evaluate("el => el.scrollIntoView({behavior: 'instant'})")
    matrix.evaluate(
        "el => el.scrollTo({left: el.scrollWidth, top: el.scrollHeight, behavior: 'instant'})"
    )
    frame = box(matrix)
    corner = matrix.locator("thead th").first
    expect(corner).to_have_text("Tiêu chí")
    assert abs(box(corner)["y"] - frame["y"]) <= 2
    assert abs(box(corner)["x"] - frame["x"]) <= 2
    total = matrix.locator("tfoot th").first
    assert abs(box(total)["x"] - frame["x"]) <= 2
    unit = matrix.locator("thead th").last
    assert 0 <= box(unit)["y"] <= 768
    browse.shot("02-cuon-cuoi-bang")

    # A section folds and opens again, by mouse or keyboard.
    matrix.evaluate("el => el.scrollTo({left: 0, top: 0, behavior: 'instant'})")
    section = matrix.locator("tbody.matrix-section").first
    rows = section.locator("tr")
    expect(rows.nth(1)).to_be_visible()
    section.locator("summary").click()
    expect(rows.nth(1)).to_be_hidden()
    expect(section.locator("summary")).to_be_visible()
    browse.shot("03-thu-gon-phan-I")
    section.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(rows.nth(1)).to_be_visible()

    # Each unit's column opens that unit's scoring sheet.
    link = matrix.locator("thead").get_by_role("link", name="HH – phiếu chấm điểm của")
    expect(link).to_have_attribute("href", "/van-ban/phieu-cham/CUM-HUYEN/2025/HH/")
    sheet = page.request.get(link.get_attribute("href"))
    assert sheet.status == 200
    assert sheet.headers["content-type"] == "application/pdf"
    browse.check()
