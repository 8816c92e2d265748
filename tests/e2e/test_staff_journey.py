"""Journey 3: Sở Nội vụ staff (`sonoivu`) approve a scorecard a block has
submitted, set a cluster's award quotas, follow the province's year and
download the ranking as a PDF."""

import io

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest skips these journeys (or, on CI, fails them)
    expect = None

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _pdf_viewer(frame) -> bool:
    """Chromium shows a PDF served inline in its viewer, an extension's frame."""
    return frame.url.startswith("chrome-extension://")


DOCUMENT = "Quyết định số 2150/QĐ-UBND ngày 20/11/2025 của Chủ tịch UBND tỉnh"


@pytest.fixture
def submitted(demo):
    """KHOI-KT's 2025 scorecard, built from the framework and submitted by the
    head of the block (Sở Kế hoạch và Đầu tư)."""
    from clusters.models import Cluster, Unit
    from emulation.models import User
    from scoring import services
    from tests.factories import discuss_and_submit

    head = User.objects.create_user(
        username="truongkhoi", password="khong-dung", unit=Unit.objects.get(code="SKHDT")
    )
    block = Cluster.objects.get(code="KHOI-KT")
    scorecard = services.scorecard_create_from_framework(cluster=block, year=demo.year, user=head)
    discuss_and_submit(scorecard, head)
    return scorecard


def test_staff_approve_set_quotas_follow_province_and_download_pdf(browse, demo, submitted):
    from openpyxl import load_workbook
    from pypdf import PdfReader

    from scoring.models import Quota, Scorecard

    page = browse.page
    browse.login("sonoivu", greeting="Sở Nội vụ tỉnh Bắc Giang")
    # The demo has two years (#16): the home opens on each cluster's year in
    # progress; the year switch chooses 2025, Bắc Giang's five clusters.
    expect(page.get_by_role("heading", level=1)).to_have_text("Các cụm, khối thi đua đang diễn ra")
    page.goto("/?nam=2025")
    expect(page.get_by_role("heading", level=1)).to_have_text("Các cụm, khối thi đua năm 2025")
    expect(page.locator("table tbody tr")).to_have_count(5)
    browse.shot("01-trang-chu")

    # R18: the scorecards waiting for approval (a page no menu links to yet).
    page.goto("/bang-diem/cho-duyet/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bảng chấm điểm chờ phê duyệt")
    waiting = page.locator("table tbody tr")
    expect(waiting).to_have_count(1)
    expect(waiting).to_contain_text("Khối thi đua các sở, ngành kinh tế")
    waiting.get_by_role("link", name="Xem và phê duyệt").click()
    expect(page.locator("#trang-thai")).to_contain_text(
        "Bảng chấm điểm đã trình Sở Nội vụ tỉnh Bắc Giang, đang chờ phê duyệt."
    )
    expect(page.locator("#phan-I [data-total]")).to_have_text("Tổng 550/550 điểm · đủ điểm")
    browse.shot("02-cho-phe-duyet")
    page.get_by_role("button", name="Phê duyệt", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text(
        "Đã phê duyệt bảng chấm điểm; trưởng cụm, khối có thể ban hành."
    )
    expect(page.locator("#trang-thai")).to_contain_text(
        "Bảng chấm điểm đã được phê duyệt, chờ trưởng cụm, khối ban hành."
    )
    expect(page.get_by_role("button", name="Phê duyệt", exact=True)).to_have_count(0)

    # The province's year: every cluster's progress.
    # The demo's year in progress is 2026 (#16): 2025 is one year back.
    page.get_by_role("link", name="Toàn tỉnh", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Tiến độ thi đua, khen thưởng năm 2026"
    )
    page.goto("/tinh/2025/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Tiến độ thi đua, khen thưởng năm 2025"
    )
    progress = page.locator("table.province-progress tbody tr")
    expect(progress).to_have_count(5)
    expect(progress.filter(has_text="KHOI-KT")).to_contain_text("Đã phê duyệt (bản 1)")
    cum = progress.filter(has_text="CUM-HUYEN")
    expect(cum).to_contain_text("Đã ban hành (bản 1)")

    # R31: the quotas of CUM-HUYEN, set from the allocation decision.
    cum.get_by_role("link", name="Bình xét").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bình xét khen thưởng")
    expect(page.get_by_text("Chỉ tiêu: Cờ thi đua 1, Bằng khen 2, Tập thể LĐXS 0")).to_be_visible()
    page.get_by_role("link", name="Phân bổ chỉ tiêu").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Chỉ tiêu khen thưởng")
    expect(page.get_by_label("Cờ thi đua của UBND tỉnh")).to_have_value("1")
    page.get_by_label("Tập thể Lao động xuất sắc").fill("2")
    page.get_by_label("Văn bản phân bổ chỉ tiêu").fill(DOCUMENT)
    browse.shot("03-chi-tieu")
    page.get_by_role("button", name="Lưu chỉ tiêu").click()
    expect(page.get_by_role("alert")).to_have_text("Đã lưu chỉ tiêu khen thưởng.")
    expect(page.get_by_text("Chỉ tiêu: Cờ thi đua 1, Bằng khen 2, Tập thể LĐXS 2")).to_be_visible()
    ranking = page.locator("table.table-ranking tbody tr")
    expect(ranking.filter(has_text="UBND huyện Lục Ngạn")).to_contain_text(
        "Tập thể Lao động xuất sắc"
    )
    expect(ranking.filter(has_text="UBND huyện Yên Thế")).to_contain_text(
        "Tập thể Lao động xuất sắc"
    )
    browse.shot("04-binh-xet")

    # Back to the province's 2025: the awards against the new quotas, and its workbook.
    page.goto("/tinh/2025/")
    awards = page.locator("table.province-awards tbody tr").filter(has_text="CUM-HUYEN")
    expect(awards.locator("td.num")).to_have_text(["1/1", "2/2", "2/2", "–"])
    browse.shot("05-toan-tinh")
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải về (.xlsx)").click()
    assert download.value.suggested_filename == "toan-tinh-2025.xlsx"
    workbook = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    assert workbook.sheetnames[:2] == ["Tiến độ", "Khen thưởng và chỉ tiêu"]

    # The ranking of CUM-HUYEN as a PDF, opened in chromium's viewer.
    page.locator("table.province-progress tbody tr").filter(has_text="CUM-HUYEN").get_by_role(
        "link", name="Kết quả"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Kết quả chấm điểm – Cụm thi đua các huyện, thành phố – năm 2025"
    )
    with (
        page.expect_response(lambda r: "/van-ban/xep-hang/" in r.url) as answer,
        page.expect_event("framenavigated", predicate=_pdf_viewer) as opened,
    ):
        page.get_by_role("link", name="Bảng xếp hạng (PDF)").click()
    pdf = answer.value
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"] == 'inline; filename="xep-hang-CUM-HUYEN-2025.pdf"'
    viewer = opened.value
    expect(viewer.locator("viewer-toolbar #title")).to_have_text(
        "Bảng tổng hợp kết quả chấm điểm, xếp hạng thi đua năm 2025 – "
        "Cụm thi đua các huyện, thành phố"
    )
    expect(viewer.locator("viewer-toolbar #pageSelector")).to_have_value("1")
    browse.shot("06-bang-xep-hang-pdf")
    # The same document through the browser's session, read as the user reads it.
    fetched = page.request.get(pdf.url)
    assert fetched.body().startswith(b"%PDF-")
    text = " ".join(
        " ".join(page_.extract_text().split())
        for page_ in PdfReader(io.BytesIO(fetched.body())).pages
    )
    assert "BẢNG TỔNG HỢP KẾT QUẢ CHẤM ĐIỂM, XẾP HẠNG THI ĐUA" in text
    assert "Cụm thi đua các huyện, thành phố năm 2025" in text
    assert "Tập thể Lao động xuất sắc: 2." in text
    browse.check()

    assert Scorecard.objects.get(pk=submitted.pk).status == Scorecard.Status.APPROVED
    quota = Quota.objects.get(cluster=demo.cluster, year=demo.year, award="tap_the_ldxs")
    assert (quota.count, quota.document) == (2, DOCUMENT)
    assert quota.history.first().history_user == demo.staff
