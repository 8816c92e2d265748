"""Journey 2: the head of CUM-HUYEN (TPBG, `truongcum`) builds next year's
scorecard from the framework and submits it; then, for the year being
scored, adjusts a member's score with a reason, agrees the scores after the
preparatory meeting, records the ballot that settles a tie and submits the
award proposal."""

from datetime import date
from pathlib import Path

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest skips these journeys (or, on CI, fails them)
    expect = None

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# HH and LG share the top total (972,40) where the quotas give one Cờ thi đua
# and one Bằng khen: the ballot decides (R33).
TIE_DATASET = Path(__file__).resolve().parents[1] / "data" / "02-tie-without-vote.json"


@pytest.fixture
def scored_year(demo, next_year):
    """2025 of CUM-HUYEN as the tie example has it, with its preparatory
    meeting held on 15/12/2025 and its annual conference on 20/12/2025; 2026
    (next_year) has no scorecard yet."""
    from clusters.models import Conference
    from clusters.services import conference_save
    from scoring.dataset import dataset_import, read_document
    from tests.factories import hold_annual_conference

    dataset_import(
        document=read_document(TIE_DATASET),
        replace=True,
        scope="clusters",
        discard_online_records=True,
    )
    conference_save(
        cluster=demo.cluster,
        year=demo.year,
        kind=Conference.Kind.PREPARATORY,
        held_on=date(2025, 12, 15),
        place="UBND thành phố Bắc Giang",
        user=demo.head,
    )
    # The proposal follows the annual conference (R34, issue 13).
    hold_annual_conference(demo.cluster, demo.year, held_on=date(2025, 12, 20), user=demo.head)
    return demo.year


def test_head_builds_scorecard_reviews_agrees_votes_and_proposes(browse, demo, scored_year):
    from awards.models import Proposal
    from scoring.models import Criterion, Score, Scorecard, Vote

    page = browse.page
    browse.login("truongcum", greeting="UBND thành phố Bắc Giang")
    expect(page.locator(".page-header")).to_contain_text(
        "Trưởng cụm, khối · Cụm thi đua các huyện, thành phố · năm 2026"
    )

    # --- 2026: the scorecard, from the council's framework to the authority.
    page.locator(".page-header").get_by_role("link", name="Bảng chấm điểm").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "Cụm, khối chưa có bảng chấm điểm năm 2026."
    )
    page.get_by_role("button", name="Xây dựng bảng chấm điểm từ khung").click()
    expect(page.locator(".alert-success").first).to_have_text(
        "Đã tạo dự thảo bảng chấm điểm từ khung tiêu chí của Hội đồng."
    )
    expect(page.locator("#trang-thai")).to_contain_text("Bảng chấm điểm đang được xây dựng.")
    section = page.locator("#phan-I")
    expect(section.locator("[data-total]")).to_have_text("Tổng 550/550 điểm · đủ điểm")
    expect(page.locator("#phan-II [data-total]")).to_have_text("Tổng 200/200 điểm · đủ điểm")
    expect(page.locator("#phan-III [data-total]")).to_have_text("Tổng 200/200 điểm · đủ điểm")
    browse.shot("01-du-thao")

    # Concretise: I.1 scored against the plan with 30 points, one over its
    # whole default of 29 (saved by htmx, which redraws section I); the
    # section is then 1 point over.
    first, second = (
        Criterion.objects.get(scorecard__cluster=demo.cluster, scorecard__year__year=2026, code=c)
        for c in ("I.1", "I.2")
    )
    row = page.locator(f"#c-{first.pk}")
    row.get_by_label("Điểm I.1", exact=True).fill("30")
    row.get_by_label("Cách chấm I.1", exact=True).select_option("quantitative")
    with page.expect_response(lambda r: r.url.endswith(f"/tieu-chi/{first.pk}/")):
        row.get_by_role("button", name="Lưu").click()
    expect(section.locator("[data-total]")).to_have_text("Tổng 551/550 điểm · thừa 1 điểm")
    expect(page.locator(f"#c-{first.pk}").get_by_label("Cách chấm I.1", exact=True)).to_have_value(
        "quantitative"
    )

    # Opening the draft to the members now is refused with the R17 reason, next
    # to the button.
    page.get_by_role("button", name="Lấy ý kiến các thành viên").click()
    refusal = page.locator("#loi-trinh")
    expect(refusal).to_contain_text("Chưa đưa được dự thảo ra lấy ý kiến:")
    expect(refusal).to_contain_text("Phần I: tổng điểm các tiêu chí là 551, phải đúng 550.")
    browse.shot("02-chua-trinh-duoc")

    row = page.locator(f"#c-{second.pk}")
    row.get_by_label("Điểm I.2", exact=True).fill("28")
    with page.expect_response(lambda r: r.url.endswith(f"/tieu-chi/{second.pk}/")):
        row.get_by_role("button", name="Lưu").click()
    expect(page.locator("#phan-I [data-total]")).to_have_text("Tổng 550/550 điểm · đủ điểm")

    # The members discuss the draft before it is submitted (Phần II.1): the
    # head opens it to them and sees who has not given a position yet.
    page.get_by_role("button", name="Lấy ý kiến các thành viên").click()
    expect(page.locator("#trang-thai")).to_contain_text(
        "Đang lấy ý kiến các thành viên về dự thảo bảng chấm điểm."
    )
    expect(page.locator("#y-kien-thanh-vien")).to_contain_text("9 chưa có ý kiến")
    browse.shot("02b-lay-y-kien")
    # Submitting before every member agreed needs the head's reason.
    page.get_by_role("button", name="Trình Sở Nội vụ tỉnh Bắc Giang phê duyệt").click()
    expect(page.locator("#loi-trinh")).to_contain_text(
        "Các thành viên chưa thảo luận thống nhất bảng chấm điểm (Phần II.1)."
    )
    page.get_by_label("Giải trình khi chưa đủ ý kiến nhất trí").fill(
        "Các đơn vị đã góp ý trực tiếp tại hội nghị tổng kết năm 2025."
    )
    page.get_by_role("button", name="Trình Sở Nội vụ tỉnh Bắc Giang phê duyệt").click()
    expect(page.locator(".alert-success").first).to_have_text(
        "Đã trình Sở Nội vụ tỉnh Bắc Giang phê duyệt bảng chấm điểm."
    )
    expect(page.locator("#trang-thai")).to_contain_text(
        "Bảng chấm điểm đã trình Sở Nội vụ tỉnh Bắc Giang, đang chờ phê duyệt."
    )
    browse.shot("03-da-trinh")

    # --- 2025: the review of the members' scores.
    page.goto("/?nam=2025")
    page.get_by_role("link", name="Thẩm định").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Thẩm định điểm tự chấm – Cụm thi đua các huyện, thành phố – năm 2025"
    )
    page.get_by_title("Điều chỉnh điểm SD – II.1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Điều chỉnh điểm: UBND huyện Sơn Động"
    )
    expect(page.locator("dl")).to_contain_text("điểm 25 → 25,00 điểm")
    page.get_by_label("Điểm", exact=True).fill("23,5")
    reason = "Chưa ban hành kế hoạch triển khai Chỉ thị 05 ở cấp xã (kết luận họp trù bị)."
    page.get_by_label("Lý do điều chỉnh").fill(reason)
    browse.shot("04-dieu-chinh")
    page.get_by_role("button", name="Lưu điều chỉnh").click()
    expect(page.get_by_role("alert")).to_have_text("Đã điều chỉnh điểm SD – II.1.")
    adjusted = page.locator("td.table-warning")
    expect(adjusted).to_have_count(1)
    expect(adjusted).to_contain_text("25,00 → 23,50")

    page.get_by_role("link", name="Thống nhất điểm sau họp trù bị").click()
    # The imported year has no submitted sheets: agreeing needs a confirmed reason (#11.6).
    expect(page.locator("#unsubmitted li")).to_have_count(10)
    page.get_by_label("Tôi xác nhận thống nhất điểm khi còn phiếu tự chấm chưa nộp").check()
    page.get_by_label("Lý do thống nhất khi còn phiếu chưa nộp").fill(
        "Điểm của năm được nhập từ tệp dữ liệu; các đơn vị đã thống nhất tại họp trù bị."
    )
    page.get_by_label("Tôi xác nhận thống nhất điểm: điểm và phiếu tự chấm").check()
    page.get_by_role("button", name="Thống nhất điểm và xác nhận hồ sơ tham gia").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Đã thống nhất điểm của cụm, khối; điểm được khóa."
    )
    expect(page.locator(".badge", has_text="Điểm đã thống nhất")).to_have_count(10)
    expect(page.get_by_title("Điều chỉnh điểm SD – II.1")).to_have_count(0)
    browse.shot("05-thong-nhat")

    # --- The award review: the tie at the top, settled by the conference's ballot.
    page.locator(".page-header").get_by_role("link", name="Thành viên").click()
    page.locator(".page-header").get_by_role("link", name="Bình xét khen thưởng").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bình xét khen thưởng")
    tie = page.locator(".tie-summary")
    expect(tie).to_have_text(
        "2 đơn vị bằng điểm 972,40 tranh 1 Cờ thi đua và 1 Bằng khen — cần bỏ phiếu."
    )
    expect(
        page.get_by_text("Chưa thể trình hồ sơ: còn đơn vị bằng điểm cần bỏ phiếu.")
    ).to_be_visible()
    # R33: ten members voted; each chose one unit for the flag and one for the certificate.
    page.get_by_label("Số thành viên bỏ phiếu").fill("10")
    page.get_by_label("HH – UBND huyện Hiệp Hòa").fill("7")
    page.get_by_label("LG – UBND huyện Lạng Giang").fill("5")
    browse.shot("06-bo-phieu")
    page.get_by_role("button", name="Ghi kết quả bỏ phiếu").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Đã ghi kết quả bỏ phiếu; kết quả phân bổ được cập nhật."
    )
    expect(tie).to_have_text(
        "2 đơn vị bằng điểm 972,40 tranh 1 Cờ thi đua và 1 Bằng khen — "
        "đã phân định bằng bỏ phiếu: HH, LG."
    )
    ranking = page.locator("table.table-ranking tbody tr")
    expect(ranking.filter(has_text="UBND huyện Hiệp Hòa")).to_contain_text(
        "Cờ thi đua của UBND tỉnh"
    )
    expect(ranking.filter(has_text="UBND huyện Lạng Giang")).to_contain_text(
        "Bằng khen của Chủ tịch UBND tỉnh"
    )
    expect(ranking.filter(has_text="UBND huyện Yên Thế")).to_contain_text(
        "Tập thể Lao động xuất sắc"
    )
    # The adjusted score counts: SD's 953,95 less 1,5.
    expect(ranking.filter(has_text="UBND huyện Sơn Động")).to_contain_text("952,45")

    page.get_by_label("Tôi xác nhận trình hồ sơ").check()
    page.get_by_role("button", name="Trình hồ sơ đề nghị khen thưởng").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Đã trình hồ sơ đề nghị khen thưởng lên Sở Nội vụ."
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Hồ sơ đề nghị khen thưởng")
    expect(page.locator("dl")).to_contain_text("Đã trình Sở Nội vụ")
    items = page.locator("table.table-ranking tbody tr")
    expect(items).to_have_count(10)
    expect(items.first).to_contain_text("UBND huyện Hiệp Hòa")
    expect(items.first).to_contain_text("Cờ thi đua của UBND tỉnh")
    browse.shot("07-ho-so-da-trinh")
    browse.check()

    assert Scorecard.objects.get(cluster=demo.cluster, year__year=2026).status == "submitted"
    adjusted_score = Score.objects.get(
        membership__unit__code="SD", membership__year=scored_year, criterion__code="II.1"
    )
    assert (adjusted_score.points, adjusted_score.agreed_points) == (25, 23.5)
    assert adjusted_score.agreed_reason == reason
    votes = dict(
        Vote.objects.filter(membership__year=scored_year).values_list(
            "membership__unit__code", "votes"
        )
    )
    assert votes == {"HH": 7, "LG": 5}
    proposal = Proposal.objects.get(cluster=demo.cluster, year=scored_year)
    assert proposal.status == Proposal.Status.SUBMITTED
