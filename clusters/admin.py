from django.contrib import admin
from import_export.admin import ImportExportModelAdmin

from clusters.models import Authority, Cluster, Deadline, EmulationYear, Membership, Unit
from clusters.resources import MembershipResource, UnitResource

admin.site.site_header = "Quản trị Thi đua"
admin.site.site_title = "Thi đua"
admin.site.index_title = "Quản trị hệ thống"


@admin.register(Authority)
class AuthorityAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "is_provincial")
    list_filter = ("is_provincial",)
    search_fields = ("code", "name")


@admin.register(Unit)
class UnitAdmin(ImportExportModelAdmin):
    resource_classes = [UnitResource]
    list_display = ("code", "name", "kind")
    list_filter = ("kind",)
    search_fields = ("code", "name")


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("unit",)
    fields = ("year", "unit", "role", "acts_for_head")


@admin.register(Cluster)
class ClusterAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "group", "calendar", "authority")
    list_filter = ("kind", "group", "calendar", "authority")
    list_select_related = ("authority",)
    search_fields = ("code", "name")
    inlines = [MembershipInline]


class DeadlineInline(admin.TabularInline):
    model = Deadline
    extra = 0
    fields = ("calendar", "kind", "due_date")


@admin.register(EmulationYear)
class EmulationYearAdmin(admin.ModelAdmin):
    list_display = ("year",)
    search_fields = ("year",)
    inlines = [DeadlineInline]


@admin.register(Deadline)
class DeadlineAdmin(admin.ModelAdmin):
    list_display = ("year", "calendar", "kind", "due_date")
    list_filter = ("year", "calendar", "kind")
    list_select_related = ("year",)


@admin.register(Membership)
class MembershipAdmin(ImportExportModelAdmin):
    resource_classes = [MembershipResource]
    list_display = ("unit", "cluster", "year", "role", "acts_for_head")
    list_filter = ("year", "role", "cluster__kind", "cluster")
    list_select_related = ("unit", "cluster", "year")
    search_fields = ("unit__code", "unit__name", "cluster__code", "cluster__name")
    autocomplete_fields = ("unit", "cluster")
