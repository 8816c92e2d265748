from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import slugify
from import_export.admin import ImportExportModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from clusters.models import (
    Attendance,
    Authority,
    Cluster,
    Conference,
    Deadline,
    Election,
    EmulationYear,
    HeadDocument,
    Membership,
    Pledge,
    PledgeSignature,
    PriorRole,
    Registration,
    RegistrationTarget,
    ReminderSent,
    Report,
    Succession,
    Unit,
)
from clusters.resources import FORMATS, MembershipResource, UnitResource
from emulation.admin import RevisionCheckedAdmin
from emulation.numbers import ADMIN_FIGURES

admin.site.site_header = "Quản trị Thi đua"
admin.site.site_title = "Thi đua"
admin.site.index_title = "Quản trị hệ thống"


class SpreadsheetAdmin(ImportExportModelAdmin):
    """Import and export in CSV or xlsx only, both guarded (clusters.resources)."""

    formats = FORMATS

    def get_export_filename(self, request, queryset, file_format):
        # "don-vi-04-12-2026.xlsx", not the model's English class name ("Unit-…").
        name = slugify(str(self.model._meta.verbose_name_plural).replace("đ", "d"))
        day = timezone.localdate().strftime("%d-%m-%Y")
        return f"{name}-{day}.{file_format.get_extension()}"

    def get_valid_export_item_pks(self, request):
        """The rows chosen in the list's export action that this export may read.
        The library's own answer lists every row of the table, and warns that it
        is deprecated, although its export action still calls it."""
        chosen = [pk for pk in request.POST.getlist("export_items") if pk.isdigit()]
        return self.get_export_queryset(request).filter(pk__in=chosen).values_list("pk", flat=True)

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, ValidationError):  # the guard's own Vietnamese message
            form.add_error("import_file", e.messages)
        else:
            super().add_data_read_fail_error_to_form(form, e)


@admin.register(Authority)
class AuthorityAdmin(admin.ModelAdmin):
    # The only place an authority's kind is set (issue 13).
    list_display = ("code", "name", "kind")
    list_filter = ("kind",)
    search_fields = ("code", "name")


class PredecessorInline(admin.TabularInline):
    model = Succession
    fk_name = "successor"
    extra = 0
    autocomplete_fields = ("predecessor",)
    fields = (
        "predecessor",
        "kind",
        "effective_on",
        "decision_number",
        "decision_date",
        "decision_body",
    )
    verbose_name = "đơn vị được kế thừa"
    verbose_name_plural = "kế thừa từ (sáp nhập, chia tách, đổi tên)"


@admin.register(Unit)
class UnitAdmin(SpreadsheetAdmin):
    resource_classes = [UnitResource]
    list_display = ("code", "name", "kind", "valid_from", "valid_until")
    list_filter = ("kind",)
    search_fields = ("code", "name")
    inlines = [PredecessorInline]

    def save_formset(self, request, form, formset, change):
        # A succession entered here says who recorded it (R35).
        for succession in formset.save(commit=False):
            succession.recorded_by = request.user
            succession._change_reason = "Ghi nhận trong trang quản trị"
            succession.save()
        for removed in formset.deleted_objects:
            removed.delete()
        formset.save_m2m()


@admin.register(Succession)
class SuccessionAdmin(SimpleHistoryAdmin):
    list_display = ("successor", "kind", "predecessor", "effective_on", "decision_number")
    list_filter = ("kind",)
    list_select_related = ("successor", "predecessor")
    search_fields = ("successor__name", "predecessor__name", "decision_number")
    autocomplete_fields = ("successor", "predecessor")
    exclude = ("recorded_by",)

    def save_model(self, request, obj, form, change):
        obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


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
class DeadlineAdmin(RevisionCheckedAdmin, SimpleHistoryAdmin):
    list_display = ("year", "calendar", "kind", "due_date")
    list_filter = ("year", "calendar", "kind")
    list_select_related = ("year",)


@admin.register(Membership)
class MembershipAdmin(SpreadsheetAdmin):
    resource_classes = [MembershipResource]
    list_display = ("unit", "cluster", "year", "role", "acts_for_head")
    list_filter = ("year", "role", "cluster__kind", "cluster")
    list_select_related = ("unit", "cluster", "year")
    search_fields = ("unit__code", "unit__name", "cluster__code", "cluster__name")
    autocomplete_fields = ("unit", "cluster")


# --- The year's activities: history views show who changed what (R35). -----


class RegistrationTargetInline(admin.TabularInline):
    formfield_overrides = ADMIN_FIGURES
    model = RegistrationTarget
    extra = 0
    fields = ("order", "title", "measure", "planned_value", "criterion")
    raw_id_fields = ("criterion",)


@admin.register(Registration)
class RegistrationAdmin(RevisionCheckedAdmin, SimpleHistoryAdmin):
    list_display = ("membership", "status", "submitted_at")
    list_filter = ("status", "membership__year", "membership__cluster")
    list_select_related = ("membership__unit", "membership__cluster", "membership__year")
    search_fields = ("membership__unit__code", "membership__unit__name")
    raw_id_fields = ("membership", "submitted_by")
    inlines = [RegistrationTargetInline]


class PledgeSignatureInline(admin.TabularInline):
    model = PledgeSignature
    extra = 0
    fields = ("membership", "method", "signed_on", "signed_by")
    raw_id_fields = ("membership", "signed_by")


@admin.register(Pledge)
class PledgeAdmin(RevisionCheckedAdmin, SimpleHistoryAdmin):
    list_display = ("cluster", "year", "published_at")
    list_filter = ("year", "cluster")
    list_select_related = ("cluster", "year")
    raw_id_fields = ("published_by",)
    inlines = [PledgeSignatureInline]


@admin.register(PledgeSignature)
class PledgeSignatureAdmin(SimpleHistoryAdmin):
    list_display = ("membership", "pledge", "method", "signed_on")
    list_filter = ("method", "pledge__year")
    list_select_related = ("membership__unit", "membership__cluster", "membership__year")
    raw_id_fields = ("pledge", "membership", "signed_by")


@admin.register(HeadDocument)
class HeadDocumentAdmin(SimpleHistoryAdmin):
    list_display = ("cluster", "year", "kind", "number", "issued_on")
    list_filter = ("kind", "year", "cluster")
    list_select_related = ("cluster", "year")
    raw_id_fields = ("uploaded_by", "late_deduction")


@admin.register(Report)
class ReportAdmin(SimpleHistoryAdmin):
    list_display = ("membership", "kind", "reported_on", "uploaded_at")
    list_filter = ("kind", "membership__year", "membership__cluster")
    list_select_related = ("membership__unit", "membership__cluster", "membership__year")
    raw_id_fields = ("membership", "uploaded_by")


class AttendanceInline(admin.TabularInline):
    model = Attendance
    extra = 0
    fields = ("membership", "status", "note", "deduction")
    raw_id_fields = ("membership", "deduction")


@admin.register(Conference)
class ConferenceAdmin(RevisionCheckedAdmin, SimpleHistoryAdmin):
    list_display = ("cluster", "year", "kind", "title", "held_on", "place")
    list_filter = ("kind", "year", "cluster")
    list_select_related = ("cluster", "year")
    raw_id_fields = ("created_by",)
    inlines = [AttendanceInline]


@admin.register(Election)
class ElectionAdmin(SimpleHistoryAdmin):
    list_display = ("cluster", "year", "head", "deputy", "decision_number", "decision_date")
    list_filter = ("year", "cluster")
    list_select_related = ("cluster", "year", "head", "deputy")
    raw_id_fields = ("head", "deputy", "recorded_by", "assigned_by")


@admin.register(PriorRole)
class PriorRoleAdmin(SimpleHistoryAdmin):
    """The heads and deputies before a cluster's first year (#14), mostly
    entered on the cluster's page; an entry put right here says so in the
    history, which the Lịch sử page shows (R35)."""

    list_display = ("cluster", "year", "role", "unit", "source")
    list_filter = ("role", "cluster")
    list_select_related = ("cluster", "unit")
    search_fields = ("unit__code", "unit__name", "cluster__code", "cluster__name", "source")
    autocomplete_fields = ("cluster", "unit")
    exclude = ("recorded_by",)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        obj._change_reason = (
            "Sửa trong trang quản trị" if change else "Ghi nhận trong trang quản trị"
        )
        super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        obj._change_reason = "Xóa trong trang quản trị"
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        # One by one, so each removal's history row has the reason too.
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(ReminderSent)
class ReminderSentAdmin(admin.ModelAdmin):
    list_display = (
        "deadline",
        "conference",
        "membership",
        "offset",
        "reminded_on",
        "sent_by",
        "claimed_at",
        "sent_at",
    )
    list_filter = ("offset", "membership__year", "deadline__kind")
    list_select_related = (
        "deadline__year",
        "conference__year",
        "conference__cluster",
        "membership__unit",
        "membership__cluster",
        "sent_by",
    )
    search_fields = ("membership__unit__code", "membership__unit__name")
