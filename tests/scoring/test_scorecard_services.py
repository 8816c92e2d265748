"""The scorecard workflow (R15–R19) and its audit trail (R35), through scoring.services."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from clusters.models import Membership, RegistrationTarget
from scoring import engine, services
from scoring.models import (
    Criterion,
    Evidence,
    Framework,
    FrameworkCriterion,
    Score,
    Scorecard,
)
from scoring.results import cluster_results
from scoring.services import BandInput
from tests.factories import ClusterFactory, YearFactory, discuss_and_submit

pytestmark = pytest.mark.django_db

Status = Scorecard.Status
D = Decimal
SECTION_I_COUNTS = {"A": 19, "B": 12, "C": 10, "D": 10}


def messages(excinfo) -> str:
    return " | ".join(excinfo.value.messages)


def draft_for(world, group="A"):
    cluster = world.cluster_a if group == "A" else ClusterFactory(group=group, authority=world.snv)
    return services.scorecard_create_from_framework(
        cluster=cluster, year=world.year, user=world.head
    )


def crit(scorecard, code) -> Criterion:
    return scorecard.criteria.get(code=code)


def set_status(scorecard, status) -> Scorecard:
    Scorecard.objects.filter(pk=scorecard.pk).update(status=status)
    scorecard.refresh_from_db()
    return scorecard


def issued(world, scorecard=None) -> Scorecard:
    scorecard = scorecard or draft_for(world)
    discuss_and_submit(scorecard, world.head)
    services.scorecard_approve(scorecard=scorecard, user=world.staff)
    services.scorecard_issue(scorecard=scorecard, user=world.head)
    return scorecard


@pytest.fixture
def draft(world):
    return draft_for(world)


# ---------------------------------------------------------------------------
# R15, R16: a draft from the framework


def section_totals(scorecard) -> dict[str, Decimal]:
    totals = dict.fromkeys(engine.SECTIONS, D(0))
    for c in scorecard.criteria.filter(is_leaf=True):
        totals[c.section] += c.points
    return totals


@pytest.mark.parametrize("group", ["A", "B", "C", "D"])
def test_r15_draft_from_framework_totals_550_200_200_with_framework_counts(world, group):
    scorecard = draft_for(world, group)

    assert scorecard.status == Status.DRAFT and scorecard.version == 1
    assert scorecard.framework.year == 2022
    assert section_totals(scorecard) == {"I": D(550), "II": D(200), "III": D(200)}
    top = scorecard.criteria.filter(parent=None)
    assert top.filter(section="I").count() == SECTION_I_COUNTS[group]
    assert top.filter(section="II").count() == 9
    assert top.filter(section="III").count() == 7
    assert services.scorecard_validate(scorecard) == []


def test_r15_section_iii_keeps_the_framework_items_sub_items_and_points(draft):
    framework_iii = {
        fc.code: fc for fc in FrameworkCriterion.objects.filter(framework__year=2022, section="III")
    }
    rows = {c.code: c for c in draft.criteria.filter(section="III")}

    assert set(rows) == set(framework_iii)
    for code, row in rows.items():
        fc = framework_iii[code]
        assert row.points == fc.points, code
        assert row.framework_criterion_id == fc.pk
        assert (row.parent.code if row.parent else None) == (fc.parent.code if fc.parent else None)
        assert row.is_leaf == (not fc.children.exists()), code
    assert [rows[c].points for c in ("III.1", "III.2", "III.3", "III.4")] == [35, 50, 30, 35]
    assert rows["III.1.1"].points == sum(rows[f"III.1.1{x}"].points for x in "abcd") == 20
    assert not rows["III.1"].is_leaf and not rows["III.1.1"].is_leaf and rows["III.1.1a"].is_leaf


def test_r15_sections_without_framework_points_share_whole_points_first_ones_more(draft):
    points = {c.code: c.points for c in draft.criteria.filter(section__in=["I", "II"])}

    # #15: round figures, the section's total exact (550 = 18 × 29 + 28; 200 = 2 × 23 + 7 × 22).
    assert {points[f"I.{n}"] for n in range(1, 19)} == {D(29)}
    assert points["I.19"] == D(28)
    assert points["II.1"] == points["II.2"] == D(23)
    assert {points[f"II.{n}"] for n in range(3, 10)} == {D(22)}
    assert all(p == p.to_integral_value() for p in points.values())


def test_r15_draft_keeps_framework_order_tree_first(draft):
    codes = list(draft.criteria.order_by("order").values_list("code", flat=True))

    assert codes[:3] == ["I.1", "I.2", "I.3"]
    assert codes[19:21] == ["II.1", "II.2"]
    assert codes[28:36] == [
        "III.1",
        "III.1.1",
        "III.1.1a",
        "III.1.1b",
        "III.1.1c",
        "III.1.1d",
        "III.1.2",
        "III.1.3",
    ]


def test_r19_tiered_framework_leaf_gets_its_bands_others_are_qualitative(draft):
    tiered = crit(draft, "III.4.1")
    bands = list(tiered.bands.order_by("order"))

    assert tiered.method == "tiered"
    assert [b.points for b in bands] == [20, 15, 10, 5]
    assert (bands[0].min_value, bands[0].max_value) == (0, 0)
    assert bands[1].min_inclusive is False and bands[1].max_inclusive is False
    others = draft.criteria.filter(is_leaf=True).exclude(code="III.4.1")
    assert set(others.exclude(method="quantitative").values_list("method", flat=True)) == {
        "qualitative"
    }


def test_r19_measured_framework_criteria_start_quantitative_and_earn_the_exceed_bonus(draft):
    # Phụ lục 02: "1. Tổng thu ngân sách địa phương so chỉ tiêu cấp có thẩm quyền giao";
    # "13. … Giảm số vụ, số người chết, bị thương do tai nạn giao thông so năm trước".
    revenue, accidents, output = crit(draft, "I.1"), crit(draft, "I.13"), crit(draft, "I.2")

    assert (revenue.method, revenue.direction) == ("quantitative", "higher")
    assert (accidents.method, accidents.direction) == ("quantitative", "lower")
    assert output.method == "qualitative"  # "Giá trị sản xuất trên 1ha…" names no plan
    beaten = engine.earned(revenue.rule, engine.Score("I.1", plan=D(100), actual=D(105)))
    assert beaten.exceed_bonus == D("2.90")  # 5 full % over plan, capped at 10% of 29 (R22)


def test_r19_data_migration_marks_existing_framework_rows(world):
    from importlib import import_module

    from django.apps import apps

    rows = FrameworkCriterion.objects.filter(framework__year=2022)
    rows.filter(method="quantitative").update(method="", direction="")  # as 0002 left them
    migration = import_module("scoring.migrations.0008_framework_measured_criteria")

    migration.mark(apps, None)

    measured = rows.filter(method="quantitative")
    assert sorted(measured.values_list("group", "code", "direction")) == sorted(
        [("A", f"I.{n}", "") for n in (1, 3, 4, 6, 7, 8, 9, 10, 12)]
        + [("A", "I.13", "lower"), ("D", "I.1", "")]
    )
    assert rows.get(group="", code="III.4.1").method == "tiered"


@pytest.mark.parametrize("group", ["A", "B", "C", "D"])
def test_r16_section_i_is_the_variant_of_the_cluster_group(world, group):
    scorecard = draft_for(world, group)
    section_i = scorecard.criteria.filter(section="I").select_related("framework_criterion")

    assert {c.framework_criterion.group for c in section_i} == {group}
    expected = FrameworkCriterion.objects.get(framework__year=2022, group=group, code="I.1")
    assert crit(scorecard, "I.1").title == expected.title


def test_r15_newest_framework_not_after_the_year_is_used(world):
    Framework.objects.create(year=2030, title="Khung của một hướng dẫn sau này")

    scorecard = draft_for(world)

    assert scorecard.framework.year == 2022


def test_r15_no_framework_before_the_year_is_refused(world):
    old_year = YearFactory(year=2020)

    with pytest.raises(ValidationError) as excinfo:
        services.scorecard_create_from_framework(cluster=world.cluster_a, year=old_year)
    assert "Chưa có khung tiêu chí" in messages(excinfo)


def test_r18_second_open_scorecard_for_the_cluster_year_is_refused(world, draft):
    with pytest.raises(ValidationError) as excinfo:
        draft_for(world)
    assert "đã có bảng chấm điểm năm 2025 đang xử lý" in messages(excinfo)
    assert Scorecard.objects.filter(cluster=world.cluster_a).count() == 1


def test_r18_a_new_draft_may_follow_an_issued_scorecard(world):
    issued(world)

    again = draft_for(world)

    assert (again.version, again.status) == (2, Status.DRAFT)


# ---------------------------------------------------------------------------
# R17: concretising and adding


def test_r17_split_makes_sub_criteria_under_the_framework_criterion(draft):
    parent = crit(draft, "II.1")  # 23

    parts = services.criterion_split(
        criterion=parent,
        parts=[("II.1a", "Phổ biến nghị quyết", D("13")), ("II.1b", "Kiểm tra", D("10"))],
    )

    parent.refresh_from_db()
    assert not parent.is_leaf
    assert [(p.code, p.is_leaf, p.added, p.parent_id) for p in parts] == [
        ("II.1a", True, False, parent.pk),
        ("II.1b", True, False, parent.pk),
    ]
    codes = list(draft.criteria.order_by("order").values_list("code", flat=True))
    assert codes[codes.index("II.1") : codes.index("II.1") + 4] == [
        "II.1",
        "II.1a",
        "II.1b",
        "II.2",
    ]
    assert services.scorecard_validate(draft) == []


def test_r17_concretising_a_framework_criterion_counts_toward_the_30_percent(draft):
    # Seed [II.1]: "cụ thể hoá hoặc bổ sung thêm tiêu chí … nhưng không vượt quá
    # 30% số tiêu chí đã quy định cho từng nội dung" (RULES.md R17, corrected).
    services.criterion_split(
        criterion=crit(draft, "II.1"), parts=[("II.1a", "a", D(13)), ("II.1b", "b", D(10))]
    )
    # Splitting a part again concretises the same framework criterion: no second count.
    services.criterion_split(
        criterion=crit(draft, "II.1a"), parts=[("II.1a1", "a", D(6)), ("II.1a2", "b", D(7))]
    )
    assert services.frame_counts(list(draft.criteria.all()))["II"] == engine.FrameCount(1, 0)
    services.criterion_add(scorecard=draft, section="II", code="II.10", title="Mới", points=D(1))

    with pytest.raises(ValidationError) as added:
        services.criterion_add(
            scorecard=draft, section="II", code="II.11", title="Mới", points=D(1)
        )
    with pytest.raises(ValidationError) as split:
        services.criterion_split(
            criterion=crit(draft, "II.2"), parts=[("II.2a", "a", D(11)), ("II.2b", "b", D(12))]
        )

    refusal = (
        "Phần II: đã cụ thể hóa/bổ sung 2/2 tiêu chí, không được cụ thể hóa hoặc bổ sung quá 30% "
        "số tiêu chí của khung."
    )
    assert added.value.messages == [refusal]
    assert refusal in split.value.messages
    assert crit(draft, "II.2").is_leaf


def test_r17_splitting_a_section_iii_sub_item_concretises_its_item_once(draft):
    # The framework's own sub-items (III.1.1a …) concretise nothing; the
    # cluster's split of one concretises the item III.1, once.
    assert services.frame_counts(list(draft.criteria.all())) == {}
    for code in ("III.1.2", "III.1.3"):
        half = crit(draft, code).points / 2
        services.criterion_split(
            criterion=crit(draft, code), parts=[(f"{code}a", "a", half), (f"{code}b", "b", half)]
        )
    assert services.frame_counts(list(draft.criteria.all()))["III"] == engine.FrameCount(1, 0)
    assert services.scorecard_validate(draft) == []


def test_r17_split_parts_must_total_the_parent(draft):
    with pytest.raises(ValidationError) as excinfo:
        services.criterion_split(
            criterion=crit(draft, "II.2"),
            parts=[("II.2a", "Một", D(10)), ("II.2b", "Hai", D(10))],
        )
    assert "các tiêu chí con của II.2 có tổng 20 điểm, phải bằng 23 điểm" in messages(excinfo)
    assert crit(draft, "II.2").is_leaf
    assert not draft.criteria.filter(code__startswith="II.2a").exists()


def test_r17_split_refuses_a_heading_a_single_part_and_taken_codes(draft):
    with pytest.raises(ValidationError, match="đã có tiêu chí con"):
        services.criterion_split(
            criterion=crit(draft, "III.1"), parts=[("x", "x", D(20)), ("y", "y", D(15))]
        )
    with pytest.raises(ValidationError, match="ít nhất hai"):
        services.criterion_split(criterion=crit(draft, "III.1.2"), parts=[("x", "x", D(10))])
    with pytest.raises(ValidationError, match=r"Mã tiêu chí III\.1\.3 đã có"):
        services.criterion_split(
            criterion=crit(draft, "III.1.2"), parts=[("III.1.3", "x", D(5)), ("z", "z", D(5))]
        )


def test_r17_tree_rule_sub_criteria_total_their_parent_at_validation(draft):
    [first, _] = services.criterion_split(
        criterion=crit(draft, "III.1.2"), parts=[("III.1.2a", "a", D(6)), ("III.1.2b", "b", D(4))]
    )
    services.criterion_update(criterion=first, revision=first.revision, points=D(7))

    errors = services.scorecard_validate(draft)

    assert any(
        "Phần III: các tiêu chí con của III.1.2 có tổng 11 điểm, phải bằng 10" in e for e in errors
    )


@pytest.mark.parametrize(
    ("group", "section", "limit"),
    [("A", "I", 5), ("B", "I", 3), ("C", "I", 3), ("D", "I", 3), ("A", "II", 2), ("A", "III", 2)],
)
def test_r17_added_criteria_limited_to_30_percent_of_the_framework(world, group, section, limit):
    scorecard = draft_for(world, group)
    for n in range(limit):
        added = services.criterion_add(
            scorecard=scorecard,
            section=section,
            code=f"{section}.BS{n}",
            title="Tiêu chí bổ sung",
            points=D(1),
        )
        assert added.added

    with pytest.raises(ValidationError) as excinfo:
        services.criterion_add(
            scorecard=scorecard, section=section, code=f"{section}.BSX", title="Thêm", points=D(1)
        )
    assert (
        f"Phần {section}: đã cụ thể hóa/bổ sung {limit}/{limit} tiêu chí, không được cụ thể hóa "
        "hoặc bổ sung quá 30% số tiêu chí của khung." in excinfo.value.messages
    )
    assert scorecard.criteria.filter(added=True).count() == limit


def test_r17_sixth_added_criterion_in_a_i_is_refused(draft):
    for n in range(5):
        services.criterion_add(
            scorecard=draft, section="I", code=f"I.{20 + n}", title="Bổ sung", points=D(1)
        )
    with pytest.raises(ValidationError, match="Phần I: đã cụ thể hóa/bổ sung 5/5 tiêu chí"):
        services.criterion_add(
            scorecard=draft, section="I", code="I.25", title="Bổ sung", points=D(1)
        )


def test_r17_an_added_criterion_split_later_still_counts_once(draft):
    added = services.criterion_add(
        scorecard=draft, section="II", code="II.10", title="Bổ sung", points=D(4)
    )
    services.criterion_split(criterion=added, parts=[("II.10a", "a", D(2)), ("II.10b", "b", D(2))])
    services.criterion_update(
        criterion=crit(draft, "II.1"), revision=crit(draft, "II.1").revision, points=D(19)
    )

    assert services.scorecard_validate(draft) == []
    services.criterion_add(scorecard=draft, section="II", code="II.11", title="x", points=D(1))
    with pytest.raises(ValidationError, match="Phần II: đã cụ thể hóa/bổ sung 2/2 tiêu chí"):
        services.criterion_add(scorecard=draft, section="II", code="II.12", title="x", points=D(1))


def test_r17_parent_of_another_scorecard_is_refused(world, draft):
    other = draft_for(world, "B")

    with pytest.raises(ValidationError) as excinfo:
        services.criterion_add(
            scorecard=draft,
            section="II",
            code="II.10",
            title="Mới",
            points=D(1),
            parent=crit(other, "II.1"),
        )

    assert excinfo.value.messages == [
        "Tiêu chí cha II.1 phải thuộc phần II của bảng chấm điểm này."
    ]


def test_r17_codes_must_be_given_and_fit(draft):
    with pytest.raises(ValidationError) as excinfo:
        services.criterion_add(scorecard=draft, section="II", code=" ", title=" ", points=D(1))
    assert "Mã tiêu chí không được để trống." in excinfo.value.messages
    assert any("nội dung không được để trống" in m for m in excinfo.value.messages)
    with pytest.raises(ValidationError, match="dài quá 32 ký tự"):
        services.criterion_add(scorecard=draft, section="II", code="X" * 33, title="x", points=D(1))


def test_r17_added_criteria_over_the_limit_by_other_means_fail_validation(draft):
    draft.criteria.filter(code__in=["II.1", "II.2", "II.3"]).update(added=True)

    errors = services.scorecard_validate(draft)

    assert any(
        e.startswith("Phần II: cụ thể hóa 0 và bổ sung 3 tiêu chí, vượt giới hạn 2") for e in errors
    )


def test_r17_section_total_not_550_is_refused_at_submit_naming_the_section(world, draft):
    services.criterion_update(
        criterion=crit(draft, "I.1"), revision=crit(draft, "I.1").revision, points=D(20)
    )

    with pytest.raises(ValidationError) as excinfo:
        discuss_and_submit(draft, world.head)

    assert "Phần I: tổng điểm các tiêu chí là 541, phải đúng 550." in (excinfo.value.messages)
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


@pytest.mark.parametrize("title", ["Nội dung II.10", "nội dung II.10…", "II.10", "Tiêu chí II.10"])
def test_a_criterion_without_a_real_title_cannot_be_submitted(world, draft, title):
    """#15: a placeholder title ("Nội dung II.1…") says nothing to the units scoring it."""
    services.criterion_add(scorecard=draft, section="II", code="II.10", title=title, points=D(2))
    services.criterion_update(
        criterion=crit(draft, "II.1"), revision=crit(draft, "II.1").revision, points=D(21)
    )

    with pytest.raises(ValidationError) as excinfo:
        services.scorecard_open_discussion(scorecard=draft, user=world.head)

    assert excinfo.value.messages == [
        f"Tiêu chí II.10: nội dung “{title}” chưa phải nội dung thật của tiêu chí; "
        "ghi rõ nội dung trước khi trình duyệt."
    ]
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_r17_added_criterion_makes_the_section_total_wrong_until_rebalanced(world, draft):
    services.criterion_add(scorecard=draft, section="II", code="II.10", title="Mới", points=D(2))
    assert any(e.startswith("Phần II: tổng điểm") for e in services.scorecard_validate(draft))

    services.criterion_update(
        criterion=crit(draft, "II.1"), revision=crit(draft, "II.1").revision, points=D(21)
    )

    assert services.scorecard_validate(draft) == []
    discuss_and_submit(draft, world.head)
    assert draft.status == Status.SUBMITTED


@pytest.mark.parametrize(("code", "points", "fixed"), [("III.1", 45, 35), ("III.6", 10, 20)])
def test_r17_section_iii_item_points_cannot_be_reweighted(draft, code, points, fixed):
    # Phụ lục 02's table fixes the items: "1 = 35 … 6 = 20" (RULES.md R15, R17).
    with pytest.raises(ValidationError) as excinfo:
        services.criterion_update(
            criterion=crit(draft, code), revision=crit(draft, code).revision, points=D(points)
        )

    assert excinfo.value.messages == [
        f"Tiêu chí {code}: Phụ lục 02 quy định {fixed} điểm cho mục này, không được đổi thành "
        f"{points} điểm; chỉ được phân chia lại điểm giữa các tiêu chí con của mục."
    ]
    assert crit(draft, code).points == fixed
    # The same points again, as the builder's row form sends them, are no change.
    services.criterion_update(
        criterion=crit(draft, code), revision=crit(draft, code).revision, points=D(fixed)
    )


def test_r17_item_sub_criteria_may_be_reweighted_within_the_item(draft):
    services.criterion_update(
        criterion=crit(draft, "III.1.2"), revision=crit(draft, "III.1.2").revision, points=D(7)
    )
    assert any(
        "các tiêu chí con của III.1 có tổng 32 điểm" in e
        for e in (services.scorecard_validate(draft))
    )

    services.criterion_update(
        criterion=crit(draft, "III.1.3"), revision=crit(draft, "III.1.3").revision, points=D(8)
    )

    assert services.scorecard_validate(draft) == []


def test_r17_item_reweighted_by_other_means_fails_validation(world, draft):
    Criterion.objects.filter(scorecard=draft, code="III.1").update(points=D(45))
    Criterion.objects.filter(scorecard=draft, code="III.1.2").update(points=D(20))
    Criterion.objects.filter(scorecard=draft, code="III.6").update(points=D(10))
    Criterion.objects.filter(scorecard=draft, code="III.6.2").update(points=D(1))
    Criterion.objects.filter(scorecard=draft, code="III.6.1").update(points=D(9))

    with pytest.raises(ValidationError) as excinfo:
        discuss_and_submit(draft, world.head)

    assert excinfo.value.messages == [
        "Tiêu chí III.1: Phụ lục 02 quy định 35 điểm cho mục này, không được đổi thành 45 điểm; "
        "chỉ được phân chia lại điểm giữa các tiêu chí con của mục.",
        "Tiêu chí III.6: Phụ lục 02 quy định 20 điểm cho mục này, không được đổi thành 10 điểm; "
        "chỉ được phân chia lại điểm giữa các tiêu chí con của mục.",
    ]


def test_r17_a_split_items_leaves_must_total_its_points(draft):
    [part, _] = services.criterion_split(
        criterion=crit(draft, "III.4.3"), parts=[("III.4.3a", "a", D(3)), ("III.4.3b", "b", D(2))]
    )
    services.criterion_update(criterion=part, revision=part.revision, points=D(4))

    errors = services.scorecard_validate(draft)

    assert (
        "Phần III, mục III.4: các tiêu chí có tổng 36 điểm, phải đúng 35 điểm Phụ lục 02 quy định "
        "cho mục; không được thay đổi điểm của mục." in errors
    )


def test_r17_points_with_3_decimals_are_refused(draft):
    with pytest.raises(ValidationError, match="tối đa 2 chữ số thập phân"):
        services.criterion_update(
            criterion=crit(draft, "I.1"), revision=crit(draft, "I.1").revision, points=D("29.075")
        )
    with pytest.raises(ValidationError, match="tối đa 2 chữ số thập phân"):
        services.criterion_add(
            scorecard=draft, section="I", code="I.20", title="Mới", points=D("1.005")
        )
    with pytest.raises(ValidationError, match="tối đa 2 chữ số thập phân"):
        services.criterion_split(
            criterion=crit(draft, "II.2"),
            parts=[("II.2a", "a", D("11.115")), ("II.2b", "b", D("11.105"))],
        )
    assert crit(draft, "I.1").points == D(29)


def test_r17_points_must_be_positive_exact_numbers(draft):
    with pytest.raises(ValidationError, match="lớn hơn 0"):
        services.criterion_update(
            criterion=crit(draft, "I.1"), revision=crit(draft, "I.1").revision, points=D(0)
        )
    with pytest.raises(ValidationError, match="phải là một số"):
        services.criterion_update(
            criterion=crit(draft, "I.1"), revision=crit(draft, "I.1").revision, points=29.08
        )


def test_r17_framework_criterion_cannot_be_removed(draft):
    with pytest.raises(ValidationError, match="thuộc khung của Hội đồng, không được xóa"):
        services.criterion_remove(criterion=crit(draft, "I.1"))
    assert draft.criteria.filter(code="I.1").exists()


def test_r17_added_criteria_and_sub_criteria_can_be_removed(draft):
    added = services.criterion_add(
        scorecard=draft, section="III", code="III.8", title="Bổ sung", points=D(1)
    )
    parts = services.criterion_split(
        criterion=crit(draft, "III.6.1"), parts=[("III.6.1a", "a", D(5)), ("III.6.1b", "b", D(5))]
    )

    services.criterion_remove(criterion=added)
    services.criterion_remove(criterion=parts[0])
    assert not crit(draft, "III.6.1").is_leaf  # one sub-criterion left
    services.criterion_remove(criterion=parts[1])

    assert not draft.criteria.filter(code__in=["III.8", "III.6.1a", "III.6.1b"]).exists()
    assert crit(draft, "III.6.1").is_leaf  # scored directly again
    assert services.scorecard_validate(draft) == []


def test_r19_update_sets_bands_of_a_tiered_criterion(draft):
    criterion = crit(draft, "I.4")  # 29
    services.criterion_update(
        criterion=criterion,
        revision=criterion.revision,
        title="Giảm tỷ lệ hộ nghèo",
        method="tiered",
        bands=[BandInput(points=D("28.94"), min_value=D(2)), BandInput(points=D(10))],
    )

    criterion.refresh_from_db()
    assert criterion.title == "Giảm tỷ lệ hộ nghèo" and criterion.method == "tiered"
    assert [(b.min_value, b.points) for b in criterion.bands.order_by("order")] == [
        (D(2), D("28.94")),
        (None, D(10)),
    ]
    assert services.scorecard_validate(draft) == []

    services.criterion_update(
        criterion=criterion, revision=criterion.revision, method="quantitative", direction="lower"
    )
    criterion.refresh_from_db()
    assert (criterion.method, criterion.direction) == ("quantitative", "lower")
    assert not criterion.bands.exists()


def test_r19_bad_bands_and_methods_are_refused(draft):
    criterion = crit(draft, "I.4")
    with pytest.raises(ValidationError, match="chỉ tiêu chí chấm theo mức"):
        services.criterion_update(
            criterion=criterion, revision=criterion.revision, bands=[BandInput(points=D(1))]
        )
    with pytest.raises(ValidationError, match="mức 1: điểm chỉ được có tối đa 2 chữ số"):
        services.criterion_update(
            criterion=criterion,
            revision=criterion.revision,
            method="tiered",
            bands=[BandInput(points=D("1.001"))],
        )
    with pytest.raises(ValidationError, match=r"mức 1: điểm phải từ 0 đến 29\b"):
        services.criterion_update(
            criterion=criterion,
            revision=criterion.revision,
            method="tiered",
            bands=[BandInput(points=D(30))],
        )
    with pytest.raises(ValidationError, match="cách chấm 'guess' không hợp lệ"):
        services.criterion_update(criterion=criterion, revision=criterion.revision, method="guess")
    with pytest.raises(ValidationError, match="không có cách chấm riêng"):
        services.criterion_update(
            criterion=crit(draft, "III.1"),
            revision=crit(draft, "III.1").revision,
            method="quantitative",
        )


def test_r19_tiered_criterion_without_bands_fails_validation(draft):
    services.criterion_update(
        criterion=crit(draft, "I.4"), revision=crit(draft, "I.4").revision, method="tiered"
    )

    assert any(
        "I.4: chấm theo mức cần ít nhất một mức" in e for e in services.scorecard_validate(draft)
    )


# ---------------------------------------------------------------------------
# R18: the workflow


def test_r18_legal_path_draft_submit_return_submit_approve_issue(world, draft):
    discuss_and_submit(draft, world.head)
    assert draft.status == Status.SUBMITTED

    services.scorecard_return(scorecard=draft, user=world.staff, reason="Phần I chưa cụ thể")
    assert (draft.status, draft.return_reason) == (Status.RETURNED, "Phần I chưa cụ thể")

    services.criterion_update(
        criterion=crit(draft, "I.1"),
        revision=crit(draft, "I.1").revision,
        title="Thu ngân sách địa phương",
    )
    discuss_and_submit(draft, world.head)
    assert (draft.status, draft.return_reason) == (Status.SUBMITTED, "")

    services.scorecard_approve(scorecard=draft, user=world.staff)
    assert draft.status == Status.APPROVED

    services.scorecard_issue(scorecard=draft, user=world.head)
    draft.refresh_from_db()
    assert draft.status == Status.ISSUED
    assert list(Scorecard.objects.issued()) == [draft]


TRANSITIONS = {
    # The members discuss the draft first [II.1] (issue 13).
    "discuss": ({Status.DRAFT, Status.RETURNED}, Status.CONSULTING),
    "reopen": ({Status.CONSULTING}, Status.DRAFT),
    "submit": ({Status.CONSULTING}, Status.SUBMITTED),
    # Submitted, or forwarded to Sở Nội vụ by a guiding authority (issue 13).
    "approve": ({Status.SUBMITTED, Status.FORWARDED}, Status.APPROVED),
    "return": ({Status.SUBMITTED, Status.FORWARDED}, Status.RETURNED),
    "issue": ({Status.APPROVED}, Status.ISSUED),
}


def run_transition(world, name, scorecard):
    if name == "discuss":
        return services.scorecard_open_discussion(scorecard=scorecard, user=world.head)
    if name == "reopen":
        return services.scorecard_reopen(scorecard=scorecard, user=world.head, reason="Sửa")
    if name == "submit":
        # With the head's reason: no member has given a position yet.
        return services.scorecard_submit(scorecard=scorecard, user=world.head, reason="Gấp")
    if name == "approve":
        return services.scorecard_approve(scorecard=scorecard, user=world.staff)
    if name == "return":
        return services.scorecard_return(scorecard=scorecard, user=world.staff, reason="Sai")
    if name == "issue":
        return services.scorecard_issue(scorecard=scorecard, user=world.head)
    return services.scorecard_new_version(scorecard=scorecard, user=world.head)


@pytest.mark.parametrize("status", Status.values)
@pytest.mark.parametrize("name", [*TRANSITIONS, "new_version"])
def test_r18_each_transition_only_from_its_status(world, draft, name, status):
    set_status(draft, status)
    allowed = TRANSITIONS[name][0] if name in TRANSITIONS else {Status.ISSUED}

    if status in allowed:
        result = run_transition(world, name, draft)
        if name == "new_version":
            assert (result.status, result.version) == (Status.DRAFT, 2)
        else:
            draft.refresh_from_db()
            assert draft.status == TRANSITIONS[name][1]
    else:
        with pytest.raises(ValidationError) as excinfo:
            run_transition(world, name, draft)
        assert "" in messages(excinfo)
        draft.refresh_from_db()
        assert draft.status == status
        assert Scorecard.objects.count() == 1


def test_r18_approving_a_draft_names_the_rule(world, draft):
    with pytest.raises(ValidationError) as excinfo:
        services.scorecard_approve(scorecard=draft, user=world.staff)
    assert excinfo.value.messages == ["Chỉ bảng chấm điểm đang trình mới được phê duyệt."]


def test_r18_issuing_a_submitted_scorecard_is_refused(world, draft):
    discuss_and_submit(draft, world.head)
    with pytest.raises(ValidationError, match="Chỉ bảng chấm điểm đã phê duyệt mới được ban hành"):
        services.scorecard_issue(scorecard=draft, user=world.head)
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED


@pytest.mark.parametrize("reason", ["", "   "])
def test_r18_return_needs_a_reason(world, draft, reason):
    discuss_and_submit(draft, world.head)
    with pytest.raises(ValidationError, match="Cần ghi lý do trả lại"):
        services.scorecard_return(scorecard=draft, user=world.staff, reason=reason)
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED


@pytest.mark.parametrize("who", ["head", "member", "other_staff", "other_head"])
def test_r18_only_the_cluster_authority_staff_approve_or_return(world, draft, who):
    discuss_and_submit(draft, world.head)
    user = getattr(world, who)

    with pytest.raises(PermissionDenied):
        services.scorecard_approve(scorecard=draft, user=user)
    with pytest.raises(PermissionDenied):
        services.scorecard_return(scorecard=draft, user=user, reason="Không đạt")
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED


def test_r18_the_guiding_authority_forwards_and_so_noi_vu_approves(world):
    """Issue 13: "được Cơ quan thường trực Hội đồng TĐKT tỉnh nhất trí trước khi
    ban hành bảng chấm điểm" (Phần II.1); the guiding authority sends it on
    (Phần IV.2) but does not approve it."""
    scorecard = services.scorecard_create_from_framework(cluster=world.cluster_b, year=world.year)
    discuss_and_submit(scorecard, world.other_head)

    with pytest.raises(PermissionDenied):
        services.scorecard_approve(scorecard=scorecard, user=world.other_staff)
    services.scorecard_forward(scorecard=scorecard, user=world.other_staff, note="Đề nghị xem xét")
    assert scorecard.status == Status.FORWARDED
    services.scorecard_approve(scorecard=scorecard, user=world.staff)

    assert scorecard.status == Status.APPROVED


def test_r18_so_noi_vu_forwards_nothing_to_itself(world, draft):
    discuss_and_submit(draft, world.head)
    with pytest.raises(PermissionDenied, match="không cần chuyển"):
        services.scorecard_forward(scorecard=draft, user=world.staff)


def edits(scorecard):
    return {
        "update": lambda: services.criterion_update(
            criterion=crit(scorecard, "I.1"), revision=crit(scorecard, "I.1").revision, title="x"
        ),
        "add": lambda: services.criterion_add(
            scorecard=scorecard, section="I", code="I.20", title="Mới", points=D(1)
        ),
        "split": lambda: services.criterion_split(
            criterion=crit(scorecard, "III.1.2"), parts=[("a", "a", D(5)), ("b", "b", D(5))]
        ),
        "remove": lambda: services.criterion_remove(criterion=crit(scorecard, "III.7.3")),
    }


@pytest.mark.parametrize("edit", ["update", "add", "split", "remove"])
@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.APPROVED])
def test_r18_no_edit_after_submission(draft, edit, status):
    count = draft.criteria.count()
    set_status(draft, status)
    Criterion.objects.filter(scorecard=draft, code="III.7.3").update(framework_criterion=None)

    with pytest.raises(ValidationError, match="chỉ sửa được khi còn là dự thảo hoặc bị trả lại"):
        edits(draft)[edit]()
    assert crit(draft, "I.1").title != "x"
    assert draft.criteria.count() == count


@pytest.mark.parametrize("edit", ["update", "add", "split", "remove"])
@pytest.mark.parametrize("status", [Status.ISSUED, Status.SUPERSEDED])
def test_r18_issued_scorecard_is_frozen(draft, edit, status):
    count = draft.criteria.count()
    set_status(draft, status)
    Criterion.objects.filter(scorecard=draft, code="III.7.3").update(framework_criterion=None)

    with pytest.raises(
        ValidationError, match="không được sửa; muốn thay đổi hãy tạo phiên bản mới"
    ):
        edits(draft)[edit]()
    assert draft.criteria.count() == count


@pytest.mark.parametrize("edit", ["update", "add", "split", "remove"])
def test_r18_returned_scorecard_is_editable_again(world, draft, edit):
    discuss_and_submit(draft, world.head)
    services.scorecard_return(scorecard=draft, user=world.staff, reason="Sửa lại")
    Criterion.objects.filter(scorecard=draft, code="III.7.3").update(framework_criterion=None)

    edits(draft)[edit]()


def test_r18_new_version_of_an_issued_scorecard_copies_tree_and_bands(world):
    first = draft_for(world)
    services.criterion_split(
        criterion=crit(first, "II.1"), parts=[("II.1a", "a", D(13)), ("II.1b", "b", D(10))]
    )
    services.criterion_add(scorecard=first, section="I", code="I.20", title="Mới", points=D(5))
    services.criterion_update(
        criterion=crit(first, "I.1"), revision=crit(first, "I.1").revision, points=D(24)
    )
    services.criterion_split(
        criterion=crit(first, "III.6.1"), parts=[("III.6.1a", "a", D(5)), ("III.6.1b", "b", D(5))]
    )
    issued(world, first)

    second = services.scorecard_new_version(scorecard=first, user=world.head)

    assert (second.version, second.status) == (2, Status.DRAFT)
    assert second.framework_id == first.framework_id
    fields = ("code", "section", "points", "is_leaf", "added", "method", "direction", "order")
    old_rows = list(first.criteria.order_by("order").values_list(*fields, "parent__code"))
    new_rows = list(second.criteria.order_by("order").values_list(*fields, "parent__code"))
    assert new_rows == old_rows
    assert list(
        second.criteria.order_by("order").values_list("framework_criterion_id", flat=True)
    ) == list(first.criteria.order_by("order").values_list("framework_criterion_id", flat=True))
    band_fields = ("min_value", "max_value", "min_inclusive", "max_inclusive", "points")
    assert list(crit(second, "III.4.1").bands.values_list(*band_fields)) == list(
        crit(first, "III.4.1").bands.values_list(*band_fields)
    )
    first.refresh_from_db()
    assert first.status == Status.ISSUED  # frozen until the new version is issued
    with pytest.raises(ValidationError, match="đang xử lý"):
        services.scorecard_new_version(scorecard=first, user=world.head)


def test_r18_issuing_a_new_version_supersedes_the_old_and_carries_scores(world):
    first = issued(world)
    hh = Membership.objects.get(unit=world.a_member, year=world.year)
    lg = Membership.objects.get(unit=world.a_member2, year=world.year)
    Score.objects.create(membership=hh, criterion=crit(first, "I.2"), points=D(28))
    Score.objects.create(membership=lg, criterion=crit(first, "III.4.1"), value=D(0))
    kept = Score.objects.create(membership=hh, criterion=crit(first, "II.1"), points=D(20))

    second = services.scorecard_new_version(scorecard=first, user=world.head)
    services.criterion_split(
        criterion=crit(second, "II.1"), parts=[("II.1a", "a", D(13)), ("II.1b", "b", D(10))]
    )
    issued(world, second)

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (Status.SUPERSEDED, Status.ISSUED)
    assert list(
        Score.objects.filter(criterion__scorecard=second)
        .values_list("membership__unit__code", "criterion__code")
        .order_by("criterion__code")
    ) == [("HH", "I.2"), ("LG", "III.4.1")]
    kept.refresh_from_db()
    assert kept.criterion.scorecard_id == first.pk  # II.1 is no longer scored directly
    moved = Score.objects.get(membership=hh, criterion__code="I.2")
    assert moved.history.first().history_change_reason == "Chuyển sang bảng chấm điểm bản 2"
    assert moved.history.first().history_user == world.head

    results = cluster_results(world.cluster_a, world.year)
    assert results.scorecard == second
    by_unit = {row.unit.code: row.result for row in results.rows}
    assert by_unit["HH"].criteria["I.2"].earned == D(28)
    assert by_unit["LG"].criteria["III.4.1"].earned == D(20)


def _criterion_links() -> set[tuple[type, str]]:
    """Every (model, field) of the project that points at a Criterion, found
    through the app registry; simple-history's copies follow their model."""
    from django.apps import apps
    from simple_history.models import HistoricalChanges

    return {
        (model, field.name)
        for model in apps.get_models(include_auto_created=True)
        if not issubclass(model, HistoricalChanges)
        for field in model._meta.get_fields()
        if field.concrete and field.is_relation and field.related_model is Criterion
    }


def test_every_link_to_a_criterion_is_carried_or_copied_by_a_new_version():
    """#11.2: a model given a foreign key to Criterion must say what a new
    version does with it, or its rows stay behind on the superseded criteria."""
    handled = set(services.CRITERION_CARRIED) | services.CRITERION_COPIED
    found = _criterion_links()
    assert found == handled, (
        f"not handled by the carry-over: {sorted((m._meta.label, f) for m, f in found - handled)}"
    )
    assert {(Score, "criterion"), (Evidence, "criterion"), (RegistrationTarget, "criterion")} <= (
        set(services.CRITERION_CARRIED)
    )


def test_new_version_carries_every_attachment_and_keeps_the_dropped_ones(world, media_root):
    """Everything attached to a criterion follows it to its successor; what is
    attached to a criterion the new version no longer scores directly stays
    with the superseded version, and its history says why (R35)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from clusters.models import Registration
    from scoring import sheets
    from tests.scoring.test_sheets_services import PDF

    first = draft_for(world)
    services.criterion_update(
        criterion=crit(first, "I.1"), revision=crit(first, "I.1").revision, method="quantitative"
    )
    # Section III items keep their Phụ lục 02 points (R17): the added criterion
    # takes its points from section I.
    i1_points = crit(first, "I.1").points
    services.criterion_add(scorecard=first, section="I", code="I.20", title="Mới", points=D(5))
    services.criterion_update(
        criterion=crit(first, "I.1"), revision=crit(first, "I.1").revision, points=i1_points - 5
    )
    issued(world, first)
    hh = Membership.objects.get(unit=world.a_member, year=world.year)
    registration = Registration.objects.create(membership=hh, status=Registration.Status.SUBMITTED)
    target = RegistrationTarget.objects.create(
        registration=registration,
        title="Thu ngân sách",
        planned_value=D(80),
        criterion=crit(first, "I.1"),
    )

    def attach(code):
        Score.objects.create(
            membership=hh, criterion=crit(first, code), points=D(1), agreed_points=D(2)
        )
        return sheets.evidence_add(
            membership=hh,
            criterion=crit(first, code),
            file=SimpleUploadedFile("a.pdf", PDF),
            user=world.member,
        )

    carried, kept, dropped = attach("I.2"), attach("II.1"), attach("I.20")
    second = services.scorecard_new_version(scorecard=first, user=world.head)
    services.criterion_split(
        criterion=crit(second, "II.1"), parts=[("II.1a", "a", D(13)), ("II.1b", "b", D(10))]
    )
    services.criterion_remove(criterion=crit(second, "I.20"))
    services.criterion_update(
        criterion=crit(second, "I.1"), revision=crit(second, "I.1").revision, points=i1_points
    )
    issued(world, second)

    for row in (carried, kept, dropped, target):
        row.refresh_from_db()
    assert (carried.criterion.scorecard, carried.criterion.code) == (second, "I.2")
    assert (target.criterion.scorecard, target.criterion.code) == (second, "I.1")
    moved = Score.objects.get(criterion__scorecard=second)
    assert (moved.criterion.code, moved.agreed_points) == ("I.2", D(2))
    assert carried.history.first().history_change_reason == "Chuyển sang bảng chấm điểm bản 2"
    assert target.history.first().history_user == world.head
    assert kept.criterion == crit(first, "II.1")
    assert Score.objects.get(criterion=crit(first, "II.1")).points == D(1)
    assert kept.history.first().history_change_reason == (
        "Giữ ở bảng chấm điểm bản 1: tiêu chí II.1 không còn được chấm trực tiếp ở bản 2"
    )
    assert dropped.criterion == crit(first, "I.20")
    assert dropped.history.first().history_change_reason == (
        "Giữ ở bảng chấm điểm bản 1: tiêu chí I.20 không còn ở bản 2"
    )


# ---------------------------------------------------------------------------
# R35: the audit trail of status changes


def test_r35_history_keeps_who_old_and_new_status_and_why(world, draft):
    discuss_and_submit(draft, world.head)
    services.scorecard_return(scorecard=draft, user=world.staff, reason="Thiếu minh chứng")
    discuss_and_submit(draft, world.deputy)
    services.scorecard_approve(scorecard=draft, user=world.staff)
    services.scorecard_issue(scorecard=draft, user=world.head)

    trail = [
        (
            r.history_user,
            r.prev_record.status if r.prev_record else None,
            r.status,
            r.history_change_reason,
        )
        for r in reversed(draft.history.all())
    ]
    assert trail == [
        (world.head, None, "draft", "Tạo dự thảo từ khung năm 2022"),
        (world.head, "draft", "consulting", OPEN.format("Dự thảo")),
        (world.head, "consulting", "submitted", SUBMITTED),
        (
            world.staff,
            "submitted",
            "returned",
            "Trả lại: Đã trình cơ quan hướng dẫn → Bị trả lại. Lý do: Thiếu minh chứng",
        ),
        (world.deputy, "returned", "consulting", OPEN.format("Bị trả lại")),
        (world.deputy, "consulting", "submitted", SUBMITTED),
        (
            world.staff,
            "submitted",
            "approved",
            "Phê duyệt: Đã trình cơ quan hướng dẫn → Đã phê duyệt",
        ),
        (world.head, "approved", "issued", "Ban hành: Đã phê duyệt → Đã ban hành"),
    ]
    assert all(r.history_date is not None for r in draft.history.all())


OPEN = "Lấy ý kiến các thành viên: {} → Đang lấy ý kiến các thành viên"
SUBMITTED = (
    "Trình duyệt: Đang lấy ý kiến các thành viên → Đã trình cơ quan hướng dẫn. "
    "Lý do: Ý kiến các thành viên: 3 nhất trí."
)


def test_r35_superseding_is_recorded_with_the_new_version(world):
    first = issued(world)
    second = services.scorecard_new_version(scorecard=first, user=world.deputy)
    issued(world, second)

    last = first.history.first()
    assert (last.prev_record.status, last.status) == ("issued", "superseded")
    assert last.history_user == world.head
    assert last.history_change_reason == "Thay bằng bản 2: Đã ban hành → Đã thay thế"
    assert second.history.last().history_user == world.deputy


def test_r35_long_return_reason_is_kept_whole_in_the_history(world, draft):
    reason = "Tiêu chí phần I chưa bám sát nghị quyết của tỉnh. " * 8
    discuss_and_submit(draft, world.head)

    services.scorecard_return(scorecard=draft, user=world.staff, reason=reason)

    record = draft.history.first()
    assert record.return_reason == reason.strip()
    assert record.history_change_reason.startswith(
        "Trả lại: Đã trình cơ quan hướng dẫn → Bị trả lại."
    )
    assert record.history_change_reason.endswith(reason.strip())


def test_r35_failed_transition_leaves_no_history(world, draft):
    before = draft.history.count()
    with pytest.raises(ValidationError):
        services.scorecard_approve(scorecard=draft, user=world.staff)
    with pytest.raises(PermissionDenied):
        services.scorecard_approve(scorecard=draft, user=world.head)
    assert draft.history.count() == before
