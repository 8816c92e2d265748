"""Official documents as PDF, laid out as Nghị định 30/2020/NĐ-CP asks.

One shared base template (templates/pdf/base.html) gives every document the
A4 page, margins, font, the issuing body and national motto header, the
number and date line, page numbers from page 2, "Nơi nhận" and the signature
block; each document is a template of its own that fills the blocks.
"""

from datetime import date
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string

# Bundled so every server renders the same document, whatever fonts it has:
# Liberation Serif is metric-compatible with Times New Roman and carries
# every Vietnamese diacritic (SIL Open Font License, static/fonts/).
FONTS_DIR = Path(settings.BASE_DIR) / "static" / "fonts"


def date_line(place: str, day: date) -> str:
    """'Bắc Giang, ngày 05 tháng 02 năm 2026': days under 10 and months 1 and 2
    take a leading zero (Nghị định 30/2020, Phụ lục I)."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def render_pdf(template_name: str, context: dict) -> bytes:
    from weasyprint import HTML  # imported here: loading Pango is slow and only PDFs need it

    html = render_to_string(template_name, {**context, "fonts_url": FONTS_DIR.as_uri()})
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
