"""Our own words where Django's Vietnamese reads badly (#15): "Nhập một số tổng
thể.", "…lớn hơn hoặc bằng với 0 ." (a space before the full stop); and the
scorecard builder leaves checking to the server, whose messages are Vietnamese,
rather than to the browser's "Please fill out this field"."""

import re

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator

from tests.scoring.test_builder_views import PAGE, make_draft


def messages_of(field, value) -> list[str]:
    with pytest.raises(ValidationError) as error:
        field.clean(value)
    return error.value.messages


def test_whole_number_and_bounds_read_as_vietnamese_people_write():
    assert messages_of(forms.IntegerField(), "1,5") == ["Nhập một số nguyên."]
    assert messages_of(forms.IntegerField(min_value=0), "-1") == ["Số phải từ 0 trở lên."]
    assert messages_of(forms.IntegerField(max_value=10), "11") == ["Số phải không quá 10."]
    with pytest.raises(ValidationError) as error:
        MinValueValidator(0)(-1)
    assert error.value.messages == ["Số phải từ 0 trở lên."]
    with pytest.raises(ValidationError) as error:
        MaxValueValidator(5)(6)
    assert error.value.messages == ["Số phải không quá 5."]


@pytest.mark.django_db
def test_the_builders_forms_are_checked_by_the_server(client, world):
    make_draft(world)
    client.force_login(world.head)
    main = client.get(PAGE).content.decode().split("<main")[1]
    forms_ = re.findall(r"<form\b[^>]*>", main)
    assert forms_ and [f for f in forms_ if "novalidate" not in f] == []
