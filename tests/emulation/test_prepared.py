"""emulation.prepared: a read compiled once per process gives what its
QuerySet gives, for every set of ids, on this thread's connection (#17)."""

import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clusters.models import Membership
from emulation.prepared import Prepared, PreparedInstances
from tests.marks import needs_postgres

pytestmark = pytest.mark.django_db


def _members(unit_id, year):
    return Membership.objects.select_related("year", "cluster", "unit").filter(
        unit_id=unit_id, year__year=year
    )


def test_each_fetch_gives_what_the_queryset_gives(world):
    prepared = Prepared(_members)
    for unit in (world.a_member, world.a_head, world.b_member):
        (found,) = prepared.fetch(unit.pk, world.year.year)
        (expected,) = _members(unit.pk, world.year.year)
        assert found == expected and found.unit.code == unit.code
        with CaptureQueriesContext(connection) as queries:
            assert (found.year.year, found.cluster.code) == (world.year.year, expected.cluster.code)
        assert not queries  # the related objects came with the row
    assert prepared.fetch(world.a_member.pk, world.year.year + 5) == []


def test_values_come_converted(world):
    prepared = Prepared(
        lambda year: (
            Membership.objects.filter(year__year=year)
            .order_by("unit__code")
            .values_list("unit__code", "year__year")
        )
    )
    expected = list(
        Membership.objects.filter(year__year=world.year.year)
        .order_by("unit__code")
        .values_list("unit__code", "year__year")
    )
    assert prepared.fetch(world.year.year) == expected and expected


def test_only_integers_are_taken(world):
    prepared = Prepared(_members)
    with pytest.raises(TypeError):
        prepared.fetch(world.a_member, world.year.year)
    with pytest.raises(TypeError):
        prepared.fetch(world.a_member.pk)


@pytest.mark.django_db(transaction=True)
def test_another_thread_uses_its_own_connection(world):
    prepared = Prepared(_members)
    assert prepared.fetch(world.a_member.pk, world.year.year)  # compiled on this thread
    seen = []

    def other():
        from django.db import connections

        with CaptureQueriesContext(connections["default"]) as queries:
            seen.append(len(prepared.fetch(world.a_member.pk, world.year.year)))
        seen.append(len(queries))
        connections.close_all()

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    assert seen == [1, 1]


def test_instances_are_the_models_own(world):
    """PreparedInstances' rows read, compare and save as Model.from_db's do."""
    from decimal import Decimal

    from scoring.models import Score
    from tests.scoring.test_sheets_services import make_scorecard, member

    card = make_scorecard(world.cluster_a, world.year)
    hh = member(world, world.a_member)
    Score.objects.create(membership=hh, criterion=card["II.1"], points=Decimal("7.5"))
    Score.objects.create(membership=hh, criterion=card["III.1"], value=Decimal(3))
    prepared = PreparedInstances(Score, lambda m: Score.objects.filter(membership_id=m))
    found = sorted(prepared.fetch(hh.pk), key=lambda s: s.pk)
    expected = list(Score.objects.filter(membership=hh).order_by("pk"))
    assert found == expected
    for mine, theirs in zip(found, expected, strict=True):
        assert mine.__dict__.keys() == theirs.__dict__.keys()
        assert {k: v for k, v in mine.__dict__.items() if k != "_state"} == {
            k: v for k, v in theirs.__dict__.items() if k != "_state"
        }
        assert (mine._state.adding, mine._state.db) == (False, "default")
    assert found[0].criterion == card["II.1"]
    found[0].points = Decimal(8)
    with CaptureQueriesContext(connection) as queries:
        found[0].save()
    assert queries[0]["sql"].startswith("UPDATE")
    assert Score.objects.get(pk=found[0].pk).points == Decimal(8)
    assert Score.objects.count() == 2


def test_the_signed_in_user_is_read_as_django_reads_it(world, client):
    """The backend reads the user of every request with the prepared statement:
    the same user with the same fields, no user for an unknown id, and an
    inactive user signed out; the login page's sessions name this backend."""
    from django.contrib.auth import BACKEND_SESSION_KEY, get_user_model

    from emulation.backends import UserBackend

    User = get_user_model()
    user = world.member
    backend = UserBackend()
    found = backend.get_user(user.pk)
    assert found == user
    expected = User.objects.filter(pk=user.pk)[0]
    assert found.__dict__.keys() == expected.__dict__.keys()
    fields = [f.attname for f in User._meta.concrete_fields]
    assert [getattr(found, f) for f in fields] == [getattr(expected, f) for f in fields]
    assert (found._state.adding, found._state.db) == (False, expected._state.db)
    assert found.get_session_auth_hash() == expected.get_session_auth_hash()
    assert backend.get_user(user.pk + 10_000) is None
    client.force_login(user, backend="emulation.backends.UserBackend")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").wsgi_request.user == user
    assert any("emulation_user" in q["sql"] for q in queries.captured_queries)
    user.is_active = False
    user.save()
    assert backend.get_user(user.pk) is None
    assert not client.get("/").wsgi_request.user.is_authenticated
    user.is_active = True
    user.save()
    client.logout()
    client.post(reverse("login"), {"username": user.username, "password": "matkhau-2025"})
    assert client.session[BACKEND_SESSION_KEY] == "emulation.backends.UserBackend"


def test_a_marker_adapted_for_its_column_is_replaced_alike():
    """PostgreSQL's backend hands a small integer's value to psycopg as Int2:
    the value put in its place is adapted the same way."""
    from emulation.prepared import _MARKER, marker_slots, placed

    class Int2(int):
        pass

    params = ("issued", _MARKER, Int2(_MARKER - 1))
    slots = marker_slots(params, 2)
    answer = placed(params, slots, (7, 2025))
    assert answer == ("issued", 7, 2025) and type(answer[2]) is Int2 and type(answer[1]) is int
    with pytest.raises(ValueError):
        marker_slots(("x", _MARKER, _MARKER), 1)


@needs_postgres
def test_a_saves_statements_are_prepared_on_the_server(client, world):
    """On PostgreSQL a statement run again on a connection is bound and
    prepared on the server (emulation.env.POSTGRES_OPTIONS): from the sixth
    save of a sheet's row, the reads and writes of a save are parsed and
    planned once, not on every save (#17)."""
    from emulation.env import POSTGRES_OPTIONS
    from tests.scoring.test_sheet_views import post_row
    from tests.scoring.test_sheets_services import make_scorecard, member

    card = make_scorecard(world.cluster_a, world.year)
    member(world, world.a_member)
    client.force_login(world.member)
    for revision in range(POSTGRES_OPTIONS["prepare_threshold"] + 1):
        answer = post_row(client, card["II.1"], revision=revision or None, points=str(revision))
        assert "Đã lưu." in answer.content.decode()
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = " ".join(statement for (statement,) in cursor.fetchall())
    for table in ("django_session", "emulation_user", "scoring_score", "scoring_historicalscore"):
        assert f'"{table}"' in prepared


def test_values_are_read_without_cloning_the_queryset(world, monkeypatch):
    """A values_list read runs its SQL straight on the connection (#17)."""
    from django.db.models import QuerySet

    prepared = Prepared(
        lambda year: Membership.objects.filter(year__year=year).values_list("unit__code", "id")
    )
    prepared.fetch(world.year.year)  # compiled
    expected = set(
        Membership.objects.filter(year__year=world.year.year).values_list("unit__code", "id")
    )
    monkeypatch.setattr(QuerySet, "_chain", lambda self: pytest.fail("cloned"))
    assert set(prepared.fetch(world.year.year)) == expected and expected


def test_the_signed_in_user_is_made_without_model_init(world, monkeypatch):
    """Its fields set as unpickling sets them (#17): Model.__init__ cost half of the read."""
    from django.contrib.auth import get_user_model

    from emulation.backends import UserBackend

    User = get_user_model()
    UserBackend().get_user(world.member.pk)  # compiled
    monkeypatch.setattr(User, "__init__", lambda *args, **kwargs: pytest.fail("__init__"))
    assert UserBackend().get_user(world.member.pk).username == world.member.username


def test_instances_are_made_without_cloning_the_queryset(world, monkeypatch):
    """A model read with its select_related objects runs its SQL straight on
    the connection too (#17), and gives what the QuerySet gives."""
    from django.db.models import QuerySet

    prepared = Prepared(_members)
    prepared.fetch(world.a_member.pk, world.year.year)  # compiled
    (expected,) = _members(world.a_member.pk, world.year.year)
    monkeypatch.setattr(QuerySet, "_chain", lambda self: pytest.fail("cloned"))
    (found,) = prepared.fetch(world.a_member.pk, world.year.year)
    assert found == expected and found._state.db == expected._state.db
    assert not found._state.adding
    assert (found.unit.code, found.cluster.code, found.year.year) == (
        expected.unit.code,
        expected.cluster.code,
        expected.year.year,
    )
