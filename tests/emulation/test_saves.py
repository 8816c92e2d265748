"""emulation.saves: a row saved by statements built once per process writes
what Model.save writes, sends the same signals and leaves the instance in the
same state; what it cannot mirror goes through Model.save (#17)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, models, transaction
from django.db.models import F
from django.db.models.signals import post_save, pre_save
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from emulation.models import User
from emulation.saves import _plan, _plan_of, save_row
from scoring.models import Score, Sheet
from tests.scoring.test_sheets_services import make_scorecard, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit(world):
    return member(world, world.a_member), make_scorecard(world.cluster_a, world.year)


@pytest.fixture
def signals():
    """Every pre_save and post_save of a Score: the signal's arguments but its instance."""
    sent: list[tuple] = []

    def on_pre(sender, **kwargs):
        sent.append(("pre", _plain(sender, kwargs)))

    def on_post(sender, **kwargs):
        sent.append(("post", _plain(sender, kwargs)))

    pre_save.connect(on_pre, sender=Score, weak=False, dispatch_uid="test-saves-pre")
    post_save.connect(on_post, sender=Score, weak=False, dispatch_uid="test-saves-post")
    yield sent
    pre_save.disconnect(dispatch_uid="test-saves-pre", sender=Score)
    post_save.disconnect(dispatch_uid="test-saves-post", sender=Score)


def _plain(sender, kwargs) -> dict:
    kwargs = dict(kwargs)
    kwargs.pop("signal")
    instance = kwargs.pop("instance")
    return {"sender": sender, "adding": instance._state.adding, **kwargs}


@pytest.fixture
def no_model_save(monkeypatch):
    """Model.save's own steps fail the test if they run."""

    monkeypatch.setattr(models.Model, "save_base", _refused)


_save_base = models.Model.save_base


def _refused(self, *args, **kwargs):
    """Model.save_base, failing for a Score (its history rows are simple-history's)."""
    if type(self) is Score:
        raise AssertionError("Model.save ran")
    return _save_base(self, *args, **kwargs)


def _stored(score: Score) -> dict:
    row = Score.objects.filter(pk=score.pk).values().get()
    row.pop("id"), row.pop("criterion_id"), row.pop("updated_at")
    return row


def _stored_score(membership, criterion) -> Score:
    """A stored score, written without Model.save (which some tests refuse)."""
    (score,) = Score.objects.bulk_create(
        [Score(membership=membership, criterion=criterion, points=Decimal(5))]
    )
    return Score.objects.get(pk=score.pk)


def test_a_new_row_is_written_as_model_save_writes_it(unit, signals, monkeypatch):
    hh, card = unit
    theirs = Score(membership=hh, criterion=card["I.1"], plan=Decimal(10), actual=Decimal("9.5"))
    theirs.save()
    django_signals = list(signals)
    signals.clear()
    mine = Score(membership=hh, criterion=card["I.2"], plan=Decimal(10), actual=Decimal("9.5"))
    before = timezone.now()
    monkeypatch.setattr(models.Model, "save_base", _refused)
    save_row(mine)
    assert mine.pk == Score.objects.get(criterion=card["I.2"]).pk > theirs.pk
    assert (mine._state.adding, mine._state.db) == (False, "default")
    assert before <= mine.updated_at <= timezone.now()  # auto_now, on the instance and stored
    assert Score.objects.get(pk=mine.pk).updated_at == mine.updated_at
    assert _stored(mine) == _stored(theirs)
    assert signals == django_signals
    assert [name for name, _ in signals] == ["pre", "post"]
    assert signals[1][1]["created"] is True and signals[0][1]["adding"] is True


def test_a_change_with_update_fields_sets_only_those_columns(unit, signals, no_model_save):
    hh, card = unit
    score = _stored_score(hh, card["II.1"])
    Score.objects.filter(pk=score.pk).update(agreed_reason="Giữ nguyên")  # another writer's column
    stored_at = Score.objects.get(pk=score.pk).updated_at
    signals.clear()
    score.points, score.revision = Decimal("7.25"), 2
    with CaptureQueriesContext(connection) as queries:
        save_row(score, update_fields=["points", "revision", "updated_at"])
    assert [q["sql"][:6] for q in queries].count("UPDATE") == 1
    row = Score.objects.get(pk=score.pk)
    assert (row.points, row.revision, row.agreed_reason) == (Decimal("7.25"), 2, "Giữ nguyên")
    assert row.updated_at == score.updated_at > stored_at
    fields = frozenset({"points", "revision", "updated_at"})
    assert signals == [
        ("pre", {"sender": Score, "adding": False, "raw": False, "using": "default",
                 "update_fields": fields}),
        ("post", {"sender": Score, "adding": False, "created": False, "update_fields": fields,
                  "raw": False, "using": "default"}),
    ]  # fmt: skip


def test_a_plain_save_of_a_stored_row_updates_every_column(unit, no_model_save):
    hh, card = unit
    score = _stored_score(hh, card["II.1"])
    score.points, score.agreed_points, score.agreed_reason = (
        Decimal(6),
        Decimal(4),
        "Thiếu minh chứng",
    )
    save_row(score)
    row = Score.objects.get(pk=score.pk)
    assert (row.points, row.agreed_points) == (Decimal(6), Decimal(4))
    assert row.agreed_reason == "Thiếu minh chứng"


def test_a_row_gone_is_inserted_again_with_its_id_as_model_save_does(unit, signals):
    hh, card = unit
    score = _stored_score(hh, card["II.1"])
    pk = score.pk
    Score.objects.filter(pk=pk).delete()
    signals.clear()
    save_row(score)
    assert Score.objects.get(pk=pk).points == Decimal(5)
    assert signals[1][1]["created"] is True


def test_update_fields_on_a_row_gone_is_refused_as_model_save_refuses_it(unit):
    hh, card = unit
    score = _stored_score(hh, card["II.1"])
    Score.objects.filter(pk=score.pk).delete()
    with pytest.raises(DatabaseError, match="did not affect any rows"):
        save_row(score, update_fields=["points"])
    with pytest.raises(ValueError, match="do not exist"):
        save_row(score, update_fields=["nothing"])


def test_an_unsaved_related_object_is_refused(unit):
    hh, card = unit
    with pytest.raises(ValueError, match="unsaved related object 'membership'"):
        save_row(Score(membership=type(hh)(), criterion=card["II.1"], points=Decimal(5)))
    assert not Score.objects.exists()


def test_a_failed_insert_marks_the_transaction_for_rollback(unit):
    hh, card = unit
    Score.objects.create(membership=hh, criterion=card["II.1"], points=Decimal(5))
    with transaction.atomic():
        with pytest.raises(IntegrityError):
            save_row(Score(membership=hh, criterion=card["II.1"], points=Decimal(6)))
        assert transaction.get_rollback()  # as Model.save leaves it: the block is undone


def test_what_it_cannot_mirror_goes_through_model_save(unit, world):
    hh, card = unit
    assert _plan(Score) is not None and _plan(Sheet) is not None
    assert _plan(User) is None  # AbstractBaseUser has its own save
    user = world.member
    user.first_name = "Lan"
    save_row(user, update_fields=["first_name"])
    assert User.objects.get(pk=user.pk).first_name == "Lan"
    score = _stored_score(hh, card["II.1"])
    score.revision = F("revision") + 1  # an expression: Model.save resolves it
    score.skip_history_when_saving = True  # no history row can hold an expression
    save_row(score, update_fields=["revision"])
    assert Score.objects.get(pk=score.pk).revision == 2
    deferred = Score.objects.only("points").get(pk=score.pk)
    deferred.points = Decimal(8)
    save_row(deferred)  # Model.save writes the loaded fields alone
    row = Score.objects.get(pk=score.pk)
    assert (row.points, row.revision) == (Decimal(8), 2)


def test_a_model_with_a_base_manager_of_its_own_keeps_model_save(monkeypatch):
    # Model.save's UPDATE filters through the base manager's QuerySet.
    monkeypatch.setattr(Score._meta, "base_manager_name", "objects")
    assert _plan_of(Score) is None


def test_the_statements_are_built_once(unit, no_model_save):
    hh, card = unit
    scores = [
        Score(membership=hh, criterion=card[code], points=Decimal(1))
        for code in ("II.1", "I.3.1", "I.3.2")
    ]
    for score in scores:
        save_row(score)
    built = dict(_plan(Score).statements)
    for score in scores:
        score.points += 1
        score.updated_at -= timedelta(days=1)
        save_row(score, update_fields=["points", "updated_at"])
    assert len(_plan(Score).statements) == len(built) + 1
    assert [s.points for s in Score.objects.order_by("pk")] == [2, 2, 2]
