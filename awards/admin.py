from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from awards.models import Ballot, Proposal, ProposalItem
from emulation.admin import RevisionCheckedAdmin
from emulation.numbers import ADMIN_FIGURES
from scoring.admin import AnyKindField
from scoring.guidances import regulation_of, regulations_read_once, stored_regulation
from scoring.models import Flag, Guidance, Quota, Vote
from scoring.regulation import DEFAULT, Regulation

# A membership reads "unit – role (cluster, year)": these joins keep lists flat.
MEMBERSHIP_JOINS = ("membership__unit", "membership__cluster", "membership__year")


# Flags, quotas and votes are scoring's records (scoring.models, #16), kept
# here beside the proposals that staff work on with them; the admin shows them
# under the scoring app.
@admin.register(Flag)
class FlagAdmin(RevisionCheckedAdmin, SimpleHistoryAdmin):
    list_display = ("membership", "kind", "reason", "created_by", "created_at")
    list_filter = ("kind", "reason", "membership__year", "membership__cluster")
    list_select_related = (*MEMBERSHIP_JOINS, "created_by")
    search_fields = ("membership__unit__code", "membership__unit__name", "note")
    raw_id_fields = ("membership",)
    readonly_fields = ("created_by", "created_at")

    def save_model(self, request, obj, form, change):
        # Who set an exclusion or deferral is part of its record (R27, R28, R35).
        if not change and obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Quota)
class QuotaAdmin(RevisionCheckedAdmin, SimpleHistoryAdmin):
    formfield_overrides = ADMIN_FIGURES
    list_display = ("cluster", "year", "award", "count", "document")
    list_filter = ("year", "award", "cluster__group", "cluster")
    list_select_related = ("cluster", "year")
    search_fields = ("cluster__code", "cluster__name", "document")


@admin.register(Vote)
class VoteAdmin(RevisionCheckedAdmin, SimpleHistoryAdmin):
    formfield_overrides = ADMIN_FIGURES
    list_display = ("membership", "votes")
    list_filter = ("membership__year", "membership__cluster")
    list_select_related = MEMBERSHIP_JOINS
    search_fields = ("membership__unit__code", "membership__unit__name")
    raw_id_fields = ("membership",)


@admin.register(Ballot)
class BallotAdmin(SimpleHistoryAdmin):
    list_display = ("cluster", "year", "voters")
    list_filter = ("year", "cluster")
    list_select_related = ("cluster", "year")
    search_fields = ("cluster__code", "cluster__name")


@admin.register(Proposal)
class ProposalAdmin(SimpleHistoryAdmin):
    list_display = ("cluster", "year", "status", "announced_at")
    list_filter = ("year", "status", "cluster__group")
    list_select_related = ("cluster", "year")
    search_fields = ("cluster__code", "cluster__name")


# An award is the year's guidance's (R40): named by its labels, and one the
# proposal's year lacks is refused, as on the pages.


def _regulation(proposal: Proposal) -> Regulation:
    return stored_regulation(proposal.year_id, proposal.cluster)


def _known_awards() -> dict[str, str]:
    """Every award of every guidance, named by the first that has it (2022 first)."""
    known: dict[str, str] = {}
    for regulation in [
        DEFAULT,
        *(regulation_of(g) for g in Guidance.objects.order_by("code", "version")),
    ]:
        for award in regulation.awards:
            known.setdefault(award, regulation.award_label(award))
    return known


class ProposalItemForm(forms.ModelForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "award" not in self.fields:
            return
        labels = _known_awards()
        if self.instance.pk and self.instance.award:
            award = self.instance.award
            labels[award] = _regulation(self.instance.proposal).award_label(award)
        self.fields["award"] = AnyKindField(
            label=self.fields["award"].label,
            choices=[("", "Không đề nghị"), *labels.items()],
            required=False,
        )

    def clean(self) -> dict:
        data = super().clean()
        proposal, award = data.get("proposal"), data.get("award")
        if proposal is None or not award:
            return data
        regulation = _regulation(proposal)
        if award not in regulation.awards:
            names = "; ".join(regulation.award_label(a) for a in regulation.awards)
            self.add_error(
                "award",
                f"Danh hiệu “{_known_awards().get(award, award)}” không có trong hướng dẫn áp "
                f"dụng cho năm {proposal.year.year} ({regulation.code}); các danh hiệu của năm: "
                f"{names}.",
            )
        return data


class AwardFilter(admin.SimpleListFilter):
    title = "danh hiệu đề nghị"
    parameter_name = "award"

    def lookups(self, request, model_admin):
        used = model_admin.get_queryset(request).order_by().values_list("award", flat=True)
        known = _known_awards()
        return [(a, known.get(a, a)) for a in sorted(set(used)) if a]

    def queryset(self, request, queryset):
        return queryset.filter(award=self.value()) if self.value() else queryset


@admin.register(ProposalItem)
class ProposalItemAdmin(SimpleHistoryAdmin):
    form = ProposalItemForm
    formfield_overrides = ADMIN_FIGURES
    list_display = ("proposal", "membership", "rank", "total", "award_label", "government_flag")
    list_filter = ("proposal__year", AwardFilter, "government_flag", "proposal__cluster")
    list_select_related = ("proposal__cluster", "proposal__year", *MEMBERSHIP_JOINS)
    search_fields = ("membership__unit__code", "membership__unit__name")
    raw_id_fields = ("proposal", "membership")

    def changelist_view(self, request, extra_context=None):
        # Each row names its award (and its checkbox, str(obj)): the years'
        # guidances are read once for the page, so the rows are rendered here.
        with regulations_read_once():
            response = super().changelist_view(request, extra_context)
            return response.render() if hasattr(response, "render") else response

    @admin.display(description="danh hiệu đề nghị", ordering="award")
    def award_label(self, obj: ProposalItem) -> str:
        return _regulation(obj.proposal).award_label(obj.award) if obj.award else ""
