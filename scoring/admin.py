from django import forms
from django.contrib import admin
from django.db.models import Count
from simple_history.admin import SimpleHistoryAdmin

from clusters.models import Deduction, Membership, Participation
from emulation.admin import RevisionCheckedAdmin
from emulation.numbers import ADMIN_FIGURES, format_figure
from scoring import adjustments, services
from scoring.guidances import regulation_of, regulations_read_once, stored_regulation
from scoring.models import (
    Band,
    Bonus,
    Criterion,
    Framework,
    FrameworkCriterion,
    Guidance,
    Score,
    Scorecard,
)
from scoring.regulation import DEFAULT, Regulation

# A membership reads "unit – role (cluster, year)": these joins keep lists flat.
MEMBERSHIP_JOINS = ("membership__unit", "membership__cluster", "membership__year")


def _short(text: str, length: int = 90) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


class ReadOnlyAdminMixin:
    """Shown, never edited here: a guidance's data (Phụ lục 02), participation records."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class FrameworkCriterionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = FrameworkCriterion
    fields = ("section", "group", "code", "title", "points", "method")
    readonly_fields = fields
    extra = 0


@admin.register(Framework)
class FrameworkAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("title", "year", "criterion_count")
    search_fields = ("title",)
    inlines = [FrameworkCriterionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(criterion_count=Count("criteria"))

    @admin.display(description="số tiêu chí", ordering="criterion_count")
    def criterion_count(self, obj: Framework) -> int:
        return obj.criterion_count


@admin.register(FrameworkCriterion)
class FrameworkCriterionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("code", "short_title", "section", "group", "points", "method", "framework")
    list_filter = ("section", "group", "method", "framework")
    list_select_related = ("framework",)
    search_fields = ("code", "title")

    @admin.display(description="nội dung", ordering="title")
    def short_title(self, obj: FrameworkCriterion) -> str:
        return _short(obj.title)


class CriterionInline(admin.TabularInline):
    """The scorecard's tree, read-only: criteria change through the scorecard
    services (R17) or, for a draft, on the criterion's own page."""

    model = Criterion
    fields = ("code", "title", "section", "points", "is_leaf", "added", "method", "direction")
    readonly_fields = fields
    extra = 0
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ScorecardAddForm(forms.ModelForm):
    """A new scorecard is always a draft built from the framework (R17)."""

    class Meta:
        model = Scorecard
        fields = ("cluster", "year")

    def clean(self):
        data = super().clean()
        if data.get("cluster") and data.get("year"):
            errors = services.scorecard_create_errors(cluster=data["cluster"], year=data["year"])
            if errors:
                raise forms.ValidationError(errors)
        return data


class ScorecardChangeForm(forms.ModelForm):
    """A draft's cluster bonus cap, within the cap of the year's guidance (R39)."""

    class Meta:
        model = Scorecard
        fields = ("cluster_bonus_max",)

    def clean_cluster_bonus_max(self):
        value = self.cleaned_data["cluster_bonus_max"]
        scorecard = self.instance
        regulation = stored_regulation(scorecard.year_id, scorecard.cluster)
        if value is not None and value > regulation.cluster_bonus_cap:
            raise forms.ValidationError(
                f"Điểm thưởng tối đa của cụm, khối không được vượt quá "
                f"{format_figure(regulation.cluster_bonus_cap)} điểm theo hướng dẫn áp dụng "
                f"cho năm {scorecard.year.year} ({regulation.code})."
            )
        return value


@admin.register(Scorecard)
class ScorecardAdmin(SimpleHistoryAdmin):
    formfield_overrides = ADMIN_FIGURES
    """Status changes only go through the services (R18), so that each one is
    checked and recorded with its reason (R35); here a draft's bonus cap is
    the only field to edit."""

    list_display = ("cluster", "year", "version", "status", "framework", "updated_at")
    list_filter = ("year", "status", "cluster__group")
    list_select_related = ("cluster", "year", "framework")
    search_fields = ("cluster__code", "cluster__name")
    inlines = [CriterionInline]
    readonly_fields = ("cluster", "year", "version", "framework", "status", "return_reason")
    fields = (*readonly_fields, "cluster_bonus_max")

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = ScorecardAddForm if obj is None else ScorecardChangeForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return ("cluster", "year") if obj is None else self.fields

    def get_inlines(self, request, obj=None):
        return [] if obj is None else self.inlines

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        created = services.scorecard_create_from_framework(
            cluster=obj.cluster, year=obj.year, user=request.user
        )
        # The admin goes on with `obj` (log entry, redirect): make it the draft.
        obj.pk = created.pk
        obj.refresh_from_db()
        obj._state.adding = False

    def has_change_permission(self, request, obj=None) -> bool:
        editable = obj is None or obj.is_editable
        return editable and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        # An issued scorecard carries the units' scores; only unsent drafts go.
        return obj is not None and obj.is_editable and super().has_delete_permission(request, obj)

    def revert_disabled(self, request, obj=None) -> bool:
        return True


class BandInline(admin.TabularInline):
    formfield_overrides = ADMIN_FIGURES
    model = Band
    fields = ("order", "min_value", "min_inclusive", "max_value", "max_inclusive", "points")
    # Read-only (a scorecard no longer a draft), the figures as people write them:
    # Django would show the column's six decimals ("20,000000").
    shown_fields = ("order", "min_shown", "min_inclusive", "max_shown", "max_inclusive")
    readonly_fields = ("min_shown", "max_shown", "points_shown")
    extra = 0

    def get_fields(self, request, obj=None):
        if _draft_criterion(obj):
            return self.fields
        return (*self.shown_fields, "points_shown")

    @admin.display(description="từ")
    def min_shown(self, band: Band) -> str:
        return format_figure(band.min_value) or "—"

    @admin.display(description="đến")
    def max_shown(self, band: Band) -> str:
        return format_figure(band.max_value) or "—"

    @admin.display(description="điểm")
    def points_shown(self, band: Band) -> str:
        return format_figure(band.points)

    def has_add_permission(self, request, obj=None) -> bool:
        return _draft_criterion(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return _draft_criterion(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return _draft_criterion(obj) and super().has_delete_permission(request, obj)


def _draft_criterion(criterion: Criterion | None) -> bool:
    return criterion is None or criterion.scorecard.is_editable


class CriterionAddForm(forms.ModelForm):
    """Adding here is adding a criterion (R17): the 30% limit applies."""

    class Meta:
        model = Criterion
        fields = (
            "scorecard",
            "section",
            "parent",
            "code",
            "title",
            "points",
            "method",
            "direction",
        )

    def clean(self):
        data = super().clean()
        needed = ("scorecard", "section", "code", "title", "points", "method", "direction")
        if all(data.get(name) not in (None, "") for name in needed):
            errors = services.criterion_add_errors(
                **{name: data[name] for name in needed}, parent=data.get("parent")
            )
            if errors:
                raise forms.ValidationError(errors)
        return data


@admin.register(Criterion)
class CriterionAdmin(RevisionCheckedAdmin, admin.ModelAdmin):
    formfield_overrides = ADMIN_FIGURES
    """A draft's criterion may be reworded, reweighted or rescored here; the
    tree (code, section, parent) changes through the services (R17), and
    submission checks the whole scorecard again."""

    list_display = (
        "code",
        "short_title",
        "scorecard",
        "section",
        "points",
        "is_leaf",
        "added",
        "method",
    )
    list_filter = ("section", "method", "is_leaf", "added", "scorecard__year")
    list_select_related = ("scorecard__cluster", "scorecard__year")
    search_fields = ("code", "title", "scorecard__cluster__code")
    raw_id_fields = ("scorecard", "parent")
    inlines = [BandInline]
    readonly_fields = (
        "scorecard",
        "parent",
        "framework_criterion",
        "section",
        "code",
        "is_leaf",
        "added",
        "order",
    )
    fields = (*readonly_fields, "title", "points", "method", "direction")

    @admin.display(description="nội dung", ordering="title")
    def short_title(self, obj: Criterion) -> str:
        return _short(obj.title)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = CriterionAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return CriterionAddForm.Meta.fields if obj is None else self.fields

    def get_inlines(self, request, obj=None):
        # Bands come once the criterion exists and is set to be scored by tiers.
        return [] if obj is None else self.inlines

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("scorecard__cluster", "scorecard__year")

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        created = services.criterion_add(
            scorecard=obj.scorecard,
            section=obj.section,
            code=obj.code,
            title=obj.title,
            points=obj.points,
            method=obj.method,
            direction=obj.direction,
            parent=obj.parent,
        )
        obj.pk = created.pk
        obj.refresh_from_db()
        obj._state.adding = False

    def has_change_permission(self, request, obj=None) -> bool:
        return _draft_criterion(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        # Only what R17 lets a cluster remove: added criteria and sub-criteria.
        removable = obj is not None and obj.framework_criterion_id is None
        return removable and _draft_criterion(obj) and super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        services.criterion_remove(criterion=obj)


@admin.register(Score)
class ScoreAdmin(RevisionCheckedAdmin, SimpleHistoryAdmin):
    formfield_overrides = ADMIN_FIGURES
    list_display = (
        "membership",
        "criterion",
        "plan",
        "actual",
        "points",
        "value",
        "agreed_points",
        "revision",
        "updated_at",
    )
    list_filter = (
        "membership__year",
        "criterion__section",
        "criterion__method",
        "membership__cluster",
    )
    list_select_related = (*MEMBERSHIP_JOINS, "criterion")
    search_fields = ("membership__unit__code", "membership__unit__name", "criterion__code")
    raw_id_fields = ("membership", "criterion")


class CreatedByAdminMixin:
    """Entries record who made them (R35)."""

    readonly_fields = ("created_by", "created_at")

    def save_model(self, request, obj, form, change):
        if not change and obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


# ---------------------------------------------------------------------------
# Bonus and deduction kinds are the year's guidance's (R23, R25, R39): the
# admin names them by its labels and refuses a kind it lacks, as the pages do.


def _regulation(membership: Membership) -> Regulation:
    return stored_regulation(membership.year_id, membership.cluster)


def _kinds(regulation: Regulation, what: str) -> dict[str, str]:
    if what == "bonus":
        return {k: regulation.bonus_label(k) for k in regulation.bonuses}
    return {k: regulation.deduction_label(k) for k in regulation.deductions}


def _known_kinds(what: str) -> dict[str, str]:
    """Every kind of every guidance, named by the first that has it (the 2022
    one first): the choices before the unit, hence the year, is known."""
    known: dict[str, str] = {}
    for regulation in [
        DEFAULT,
        *(regulation_of(g) for g in Guidance.objects.order_by("code", "version")),
    ]:
        for kind, label in _kinds(regulation, what).items():
            known.setdefault(kind, label)
    return known


class AnyKindField(forms.ChoiceField):
    """Offers the guidances' kinds; which one the unit's year takes is
    `KindForm.clean`'s to say, with the year's guidance in the message."""

    def valid_value(self, value: str) -> bool:
        return True


class KindForm(forms.ModelForm):
    """The kind chosen among the guidances' kinds, refused (in Vietnamese)
    when the guidance of the unit's year lacks it."""

    what = ""  # "bonus" or "deduction"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "kind" not in self.fields:
            return
        labels = _known_kinds(self.what)
        if self.instance.pk:
            kind = self.instance.kind
            labels[kind] = _kinds(_regulation(self.instance.membership), self.what).get(kind, kind)
        field = self.fields["kind"]
        self.fields["kind"] = AnyKindField(
            label=field.label,
            choices=[("", "---------"), *labels.items()],
            help_text="Các loại của hướng dẫn áp dụng cho năm của đơn vị.",
        )

    def clean(self) -> dict:
        data = super().clean()
        membership, kind = data.get("membership"), data.get("kind")
        if membership is None or not kind:
            return data
        regulation = _regulation(membership)
        kinds = _kinds(regulation, self.what)
        if kind not in kinds:
            words = "điểm thưởng" if self.what == "bonus" else "điểm trừ"
            self.add_error(
                "kind",
                f"Loại {words} “{_known_kinds(self.what).get(kind, kind)}” không có trong "
                f"hướng dẫn áp dụng cho năm {membership.year.year} ({regulation.code}); các "
                f"loại của năm: {'; '.join(kinds.values())}.",
            )
        else:
            for error in self.rule_errors(membership, kind, data, regulation):
                self.add_error(None, error)
        return data

    def rule_errors(self, membership, kind: str, data: dict, regulation: Regulation) -> list[str]:
        return []


class BonusForm(KindForm):
    """R23, R39 as the pages check them: the unit's entries of the kind,
    this one included, within the kind's cap."""

    what = "bonus"

    def rule_errors(self, membership, kind: str, data: dict, regulation: Regulation) -> list[str]:
        points = data.get("points")
        if points is None:
            return []
        return adjustments.bonus_errors(
            membership, kind, points, regulation, replacing=self.instance.pk
        )


class DeductionForm(KindForm):
    """R25, R39 as the pages check them: a head-only kind for the head alone,
    a once-a-year kind confirmed once."""

    what = "deduction"

    def rule_errors(self, membership, kind: str, data: dict, regulation: Regulation) -> list[str]:
        count = data.get("count")
        if count is None:
            return []
        return adjustments.deduction_errors(
            membership,
            kind,
            count,
            regulation,
            confirmed=data.get("status") == Deduction.Status.CONFIRMED,
            replacing=self.instance.pk,
        )


class KindFilter(admin.SimpleListFilter):
    title = "loại"
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        used = model_admin.get_queryset(request).order_by().values_list("kind", flat=True)
        known = _known_kinds(model_admin.form.what)
        return [(k, known.get(k, k)) for k in sorted(set(used))]

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


class KindLabelAdminMixin:
    """Lists and filters kinds by the year's guidance's labels."""

    def changelist_view(self, request, extra_context=None):
        # Each row names its kind (and its checkbox, str(obj)): the years'
        # guidances are read once for the page, so the rows are rendered here.
        with regulations_read_once():
            response = super().changelist_view(request, extra_context)
            return response.render() if hasattr(response, "render") else response

    @admin.display(description="loại", ordering="kind")
    def kind_label(self, obj) -> str:
        return _kinds(_regulation(obj.membership), self.form.what).get(obj.kind, obj.kind)


@admin.register(Bonus)
class BonusAdmin(KindLabelAdminMixin, CreatedByAdminMixin, SimpleHistoryAdmin):
    form = BonusForm
    formfield_overrides = ADMIN_FIGURES
    list_display = (
        "membership",
        "kind_label",
        "points",
        "short_reason",
        "created_by",
        "created_at",
    )
    list_filter = (KindFilter, "membership__year", "membership__cluster")
    list_select_related = (*MEMBERSHIP_JOINS, "created_by")
    search_fields = ("membership__unit__code", "membership__unit__name", "reason")
    raw_id_fields = ("membership",)

    @admin.display(description="lý do")
    def short_reason(self, obj: Bonus) -> str:
        return _short(obj.reason, 60)


# Deductions and participation are the organisation's records (clusters.models,
# #16), listed here beside the bonuses with the same helpers; the admin shows
# them under the clusters app.
@admin.register(Deduction)
class DeductionAdmin(KindLabelAdminMixin, CreatedByAdminMixin, SimpleHistoryAdmin):
    form = DeductionForm
    formfield_overrides = ADMIN_FIGURES
    list_display = (
        "membership",
        "kind_label",
        "count",
        "status",
        "short_reason",
        "created_by",
        "created_at",
    )
    list_filter = (KindFilter, "status", "membership__year", "membership__cluster")
    list_select_related = (*MEMBERSHIP_JOINS, "created_by")
    search_fields = ("membership__unit__code", "membership__unit__name", "reason")
    raw_id_fields = ("membership",)

    @admin.display(description="lý do")
    def short_reason(self, obj: Deduction) -> str:
        return _short(obj.reason, 60)


@admin.register(Participation)
class ParticipationAdmin(RevisionCheckedAdmin, ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """Shown only: a fact changes through the online work, an import, or the
    participation page with a reason (R27, R35), never silently here."""

    list_display = (
        "membership",
        "registered",
        "pledge_signed",
        "mid_year_report",
        "annual_report",
    )
    list_filter = (
        "registered",
        "pledge_signed",
        "mid_year_report",
        "annual_report",
        "membership__year",
        "membership__cluster",
    )
    list_select_related = MEMBERSHIP_JOINS
    search_fields = ("membership__unit__code", "membership__unit__name")
    raw_id_fields = ("membership",)
