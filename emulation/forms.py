from django import forms
from django.contrib.auth import forms as auth_forms


class PasswordResetForm(auth_forms.PasswordResetForm):
    # Django's Vietnamese catalogue leaves this label in English ("Email").
    email = forms.EmailField(
        label="Địa chỉ thư điện tử",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
