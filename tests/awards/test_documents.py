from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from awards import services
from awards.documents import (
    date_line,
    minutes_context,
    proposal_context,
    ranking_context,
    registration_context,
    render_pdf,
    scoring_sheet_context,
)
from awards.models import ProposalItem
from clusters.models import Attendance, Conference, Registration, RegistrationTarget, Unit
from scoring.models import Criterion, Flag, Quota, Score, Vote
from tests.awards.test_review_views import (
    give_total,
    issue_scorecard,
    member_of,
    score_cluster,
    set_quotas,
)
from tests.factories import MembershipFactory, UnitFactory, hold_annual_conference

A4 = (595.28, 841.89)  # points


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 2, 5), "Bắc Giang, ngày 05 tháng 02 năm 2026"),
        (date(2026, 1, 31), "Bắc Giang, ngày 31 tháng 01 năm 2026"),
        (date(2025, 3, 9), "Bắc Giang, ngày 09 tháng 3 năm 2025"),
        (date(2025, 12, 20), "Bắc Giang, ngày 20 tháng 12 năm 2025"),
    ],
)
def test_date_line_follows_decree_30(day, expected):
    assert date_line("Bắc Giang", day) == expected


def test_base_document_is_a4_with_header_and_intact_diacritics():
    pdf = render_pdf(
        "pdf/base.html",
        {
            "issuer": "UBND THÀNH PHỐ BẮC GIANG",
            "number": "12",
            "number_suffix": "TTr-CTĐ",
            "date_line": date_line("Bắc Giang", date(2026, 2, 5)),
            "recipients": ["Sở Nội vụ tỉnh Bắc Giang"],
            "signer_role": "TRƯỞNG CỤM",
            "signer_name": "Lê Minh Tuấn",
        },
    )
    reader = PdfReader(BytesIO(pdf))
    box = reader.pages[0].mediabox
    assert (round(float(box.width), 2), round(float(box.height), 2)) == A4
    text = " ".join(reader.pages[0].extract_text().split())
    for line in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Bắc Giang, ngày 05 tháng 02 năm 2026",
        "UBND THÀNH PHỐ BẮC GIANG",
        "Số:",
        "Nơi nhận:",
        "Lê Minh Tuấn",
    ):
        assert line in text


# --- The documents, built from the database ------------------------------------------
#
# Cluster A, reviewed: TPBG 964,40 takes the flag; VY and HH tie on 930,50 across
# the border between the certificate and the LĐXS title, and the ballot (HH 3
# votes, VY 1) gives HH the certificate; LG is excluded for security (R27).

TODAY = datetime(2026, 2, 5, 9, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
# Each document's date line is its record's own (tests/awards/test_document_layout.py).
HEADER = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
LANDSCAPE = (841.89, 595.28)
MM = 72 / 25.4


@pytest.fixture
def today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def reviewed(world, today):
    score_cluster(
        world, world.cluster_a, {"TPBG": "964.40", "VY": "930.50", "HH": "930.50", "LG": "880"}
    )
    set_quotas(world.cluster_a, world.year, flag=1, merit=1, labour=1)
    Flag.objects.create(membership=member_of(world, "LG"), kind="exclude", reason="security")
    Vote.objects.create(membership=member_of(world, "HH"), votes=3)
    Vote.objects.create(membership=member_of(world, "VY"), votes=1)
    annual = Conference.objects.create(
        cluster=world.cluster_a,
        year=world.year,
        kind=Conference.Kind.ANNUAL,
        held_on=date(2025, 12, 20),
        place="Hội trường UBND thành phố Bắc Giang",
    )
    Attendance.objects.create(
        conference=annual, membership=member_of(world, "HH"), status="present"
    )
    Attendance.objects.create(conference=annual, membership=member_of(world, "LG"), status="absent")
    return world


def pages_of(pdf: bytes) -> tuple[PdfReader, list[str]]:
    """The reader and each page's text with its whitespace normalised."""
    reader = PdfReader(BytesIO(pdf))
    return reader, [" ".join(page.extract_text().split()) for page in reader.pages]


def size_of(reader: PdfReader) -> tuple[float, float]:
    box = reader.pages[0].mediabox
    return round(float(box.width), 2), round(float(box.height), 2)


def top_margin_text(page) -> str:
    """What is printed in the page's top margin (20 mm): where the page number goes."""
    height = float(page.mediabox.height)
    found = []

    def visit(text, cm, tm, font, size):
        y = cm[1] * tm[4] + cm[3] * tm[5] + cm[5]
        if text.strip() and y > height - 20 * MM:
            found.append(text.strip())

    page.extract_text(visitor_text=visit)
    return " ".join(found)


def assert_contains(text: str, *parts: str) -> None:
    for part in parts:
        assert part in text, part


def test_registration_form_follows_phu_luc_01(world, today):
    hh = member_of(world, "HH")
    registration = Registration.objects.create(
        membership=hh,
        objectives="Hoàn thành xuất sắc nhiệm vụ chính trị năm 2025.",
        other_targets="Xây dựng huyện nông thôn mới kiểu mẫu.",
    )
    RegistrationTarget.objects.create(
        registration=registration,
        order=1,
        title="Tốc độ tăng trưởng kinh tế",
        measure="%",
        planned_value=Decimal("8.5"),
    )
    reader, pages = pages_of(render_pdf("pdf/registration.html", registration_context(hh)))
    assert size_of(reader) == A4 and len(pages) == 1
    assert_contains(
        pages[0],
        *HEADER,
        "UBND HUYỆN HIỆP HÒA",
        "Số: /ĐK-TĐ",
        "ĐĂNG KÝ THAM GIA THI ĐUA NĂM 2025",
        "Kính gửi: Trưởng Cụm thi đua các huyện",
        "UBND huyện Hiệp Hòa đăng ký tham gia thi đua năm 2025",
        "I. MỤC TIÊU Hoàn thành xuất sắc nhiệm vụ chính trị năm 2025.",
        "II. CÁC CHỈ TIÊU THI ĐUA CHỦ YẾU NĂM 2025",
        "STT Chỉ tiêu Đơn vị tính Kế hoạch 1 Tốc độ tăng trưởng kinh tế % 8,5",
        "2. Chỉ tiêu khác (nếu có) Xây dựng huyện nông thôn mới kiểu mẫu.",
        "Nơi nhận: - Như kính gửi; - Sở Nội vụ tỉnh Bắc Giang (để theo dõi); - Lưu: VT.",
        "THỦ TRƯỞNG ĐƠN VỊ",
    )


def test_scoring_sheet_shows_own_and_agreed_points_by_section(reviewed):
    hh = member_of(reviewed, "HH")
    # The head agreed 520 where the unit scored itself 530,50 (R11).
    Score.objects.filter(membership=hh, criterion__code="I.1").update(agreed_points=Decimal(520))
    reader, pages = pages_of(render_pdf("pdf/scoring_sheet.html", scoring_sheet_context(hh)))
    assert size_of(reader) == LANDSCAPE
    assert_contains(
        " ".join(pages),
        *HEADER,
        "UBND HUYỆN HIỆP HÒA",
        "BẢNG TỰ CHẤM ĐIỂM THI ĐUA NĂM 2025",
        "Tiêu chí Điểm chuẩn Tự chấm Thống nhất",
        "I. Thực hiện nhiệm vụ chính trị, phát triển kinh tế - xã hội 550 530,50 520,00",
        "I.1 Tiêu chí phần I 550 530,50 520,00",
        "II.1 Tiêu chí phần II 200 200,00 200,00",
        "Cộng điểm các tiêu chí (I + II + III) 950 930,50 920,00",
        "Điểm thưởng 0,00 0,00 Điểm trừ 0,00",
        "TỔNG ĐIỂM 930,50 920,00",
        "Xếp loại: Đủ điều kiện.",
    )


def test_scoring_sheet_counts_the_bonus_in_the_agreed_total(reviewed):
    context = scoring_sheet_context(member_of(reviewed, "TPBG"))
    assert context["own"]["total"] == "950,00"
    assert context["agreed"] == {
        "base": "950,00",
        "bonus": "14,40",
        "deductions": "0,00",
        "total": "964,40",
    }


def test_scoring_sheet_needs_an_issued_scorecard(world):
    assert scoring_sheet_context(member_of(world, "HH")) is None


def test_ranking_table_is_landscape_with_every_column(reviewed):
    Unit.objects.filter(code="LG").update(name="UBND huyện <script>alert(1)</script> Lạng Giang")
    context = ranking_context(reviewed.cluster_a, reviewed.year)
    reader, pages = pages_of(render_pdf("pdf/ranking.html", context))
    assert size_of(reader) == LANDSCAPE
    text = " ".join(pages)
    assert_contains(
        text,
        *HEADER,
        "CỤM THI ĐUA CÁC HUYỆN UBND THÀNH PHỐ BẮC GIANG",
        "Số: /BTH-CTĐ",
        "BẢNG TỔNG HỢP KẾT QUẢ CHẤM ĐIỂM, XẾP HẠNG THI ĐUA",
        "Cụm thi đua các huyện năm 2025",
        "1 UBND thành phố Bắc Giang 550,00 200,00 200,00 14,40 0,00 964,40 Đủ điều kiện "
        "Cờ thi đua của UBND tỉnh",
        "2 UBND huyện Hiệp Hòa 530,50 200,00 200,00 0,00 0,00 930,50 Đủ điều kiện "
        "Bằng khen của Chủ tịch UBND tỉnh",
        "2 UBND huyện Việt Yên 530,50 200,00 200,00 0,00 0,00 930,50 Đủ điều kiện "
        "Tập thể Lao động xuất sắc",
        "Không xét - Không đạt tiêu chuẩn “An toàn về an ninh trật tự”",
        "TM. CỤM THI ĐUA TRƯỞNG CỤM",
    )
    # A name is printed as the text it is, never read as markup.
    assert "UBND huyện <script>alert(1)</script> Lạng Giang" in text


def test_long_ranking_numbers_its_pages_from_page_two(world, today):
    criteria = issue_scorecard(world.cluster_a, world.year)
    for n in range(40):
        unit = UnitFactory(code=f"X{n:02d}", name=f"UBND xã Hòa Sơn số {n}")
        membership = MembershipFactory(cluster=world.cluster_a, year=world.year, unit=unit)
        give_total(membership, criteria, str(900 + n))
    reader, pages = pages_of(
        render_pdf("pdf/ranking.html", ranking_context(world.cluster_a, world.year))
    )
    assert len(pages) >= 2
    assert top_margin_text(reader.pages[0]) == ""
    assert top_margin_text(reader.pages[1]) == "2"
    lowest = "UBND xã Hòa Sơn số 0 500,00 200,00 200,00 0,00 0,00 900,00 Đủ điều kiện"
    assert lowest not in pages[0] and lowest in " ".join(pages[1:])


def test_minutes_record_the_meeting_attendance_and_ballot(reviewed):
    reader, pages = pages_of(
        render_pdf("pdf/minutes.html", minutes_context(reviewed.cluster_a, reviewed.year))
    )
    assert size_of(reader) == A4
    text = " ".join(pages)
    assert_contains(
        text,
        *HEADER[:2],
        # Dated the meeting day, not the day printed (#14).
        "Bắc Giang, ngày 20 tháng 12 năm 2025",
        "Số: /BB-CTĐ",
        "Bắc Giang, ngày 20 tháng 12 năm 2025",  # the day of the meeting
        "BIÊN BẢN HỌP BÌNH XÉT THI ĐUA, KHEN THƯỞNG",
        "Ngày 20/12/2025, tại Hội trường UBND thành phố Bắc Giang, Cụm thi đua các huyện "
        "tổ chức Hội nghị tổng kết năm",
        "Chủ trì: đại diện UBND thành phố Bắc Giang, Trưởng cụm.",
        "1 UBND huyện Hiệp Hòa Thành viên Tham dự đúng thành phần",
        "2 UBND huyện Lạng Giang Thành viên Vắng mặt",
        "1 UBND thành phố Bắc Giang 964,40 Đủ điều kiện",
        "Các đơn vị bằng 930,50 điểm tranh 1 Bằng khen của Chủ tịch UBND tỉnh, "
        "1 danh hiệu Tập thể Lao động xuất sắc",
        "1 UBND huyện Hiệp Hòa 3 Bằng khen của Chủ tịch UBND tỉnh",
        "2 UBND huyện Việt Yên 1 Tập thể Lao động xuất sắc",
        "Cờ thi đua của UBND tỉnh (1 đơn vị): UBND thành phố Bắc Giang (964,40 điểm).",
        "THƯ KÝ",
        "CHỦ TRÌ",
    )
    assert top_margin_text(reader.pages[0]) == ""


def test_minutes_fall_back_to_the_preparatory_meeting_or_blanks(reviewed):
    Conference.objects.filter(kind=Conference.Kind.ANNUAL).delete()
    assert minutes_context(reviewed.cluster_a, reviewed.year)["meeting"] is None
    preparatory = Conference.objects.create(
        cluster=reviewed.cluster_a,
        year=reviewed.year,
        kind=Conference.Kind.PREPARATORY,
        held_on=date(2025, 12, 10),
        place="UBND huyện Việt Yên",
    )
    context = minutes_context(reviewed.cluster_a, reviewed.year)
    assert context["meeting"] == preparatory
    assert [line.status for line in context["attendance"]] == ["", "", "", ""]


def test_proposal_lists_the_frozen_items_once_submitted(reviewed):
    hold_annual_conference(reviewed.cluster_a, reviewed.year)
    proposal = services.proposal_submit(
        cluster=reviewed.cluster_a, year=reviewed.year, user=reviewed.head
    )
    ProposalItem.objects.filter(proposal=proposal, membership__unit__code="TPBG").update(
        government_flag=True
    )
    # A later change of the quotas does not alter what was proposed (R34).
    Quota.objects.filter(award="co_thi_dua").update(count=0)
    context = proposal_context(reviewed.cluster_a, reviewed.year)
    reader, pages = pages_of(render_pdf("pdf/proposal.html", context))
    assert size_of(reader) == A4
    text = " ".join(pages)
    assert_contains(
        text,
        *HEADER,
        "CỤM THI ĐUA CÁC HUYỆN UBND THÀNH PHỐ BẮC GIANG",
        "Số: /TTr-CTĐ",
        "TỜ TRÌNH Về việc đề nghị tặng Cờ thi đua của UBND tỉnh, Bằng khen của Chủ tịch UBND "
        "tỉnh và danh hiệu Tập thể Lao động xuất sắc năm 2025",
        "Kính gửi: - Hội đồng Thi đua - Khen thưởng tỉnh Bắc Giang; - Sở Nội vụ tỉnh Bắc Giang.",
        "tại Hội nghị tổng kết năm ngày 20/12/2025",
        "1. Cờ thi đua của UBND tỉnh: 1 đơn vị",
        "1 UBND thành phố Bắc Giang Hội đồng Thi đua - Khen thưởng tỉnh đề nghị tặng Cờ thi đua "
        "của Chính phủ 964,40 1",
        "2. Bằng khen của Chủ tịch UBND tỉnh: 1 đơn vị",
        "1 UBND huyện Hiệp Hòa 930,50 2",
        "3. Tập thể Lao động xuất sắc: 1 đơn vị",
        "1 UBND huyện Việt Yên 930,50 2",
        "TM. CỤM THI ĐUA TRƯỞNG CỤM",
    )
    assert "DỰ THẢO" not in text and "Lạng Giang" not in text


def test_proposal_before_submission_is_a_draft_of_the_live_allocation(reviewed):
    Quota.objects.filter(award="co_thi_dua").update(count=0)
    context = proposal_context(reviewed.cluster_a, reviewed.year)
    assert context["draft"] is True
    assert [(g.award, [u.name for u in g.units]) for g in context["proposed"]] == [
        ("bang_khen", ["UBND thành phố Bắc Giang"]),
        ("tap_the_ldxs", ["UBND huyện Hiệp Hòa"]),
    ]
    assert context["subject"] == (
        "Bằng khen của Chủ tịch UBND tỉnh và danh hiệu Tập thể Lao động xuất sắc"
    )


def test_an_open_tie_is_named_in_the_draft(reviewed):
    Vote.objects.all().delete()
    context = proposal_context(reviewed.cluster_a, reviewed.year)
    assert context["undecided"] == ["UBND huyện Hiệp Hòa", "UBND huyện Việt Yên"]
    assert [g.award for g in context["proposed"]] == ["co_thi_dua"]


def test_a_block_signs_as_its_head(world, today):
    score_cluster(world, world.cluster_b, {"NQ": "950", "GH": "940"})
    context = ranking_context(world.cluster_b, world.year)
    assert context["number_suffix"] == "BTH-KTĐ"
    assert context["signer_role"] == "TM. KHỐI THI ĐUA\nTRƯỞNG KHỐI"
    assert context["issuer_parent"] == "KHỐI CÁC TRƯỜNG"
    assert context["issuer"] == "TRƯỜNG THPT NGÔ QUYỀN"


@pytest.mark.parametrize(
    "build",
    [
        lambda w: ranking_context(w.cluster_a, w.year),
        lambda w: minutes_context(w.cluster_a, w.year),
        lambda w: proposal_context(w.cluster_a, w.year),
        lambda w: scoring_sheet_context(member_of(w, "HH")),
        lambda w: registration_context(member_of(w, "HH")),
    ],
    ids=["ranking", "minutes", "proposal", "scoring_sheet", "registration"],
)
def test_documents_take_a_fixed_number_of_queries(reviewed, build):
    def count() -> int:
        cache.clear()  # each count computes the results (a cached read takes fewer)
        with CaptureQueriesContext(connection) as queries:
            build(reviewed)
        return len(queries)

    registration = Registration.objects.create(membership=member_of(reviewed, "HH"))
    RegistrationTarget.objects.create(registration=registration, title="Chỉ tiêu")
    count()  # an issued scorecard's criteria are read once per process (sheets.criteria_of)
    before = count()
    criteria = list(Criterion.objects.filter(scorecard__cluster=reviewed.cluster_a))
    for n in range(4):
        unit = UnitFactory(code=f"T{n}", name=f"UBND xã {n}")
        membership = MembershipFactory(cluster=reviewed.cluster_a, year=reviewed.year, unit=unit)
        give_total(membership, criteria, "930.50")
        Vote.objects.create(membership=membership, votes=n)
        RegistrationTarget.objects.create(registration=registration, order=n, title=f"Chỉ tiêu {n}")
    assert count() == before
