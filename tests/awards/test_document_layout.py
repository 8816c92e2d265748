"""Every official PDF is laid out as Nghị định 30/2020/NĐ-CP (Phụ lục I) asks,
read from the PDF's own text and its positions, and prints the facts of its
records: the issuing body and the place the unit keeps on /don-vi/van-ban/,
the signer's title and name, and the date of the record it prints (the day
the registration or the sheet was sent, the scores agreed, the meeting held,
the tờ trình submitted), never the day it is printed (issue #15).

Positions are in PDF points from the page's bottom-left corner."""

from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from pypdf import PdfReader

from awards import services
from awards.documents import (
    minutes_context,
    proposal_context,
    ranking_context,
    registration_context,
    render_pdf,
    scoring_sheet_context,
)
from clusters.models import Registration, Unit
from scoring.models import ScoreAgreement, Sheet
from tests.awards.test_documents import reviewed, today  # noqa: F401 (fixtures)
from tests.awards.test_review_views import member_of
from tests.factories import hold_annual_conference

pytestmark = pytest.mark.django_db

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
PRINTED = datetime(2026, 3, 9, 9, tzinfo=HANOI)  # the day each document is asked for
MM = 72 / 25.4

HH = {
    "issuer_name": "Ủy ban nhân dân huyện Hiệp Hòa",
    "superior_name": "",
    "place_name": "Hiệp Hòa",
    "signer_title": "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH",
    "signer_name": "Nguyễn Thị Thu Hà",
}
TPBG = {
    "issuer_name": "Ủy ban nhân dân thành phố Bắc Giang",
    "superior_name": "",
    "place_name": "TP. Bắc Giang",
    "signer_title": "CHỦ TỊCH",
    "signer_name": "Lê Minh Tuấn",
}


@dataclass(frozen=True)
class Line:
    text: str
    x: float  # left edge
    y: float  # baseline


def lines_of(page) -> list[Line]:
    """The page's text runs with where each starts; runs on one baseline that
    touch are one line (a line is drawn in a few runs)."""
    runs: list[Line] = []

    def visit(text, cm, tm, font, size):
        if not text.strip():
            return
        x = cm[0] * tm[4] + cm[2] * tm[5] + cm[4]
        y = cm[1] * tm[4] + cm[3] * tm[5] + cm[5]
        runs.append(Line(text.strip("\n"), x, y))

    page.extract_text(visitor_text=visit)
    return runs


def find(lines: list[Line], text: str) -> Line:
    found = [line for line in lines if text in line.text]
    assert found, f"{text!r} not in {[line.text for line in lines]}"
    return found[0]


def page_lines(pdf: bytes) -> tuple[list[Line], list[Line]]:
    """The first page's lines and the last page's."""
    reader = PdfReader(BytesIO(pdf))
    return lines_of(reader.pages[0]), lines_of(reader.pages[-1])


@pytest.fixture
def letterheads(reviewed):  # noqa: F811
    Unit.objects.filter(code="HH").update(**HH)
    Unit.objects.filter(code="TPBG").update(**TPBG)
    hh = member_of(reviewed, "HH")
    Registration.objects.create(
        membership=hh,
        status=Registration.Status.SUBMITTED,
        submitted_at=datetime(2025, 1, 20, 10, tzinfo=HANOI),
    )
    Sheet.objects.create(
        membership=hh,
        status=Sheet.Status.SUBMITTED,
        submitted_at=datetime(2025, 12, 5, 16, tzinfo=HANOI),
    )
    ScoreAgreement.objects.create(
        cluster=reviewed.cluster_a,
        year=reviewed.year,
        agreed_at=datetime(2025, 12, 12, 15, tzinfo=HANOI),
    )
    hold_annual_conference(reviewed.cluster_a, reviewed.year)
    with time_machine.travel(datetime(2025, 12, 22, 8, tzinfo=HANOI), tick=False):
        services.proposal_submit(cluster=reviewed.cluster_a, year=reviewed.year, user=reviewed.head)
    with time_machine.travel(PRINTED, tick=False):
        yield reviewed


def _registration(world):
    return "registration", registration_context(member_of(world, "HH"))


def _sheet(world):
    return "scoring_sheet", scoring_sheet_context(member_of(world, "HH"))


def _ranking(world):
    return "ranking", ranking_context(world.cluster_a, world.year)


def _minutes(world):
    return "minutes", minutes_context(world.cluster_a, world.year)


def _proposal(world):
    return "proposal", proposal_context(world.cluster_a, world.year)


# Each document: what it prints as its issuing body, its date line and its signer.
UNIT_DOCUMENTS = [
    (_registration, "Hiệp Hòa, ngày 20 tháng 01 năm 2025"),
    (_sheet, "Hiệp Hòa, ngày 05 tháng 12 năm 2025"),
]
CLUSTER_DOCUMENTS = [
    (_ranking, "TP. Bắc Giang, ngày 12 tháng 12 năm 2025"),
    (_minutes, "TP. Bắc Giang, ngày 20 tháng 12 năm 2025"),
    (_proposal, "TP. Bắc Giang, ngày 22 tháng 12 năm 2025"),
]
EVERY_DOCUMENT = UNIT_DOCUMENTS + CLUSTER_DOCUMENTS
TITLES = {
    "registration": "ĐĂNG KÝ THAM GIA THI ĐUA",
    "scoring_sheet": "BẢNG TỰ CHẤM ĐIỂM",
    "ranking": "BẢNG TỔNG HỢP",
    "minutes": "BIÊN BẢN",
    "proposal": "TỜ TRÌNH",
}
IDS = ["registration", "scoring_sheet", "ranking", "minutes", "proposal"]


def _render(build, world) -> tuple[str, dict, bytes]:
    name, context = build(world)
    return name, context, render_pdf(f"pdf/{name}.html", context)


@pytest.mark.parametrize(("build", "dated"), EVERY_DOCUMENT, ids=IDS)
def test_the_motto_stands_right_of_the_issuing_body_and_the_date_line_beside_the_number(
    letterheads, build, dated
):
    name, context, pdf = _render(build, letterheads)
    first, _ = page_lines(pdf)
    # The issuing body's first words (a long name wraps within its column).
    issuer = find(first, " ".join(context["issuer"].split()[:3]))
    nation = find(first, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    motto = find(first, "Độc lập - Tự do - Hạnh phúc")
    number = find(first, "Số:")
    date_line = find(first, dated)
    middle = find(first, "CỘNG HÒA").x  # where the right column's text begins
    # The issuing body top-left, the national motto top-right on its first lines.
    assert issuer.x < middle and nation.x > issuer.x
    top = find(first, context["issuer_parent"]) if context["issuer_parent"] else issuer
    assert abs(nation.y - top.y) < 2
    assert motto.y < nation.y
    # Số, ký hiệu under the issuing body, the place and date on its line at the right.
    assert number.y < issuer.y and number.x < middle
    assert abs(date_line.y - number.y) < 2 and date_line.x > number.x + 40 * MM
    # Both stand above the title, centred on the page's text.
    title = find(first, TITLES[name])
    assert title.y < date_line.y - 5 * MM


@pytest.mark.parametrize(("build", "dated"), EVERY_DOCUMENT, ids=IDS)
def test_the_date_line_is_the_records_own_with_the_units_place(letterheads, build, dated):
    _, context, pdf = _render(build, letterheads)
    assert context["date_line"] == dated
    first, _ = page_lines(pdf)
    assert find(first, dated).text.strip() == dated
    assert "09 tháng 3 năm 2026" not in " ".join(line.text for line in first)


@pytest.mark.parametrize(("build", "dated"), EVERY_DOCUMENT, ids=IDS)
def test_the_issuing_body_is_the_units_official_name(letterheads, build, dated):
    _, context, pdf = _render(build, letterheads)
    first, _ = page_lines(pdf)
    if (build, dated) in UNIT_DOCUMENTS:
        assert context["issuer"] == "ỦY BAN NHÂN DÂN HUYỆN HIỆP HÒA"
    else:
        # The cluster over the head unit, which issues on its behalf.
        assert context["issuer_parent"] == "CỤM THI ĐUA CÁC HUYỆN"
        assert context["issuer"] == "ỦY BAN NHÂN DÂN THÀNH PHỐ BẮC GIANG"
        parent, issuer = find(first, "CỤM THI ĐUA CÁC HUYỆN"), find(first, "ỦY BAN NHÂN DÂN")
        assert parent.y > issuer.y
    # Whole, on one line or two.
    printed = " ".join(line.text for line in first)
    assert context["issuer"] in printed


@pytest.mark.parametrize(
    ("build", "dated"), [d for d in EVERY_DOCUMENT if d[0] is not _minutes], ids=IDS[:3] + IDS[4:]
)
def test_recipients_stand_left_of_the_signers_title_and_name(letterheads, build, dated):
    _, context, pdf = _render(build, letterheads)
    _, last = page_lines(pdf)
    recipients = find(last, "Nơi nhận:")
    signer = find(last, context["signer_name"])
    role = find(last, context["signer_role"].split("\n")[0])
    assert context["signer_name"] in (HH["signer_name"], TPBG["signer_name"])
    assert recipients.x < 40 * MM + 30 * MM  # the left half, past the 30 mm margin
    # The signature block in the right half, past the recipients' column.
    assert role.x > recipients.x + 70 * MM and signer.x > recipients.x + 70 * MM
    # Title on top, the signature's room, then the name.
    assert abs(role.y - recipients.y) < 3
    assert role.y - signer.y > 20 * MM


def test_a_unit_document_is_signed_with_the_units_title_and_a_cluster_one_for_the_cluster(
    letterheads,
):
    _, registration = _registration(letterheads)
    assert registration["signer_role"] == "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH"
    assert registration["signer_name"] == "Nguyễn Thị Thu Hà"
    _, ranking = _ranking(letterheads)
    assert ranking["signer_role"] == "TM. CỤM THI ĐUA\nTRƯỞNG CỤM"
    assert ranking["signer_name"] == "Lê Minh Tuấn"


def test_the_minutes_are_signed_by_the_secretary_left_and_the_chair_right(letterheads):
    _, _, pdf = _render(_minutes, letterheads)
    _, last = page_lines(pdf)
    secretary, chair = find(last, "THƯ KÝ"), find(last, "CHỦ TRÌ")
    assert secretary.x < chair.x and abs(secretary.y - chair.y) < 3
    assert find(last, "Lê Minh Tuấn").y < chair.y - 20 * MM


def test_a_record_without_its_date_leaves_the_date_for_the_clerk(reviewed):  # noqa: F811
    """A draft tờ trình, a sheet not sent: the day is written by hand when it
    is signed, never the day it happens to be printed."""
    Unit.objects.filter(code="TPBG").update(place_name="TP. Bắc Giang")
    with time_machine.travel(PRINTED, tick=False):
        context = proposal_context(reviewed.cluster_a, reviewed.year)
        assert context["date_line"] == "TP. Bắc Giang, ngày …… tháng …… năm ……"
        sheet = scoring_sheet_context(member_of(reviewed, "HH"))
    # A unit that has not given its place: the province's, as the header of Sở Nội vụ's forms.
    assert sheet["date_line"] == "Bắc Giang, ngày …… tháng …… năm ……"


def test_a_unit_without_its_official_name_prints_its_name(reviewed):  # noqa: F811
    context = registration_context(member_of(reviewed, "HH"))
    assert context["issuer"] == "UBND HUYỆN HIỆP HÒA"
    assert context["signer_role"] == "THỦ TRƯỞNG ĐƠN VỊ" and context["signer_name"] == ""


def test_the_header_keeps_the_decrees_sizes_and_margins(letterheads):
    """Phụ lục I: the national motto 12–13 pt bold upright, the motto 13–14
    pt; the issuing body 12–13 pt; margins top 20–25 mm, left 30–35 mm."""
    _, _, pdf = _render(_proposal, letterheads)
    reader = PdfReader(BytesIO(pdf))
    sizes: dict[str, float] = {}

    def visit(text, cm, tm, font, size):
        if text.strip():
            sizes.setdefault(text.strip(), size * tm[0] * cm[0] if cm[0] else size)

    reader.pages[0].extract_text(visitor_text=visit)
    first = lines_of(reader.pages[0])
    top = max(line.y for line in first)
    left = min(line.x for line in first)
    height = float(reader.pages[0].mediabox.height)
    assert 20 * MM <= height - top <= 30 * MM
    assert 30 * MM - 1 <= left <= 40 * MM
    nation = next(size for text, size in sizes.items() if "CỘNG HÒA" in text)
    motto = next(size for text, size in sizes.items() if "Độc lập" in text)
    assert 12 <= round(nation, 1) <= 13 and 13 <= round(motto, 1) <= 14


def sizes_of(page) -> dict[str, float]:
    """Each text run of the page with its size in points, as printed."""
    sizes: dict[str, float] = {}

    def visit(text, cm, tm, font, size):
        if text.strip():
            sizes.setdefault(text.strip(), size * tm[0] * cm[0] if cm[0] else size)

    page.extract_text(visitor_text=visit)
    return sizes


def size_of(sizes: dict[str, float], text: str) -> float:
    found = [size for run, size in sizes.items() if text in run]
    assert found, f"{text!r} not in {list(sizes)}"
    return round(found[0], 1)


@pytest.mark.parametrize(("build", "dated"), EVERY_DOCUMENT, ids=IDS)
def test_every_document_keeps_the_decrees_sizes_and_bottom_margin(letterheads, build, dated):
    """Phụ lục I of Nghị định 30/2020: số, ký hiệu 13 pt; the place and date
    13–14 pt; the signer's name 13–14 pt; "Nơi nhận" 12 pt and its list 11 pt;
    the bottom margin 20–25 mm (no text lower than 20 mm)."""
    name, context, pdf = _render(build, letterheads)
    reader = PdfReader(BytesIO(pdf))
    first, last = sizes_of(reader.pages[0]), sizes_of(reader.pages[-1])
    assert size_of(first, context["number_suffix"]) == 13
    assert 13 <= size_of(first, "ngày") <= 14
    if name != "minutes":  # the minutes have no recipients
        assert size_of(last, "Nơi nhận:") == 12
        assert size_of(last, "Lưu") == 11
    if context["signer_name"]:
        assert 13 <= size_of(last, context["signer_name"]) <= 14
    for page in reader.pages:
        assert min(line.y for line in lines_of(page)) >= 20 * MM - 1
