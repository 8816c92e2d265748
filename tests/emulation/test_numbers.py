"""One way to read a figure and one way to show it (STYLE 17, issue #12)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from emulation.numbers import (
    VietnameseDecimalField,
    VietnameseIntegerField,
    format_figure,
    input_figure,
    read_figure,
)

D = Decimal


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("12,5", D("12.5")),
        ("12.5", D("12.5")),
        (" 7 ", D(7)),
        ("1000", D(1000)),
        ("0,125", D("0.125")),  # a whole part of 0 is no thousands group
        ("1234,567", D("1234.567")),  # nor is one of four digits
        ("1,1250", D("1.125")),
        ("-2,5", D("-2.5")),
    ],
)
def test_a_comma_or_a_point_is_the_decimal_mark(typed, meant):
    assert read_figure(typed) == meant


@pytest.mark.parametrize("typed", ["1.000", "12,500", "-100.250", "1.234,5", "1,234.5"])
def test_an_ambiguous_figure_is_refused_with_how_to_write_it(typed):
    with pytest.raises(ValidationError) as refused:
        read_figure(typed)
    assert refused.value.code == "ambiguous"
    assert "dấu phân cách hàng nghìn" in refused.value.messages[0]


@pytest.mark.parametrize(
    ("typed", "whole", "decimal"),
    [("12,500", "12500", "12,5."), ("1.000", "1000", "1,0."), ("1,125", "1125", "1,1250.")],
)
def test_the_message_gives_both_readings_in_a_form_that_is_read(typed, whole, decimal):
    with pytest.raises(ValidationError) as refused:
        read_figure(typed)
    message = refused.value.messages[0]
    assert f"Nếu là {whole} thì viết {whole}" in message
    assert message.endswith(f"nếu là số thập phân thì viết {decimal}")
    read_figure(decimal.rstrip("."))  # the suggested writing is read


@pytest.mark.parametrize(
    "typed", ["١٢", "５", "1e26", "NaN", "Infinity", "12,", ",5", "1 000", "abc"]
)
def test_only_ascii_digits_and_one_mark_are_read(typed):
    with pytest.raises(ValidationError) as refused:
        read_figure(typed)
    assert refused.value.code == "invalid"
    assert "chữ số 0–9" in refused.value.messages[0]


def test_the_field_keeps_to_its_column_with_vietnamese_messages():
    points = VietnameseDecimalField(max_digits=7, decimal_places=2)
    with pytest.raises(ValidationError) as too_big:
        points.clean("123456")
    assert too_big.value.messages == ["Số quá lớn: tối đa 99.999,99."]
    with pytest.raises(ValidationError) as too_fine:
        points.clean("1,2345")
    assert too_fine.value.messages == ["Tối đa 2 chữ số sau dấu phẩy."]
    with pytest.raises(ValidationError) as negative:
        points.clean("-1")
    assert negative.value.messages == ["Số không được âm."]


def test_the_field_is_a_text_input_the_browser_leaves_alone():
    html = VietnameseDecimalField(max_digits=7, decimal_places=2).widget.render("x", "1")
    assert 'type="text"' in html and 'inputmode="decimal"' in html


def test_a_stored_figure_goes_back_into_a_field_so_it_reads_the_same():
    assert input_figure(D("12.500000")) == "12,5"
    assert input_figure(D("100.000000")) == "100"
    assert input_figure(D("1.125000")) == "1,1250"
    assert read_figure(input_figure(D("1.125"))) == D("1.125")


def test_whole_numbers_read_the_same_way():
    count = VietnameseIntegerField(max_value=50)
    assert count.clean("5") == 5
    for typed, message in [("５", "chữ số 0–9"), ("2,5", "số nguyên"), ("51", "tối đa 50")]:
        with pytest.raises(ValidationError) as refused:
            count.clean(typed)
        assert message in refused.value.messages[0]


def test_figures_are_shown_the_vietnamese_way():
    assert format_figure(D("1234.5")) == "1.234,5"
    assert format_figure(D("964.4"), 2) == "964,40"
    assert format_figure(D("1000.000000")) == "1.000"
    assert format_figure(None) == ""


@settings(max_examples=300, deadline=None)
@given(
    value=st.decimals(min_value=-(10**9), max_value=10**9, allow_nan=False, places=4)
    | st.integers(min_value=-(10**9), max_value=10**9),
    places=st.sampled_from([None, 0, 1, 2, 3]),
)
def test_a_figure_reads_as_djangos_vietnamese_number_format_writes_it(value, places):
    """format_figure writes the marks itself (#17): the same text as Django's
    number_format with the `vi` formats, rounded half up as floatformat rounds."""
    from django.template.defaultfilters import floatformat
    from django.utils.formats import number_format
    from django.utils.translation import override

    with override("vi"):
        if places is None:
            shown = D(value)
            shown = shown.quantize(D(1)) if shown == shown.to_integral() else shown.normalize()
            expected = number_format(shown, use_l10n=True, force_grouping=True)
        else:
            expected = floatformat(value, f"{places}g")
    assert format_figure(value, places) == expected


def test_the_figure_filter_shows_what_floatformat_2g_showed():
    from django.template import Context, Template

    shown = Template("{% load figures %}{{ a|figure:2 }} {{ b|figure:2 }} {{ c|figure:2 }}")
    context = Context({"a": D("1234.5"), "b": D("0.125"), "c": None})
    assert shown.render(context) == "1.234,50 0,13 "
    unresolved = Template("{% load figures %}[{{ row.result.total|figure:2 }}]")
    assert unresolved.render(Context({"row": None})) == "[]"


def test_every_decimal_column_has_a_floor_and_a_ceiling():
    """Issue #12: a figure out of its column's range is refused with a message
    by the model too (admin, full_clean), not only by the forms."""
    from django.apps import apps
    from django.core.validators import MaxValueValidator, MinValueValidator
    from django.db import models

    unbounded = [
        f"{model.__name__}.{field.name}"
        for app in ("clusters", "scoring", "awards")
        for model in apps.get_app_config(app).get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.DecimalField)
        and not (
            any(isinstance(v, MinValueValidator) for v in field.validators)
            and any(isinstance(v, MaxValueValidator) for v in field.validators)
        )
    ]
    assert unbounded == []


@pytest.mark.parametrize("value", ["1234.5", "964.40", "30", "1000000", "0.25"])
def test_the_pure_engine_shows_points_as_the_one_formatter_does(value):
    from scoring.engine import fmt_points

    assert fmt_points(D(value)) == format_figure(D(value))
