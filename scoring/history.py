"""The audit trail of a cluster's year, or of one unit's (R35): every recorded
change of scores (own and agreed figures), sheets, bonuses, deductions, flags,
votes and participation of the units, and of the cluster's scorecard,
agreement, quotas and proposal, with who, when, old → new value and why.

simple-history keeps one row per save (and one per deletion). Each history
table is read once for the whole scope, ordered by object and date, and each
row is paired in Python with the one before it of the same object, so the
diff (`record.diff_against(previous)`) costs no query. Only the rows of the
page shown are described; the names they mention (criteria, users) are read
in one query each. The number of queries is therefore fixed, whatever the
number of units and records.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import PurePosixPath
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from awards.models import Flag, Proposal, Quota, Vote
from clusters.models import Cluster, EmulationYear, Membership
from emulation.numbers import format_figure
from scoring.models import (
    Bonus,
    Criterion,
    Deduction,
    Participation,
    Score,
    ScoreAgreement,
    Scorecard,
    Sheet,
)

# Records of one unit, and records of the cluster's year as a whole.
UNIT_MODELS: tuple[type[models.Model], ...] = (
    Score,
    Sheet,
    Bonus,
    Deduction,
    Flag,
    Vote,
    Participation,
)
CLUSTER_MODELS: tuple[type[models.Model], ...] = (Scorecard, ScoreAgreement, Quota, Proposal)

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


@dataclass(frozen=True)
class Pair:
    """A history row and the row before it of the same object (None for the first)."""

    record: Any
    previous: Any | None
    order: int  # the model's place in UNIT_MODELS + CLUSTER_MODELS, to break ties

    @property
    def sort_key(self) -> tuple:
        return (self.record.history_date, self.order, self.record.history_id)


@dataclass(frozen=True)
class Trail:
    """Every history row of a scope, most recent first, and the scope's units."""

    pairs: list[Pair]
    memberships: dict[int, Membership]


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


# ---------------------------------------------------------------------------
# Loading and pairing


def unit_trail(membership: Membership) -> Trail:
    """One unit's records of its year."""
    memberships = {membership.pk: membership}
    return Trail(_pairs(UNIT_MODELS, {"membership_id__in": [membership.pk]}), memberships)


def cluster_trail(cluster: Cluster, year: EmulationYear) -> Trail:
    """A cluster's year: its units' records and the cluster's own."""
    memberships = {
        m.pk: m
        for m in Membership.objects.filter(cluster=cluster, year=year).select_related("unit")
    }
    pairs = _pairs(UNIT_MODELS, {"membership_id__in": list(memberships)})
    pairs += _pairs(CLUSTER_MODELS, {"cluster": cluster, "year": year}, offset=len(UNIT_MODELS))
    pairs.sort(key=lambda pair: pair.sort_key, reverse=True)
    return Trail(pairs, memberships)


def _pairs(tracked: Sequence[type[models.Model]], scope: dict, *, offset: int = 0) -> list[Pair]:
    found: list[Pair] = []
    for index, model in enumerate(tracked):
        rows = (
            model.history.filter(**scope)
            .select_related("history_user")
            .order_by("id", "history_date", "history_id")
        )
        found.extend(pair_records(rows, order=offset + index))
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


def describe(pairs: Sequence[Pair], memberships: dict[int, Membership]) -> list[Change]:
    """The table lines of these rows, reading the criteria and users they name
    in one query each."""
    criteria = _criterion_codes(pairs)
    users = _user_names(pairs)
    return [_change(pair, memberships, criteria, users) for pair in pairs]


def shown_fields(record: Any) -> list[models.Field]:
    """The fields of a history row that the table shows, in the model's order."""
    return [
        f
        for f in record.tracked_fields
        if f.editable and f.name not in HIDDEN_FIELDS and not f.primary_key
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


def _change(
    pair: Pair,
    memberships: dict[int, Membership],
    criteria: dict[int, str],
    users: dict[int, str],
) -> Change:
    record = pair.record
    return Change(
        when=record.history_date,
        who=_person(record.history_user),
        what=str(record.instance_type._meta.verbose_name).capitalize(),
        subject=_subject(record, memberships, criteria),
        action=ACTIONS.get(record.history_type, record.history_type),
        changes=[
            FieldChange(
                label=FIELD_LABELS.get(f.name, str(f.verbose_name)),
                old=display(f, old, users),
                new=display(f, new, users),
            )
            for f, old, new in field_changes(pair)
        ],
        reason=record.history_change_reason or "",
    )


def _subject(record: Any, memberships: dict[int, Membership], criteria: dict[int, str]) -> str:
    """Which unit, criterion, kind or award the row is about."""
    parts = []
    membership_id = getattr(record, "membership_id", None)
    if membership_id is not None:
        membership = memberships.get(membership_id)
        parts.append(membership.unit.code if membership else f"đơn vị #{membership_id}")
    criterion_id = getattr(record, "criterion_id", None)
    if criterion_id is not None:
        parts.append(f"tiêu chí {criteria.get(criterion_id, f'#{criterion_id}')}")
    for name in ("kind", "award"):
        if name in {f.name for f in record.tracked_fields} and getattr(record, name, None):
            parts.append(display(record._meta.get_field(name), getattr(record, name), {}))
    if isinstance(record, Scorecard.history.model):
        parts.append(f"bản {record.version}")
    return " · ".join(parts)


def _criterion_codes(pairs: Sequence[Pair]) -> dict[int, str]:
    ids = {p.record.criterion_id for p in pairs if getattr(p.record, "criterion_id", None)}
    if not ids:
        return {}
    return dict(Criterion.objects.filter(pk__in=ids).values_list("pk", "code"))


def _user_fields(record: Any) -> list[models.Field]:
    user_model = get_user_model()
    return [
        f
        for f in shown_fields(record)
        if isinstance(f, models.ForeignKey) and f.related_model is user_model
    ]


def _user_names(pairs: Sequence[Pair]) -> dict[int, str]:
    ids = {
        getattr(row, f.attname)
        for p in pairs
        for row in (p.record, p.previous)
        if row is not None
        for f in _user_fields(row)
    } - {None}
    if not ids:
        return {}
    return {user.pk: _person(user) for user in get_user_model().objects.filter(pk__in=ids)}


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
        return f"{timezone.localtime(value):%d/%m/%Y %H:%M}"
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    return str(value)
