from django import forms
from django.contrib.auth import forms as auth_forms


class PasswordResetForm(auth_forms.PasswordResetForm):
    # Django's Vietnamese catalogue leaves this label in English ("Email").
    email = forms.EmailField(
        label="Địa chỉ thư điện tử",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


MAX_LENGTH_MESSAGE = "Tối đa %(limit_value)d ký tự (hiện có %(show_value)d ký tự)."


class LimitedCharField(forms.CharField):
    """A text field with a required maximum length (emulation/limits.py), told in
    Vietnamese; the widget gets `maxlength` too, so the browser stops typing there."""

    default_error_messages = {"max_length": MAX_LENGTH_MESSAGE}

    def __init__(self, *, max_length: int, **kwargs) -> None:
        super().__init__(max_length=max_length, **kwargs)
