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


# ---------------------------------------------------------------------------
# A flag's reason and an award are the year's guidance's (R27, R28, R31, R40):
# the admin names them by its labels and refuses one the year lacks, as the
# pages do.


def _known(what: str) -> dict[str, str]:
    """Every reason (`what` "reasons") or award of every guidance, named by
    the first that has it (the 2022 one first): the choices before the year
    is known."""
    known: dict[str, str] = {}
    for regulation in [
        DEFAULT,
        *(regulation_of(g) for g in Guidance.objects.order_by("code", "version")),
    ]:
        if what == "reasons":
            for reason in (*regulation.exclusion_reasons, *regulation.deferral_reasons):
                known.setdefault(reason, regulation.reason_label(reason))
        else:
            for award in regulation.awards:
                known.setdefault(award, regulation.award_label(award))
    return known


def _code_field(form: forms.ModelForm, name: str, what: str, current: dict[str, str]) -> None:
    """The field offers every guidance's codes; `current`, the stored one
    named by its year's guidance. Which the year takes is the form's clean."""
    labels = _known(what) | current
    field = form.fields[name]
    form.fields[name] = AnyKindField(
        label=field.label,
        choices=[("", "---------" if field.required else "Không đề nghị"), *labels.items()],
        required=field.required,
    )


def _refused(words: str, label: str, year: int, regulation: Regulation, names: list[str]) -> str:
    return (
        f"{words} “{label}” không có trong hướng dẫn áp dụng cho năm {year} "
        f"({regulation.code}); các {words.lower()} của năm: {'; '.join(names)}."
    )


class CodeFilter(admin.SimpleListFilter):
    what = ""  # "reasons" or "awards"

    def lookups(self, request, model_admin):
        used = model_admin.get_queryset(request).order_by().values_list(self.parameter_name)
        known = _known(self.what)
        return [(c, known.get(c, c)) for (c,) in sorted(set(used)) if c]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{self.parameter_name: self.value()})
        return queryset


class ReasonFilter(CodeFilter):
    title, parameter_name, what = "lý do", "reason", "reasons"


class AwardFilter(CodeFilter):
    title, parameter_name, what = "danh hiệu", "award", "awards"


class ReadOnceAdminMixin:
    def changelist_view(self, request, extra_context=None):
        # Each row names its code (and its checkbox, str(obj)): the years'
        # guidances are read once for the page, so the rows are rendered here.
        with regulations_read_once():
            response = super().changelist_view(request, extra_context)
            return response.render() if hasattr(response, "render") else response


class FlagForm(forms.ModelForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "reason" in self.fields:
            current = {}
            if self.instance.pk:
                membership, reason = self.instance.membership, self.instance.reason
                regulation = stored_regulation(membership.year_id, membership.cluster)
                current = {reason: regulation.reason_label(reason)}
            _code_field(self, "reason", "reasons", current)

    def clean(self) -> dict:
        data = super().clean()
        membership, kind, reason = data.get("membership"), data.get("kind"), data.get("reason")
        if membership is None or not kind or not reason:
            return data
        regulation = stored_regulation(membership.year_id, membership.cluster)
        reasons = regulation.exclusion_reasons if kind == "exclude" else regulation.deferral_reasons
        if reason not in reasons:
            words = "Lý do không xét" if kind == "exclude" else "Lý do chưa xét"
            label = _known("reasons").get(reason, reason)
            names = [regulation.reason_label(r) for r in reasons]
            self.add_error(
                "reason", _refused(words, label, membership.year.year, regulation, names)
            )
        return data


class QuotaForm(forms.ModelForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "award" in self.fields:
            current = {}
            if self.instance.pk:
                award = self.instance.award
                regulation = stored_regulation(self.instance.year_id, self.instance.cluster)
                current = {award: regulation.award_label(award)}
            _code_field(self, "award", "awards", current)

    def clean(self) -> dict:
        data = super().clean()
        cluster, year, award = data.get("cluster"), data.get("year"), data.get("award")
        if cluster is None or year is None or not award:
            return data
        regulation = stored_regulation(year, cluster)
        if award not in regulation.awards:
            label = _known("awards").get(award, award)
            names = [regulation.award_label(a) for a in regulation.awards]
            self.add_error("award", _refused("Danh hiệu", label, year.year, regulation, names))
        return data


# Flags, quotas and votes are scoring's records (scoring.models, #16), kept
# here beside the proposals that staff work on with them; the admin shows them
# under the scoring app.
@admin.register(Flag)
class FlagAdmin(ReadOnceAdminMixin, RevisionCheckedAdmin, SimpleHistoryAdmin):
    form = FlagForm
    list_display = ("membership", "kind", "reason_label", "created_by", "created_at")
    list_filter = ("kind", ReasonFilter, "membership__year", "membership__cluster")
    list_select_related = (*MEMBERSHIP_JOINS, "created_by")
    search_fields = ("membership__unit__code", "membership__unit__name", "note")
    raw_id_fields = ("membership",)
    readonly_fields = ("created_by", "created_at")

    def save_model(self, request, obj, form, change):
        # Who set an exclusion or deferral is part of its record (R27, R28, R35).
        if not change and obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description="lý do", ordering="reason")
    def reason_label(self, obj: Flag) -> str:
        membership = obj.membership
        return stored_regulation(membership.year_id, membership.cluster).reason_label(obj.reason)


@admin.register(Quota)
class QuotaAdmin(ReadOnceAdminMixin, RevisionCheckedAdmin, SimpleHistoryAdmin):
    form = QuotaForm
    formfield_overrides = ADMIN_FIGURES
    list_display = ("cluster", "year", "award_label", "count", "document")
    list_filter = ("year", AwardFilter, "cluster__group", "cluster")
    list_select_related = ("cluster", "year")
    search_fields = ("cluster__code", "cluster__name", "document")

    @admin.display(description="danh hiệu", ordering="award")
    def award_label(self, obj: Quota) -> str:
        return stored_regulation(obj.year_id, obj.cluster).award_label(obj.award)


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


class ProposalItemForm(forms.ModelForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "award" in self.fields:
            current = {}
            if self.instance.pk and self.instance.award:
                award = self.instance.award
                current = {award: _regulation(self.instance.proposal).award_label(award)}
            _code_field(self, "award", "awards", current)

    def clean(self) -> dict:
        data = super().clean()
        proposal, award = data.get("proposal"), data.get("award")
        if proposal is None or not award:
            return data
        regulation = _regulation(proposal)
        if award not in regulation.awards:
            label = _known("awards").get(award, award)
            names = [regulation.award_label(a) for a in regulation.awards]
            self.add_error(
                "award", _refused("Danh hiệu", label, proposal.year.year, regulation, names)
            )
        return data


def _regulation(proposal: Proposal) -> Regulation:
    return stored_regulation(proposal.year_id, proposal.cluster)


class ProposedAwardFilter(AwardFilter):
    title = "danh hiệu đề nghị"


@admin.register(ProposalItem)
class ProposalItemAdmin(ReadOnceAdminMixin, SimpleHistoryAdmin):
    form = ProposalItemForm
    formfield_overrides = ADMIN_FIGURES
    list_display = ("proposal", "membership", "rank", "total", "award_label", "government_flag")
    list_filter = ("proposal__year", ProposedAwardFilter, "government_flag", "proposal__cluster")
    list_select_related = ("proposal__cluster", "proposal__year", *MEMBERSHIP_JOINS)
    search_fields = ("membership__unit__code", "membership__unit__name")
    raw_id_fields = ("proposal", "membership")

    @admin.display(description="danh hiệu đề nghị", ordering="award")
    def award_label(self, obj: ProposalItem) -> str:
        return _regulation(obj.proposal).award_label(obj.award) if obj.award else ""
