"""A scorecard holds at most limits.CRITERIA_PER_SCORECARD criteria, headings
included, wherever it comes from: the builder, the import and the dataset
check refuse more (issue #12). The scoring sheet prints every one of them, and
its PDF at that size renders in well under a second
(tests/awards/test_document_sizes.py)."""

import copy
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from emulation import limits
from scoring import engine
from scoring.dataset import DatasetError, validate_dataset
from scoring.services import (
    criterion_add_errors,
    criterion_split,
    scorecard_create_from_framework,
)
from tests.scoring.test_dataset import BASIC, _load

pytestmark = pytest.mark.django_db

LIMIT = limits.CRITERIA_PER_SCORECARD
TOO_MANY = f"vượt giới hạn {LIMIT} tiêu chí"


def _parts(code: str, points: Decimal, count: int) -> list[tuple[str, str, Decimal]]:
    """`count` sub-criteria of `code` whose points add up to its `points`."""
    share = (points / count).quantize(Decimal("0.01"), rounding="ROUND_DOWN")
    first = points - share * (count - 1)
    return [
        (f"{code}.{n}", f"Tiêu chí con {n} của {code}", first if n == 0 else share)
        for n in range(count)
    ]


def test_the_limit_holds_the_framework_with_its_30_percent_and_splits():
    """Phụ lục 02's largest scorecard (group A) has 64 criteria; R17 lets a
    cluster concretise or add 30% of them (5 + 2 + 2), each concretised one
    a heading over its sub-criteria."""
    assert LIMIT >= 64 + 9 * 3


def test_the_engine_refuses_more_criteria_than_the_limit_headings_included():
    leaves = [engine.Criterion(f"I.{n}", "I", Decimal(1), "qualitative") for n in range(LIMIT - 1)]
    parents = {"I.0": "I.X"}  # one heading over a sub-criterion: LIMIT rows
    assert not any(
        TOO_MANY in e
        for e in engine.validate_criteria(leaves, set(), "A", parents, max_criteria=LIMIT)
    )
    leaves.append(engine.Criterion("I.Y", "I", Decimal(1), "qualitative"))
    errors = engine.validate_criteria(leaves, set(), "A", parents, max_criteria=LIMIT)
    assert (
        f"Bảng chấm điểm có {LIMIT + 1} tiêu chí (kể cả tiêu chí được tách), {TOO_MANY}." in errors
    )


def test_the_builder_refuses_a_split_past_the_limit(world):
    scorecard = scorecard_create_from_framework(cluster=world.cluster_a, year=world.year)
    rows = scorecard.criteria.count()
    leaf = scorecard.criteria.filter(is_leaf=True, section="I").first()
    with pytest.raises(ValidationError, match=TOO_MANY):
        criterion_split(criterion=leaf, parts=_parts(leaf.code, leaf.points, LIMIT - rows + 1))
    assert scorecard.criteria.count() == rows
    criterion_split(criterion=leaf, parts=_parts(leaf.code, leaf.points, LIMIT - rows))
    assert scorecard.criteria.count() == LIMIT


def test_an_import_or_a_check_of_a_dataset_with_more_is_refused():
    document = _load(BASIC)
    criteria = document["clusters"][0]["criteria"]
    split = copy.deepcopy(next(c for c in criteria if c["section"] == "I"))
    criteria.remove(split)
    points = Decimal(str(split["points"]))
    for code, title, share in _parts(split["code"] + "x", points, LIMIT):
        criteria.append(
            {**split, "code": code, "title": title, "points": float(share), "parent": split["code"]}
        )
    with pytest.raises(DatasetError) as refused:
        validate_dataset(document)
    assert any(TOO_MANY in message for message in refused.value.messages)


def test_the_builder_refuses_adding_past_the_limit_even_under_an_added_criterion(world):
    """Sub-criteria of an added criterion do not count toward R17's 30% again;
    they count toward the scorecard's size."""
    scorecard = scorecard_create_from_framework(cluster=world.cluster_a, year=world.year)
    leaf = scorecard.criteria.filter(is_leaf=True, section="I").first()
    criterion_split(
        criterion=leaf, parts=_parts(leaf.code, leaf.points, LIMIT - scorecard.criteria.count())
    )
    errors = criterion_add_errors(
        scorecard=scorecard, section="II", code="II.BS", title="Tiêu chí bổ sung", points=Decimal(1)
    )
    assert any(TOO_MANY in error for error in errors)
