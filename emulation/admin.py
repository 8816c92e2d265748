from django import forms
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from emulation.models import User


class RevisionCheckedAdmin:
    """An administrator's edit is a write like any other (#11, point 8).

    The change page carries the revision it was opened on; the save checks it under
    a row lock (the admin saves inside a transaction) and refuses a stale page, naming
    the current revision, and a saved edit moves the revision on, so that pages still
    open on the old figure are refused in turn instead of writing over the correction.
    The revision itself is never typed.
    """

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None and kwargs.get("fields", ()) is not None:
            # The page's fields come from the fieldsets, which show the hidden revision
            # below; the model form is built without it and the subclass adds it.
            shown = kwargs.get("fields") or flatten_fieldsets(self.get_fieldsets(request, obj))
            kwargs["fields"] = [name for name in shown if name != "seen_revision"]
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            return form

        class Checked(form):
            seen_revision = forms.IntegerField(widget=forms.HiddenInput, initial=obj.revision)

            def clean(self):
                cleaned = super().clean()
                current = (
                    type(obj)
                    ._default_manager.select_for_update()
                    .values_list("revision", flat=True)
                    .get(pk=obj.pk)
                )
                if self.cleaned_data.get("seen_revision") != current:
                    raise forms.ValidationError(
                        "Bản ghi này vừa được người khác thay đổi (phiên bản hiện tại: %(n)s); "
                        "hãy tải lại trang, xem giá trị hiện tại rồi sửa lần nữa.",
                        params={"n": current},
                        code="stale",
                    )
                self.instance.revision = current + 1
                return cleaned

        return Checked

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), "revision")

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        return fieldsets if obj is None else [*fieldsets, (None, {"fields": ["seen_revision"]})]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "get_full_name", "email", "authority", "unit", "is_active")
    list_filter = ("is_active", "is_superuser", "authority")
    list_select_related = ("authority", "unit")
    search_fields = ("username", "first_name", "last_name", "email", "unit__name", "unit__code")
    autocomplete_fields = ("authority", "unit")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Thuộc về", {"fields": ("authority", "unit")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        ("Thuộc về", {"fields": ("authority", "unit")}),
    )
