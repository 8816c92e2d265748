"""Writes recorded in their simple-history table with who and why (R35).

simple-history reads `_change_reason` and `_history_user` off the instance on
every save and delete; these helpers set them for one write and clear them
after, so they never leak into the next write of the same instance.

A save's history row is inserted here, by one statement built once per model,
with the fields simple-history gives it (the tracked fields, the date, the
type, the user and the reason): its own way builds a history manager class
and compiles an INSERT on every save, which was a fifth of a sheet's save at
the deadline peak (#17). A model this cannot mirror exactly (tracked
many-to-many fields, a relation to the history, a history id it does not make
itself, a receiver of simple-history's record signals) keeps simple-history's
way. The row itself is written by emulation.saves.save_row, whose UPDATE or
INSERT is also built once per model (Model.save where it cannot be mirrored).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.db import connections, models, router
from django.db.models.fields import AutoFieldMixin
from django.db.models.signals import post_save
from django.utils import timezone
from simple_history.signals import post_create_historical_record, pre_create_historical_record

from emulation.saves import save_row

# The fields simple-history adds to every history model; the others copy the model's.
HISTORY_FIELDS = ("history_date", "history_change_reason", "history_type", "history_user")


def save(
    instance: models.Model,
    *,
    user: models.Model | None,
    reason: str,
    update_fields: Iterable[str] | None = None,
) -> None:
    """Save; the history row says who and why. `update_fields`, as Model.save
    takes it: the columns of a stored row that the UPDATE sets (the history
    row copies the whole instance all the same)."""
    write = partial(save_row, instance, update_fields=update_fields)
    history = _history_insert(type(instance)) if isinstance(user, models.Model) else None
    if history is None or not history.usable(instance):
        _recorded(instance, write, user=user, reason=reason)
        return
    created: list[bool] = []
    instance.skip_history_when_saving = True  # simple-history's own switch
    instance._audit_created = created
    try:
        write()
    finally:
        del instance.skip_history_when_saving, instance._audit_created
    history.insert(instance, "+" if created[0] else "~", user=user, reason=reason)


def _saved(sender, instance, created, **kwargs) -> None:
    """Whether `save` inserted the row, as simple-history is told it (post_save's `created`)."""
    found = instance.__dict__.get("_audit_created")
    if found is not None:
        found.append(created)


post_save.connect(_saved, weak=False, dispatch_uid="audit-created")


def delete(instance: models.Model, *, user: models.Model | None, reason: str) -> None:
    """Delete; the history row of the deletion says who and why."""
    _recorded(instance, instance.delete, user=user, reason=reason)


def delete_all(rows: Iterable[models.Model], *, user: models.Model | None, reason: str) -> None:
    """Delete row by row, so each deletion is recorded with who and why (a
    cascade would record its rows without either)."""
    for row in rows:
        delete(row, user=user, reason=reason)


def _recorded(
    instance: models.Model, write: Callable[[], object], *, user: models.Model | None, reason: str
) -> None:
    instance._change_reason = reason
    if user is not None:
        instance._history_user = user
    try:
        write()
    finally:
        del instance._change_reason
        instance.__dict__.pop("_history_user", None)


@dataclass(frozen=True)
class _HistoryInsert:
    """The INSERT of a model's history row, and the fields it takes in order."""

    history: type[models.Model]
    tracked: tuple[models.Field, ...]  # the history's copies of the model's fields
    extra: tuple[models.Field, ...]  # HISTORY_FIELDS' fields
    sql: dict[str, str]  # by database alias

    def usable(self, instance: models.Model) -> bool:
        """simple-history would write what `insert` writes: history on, no
        date set on the instance, nobody listening to its record signals."""
        return (
            getattr(settings, "SIMPLE_HISTORY_ENABLED", True)
            and not hasattr(instance, "_history_date")
            and not hasattr(instance, "skip_history_when_saving")
            and not pre_create_historical_record.has_listeners(self.history)
            and not post_create_historical_record.has_listeners(self.history)
        )

    def insert(self, instance: models.Model, history_type: str, *, user, reason: str) -> None:
        alias = router.db_for_write(self.history, instance=instance)
        connection = connections[alias]
        sql = self.sql.get(alias)
        if sql is None:
            quote = connection.ops.quote_name
            columns = ", ".join(quote(f.column) for f in self.tracked + self.extra)
            marks = ", ".join(["%s"] * (len(self.tracked) + len(self.extra)))
            sql = f"INSERT INTO {quote(self.history._meta.db_table)} ({columns}) VALUES ({marks})"
            self.sql[alias] = sql
        values = [getattr(instance, f.attname) for f in self.tracked]
        values += [timezone.now(), reason, history_type, user.pk]
        fields = self.tracked + self.extra
        params = [f.get_db_prep_save(v, connection) for f, v in zip(fields, values, strict=True)]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


_INSERTS: dict[type[models.Model], _HistoryInsert | None] = {}


def _history_insert(model: type[models.Model]) -> _HistoryInsert | None:
    if model not in _INSERTS:
        _INSERTS[model] = _history_insert_of(model)
    return _INSERTS[model]


def _history_insert_of(model: type[models.Model]) -> _HistoryInsert | None:
    """None where the row cannot be made exactly as simple-history makes it."""
    attribute = getattr(model._meta, "simple_history_manager_attribute", None)
    if attribute is None:
        return None
    history = getattr(model, attribute).model
    if getattr(history, "history_relation", None) is not None or history._history_m2m_fields:
        return None
    own = {f.attname for f in model._meta.concrete_fields}
    by_name = {f.name: f for f in history._meta.concrete_fields}
    extra = tuple(by_name.pop(name, None) for name in HISTORY_FIELDS)
    pk = by_name.pop("history_id", None)
    if None in extra or not isinstance(pk, AutoFieldMixin) or not pk.primary_key:
        return None
    tracked = tuple(by_name.values())
    if any(f.attname not in own for f in tracked):
        return None
    return _HistoryInsert(history, tracked, extra, {})
