"""Reads whose SQL Django builds once per process (#17).

At the deadline peak every save runs the same few reads with other ids, and
Django compiled each of them again on every request: building the statement
(the joins of a select_related, the WHERE of a filter) cost more CPU than
running it. `Prepared` compiles a read once per database with marker ids in
place of its parameters, then runs that SQL with the real ids and makes the
rows exactly as the QuerySet would give them (model instances with their
related objects and annotations, or tuples of values), with the database's
converters applied: by the steps of Django's own iterables, worked out once
(`_Instances`), for a plain values_list() or a model read without
prefetching; through the iterable itself for any other.

Only integer parameters (ids, years), so that no value needs the field's
preparation the markers went through; and only a whole fetch, never a
QuerySet to chain further (which would run the prepared SQL for another
statement).
"""

import copy
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.base import ModelState
from django.db.models.query import ModelIterable, ValuesListIterable, get_related_populators
from django.db.models.signals import post_init, pre_init

# Each parameter's marker is found by value in the compiled parameters: values
# any integer field takes (Django drops a lookup of a value out of the field's
# range), which no other parameter of the statement may equal (checked).
_MARKER = 32_719


class Prepared:
    """`Prepared(lambda unit, year: Model.objects.filter(...))`, then
    `.fetch(unit_id, year)`: the list the QuerySet built from those ids gives."""

    def __init__(self, build: Callable[..., QuerySet], *, arity: int | None = None) -> None:
        self._build = build
        self._arity = build.__code__.co_argcount if arity is None else arity
        self._compiled: dict[str, tuple] = {}  # by database alias
        self._marked: QuerySet | None = None

    def fetch(self, *values: int) -> list:
        if len(values) != self._arity or any(type(v) is not int for v in values):
            raise TypeError(f"Prepared.fetch takes {self._arity} integers, not {values!r}")
        probe = self._probe()
        compiled = self._compiled.get(probe.db)
        if compiled is None:
            compiled = self._compiled[probe.db] = self._compile(probe)
        compiler, sql, params, slots, converters, instances = compiled
        params = placed(params, slots, values)
        if converters is not None:
            rows = _tuples(compiler, probe.db, sql, params, converters)
            return rows if instances is None else [instances.made(row) for row in rows]
        # A copy of the marker QuerySet, so that its own iterable, related
        # objects and database routing apply; only its compiler is the first one.
        queryset = probe._chain()
        queryset.query.get_compiler = partial(_compiled, compiler, sql, params)
        return list(queryset)

    def _probe(self) -> QuerySet:
        if self._marked is None:
            self._marked = self._build(*(_MARKER - i for i in range(self._arity)))
        return self._marked

    def _compile(self, probe: QuerySet) -> tuple:
        compiler = probe.query.get_compiler(using=probe.db)
        sql, params = compiler.as_sql()
        slots = marker_slots(params, self._arity, sql)
        converters, instances = None, None
        columns = [selected[0] for selected in compiler.select[: compiler.col_count]]
        plain = not compiler.has_composite_fields(columns)
        if probe._iterable_class is ValuesListIterable and plain:
            converters = compiler.get_converters(columns)
        elif (
            probe._iterable_class is ModelIterable
            and plain
            and not probe._prefetch_related_lookups
            and not probe._known_related_objects
        ):
            converters = compiler.get_converters(columns)
            instances = _Instances.of(compiler, probe.db)
        return compiler, sql, tuple(params), slots, converters, instances


@dataclass(frozen=True)
class _Instances:
    """How ModelIterable makes a row into its instance, its select_related
    objects and its annotations, worked out once rather than on every fetch
    (the related objects' populators and the columns' converters were a
    third of a membership's read at the deadline peak)."""

    model: type[Model]
    db: str
    init_list: tuple[str, ...]
    fields: slice
    populators: tuple
    annotations: tuple[tuple[str, int], ...]

    @classmethod
    def of(cls, compiler, db: str) -> "_Instances":
        select, klass_info = compiler.select, compiler.klass_info
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        return cls(
            model=klass_info["model"],
            db=db,
            init_list=tuple(f[0].target.attname for f in select[start:end]),
            fields=slice(start, end),
            populators=tuple(get_related_populators(klass_info, select, db)),
            annotations=tuple(compiler.annotation_col_map.items()),
        )

    def made(self, row: tuple) -> Model:
        instance = self.model.from_db(self.db, self.init_list, row[self.fields])
        for populator in self.populators:
            populator.populate(row, instance)
        for name, position in self.annotations:
            setattr(instance, name, row[position])
        return instance


def _tuples(compiler, using: str, sql: str, params: tuple, converters: dict) -> list[tuple]:
    """The rows of the read as tuples, the database's converters applied, run
    straight on this thread's connection: cloning the QuerySet and going
    through its chunked iterable cost more than the read of a unit's scores at
    the deadline peak."""
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not converters:
        return rows
    answer = copy.copy(compiler)
    answer.connection = connection
    return [tuple(row) for row in answer.apply_converters(rows, converters)]


def marker_slots(params, arity: int, sql: str = "") -> tuple[tuple[int, int], ...]:
    """(position in `params`, index of the value) of each parameter's marker.
    A marker may come adapted for its column (psycopg's Int2 for a small
    integer on PostgreSQL): an int all the same."""
    markers = {_MARKER - i: i for i in range(arity)}
    slots = tuple(
        (position, markers[p])
        for position, p in enumerate(params)
        if isinstance(p, int) and not isinstance(p, bool) and p in markers
    )
    if sorted(index for _, index in slots) != list(range(arity)):
        raise ValueError(f"each parameter must appear once in {sql!r} ({params!r})")
    return slots


def placed(params: tuple, slots, values: tuple[int, ...]) -> tuple:
    """`params` with each marker replaced by its value, adapted as the marker was."""
    answer = list(params)
    for position, index in slots:
        kind = type(params[position])
        answer[position] = values[index] if kind is int else kind(values[index])
    return tuple(answer)


def _compiled(compiler, sql: str, params: tuple, using=None, connection=None, elide_empty=True):
    """The compiler of the first fetch, answering with its SQL and these
    parameters on this thread's connection."""
    answer = copy.copy(compiler)
    answer.connection = connection or connections[using]
    answer.as_sql = lambda *args, **kwargs: (sql, params)
    return answer


class PreparedInstances(Prepared):
    """A Prepared read of a model's whole rows, made into instances as
    unpickling makes them (the row's values set on a bare instance) rather
    than through Model.__init__, which costs more per row than reading it: a
    save at the deadline peak reads every score of the unit for its totals.
    For a model without pre_init/post_init receivers (checked) and whose
    instances need nothing of __init__ but their fields."""

    def __init__(self, model: type[Model], build: Callable[..., QuerySet]) -> None:
        self._model = model
        self._names = tuple(f.attname for f in model._meta.concrete_fields)
        super().__init__(
            lambda *ids: build(*ids).values_list(*self._names),
            arity=build.__code__.co_argcount,
        )

    def fetch(self, *values: int) -> list:
        model, names = self._model, self._names
        if pre_init.has_listeners(model) or post_init.has_listeners(model):
            raise TypeError(f"{model.__name__} has __init__ receivers: use Prepared")
        db = self._probe().db
        made = []
        for row in super().fetch(*values):
            instance = model.__new__(model)
            instance.__dict__.update(zip(names, row, strict=True))
            instance._state = state = ModelState()
            state.adding, state.db = False, db
            made.append(instance)
        return made
