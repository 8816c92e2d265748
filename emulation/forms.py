from collections.abc import Callable

from django import forms
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError


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


NOT_CONFIRMED = "Hãy đánh dấu ô xác nhận: việc này không tự hoàn tác được."


def confirmation(label: str) -> forms.BooleanField:
    """The box a person ticks before an action they cannot undo themselves; its
    label says what gets locked and who is told (issue 15). The server checks it."""
    return forms.BooleanField(label=label, error_messages={"required": NOT_CONFIRMED})


class ConfirmForm(forms.Form):
    """A POST-only action that locks something: only its confirmation."""

    confirm = forms.BooleanField(error_messages={"required": NOT_CONFIRMED})

    def __init__(self, *args, label: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["confirm"] = confirmation(label)


# What `attempt` returns when the service refused: a service may answer None.
FAILED = object()


def attempt(form: forms.Form, action: Callable[[], object]) -> object:
    """Run a service and return its answer; its ValidationError becomes the
    form's error and FAILED is returned instead."""
    try:
        return action()
    except ValidationError as error:
        form.add_error(None, error)
        return FAILED
