from datetime import date
from io import BytesIO

import pytest
from pypdf import PdfReader

from awards.documents import date_line, render_pdf

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
