"""Figures the way Vietnamese people write them (STYLE 17): one parser, one formatter;
and the one way a date or a time is shown (`format_date`, `format_datetime`, #15).

People type "12,5" (the Vietnamese decimal comma) or "12.5" (a point, as a
calculator or Excel in English shows it); both mean twelve and a half. A
Vietnamese reader also writes thousands with dots ("1.000" is a thousand),
so a mark followed by exactly three digits ("1.000", "12,500") is refused as
ambiguous rather than guessed, and so are both marks in one figure
("1.234,5"); the message says how to write it. Only ASCII digits are read:
Python's Decimal and int would take "١٢" or "５", which no one here types on
purpose.

The fields are text inputs with inputmode="decimal": an <input type="number">
lets the browser re-read the figure in its own locale before the server
sees it (Chromium in Vietnamese turns "12,5" into 125).

Every figure shown to a person goes through `format_figure` (Django's `vi`
formats: decimal comma, dot thousands); CSV and JSON keep plain figures.
"""

import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format

from emulation.formats.vi import formats as vi_formats

# A sign, digits, and at most one decimal mark with digits after it.
_FIGURE = re.compile(r"(?P<sign>[+-]?)(?P<whole>[0-9]+)(?:(?P<mark>[.,])(?P<fraction>[0-9]+))?")

HOW_TO_WRITE = (
    "Viết số bằng các chữ số 0–9, không dùng dấu phân cách hàng nghìn, phần thập phân "
    "sau một dấu phẩy (hoặc dấu chấm), ví dụ 1500 hay 12,5."
)


def _invalid(value: str) -> ValidationError:
    shown = value if len(value) <= 30 else f"{value[:30]}…"
    return ValidationError(
        f"“{shown}” không phải là số. {HOW_TO_WRITE}", code="invalid", params={"value": value}
    )


def _ambiguous(value: str, whole: str, fraction: str) -> ValidationError:
    # The decimal reading written so that it is no longer ambiguous: 12,500 → 12,5;
    # 1,125 → 1,1250 (a fourth decimal rather than exactly three).
    short = fraction.rstrip("0")
    decimal = f"{whole},{short or '0'}" if len(short) < 3 else f"{whole},{fraction}0"
    return ValidationError(
        f"“{value}” không rõ là số thập phân hay số có dấu phân cách hàng nghìn. "
        f"Nếu là {whole}{fraction} thì viết {whole}{fraction} (không dùng dấu phân cách hàng "
        f"nghìn); nếu là số thập phân thì viết {decimal}.",
        code="ambiguous",
        params={"value": value},
    )


def read_figure(text: str) -> Decimal:
    """The exact Decimal a person meant by `text`, or a ValidationError saying
    how to write it.

    Ambiguous, hence refused: both a comma and a point; a mark followed by
    exactly three digits after a whole part that could be a thousands group
    ("1.000", "12,500", "-100.250"). A whole part of 0 ("0,125") or of four
    digits or more ("1234,567") cannot be a group, so those read as decimals.
    """
    value = text.strip()
    if "," in value and "." in value:
        raise ValidationError(
            f"“{value}” có cả dấu chấm và dấu phẩy. {HOW_TO_WRITE}",
            code="ambiguous",
            params={"value": value},
        )
    found = _FIGURE.fullmatch(value)
    if found is None:
        raise _invalid(value)
    sign, whole, fraction = found["sign"], found["whole"], found["fraction"] or ""
    grouped = len(fraction) == 3 and len(whole) <= 3 and not whole.startswith("0")
    if grouped:
        raise _ambiguous(value, f"{sign}{whole}".lstrip("+"), fraction)
    return Decimal(f"{sign}{whole}.{fraction}" if fraction else f"{sign}{whole}")


def format_figure(value: Decimal | int | None, places: int | None = None) -> str:
    """A figure for people: '1.234,5' (decimal comma, dot thousands; '' for none).

    With `places`, exactly that many decimals ('964,40'); without, the figure
    as it is, trailing zeros dropped ('12,5', '100').
    """
    if value is None:
        return ""
    value = Decimal(value)
    if places is not None:
        value = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    elif value == value.to_integral():
        value = value.quantize(Decimal(1))
    else:
        value = value.normalize()
    if not value:
        value = abs(value)  # "0", not "-0", as floatformat shows a tiny loss rounded away
    # Python's grouping by threes with the `vi` formats' marks: the text Django's
    # number_format gives, without its per-call lookups of the language's formats
    # (a sheet's save shows a dozen figures at the deadline peak, #17).
    return format(value, ",f").translate(_VIETNAMESE_MARKS)


assert vi_formats.NUMBER_GROUPING == 3  # what format(…, ",") groups by
_VIETNAMESE_MARKS = str.maketrans(
    {",": vi_formats.THOUSAND_SEPARATOR, ".": vi_formats.DECIMAL_SEPARATOR}
)


def format_datetime(value: datetime | None) -> str:
    """A moment for people: '04/12/2026 03:40', day first, in the local time
    zone (the project's DATETIME_FORMAT, as templates show it)."""
    if value is None:
        return ""
    return date_format(timezone.localtime(value), "DATETIME_FORMAT")


def format_date(value: date | datetime | None) -> str:
    """A day for people: '04/12/2026' (a moment's local day)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    return date_format(value, "DATE_FORMAT")


def input_figure(value: Decimal | int | None) -> str:
    """A stored figure put back into a text field so that the parser reads it
    back the same: decimal comma, no grouping, and never exactly three
    decimals after a short whole part (1,125 is shown as 1,1250)."""
    if value is None:
        return ""
    value = Decimal(value)
    text = format(
        value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize(), "f"
    )
    try:
        read_figure(text)
    except ValidationError:
        text += "0"
    return text.replace(".", ",")


def _text_widget(mode: str) -> forms.TextInput:
    return forms.TextInput(attrs={"inputmode": mode, "autocomplete": "off"})


def column_limit(max_digits: int, decimal_places: int) -> Decimal:
    """The largest figure a DecimalField(max_digits, decimal_places) holds: 99999.99 for (7, 2)."""
    return Decimal(10) ** (max_digits - decimal_places) - Decimal(1).scaleb(-decimal_places)


def column_bounds(max_digits: int, decimal_places: int, *, signed: bool = False) -> list:
    """Model validators keeping a DecimalField's figures within its column: at
    least 0 (or the column's most negative figure when `signed`), at most its
    largest figure."""
    limit = column_limit(max_digits, decimal_places)
    return [MinValueValidator(-limit if signed else Decimal(0)), MaxValueValidator(limit)]


def _bound_messages(min_value, max_value) -> dict[str, str]:
    messages = {}
    if max_value is not None:
        messages["max_value"] = f"Số quá lớn: tối đa {format_figure(max_value)}."
    if min_value is not None:
        messages["min_value"] = (
            "Số không được âm."
            if min_value == 0
            else f"Số quá nhỏ: tối thiểu {format_figure(min_value)}."
        )
    return messages


class VietnameseDecimalField(forms.DecimalField):
    """A decimal a person types: read by `read_figure`, bounded by its model
    column (max_digits, decimal_places) and a maximum (the column's largest
    figure unless given), with Vietnamese messages; "1e26" is refused as not
    a figure, never a 500."""

    def __init__(
        self,
        *,
        max_digits: int,
        decimal_places: int,
        max_value: Decimal | None = None,
        min_value: Decimal | None = Decimal(0),
        **kwargs,
    ) -> None:
        # The column's own limit is checked by max_digits; a lower maximum by max_value.
        limit = max_value or column_limit(max_digits, decimal_places)
        too_big = f"Số quá lớn: tối đa {format_figure(limit)}."
        kwargs.setdefault("widget", _text_widget("decimal"))
        messages = {
            "required": "Chưa nhập số.",
            "max_digits": too_big,
            "max_whole_digits": too_big,
            "max_decimal_places": f"Tối đa {decimal_places} chữ số sau dấu phẩy.",
        } | _bound_messages(min_value, max_value)
        kwargs["error_messages"] = messages | kwargs.get("error_messages", {})
        super().__init__(
            max_digits=max_digits,
            decimal_places=decimal_places,
            max_value=max_value,
            min_value=min_value,
            **kwargs,
        )

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal | int) and not isinstance(value, bool):
            return Decimal(value)
        return read_figure(str(value))

    def prepare_value(self, value):
        if isinstance(value, Decimal | int) and not isinstance(value, bool):
            return input_figure(value)
        return value


class VietnameseIntegerField(forms.IntegerField):
    """A whole number a person types (a count, votes): the same reading as
    VietnameseDecimalField, then it must be whole."""

    def __init__(self, *, min_value: int | None = 0, **kwargs) -> None:
        kwargs.setdefault("widget", _text_widget("numeric"))
        messages = {
            "required": "Chưa nhập số.",
            "invalid": "Nhập một số nguyên.",
        } | _bound_messages(min_value, kwargs.get("max_value"))
        kwargs["error_messages"] = messages | kwargs.get("error_messages", {})
        super().__init__(min_value=min_value, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        try:
            figure = read_figure(str(value))
        except ValidationError as error:
            if error.code != "invalid":
                raise
            only = f"{self.error_messages['invalid']} Chỉ dùng các chữ số 0–9."
            raise ValidationError(only, code="invalid") from None
        if figure != figure.to_integral():
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return int(figure)


# The admin's forms read figures the same way (ModelAdmin.formfield_overrides);
# the model's validators bound them (column_bounds).
ADMIN_FIGURES = {
    models.DecimalField: {"form_class": VietnameseDecimalField, "min_value": None},
    # Django's admin gives integers a type="number" widget of its own.
    models.IntegerField: {"form_class": VietnameseIntegerField, "widget": _text_widget("numeric")},
}
