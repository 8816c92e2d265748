"""Journey 1: a member unit (HH, `thanhvien`) logs in, registers its targets,
scores itself against the issued scorecard with an evidence file, and submits."""

from decimal import Decimal

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest skips these journeys (or, on CI, fails them)
    expect = None

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Any PDF the upload check accepts: it looks at the first bytes.
EVIDENCE = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def issued(demo, next_year):
    """CUM-HUYEN's 2026 scorecard built from the framework, its criterion I.1
    scored against a plan (quantitative), approved and issued."""
    from scoring import services
    from scoring.models import Method
    from tests.factories import discuss_and_submit

    scorecard = services.scorecard_create_from_framework(
        cluster=demo.cluster, year=next_year, user=demo.head
    )
    services.criterion_update(
        criterion=scorecard.criteria.get(code="I.1"),
        revision=scorecard.criteria.get(code="I.1").revision,
        method=Method.QUANTITATIVE,
    )
    discuss_and_submit(scorecard, demo.head)
    services.scorecard_approve(scorecard=scorecard, user=demo.staff)
    services.scorecard_issue(scorecard=scorecard, user=demo.head)
    criteria = {c.code: c for c in scorecard.criteria.filter(code__in=["I.1", "I.2"])}
    return criteria["I.1"], criteria["I.2"]


def test_member_registers_scores_itself_with_evidence_and_submits(browse, demo, issued):
    from clusters.models import Registration
    from scoring.models import Evidence, Score, Sheet

    revenue, production = issued
    page = browse.page

    browse.login("thanhvien", greeting="UBND huyện Hiệp Hòa")
    expect(page.get_by_role("heading", name="UBND huyện Hiệp Hòa")).to_be_visible()
    expect(page.locator(".page-header")).to_contain_text(
        "Thành viên · Cụm thi đua các huyện, thành phố · năm 2026"
    )
    browse.shot("01-trang-chu")

    # Registration (Phụ lục 01): two targets, the first linked to criterion I.1.
    page.get_by_role("link", name="Đăng ký thi đua năm 2026").click()
    expect(page.get_by_role("heading", name="Đăng ký tham gia thi đua năm 2026")).to_be_visible()
    page.get_by_label("I. Mục tiêu").fill(
        "Hoàn thành toàn diện các chỉ tiêu kinh tế – xã hội năm 2026 do tỉnh giao."
    )
    page.locator('[name="targets-0-title"]').fill("Tổng thu ngân sách địa phương đạt kế hoạch")
    page.locator('[name="targets-0-measure"]').fill("tỷ đồng")
    page.locator('[name="targets-0-planned_value"]').fill("100")
    page.locator('[name="targets-0-criterion"]').select_option(label=f"I.1. {revenue.title[:90]}")
    page.locator('[name="targets-1-title"]').fill("Giảm tỷ lệ hộ nghèo theo chuẩn mới")
    page.locator('[name="targets-1-measure"]').fill("%")
    page.locator('[name="targets-1-planned_value"]').fill("2")
    browse.shot("02-dang-ky-soan")
    page.get_by_role("button", name="Gửi đăng ký").click()
    expect(page.get_by_role("alert")).to_have_text("Đã gửi bản đăng ký.")
    expect(page.locator(".badge", has_text="Đã gửi")).to_be_visible()
    targets = page.locator("table tbody tr")
    expect(targets).to_have_count(2)
    expect(targets.nth(0)).to_contain_text("Tổng thu ngân sách địa phương đạt kế hoạch")
    expect(targets.nth(0)).to_contain_text("I.1.")
    expect(targets.nth(1)).to_contain_text("Giảm tỷ lệ hộ nghèo theo chuẩn mới")
    browse.shot("03-dang-ky-da-gui")

    # Self-scoring: each row is saved by htmx as soon as a field changes.
    page.get_by_role("link", name="Trang chủ").click()
    page.get_by_role("link", name="Tự chấm điểm").click()
    expect(page.get_by_role("heading", name="Tự chấm điểm năm 2026")).to_be_visible()
    expect(page.locator(".page-header .badge")).to_have_text("Đang tự chấm")

    row = page.locator(f"#row-{revenue.pk}")
    plan = row.get_by_label("Kế hoạch")
    expect(plan).to_be_disabled()
    expect(plan).to_have_value("100")
    expect(row).to_contain_text("Theo bản đăng ký thi đua của đơn vị.")
    with page.expect_response(lambda r: r.url.endswith(f"/tieu-chi/{revenue.pk}/")):
        row.get_by_label("Thực hiện").fill("104")
        row.get_by_label("Thực hiện").press("Tab")
    expect(page.locator(f"#status-{revenue.pk}")).to_have_text("Đã lưu.")
    result = page.locator(f"#result-{revenue.pk}")
    expect(result).to_contain_text("Điểm đạt: 29,00")
    expect(result).to_contain_text("Tỷ lệ thực hiện: 104%")
    expect(result).to_contain_text("Thưởng vượt kế hoạch: +2,90")

    other = page.locator(f"#row-{production.pk}")
    with page.expect_response(lambda r: r.url.endswith(f"/tieu-chi/{production.pk}/")):
        other.get_by_label("Điểm").fill("27,5")
        other.get_by_label("Điểm").press("Tab")
    expect(page.locator(f"#status-{production.pk}")).to_have_text("Đã lưu.")
    expect(page.locator(f"#result-{production.pk}")).to_contain_text("Điểm đạt: 27,50")
    # The totals card follows (htmx, out of band): 29,00 + 27,50 + 2,90 over plan.
    expect(page.locator("#sheet-total")).to_have_text("59,40")

    # Evidence for I.1, uploaded by htmx into the row.
    row.get_by_label(f"Tệp minh chứng cho tiêu chí {revenue.code}").set_input_files(
        files=[
            {
                "name": "bao-cao-thu-ngan-sach-2026.pdf",
                "mimeType": "application/pdf",
                "buffer": EVIDENCE,
            }
        ]
    )
    with page.expect_response(lambda r: r.url.endswith(f"/tieu-chi/{revenue.pk}/minh-chung/")):
        row.get_by_role("button", name="Tải lên minh chứng").click()
    evidence = page.locator(f"#evidence-{revenue.pk}")
    expect(evidence).to_contain_text("Minh chứng:")
    expect(evidence.get_by_role("link", name="bao-cao-thu-ngan-sach-2026.pdf")).to_be_visible()
    with page.expect_download() as download:
        evidence.get_by_role("link", name="bao-cao-thu-ngan-sach-2026.pdf").click()
    assert download.value.suggested_filename == "bao-cao-thu-ngan-sach-2026.pdf"
    browse.shot("04-tu-cham")

    page.get_by_label("Tôi xác nhận nộp phiếu tự chấm điểm").check()
    page.get_by_role("button", name="Nộp phiếu tự chấm").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Đã nộp phiếu tự chấm điểm cho trưởng cụm, khối."
    )
    expect(page.locator(".page-header .badge")).to_have_text("Đã nộp")
    expect(page.get_by_text("Đơn vị đã nộp phiếu lúc")).to_be_visible()
    expect(page.get_by_role("button", name="Nộp phiếu tự chấm")).to_have_count(0)
    expect(page.locator(f"#row-{revenue.pk}")).to_contain_text("kế hoạch 100, thực hiện 104")
    browse.shot("05-da-nop")
    browse.check()

    membership = demo.member.unit.memberships.get(year__year=2026)
    assert Registration.objects.get(membership=membership).is_submitted
    assert Sheet.objects.get(membership=membership).status == Sheet.Status.SUBMITTED
    score = Score.objects.get(membership=membership, criterion=revenue)
    assert (score.plan, score.actual) == (100, 104)
    assert Evidence.objects.filter(membership=membership, criterion=revenue).count() == 1


def test_plan_typed_with_a_decimal_comma_is_stored_as_typed(browse, demo, next_year):
    """Issue #12: in a vi-VN browser an <input type="number"> turned "12,5"
    into 125 before the server saw it; the plan is a text field the browser
    leaves alone, read by the server's one parser."""
    from clusters.models import RegistrationTarget

    page = browse.page
    browse.login("thanhvien", greeting="UBND huyện Hiệp Hòa")
    page.goto("/dang-ky/2026/")
    expect(page.get_by_role("heading", name="Đăng ký tham gia thi đua năm 2026")).to_be_visible()
    page.locator('[name="targets-0-title"]').fill("Tốc độ tăng trưởng GRDP")
    page.locator('[name="targets-0-measure"]').fill("%")
    plan = page.locator('[name="targets-0-planned_value"]')
    plan.click()
    plan.press_sequentially("12,5")
    page.get_by_role("button", name="Lưu dự thảo").click()
    expect(page.get_by_role("alert")).to_have_text("Đã lưu.")
    expect(page.locator('[name="targets-0-planned_value"]')).to_have_value("12,5")
    browse.check()

    target = RegistrationTarget.objects.get(registration__membership__unit=demo.member.unit)
    assert target.planned_value == Decimal("12.5")
