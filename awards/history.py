"""The audit trail of a cluster's year, or of one unit's (R35): every recorded
change of scores (own and agreed figures), evidence, sheets, bonuses,
deductions, flags, votes, participation and conference attendance of the
units, and of the cluster's scorecards (with the criteria and bands of their
drafts, and the members' positions on them), agreement, quotas, ballot and
proposal, with who, when, old → new value and why.

Each kind of entry is a `Source` in SOURCES: a model audited by simple-history
and the filter that finds its history rows for a scope. Adding a kind of entry
to the Lịch sử page is adding a Source there (see `Source`); nothing else.

simple-history keeps one row per save (and one per deletion). Each history
table is read once for the whole scope, ordered by object and date, and each
row is paired in Python with the one before it of the same object, so the
diff (`record.diff_against(previous)`) costs no query. Only the rows of the
page shown are described; the names they mention (criteria, users, files)
are read in one query each. The number of queries is therefore fixed,
whatever the number of units and records.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property
from pathlib import PurePosixPath
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Q
from django.db.models.fields.files import FieldFile
from django.urls import reverse

from awards.models import (
    Ballot,
    CouncilMeeting,
    CouncilResult,
    Decision,
    DecisionLine,
    DossierFile,
    Proposal,
    ProposalItem,
)
from clusters.models import (
    AdhocAnswer,
    AdhocRequest,
    Attendance,
    Cluster,
    ClusterReport,
    Conference,
    ConferenceGuest,
    Deduction,
    Delegation,
    Election,
    EmulationYear,
    Evaluation,
    ExemplaryModel,
    Extension,
    Membership,
    Participation,
    PriorRole,
    Succession,
    Unit,
)
from emulation.numbers import format_date, format_datetime, format_figure
from scoring.guidances import stored_regulation
from scoring.models import (
    Band,
    Bonus,
    Criterion,
    Evidence,
    Flag,
    Quota,
    Score,
    ScoreAgreement,
    Scorecard,
    ScorecardPosition,
    Sheet,
    Vote,
)
from scoring.regulation import DEFAULT, Regulation
from scoring.services import BUILT_WITH_SCORECARD

# Never shown as a change: the keys of the scope, bookkeeping, who created a row
# (the history row says who) and the optimistic-locking counter.
HIDDEN_FIELDS = frozenset(
    {"id", "membership", "cluster", "year", "criterion", "framework", "created_by", "revision"}
)
# Fields whose model gives no Vietnamese label.
FIELD_LABELS = {"agreed_by": "người thống nhất"}
ACTIONS = {"+": "Tạo mới", "~": "Sửa", "-": "Xóa"}
EMPTY = "—"
SYSTEM = "Hệ thống"


# ---------------------------------------------------------------------------
# What the page lists


@dataclass(frozen=True)
class Scope:
    """What a page covers: a cluster's year with its units, or one unit of it."""

    cluster: Cluster
    year: EmulationYear
    memberships: dict[int, Membership]
    unit: Membership | None = None


@dataclass(frozen=True)
class Source:
    """One kind of entry of the Lịch sử page (R35).

    To add one: give the model `history = HistoricalRecords()`, write its
    changes with who and why (`emulation.audit.save`/`delete`, or
    `_change_reason` and `_history_user`), and append a Source to SOURCES:

    - `rows(scope)`: a filter on the model's history table that selects the
      scope's rows, e.g. `_of_units` for a model with a `membership`, `_of_cluster`
      for one with `cluster` and `year`; it may use subqueries, not queries;
    - `per_unit`: also listed on a unit's page (then `rows` sees `scope.unit`
      set and `scope.memberships` holding that unit only);
    - `hidden`: fields not shown as changes, besides HIDDEN_FIELDS;
    - `subject(record, names)`: extra words after the unit and criterion,
      which the generic subject already names from `membership_id` and
      `criterion_id`;
    - `listed(record)`: False for rows that are only the base of a later
      diff, never a line of their own;
    - `link(record, names)`: an address the line offers (a file, …).
    """

    model: type[models.Model]
    rows: Callable[[Scope], Q]
    per_unit: bool = False
    hidden: frozenset[str] = frozenset()
    subject: Callable[[Any, "Names"], list[str]] | None = None
    listed: Callable[[Any], bool] | None = None
    link: Callable[[Any, "Names"], str] | None = None


def _of_units(scope: Scope) -> Q:
    return Q(membership_id__in=list(scope.memberships))


def _of_cluster(scope: Scope) -> Q:
    return Q(cluster=scope.cluster, year=scope.year)


def _successions(scope: Scope) -> Q:
    """The links that form a unit of the scope from another, or another from it."""
    units = [m.unit_id for m in scope.memberships.values()]
    return Q(successor_id__in=units) | Q(predecessor_id__in=units)


def _succession_subject(record: Any, names: "Names") -> list[str]:
    codes = names.units
    successor = codes.get(record.successor_id, f"đơn vị #{record.successor_id}")
    predecessor = codes.get(record.predecessor_id, f"đơn vị #{record.predecessor_id}")
    return [f"{successor} kế thừa {predecessor}"]


def _prior_roles(scope: Scope) -> Q:
    """The cluster's heads and deputies of the years before its first year:
    a record of the cluster, on every year's page. A unit's page lists the
    entries that ever named the unit, so a correction to another unit pairs
    with the entry before it."""
    if scope.unit is None:
        return Q(cluster=scope.cluster)
    named = PriorRole.history.filter(cluster=scope.cluster, unit_id=scope.unit.unit_id)
    return Q(id__in=named.values("id"))


def _prior_role_subject(record: Any, names: "Names") -> list[str]:
    return [names.units.get(record.unit_id, f"đơn vị #{record.unit_id}"), f"năm {record.year}"]


def _proposals(scope: Scope) -> models.QuerySet:
    return Proposal.objects.filter(cluster=scope.cluster, year=scope.year).values("pk")


def _scorecards(scope: Scope) -> models.QuerySet:
    return Scorecard.objects.filter(cluster=scope.cluster, year=scope.year).values("pk")


def _criteria(scope: Scope) -> models.QuerySet:
    """The ids of the scope's criteria, removed ones included (from their history)."""
    scorecards = _scorecards(scope)
    live = Criterion.objects.filter(scorecard_id__in=scorecards).order_by().values("id")
    return live.union(Criterion.history.filter(scorecard_id__in=scorecards).order_by().values("id"))


def _not_built(record: Any) -> bool:
    """Criteria and bands made with their scorecard are its own line."""
    return not (
        record.history_type == "+"
        and (record.history_change_reason or "").startswith(BUILT_WITH_SCORECARD)
    )


def _evidence_link(record: Any, names: "Names") -> str:
    if record.history_type == "-" or record.id not in names.evidence:
        return ""
    return reverse("evidence_download", args=[record.id])


SOURCES: list[Source] = [
    Source(Score, _of_units, per_unit=True),
    Source(
        Evidence,
        _of_units,
        per_unit=True,
        hidden=frozenset({"file", "content_type", "uploaded_by", "uploaded_at"}),
        link=_evidence_link,
    ),
    Source(Sheet, _of_units, per_unit=True),
    Source(Bonus, _of_units, per_unit=True),
    Source(Deduction, _of_units, per_unit=True),
    Source(Flag, _of_units, per_unit=True),
    Source(Vote, _of_units, per_unit=True),
    Source(Participation, _of_units, per_unit=True),
    # The reason names the conference; the proposal it raised has its own lines.
    Source(Attendance, _of_units, per_unit=True, hidden=frozenset({"conference", "deduction"})),
    Source(Scorecard, _of_cluster, subject=lambda r, names: [f"bản {r.version}"]),
    Source(ScorecardPosition, _of_units, per_unit=True, hidden=frozenset({"scorecard"})),
    Source(
        Criterion,
        lambda scope: Q(scorecard_id__in=_scorecards(scope)),
        hidden=frozenset({"scorecard", "parent", "framework_criterion", "order"}),
        subject=lambda r, names: [f"tiêu chí {r.code}", f"bản {names.criteria[r.id][1]}"],
        listed=_not_built,
    ),
    Source(
        Band,
        lambda scope: Q(criterion_id__in=_criteria(scope)),
        hidden=frozenset({"order"}),
        subject=lambda r, names: [f"mức {r.order + 1}"],
        listed=_not_built,
    ),
    Source(ScoreAgreement, _of_cluster),
    Source(Quota, _of_cluster),
    Source(Ballot, _of_cluster),
    Source(Election, _of_cluster),
    # Units joining or leaving the cluster's year and their roles (#14); the
    # reason names the unit.
    Source(Membership, _of_cluster, hidden=frozenset({"unit", "acts_for_head"})),
    Source(Delegation, _of_units),
    Source(Extension, _of_cluster, hidden=frozenset({"deadline", "granted_at", "revoked_at"})),
    Source(Proposal, _of_cluster),
    Source(CouncilMeeting, lambda scope: Q(proposal_id__in=_proposals(scope))),
    Source(
        CouncilResult,
        lambda scope: Q(item_id__in=ProposalItem.objects.filter(proposal_id__in=_proposals(scope))),
        hidden=frozenset({"item"}),
    ),
    Source(
        Decision,
        lambda scope: Q(proposal_id__in=_proposals(scope)),
        hidden=frozenset({"proposal", "file", "recorded_by"}),
    ),
    Source(DecisionLine, _of_units, per_unit=True, hidden=frozenset({"decision"})),
    Source(DossierFile, _of_cluster, hidden=frozenset({"file", "uploaded_by", "uploaded_at"})),
    # The year's records of #14.
    Source(
        ExemplaryModel,
        _of_units,
        per_unit=True,
        hidden=frozenset({"file", "created_at", "presented_at"}),
        subject=lambda r, names: [r.name],
    ),
    Source(
        ConferenceGuest,
        lambda scope: Q(
            conference_id__in=Conference.objects.filter(
                cluster=scope.cluster, year=scope.year
            ).values("pk")
        ),
        hidden=frozenset({"conference"}),
    ),
    Source(ClusterReport, _of_cluster, hidden=frozenset({"file", "uploaded_by", "uploaded_at"})),
    Source(AdhocRequest, _of_cluster, hidden=frozenset({"created_at"})),
    Source(
        AdhocAnswer,
        _of_units,
        per_unit=True,
        hidden=frozenset({"request", "file", "sent_by", "sent_at"}),
    ),
    Source(Evaluation, _of_cluster, hidden=frozenset({"written_by", "sent_by"})),
    # A unit merged, split or renamed into one of the year's (#16): the
    # subject names both units, the reason the decision.
    Source(
        Succession,
        _successions,
        per_unit=True,
        hidden=frozenset({"successor", "predecessor", "recorded_by"}),
        subject=_succession_subject,
    ),
    # Heads and deputies of the years before the cluster's first year (#14):
    # the subject names the unit and the year, the reason both before a correction.
    Source(
        PriorRole,
        _prior_roles,
        per_unit=True,
        hidden=frozenset({"unit", "recorded_by"}),
        subject=_prior_role_subject,
    ),
]


def _source(record: Any) -> Source:
    return next(source for source in SOURCES if source.model is record.instance_type)


# ---------------------------------------------------------------------------
# Loading and pairing


@dataclass(frozen=True)
class Pair:
    """A history row and the row before it of the same object (None for the first)."""

    record: Any
    previous: Any | None
    order: int  # the source's place in SOURCES, to break ties

    @property
    def sort_key(self) -> tuple:
        return (self.record.history_date, self.order, self.record.history_id)


@dataclass(frozen=True)
class Trail:
    """Every history row of a scope, most recent first, and the scope's units."""

    pairs: list[Pair]
    memberships: dict[int, Membership]
    # The year's guidance: it names the bonus and deduction kinds (#16).
    regulation: Regulation = DEFAULT


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class Change:
    """One line of the Lịch sử table."""

    when: datetime
    who: str
    what: str
    subject: str
    action: str
    changes: list[FieldChange]
    reason: str
    link: str = ""


def unit_trail(membership: Membership) -> Trail:
    """One unit's records of its year."""
    memberships = {membership.pk: membership}
    scope = Scope(membership.cluster, membership.year, memberships, unit=membership)
    regulation = stored_regulation(membership.year, membership.cluster)
    return Trail(_pairs([s for s in SOURCES if s.per_unit], scope), memberships, regulation)


def cluster_trail(cluster: Cluster, year: EmulationYear) -> Trail:
    """A cluster's year: its units' records and the cluster's own."""
    memberships = {
        m.pk: m
        for m in Membership.objects.filter(cluster=cluster, year=year).select_related("unit")
    }
    regulation = stored_regulation(year, cluster)
    return Trail(_pairs(SOURCES, Scope(cluster, year, memberships)), memberships, regulation)


def _pairs(sources: Sequence[Source], scope: Scope) -> list[Pair]:
    found: list[Pair] = []
    for source in sources:
        rows = (
            source.model.history.filter(source.rows(scope))
            .select_related("history_user")
            .order_by("id", "history_date", "history_id")
        )
        pairs = pair_records(rows, order=SOURCES.index(source))
        found.extend(p for p in pairs if source.listed is None or source.listed(p.record))
    found.sort(key=lambda pair: pair.sort_key, reverse=True)
    return found


def pair_records(rows: Iterable[Any], *, order: int = 0) -> list[Pair]:
    """Pair each history row with the previous one of the same object; `rows`
    come ordered by object id, then date."""
    pairs = []
    previous = None
    for record in rows:
        before = previous if previous is not None and previous.id == record.id else None
        pairs.append(Pair(record, before, order))
        previous = record
    return pairs


# ---------------------------------------------------------------------------
# Describing a page of rows


class Names:
    """What the rows of a page name, each read in one query when first needed."""

    def __init__(
        self,
        pairs: Sequence[Pair],
        memberships: dict[int, Membership],
        regulation: Regulation = DEFAULT,
    ) -> None:
        self.pairs = pairs
        self.memberships = memberships
        self.regulation = regulation

    def _ids(self, attname: str, model: type[models.Model] | None = None) -> set[int]:
        return {
            value
            for p in self.pairs
            if model is None or p.record.instance_type is model
            if (value := getattr(p.record, attname, None)) is not None
        }

    @cached_property
    def criteria(self) -> dict[int, tuple[str, int]]:
        """Criterion id → (code, scorecard version), of removed criteria too
        (from their history; criteria made before they were audited, or by an
        import, have none)."""
        ids = self._ids("criterion_id") | self._ids("id", Criterion)
        if not ids:
            return {}
        fields = ("code", "scorecard__version")
        live = Criterion.objects.filter(pk__in=ids).order_by().values_list("pk", *fields)
        gone = Criterion.history.filter(id__in=ids).order_by().values_list("id", *fields)
        return {pk: (code, version) for pk, code, version in live.union(gone)}

    @cached_property
    def units(self) -> dict[int, str]:
        """Unit id → code, of the units the page's successions link and its
        past heads and deputies name."""
        ids = self._ids("successor_id", Succession) | self._ids("predecessor_id", Succession)
        ids |= self._ids("unit_id", PriorRole)
        if not ids:
            return {}
        return dict(Unit.objects.filter(pk__in=ids).values_list("pk", "code"))

    @cached_property
    def evidence(self) -> set[int]:
        """Evidence of the page still stored (a removed file cannot be offered)."""
        ids = self._ids("id", Evidence)
        return set(Evidence.objects.filter(pk__in=ids).values_list("pk", flat=True))

    @cached_property
    def users(self) -> dict[int, str]:
        ids = {
            getattr(row, f.attname)
            for p in self.pairs
            for row in (p.record, p.previous)
            if row is not None
            for f in _user_fields(row)
        } - {None}
        if not ids:
            return {}
        return {user.pk: _person(user) for user in get_user_model().objects.filter(pk__in=ids)}


def describe(
    pairs: Sequence[Pair], memberships: dict[int, Membership], regulation: Regulation = DEFAULT
) -> list[Change]:
    """The table lines of these rows, reading the names they mention in one
    query each; `regulation` names the bonus and deduction kinds."""
    names = Names(pairs, memberships, regulation)
    return [_change(pair, names) for pair in pairs]


def shown_fields(record: Any) -> list[models.Field]:
    """The fields of a history row that the table shows, in the model's order."""
    hidden = HIDDEN_FIELDS | _source(record).hidden
    return [
        f
        for f in record.tracked_fields
        if f.editable and f.name not in hidden and not f.primary_key
    ]


def field_changes(pair: Pair) -> list[tuple[models.Field, Any, Any]]:
    """(field, old, new) for every shown field that changed; a creation shows
    the values it set, a deletion the values it removed."""
    record, previous = pair.record, pair.previous
    fields = shown_fields(record)
    if record.history_type == "-":
        return [(f, _value(record, f), None) for f in fields if not _empty(_value(record, f))]
    if previous is None:
        return [(f, None, _value(record, f)) for f in fields if not _empty(_value(record, f))]
    delta = record.diff_against(previous, included_fields=[f.name for f in fields])
    changed = set(delta.changed_fields)
    return [(f, _value(previous, f), _value(record, f)) for f in fields if f.name in changed]


def _change(pair: Pair, names: Names) -> Change:
    record = pair.record
    source = _source(record)
    return Change(
        when=record.history_date,
        who=_person(record.history_user),
        what=str(record.instance_type._meta.verbose_name).capitalize(),
        subject=_subject(record, source, names),
        action=ACTIONS.get(record.history_type, record.history_type),
        changes=[
            FieldChange(
                label=FIELD_LABELS.get(f.name, str(f.verbose_name)),
                old=_shown(record, f, old, names),
                new=_shown(record, f, new, names),
            )
            for f, old, new in field_changes(pair)
        ],
        reason=record.history_change_reason or "",
        link=source.link(record, names) if source.link else "",
    )


def _subject(record: Any, source: Source, names: Names) -> str:
    """Which unit, criterion, kind or award the row is about."""
    parts = []
    membership_id = getattr(record, "membership_id", None)
    if membership_id is not None:
        membership = names.memberships.get(membership_id)
        parts.append(membership.unit.code if membership else f"đơn vị #{membership_id}")
    criterion_id = getattr(record, "criterion_id", None)
    if criterion_id is not None:
        code = names.criteria.get(criterion_id, (f"#{criterion_id}",))[0]
        parts.append(f"tiêu chí {code}")
    if source.subject is not None:
        parts += source.subject(record, names)
    for name in ("kind", "award"):
        if name in {f.name for f in record.tracked_fields} and getattr(record, name, None):
            parts.append(_kind_text(record, name, names.regulation))
    return " · ".join(parts)


def _kind_text(record: Any, name: str, regulation: Regulation) -> str:
    """A kind as the year's guidance names it; another choice by its label."""
    return _named(record, name, getattr(record, name), regulation) or display(
        record._meta.get_field(name), getattr(record, name), {}
    )


def _named(record: Any, name: str, value: Any, regulation: Regulation) -> str | None:
    """A code of the year's guidance (a bonus or deduction kind, a flag's
    reason, an award) by the guidance's label (#16); None for any other value."""
    if _empty(value):
        return None
    kind = record.instance_type
    if name == "kind" and kind is Bonus:
        return regulation.bonus_label(value)
    if name == "kind" and kind is Deduction:
        return regulation.deduction_label(value)
    if name == "reason" and kind is Flag:
        return regulation.reason_label(value)
    if name == "award":
        return regulation.award_label(value)
    return None


def _shown(record: Any, field: models.Field, value: Any, names: "Names") -> str:
    return _named(record, field.name, value, names.regulation) or display(field, value, names.users)


def _user_fields(record: Any) -> list[models.Field]:
    user_model = get_user_model()
    return [
        f
        for f in shown_fields(record)
        if isinstance(f, models.ForeignKey) and f.related_model is user_model
    ]


# ---------------------------------------------------------------------------
# Values the Vietnamese way


def _value(record: Any, field: models.Field) -> Any:
    return getattr(record, field.attname)


def _empty(value: Any) -> bool:
    if isinstance(value, FieldFile):
        return not value.name
    return value is None or value == ""


def _person(user) -> str:
    if user is None:
        return SYSTEM
    return user.get_full_name() or user.username


def display(field: models.Field, value: Any, users: dict[int, str]) -> str:
    """A stored value as the table shows it: labels for choices, decimal commas,
    dd/mm/yyyy HH:MM in Asia/Ho_Chi_Minh, a person's name."""
    if _empty(value):
        return EMPTY
    if isinstance(field, models.FileField):
        # History rows keep the stored path only (a random name, emulation.uploads).
        return f"tệp {PurePosixPath(str(getattr(value, 'name', value))).name}"
    if isinstance(field, models.ForeignKey):
        if field.related_model is get_user_model():
            return users.get(value, f"người dùng #{value}")
        return f"#{value}"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, Decimal):
        return format_figure(value)
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return format_date(value)
    return str(value)
