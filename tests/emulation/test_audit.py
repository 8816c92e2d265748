"""A save's history row, inserted by emulation.audit itself (#17), is the row
simple-history would have written: the same tracked figures, who, when, why
and type, for a new row and for a change."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from simple_history.signals import pre_create_historical_record

from emulation import audit
from scoring.models import Score
from tests.scoring.test_sheets_services import make_scorecard, member

pytestmark = pytest.mark.django_db

COMPARED = ("history_type", "history_change_reason", "history_user_id", "revision", "agreed_reason")


def _rows(score: Score) -> list[dict]:
    return list(score.history.order_by("history_id").values())


def _simple_history_save(instance, *, user, reason) -> None:
    """simple-history's own way, as audit.save wrote every row before #17."""
    audit._recorded(instance, instance.save, user=user, reason=reason)


@pytest.fixture
def pair(world):
    card = make_scorecard(world.cluster_a, world.year)
    hh = member(world, world.a_member)
    return hh, card["II.1"], card["III.1"]


def _write_twice(save, hh, criterion, user) -> Score:
    score = Score(membership=hh, criterion=criterion, points=Decimal("7.25"), revision=1)
    save(score, user=user, reason="Tự chấm tiêu chí: điểm 7,25")
    score.points, score.agreed_points, score.agreed_reason = None, Decimal(3), "Lý do"
    score.revision = 2
    save(score, user=user, reason="Điều chỉnh: điểm 3")
    return score


def test_the_history_row_is_the_one_simple_history_writes(world, pair):
    hh, first, second = pair
    before = timezone.now()
    direct = _rows(_write_twice(audit.save, hh, first, world.member))
    own = _rows(_write_twice(_simple_history_save, hh, second, world.member))
    assert [r["history_type"] for r in direct] == ["+", "~"]
    assert len(direct) == len(own) == 2
    for mine, theirs in zip(direct, own, strict=True):
        assert set(mine) == set(theirs)
        assert {k: mine[k] for k in COMPARED} == {k: theirs[k] for k in COMPARED}
        for name in ("plan", "actual", "points", "value", "agreed_points", "membership_id"):
            assert mine[name] == theirs[name]
        assert mine["criterion_id"] == first.pk and theirs["criterion_id"] == second.pk
        assert before <= mine["history_date"] <= timezone.now()
    assert direct[0]["points"] == Decimal("7.25") and direct[1]["agreed_points"] == Decimal(3)
    assert direct[1]["history_change_reason"] == "Điều chỉnh: điểm 3"
    assert direct[1]["history_user_id"] == world.member.pk


def test_a_save_inserts_its_history_row_with_one_statement(world, pair):
    hh, criterion, _ = pair
    score = Score.objects.create(membership=hh, criterion=criterion, points=Decimal(1))
    score.points = Decimal(2)
    with CaptureQueriesContext(connection) as queries:
        audit.save(score, user=world.member, reason="Tự chấm")
    history = [q["sql"] for q in queries if "historicalscore" in q["sql"].lower()]
    assert len(history) == 1 and history[0].startswith("INSERT")
    assert not hasattr(score, "_change_reason") and not hasattr(score, "_audit_created")


def test_a_receiver_of_the_record_signals_still_gets_them(world, pair):
    """Where someone listens to simple-history's signals, its own way is kept."""
    hh, criterion, _ = pair
    heard = []

    def listen(sender, history_instance, **kwargs):
        heard.append(history_instance.history_change_reason)

    pre_create_historical_record.connect(listen, sender=Score.history.model)
    try:
        audit.save(
            Score(membership=hh, criterion=criterion, points=Decimal(1)),
            user=world.member,
            reason="Tự chấm",
        )
    finally:
        pre_create_historical_record.disconnect(listen, sender=Score.history.model)
    assert heard == ["Tự chấm"]


def test_a_save_without_a_user_is_recorded_by_simple_history(world, pair):
    hh, criterion, _ = pair
    score = Score(membership=hh, criterion=criterion, points=Decimal(1))
    audit.save(score, user=None, reason="Nhập dữ liệu")
    (row,) = _rows(score)
    assert row["history_user_id"] is None and row["history_change_reason"] == "Nhập dữ liệu"
