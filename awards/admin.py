from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from awards.models import Ballot, Proposal, ProposalItem
from emulation.admin import RevisionCheckedAdmin
from emulation.numbers import ADMIN_FIGURES
from scoring.models import Flag, Quota, Vote

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


@admin.register(ProposalItem)
class ProposalItemAdmin(SimpleHistoryAdmin):
    formfield_overrides = ADMIN_FIGURES
    list_display = ("proposal", "membership", "rank", "total", "award", "government_flag")
    list_filter = ("proposal__year", "award", "government_flag", "proposal__cluster")
    list_select_related = ("proposal__cluster", "proposal__year", *MEMBERSHIP_JOINS)
    search_fields = ("membership__unit__code", "membership__unit__name")
    raw_id_fields = ("proposal", "membership")
