"""A row's save by statements built once per process (#17).

Model.save builds its statement through a QuerySet on every call: the
UPDATE's filter by primary key and its compiler, or the INSERT's compiler.
At the deadline peak that was a tenth of a sheet's save, more than running
the statement. `save_row(instance)` writes what `instance.save()` writes, in
the same steps (Model.save, save_base and _save_table): the related objects
checked, pre_save sent, each field's pre_save (auto_now) and preparation,
an UPDATE by primary key and, where it changed no row of a save without
`update_fields`, an INSERT; the instance's state and primary key set,
post_save sent. Only the SQL is built once, per model, database and set of
columns.

A save it cannot mirror exactly goes through `instance.save()`: a model
whose save, save_base, _save_table, _do_update or _do_insert is its own, a
proxy, a child of another model (multi-table), an auto-created table,
`select_on_save`, `order_with_respect_to`, a base manager of its own (Model.save's
UPDATE filters through it), a generated or database-default
column, a field with its own placeholder, a primary key other than an auto
id; an instance with deferred fields or a value that is an expression or a
model; a database that cannot return the id from its INSERT.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import DatabaseError, connections, models, router, transaction
from django.db.models.fields import AutoFieldMixin
from django.db.models.signals import post_save, pre_save

# The methods of Model.save's steps: a model that has its own keeps its own way.
_STEPS = ("save", "save_base", "_save_table", "_do_update", "_do_insert")


def save_row(instance: models.Model, *, update_fields: Iterable[str] | None = None) -> None:
    """`instance.save(update_fields=update_fields)`, its statement built once."""
    plan = _plan(type(instance))
    if plan is None or (update_fields is not None and not update_fields):
        instance.save(update_fields=update_fields)
        return
    if update_fields is not None:
        update_fields = frozenset(update_fields)
        if not update_fields <= plan.names:
            instance.save(update_fields=update_fields)  # Model.save's ValueError
            return
    values = instance.__dict__
    if any(f.attname not in values for f in plan.concrete) or any(
        hasattr(values[f.attname], "resolve_expression")
        or hasattr(values[f.attname], "prepare_database_save")
        for f in plan.concrete
    ):
        instance.save(update_fields=update_fields)
        return
    instance._prepare_related_fields_for_save(operation_name="save")
    using = router.db_for_write(type(instance), instance=instance)
    connection = connections[using]
    if not connection.features.can_return_columns_from_insert:
        instance.save(update_fields=update_fields, using=using)
        return
    model = type(instance)
    pre_save.send(
        sender=model, instance=instance, raw=False, using=using, update_fields=update_fields
    )
    with transaction.mark_for_rollback_on_error(using=using):
        updated = _written(plan, instance, connection, update_fields)
    instance._state.db = using
    instance._state.adding = False
    post_save.send(
        sender=model,
        instance=instance,
        created=not updated,
        update_fields=update_fields,
        raw=False,
        using=using,
    )


def _written(plan: "_Plan", instance: models.Model, connection, update_fields) -> bool:
    """_save_table's writes: whether an UPDATE found the row (else it inserted)."""
    pk = plan.pk
    if getattr(instance, pk.attname) is None:
        if update_fields:
            raise ValueError("Cannot force an update in save() with no primary key.")
        _insert(plan, instance, connection, with_pk=False)
        return False
    fields = plan.others
    if update_fields:
        fields = tuple(f for f in fields if f.name in update_fields or f.attname in update_fields)
    params = [f.get_db_prep_save(f.pre_save(instance, False), connection) for f in fields]
    params.append(pk.get_db_prep_value(getattr(instance, pk.attname), connection))
    with connection.cursor() as cursor:
        cursor.execute(plan.update_sql(connection, fields), params)
        updated = cursor.rowcount > 0
    if update_fields and not updated:
        raise DatabaseError("Save with update_fields did not affect any rows.")
    if not updated:
        _insert(plan, instance, connection, with_pk=True)
    return updated


def _insert(plan: "_Plan", instance: models.Model, connection, *, with_pk: bool) -> None:
    fields = plan.concrete if with_pk else plan.others
    params = [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]
    sql, returning_params = plan.insert_sql(connection, fields)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        (pk,) = connection.ops.fetch_returned_insert_columns(cursor, returning_params)
    setattr(instance, plan.pk.attname, pk)


@dataclass
class _Plan:
    """A model's fields in Model.save's order, and its statements by database
    alias and columns."""

    model: type[models.Model]
    pk: models.Field
    others: tuple[models.Field, ...]  # the concrete fields but the primary key
    concrete: tuple[models.Field, ...]
    names: frozenset[str]  # what update_fields may name (Model.save's check)
    statements: dict = field(default_factory=dict)

    def update_sql(self, connection, fields: tuple[models.Field, ...]) -> str:
        key = ("update", connection.alias, fields)
        sql = self.statements.get(key)
        if sql is None:
            quote = connection.ops.quote_name
            columns = ", ".join(f"{quote(f.column)} = %s" for f in fields)
            table = quote(self.model._meta.db_table)
            sql = f"UPDATE {table} SET {columns} WHERE {table}.{quote(self.pk.column)} = %s"
            self.statements[key] = sql
        return sql

    def insert_sql(self, connection, fields: tuple[models.Field, ...]) -> tuple[str, tuple]:
        key = ("insert", connection.alias, fields)
        found = self.statements.get(key)
        if found is None:
            quote = connection.ops.quote_name
            columns = ", ".join(quote(f.column) for f in fields)
            marks = ", ".join(["%s"] * len(fields))
            returning, returning_params = connection.ops.return_insert_columns([self.pk])
            table = quote(self.model._meta.db_table)
            found = (
                f"INSERT INTO {table} ({columns}) VALUES ({marks}) {returning}",
                returning_params,
            )
            self.statements[key] = found
        return found


_PLANS: dict[type[models.Model], _Plan | None] = {}


def _plan(model: type[models.Model]) -> _Plan | None:
    if model not in _PLANS:
        _PLANS[model] = _plan_of(model)
    return _PLANS[model]


def _plan_of(model: type[models.Model]) -> _Plan | None:
    """None where the save cannot be made exactly as Model.save makes it."""
    meta = model._meta
    own_steps = any(getattr(model, name) is not getattr(models.Model, name) for name in _STEPS)
    if (
        own_steps
        or meta.proxy
        or meta.parents
        or meta.auto_created
        or meta.select_on_save
        or meta.order_with_respect_to
        or meta.private_fields
        or meta.base_manager_name  # its UPDATE filters through that manager's QuerySet
    ):
        return None
    pk = meta.pk
    concrete = tuple(meta.local_concrete_fields)
    others = tuple(f for f in concrete if f is not pk)
    if (
        not isinstance(pk, AutoFieldMixin)
        or pk.has_default()
        or pk.has_db_default()
        or len(meta.pk_fields) != 1
        or list(meta.db_returning_fields) != [pk]
        or not others
        or concrete != tuple(meta.concrete_fields)
        or any(f.generated or f.has_db_default() or hasattr(f, "get_placeholder") for f in concrete)
    ):
        return None
    return _Plan(model, pk, others, concrete, frozenset(meta._non_pk_concrete_field_names))
