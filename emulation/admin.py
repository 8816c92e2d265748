from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from emulation.models import User


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
