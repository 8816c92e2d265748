"""The self-scoring and review workflow (scoring/sheets.py): R11, R18–R22, R35."""

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone

from clusters.models import (
    Conference,
    Deadline,
    Membership,
    Registration,
    RegistrationTarget,
)
from scoring import sheets
from scoring.models import Band, Criterion, Score, ScoreAgreement, Scorecard, Sheet
from scoring.results import cluster_results
from tests.factories import UserFactory
from tests.marks import needs_postgres

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


# ---------------------------------------------------------------------------
# Helpers shared by the sheet, review and evidence tests


def make_scorecard(cluster, year, status=Scorecard.Status.ISSUED) -> dict[str, Criterion]:
    """A small scorecard: I.1 quantitative (higher), I.2 quantitative (lower),
    I.3 split into two qualitative leaves, II.1 qualitative, III.1 tiered."""
    scorecard = Scorecard.objects.create(cluster=cluster, year=year, status=status)

    def add(code, section, points, method="qualitative", **kwargs):
        return Criterion.objects.create(
            scorecard=scorecard,
            code=code,
            section=section,
            title=f"Tiêu chí {code}",
            points=Decimal(points),
            order=len(made),
            method=method,
            **kwargs,
        )

    made: dict[str, Criterion] = {}
    made["I.1"] = add("I.1", "I", 100, "quantitative")
    made["I.2"] = add("I.2", "I", 50, "quantitative", direction="lower")
    made["I.3"] = add("I.3", "I", 400, is_leaf=False)
    made["I.3.1"] = add("I.3.1", "I", 200, parent=made["I.3"])
    made["I.3.2"] = add("I.3.2", "I", 200, parent=made["I.3"])
    made["II.1"] = add("II.1", "II", 200)
    made["III.1"] = add("III.1", "III", 200, "tiered")
    for order, (low, high, low_in, high_in, points) in enumerate(
        [(0, 0, True, True, 200), (0, 10, False, False, 150), (10, 20, True, True, 100)]
    ):
        Band.objects.create(
            criterion=made["III.1"],
            order=order,
            min_value=Decimal(low),
            max_value=Decimal(high),
            min_inclusive=low_in,
            max_inclusive=high_in,
            points=Decimal(points),
        )
    return made


def member(world, unit) -> Membership:
    return Membership.objects.select_related("cluster", "year", "unit").get(
        unit=unit, year=world.year
    )


def hold_preparatory(world, cluster=None, held_on=None) -> Conference:
    return Conference.objects.create(
        cluster=cluster or world.cluster_a,
        year=world.year,
        kind=Conference.Kind.PREPARATORY,
        held_on=held_on or timezone.localdate() - timedelta(days=1),
        place="UBND thành phố Bắc Giang",
    )


def latest_history(instance):
    return instance.history.order_by("-history_id").first()


@pytest.fixture
def card(world):
    return make_scorecard(world.cluster_a, world.year)


@pytest.fixture
def hh(world):
    return member(world, world.a_member)


def save(world, membership, criterion, revision=None, user=None, **figures):
    return sheets.score_save(
        membership=membership,
        criterion=criterion,
        user=user or world.member,
        revision=revision,
        **{k: Decimal(v) for k, v in figures.items()},
    )


# ---------------------------------------------------------------------------
# score_save (R18–R21)


def test_save_stores_own_figures_with_a_new_revision_and_history(world, card, hh):
    score = save(world, hh, card["I.1"], plan="100", actual="90")
    assert (score.plan, score.actual, score.revision) == (Decimal(100), Decimal(90), 1)
    again = save(world, hh, card["I.1"], revision=1, plan="100", actual="95")
    assert again.revision == 2
    record = latest_history(again)
    assert record.history_user == world.member
    assert "Tự chấm tiêu chí I.1" in record.history_change_reason
    assert "thực hiện 95" in record.history_change_reason


def test_save_keeps_only_the_figures_of_the_method(world, card, hh):
    score = save(world, hh, card["II.1"], points="150", plan="3", value="7")
    assert (score.points, score.plan, score.value) == (Decimal(150), None, None)


def test_scoring_an_unissued_scorecard_is_refused(world, hh):
    draft = make_scorecard(world.cluster_a, world.year, status=Scorecard.Status.APPROVED)
    with pytest.raises(ValidationError, match="bảng chấm điểm đã ban hành"):
        save(world, hh, draft["II.1"], points="100")
    assert not Score.objects.exists()


def test_scoring_another_clusters_scorecard_is_refused(world, hh):
    other = make_scorecard(world.cluster_b, world.year)
    with pytest.raises(ValidationError, match="không thuộc bảng chấm điểm"):
        save(world, hh, other["II.1"], points="100")


def test_scoring_a_heading_is_refused(world, card, hh):
    with pytest.raises(ValidationError, match="có tiêu chí con"):
        save(world, hh, card["I.3"], points="100")


def test_a_unit_cannot_edit_another_units_score(world, card, hh):
    with pytest.raises(PermissionDenied):
        save(world, hh, card["II.1"], user=world.head, points="100")
    with pytest.raises(PermissionDenied):
        save(world, hh, card["II.1"], user=world.staff, points="100")
    assert not Score.objects.exists()


@pytest.mark.parametrize(
    ("code", "figures", "message"),
    [
        ("II.1", {"points": "201"}, "điểm chấm phải từ 0 đến 200"),
        ("II.1", {"points": "10.555"}, "tối đa 2 chữ số thập phân"),
        ("II.1", {}, "cần nhập số điểm"),
        ("I.1", {"plan": "0", "actual": "5"}, "kế hoạch phải lớn hơn 0"),
        ("I.1", {"plan": "10"}, "cần nhập số thực hiện"),
        ("I.2", {"plan": "-1", "actual": "0"}, "không được âm"),
        ("III.1", {}, "cần nhập giá trị"),
        ("I.1", {"plan": "10", "actual": "1.0000001"}, "tối đa 6 chữ số thập phân"),
    ],
)
def test_figures_the_engine_rejects_are_refused_with_its_message(
    world, card, hh, code, figures, message
):
    with pytest.raises(ValidationError) as refused:
        save(world, hh, card[code], **figures)
    assert message in " ".join(refused.value.messages)
    assert not Score.objects.exists()


def test_the_registered_plan_is_the_plan_of_a_linked_criterion(world, card, hh):
    registration = Registration.objects.create(membership=hh, status=Registration.Status.SUBMITTED)
    RegistrationTarget.objects.create(
        registration=registration,
        title="Thu ngân sách",
        planned_value=Decimal(80),
        criterion=card["I.1"],
    )
    score = save(world, hh, card["I.1"], plan="40", actual="80")
    assert score.plan == Decimal(80)


# ---------------------------------------------------------------------------
# Optimistic versioning


def test_two_saves_from_the_same_revision_the_second_is_refused(world, card, hh):
    save(world, hh, card["II.1"], points="100")
    save(world, hh, card["II.1"], revision=1, points="150")
    with pytest.raises(sheets.StaleScore) as stale:
        save(world, hh, card["II.1"], revision=1, points="120")
    message = stale.value.messages[0]
    assert "Điểm của tiêu chí II.1 vừa được người khác cập nhật" in message
    assert "giá trị hiện tại: điểm 150" in message
    assert stale.value.score.points == Decimal(150)
    score = Score.objects.get()
    assert (score.points, score.revision) == (Decimal(150), 2)


def test_two_first_saves_of_a_row_the_second_is_refused(world, card, hh):
    save(world, hh, card["II.1"], points="100")
    with pytest.raises(sheets.StaleScore, match="giá trị hiện tại: điểm 100"):
        save(world, hh, card["II.1"], points="120")
    assert Score.objects.get().points == Decimal(100)


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_saves_from_one_revision_only_one_wins(world, card, hh):
    save(world, hh, card["II.1"], points="100")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(points: str) -> None:
        from django.db import connection as thread_connection

        barrier.wait()
        try:
            save(world, hh, card["II.1"], revision=1, points=points)
            outcomes.append("saved")
        except sheets.StaleScore:
            outcomes.append("stale")
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=attempt, args=(p,)) for p in ("150", "120")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["saved", "stale"]
    assert Score.objects.get().revision == 2


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_units_save_does_not_hold_up_another_units_save(world, card, hh):
    """At the deadline every unit saves at once: a save locks its own unit's rows,
    never the year, cluster, unit or criterion rows the others share."""
    lg = member(world, world.a_member2)
    lg_user = UserFactory(username="langgiang", unit=world.a_member2)
    saved, finish = threading.Event(), threading.Event()

    def save_and_hold() -> None:
        from django.db import connection as thread_connection

        try:
            with transaction.atomic():
                save(world, hh, card["II.1"], points="100")
                saved.set()
                finish.wait(10)
        finally:
            thread_connection.close()

    holder = threading.Thread(target=save_and_hold)
    holder.start()
    try:
        assert saved.wait(10)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            score = save(world, lg, card["II.1"], user=lg_user, points="120")
    finally:
        finish.set()
        holder.join()
    assert score.points == Decimal(120)
    assert Score.objects.get(membership=hh).points == Decimal(100)


def test_an_issued_scorecards_criteria_are_read_once(world, card, django_assert_num_queries):
    scorecard = Scorecard.objects.get(pk=card["I.1"].scorecard_id)
    first = sheets.criteria_of(scorecard)
    with django_assert_num_queries(0):
        again = sheets.criteria_of(scorecard)
    assert [c.code for c in again] == [c.code for c in first] == list(card)
    assert [b.points for b in again[-1].bands.all()] == [Decimal(200), Decimal(150), Decimal(100)]


def test_a_scorecard_whose_status_changed_is_read_again(world, card, django_assert_num_queries):
    scorecard = Scorecard.objects.get(pk=card["I.1"].scorecard_id)
    sheets.criteria_of(scorecard)
    scorecard.status = Scorecard.Status.SUPERSEDED
    scorecard.save()
    with django_assert_num_queries(2):
        assert len(sheets.criteria_of(scorecard)) == len(card)


def test_a_draft_scorecards_criteria_are_read_every_time(world):
    card = make_scorecard(world.cluster_a, world.year, status=Scorecard.Status.DRAFT)
    scorecard = Scorecard.objects.get(pk=card["I.1"].scorecard_id)
    sheets.criteria_of(scorecard)
    Criterion.objects.create(
        scorecard=scorecard, code="II.2", section="II", title="Mới", points=Decimal(10), order=99
    )
    assert [c.code for c in sheets.criteria_of(scorecard)][-1] == "II.2"


# ---------------------------------------------------------------------------
# The sheet: submit and return


def test_editing_after_submission_is_refused_until_returned(world, card, hh):
    save(world, hh, card["II.1"], points="100")
    sheet = sheets.sheet_submit(membership=hh, user=world.member)
    assert sheet.status == Sheet.Status.SUBMITTED
    with pytest.raises(ValidationError, match="đã nộp"):
        save(world, hh, card["II.1"], revision=1, points="150")
    with pytest.raises(ValidationError, match="đã được nộp"):
        sheets.sheet_submit(membership=hh, user=world.member)

    returned = sheets.sheet_return(membership=hh, user=world.head, reason="Thiếu minh chứng")
    assert (returned.status, returned.return_reason) == (Sheet.Status.RETURNED, "Thiếu minh chứng")
    assert save(world, hh, card["II.1"], revision=1, points="150").points == Decimal(150)
    assert sheets.sheet_submit(membership=hh, user=world.member).return_reason == ""


def test_submitting_without_an_issued_scorecard_is_refused(world, hh):
    with pytest.raises(ValidationError, match="chưa có bảng chấm điểm được ban hành"):
        sheets.sheet_submit(membership=hh, user=world.member)


def test_submitting_another_units_sheet_is_refused(world, card, hh):
    with pytest.raises(PermissionDenied):
        sheets.sheet_submit(membership=hh, user=world.head)


def test_submitting_after_the_annual_report_deadline_is_refused(world, card, hh):
    Deadline.objects.create(
        year=world.year, calendar="standard", kind="annual_report", due_date=date(2025, 11, 30)
    )
    with time_machine.travel(date(2025, 12, 1)):
        with pytest.raises(ValidationError, match=r"quá hạn nộp phiếu tự chấm điểm \(30/11/2025\)"):
            sheets.sheet_submit(membership=hh, user=world.member)
        assert not Sheet.objects.filter(status=Sheet.Status.SUBMITTED).exists()
    with time_machine.travel(date(2025, 11, 30)):
        assert sheets.sheet_submit(membership=hh, user=world.member).status == "submitted"


def test_a_returned_sheet_may_be_submitted_again_after_the_deadline(world, card, hh):
    Deadline.objects.create(
        year=world.year, calendar="standard", kind="annual_report", due_date=date(2025, 11, 30)
    )
    with time_machine.travel(date(2025, 11, 20)):
        sheets.sheet_submit(membership=hh, user=world.member)
    with time_machine.travel(date(2025, 12, 5)):
        sheets.sheet_return(membership=hh, user=world.head, reason="Bổ sung số liệu")
        assert sheets.sheet_submit(membership=hh, user=world.member).status == "submitted"


def test_the_deadline_of_the_other_calendar_does_not_apply(world, card, hh):
    Deadline.objects.create(
        year=world.year, calendar="education", kind="annual_report", due_date=date(2025, 1, 1)
    )
    with time_machine.travel(date(2025, 12, 1)):
        assert sheets.sheet_submit(membership=hh, user=world.member).status == "submitted"


def test_returning_needs_a_reason_a_submitted_sheet_and_the_head(world, card, hh):
    with pytest.raises(ValidationError, match="Chỉ trả lại được phiếu tự chấm đã nộp"):
        sheets.sheet_return(membership=hh, user=world.head, reason="Chấm lại")
    sheets.sheet_submit(membership=hh, user=world.member)
    with pytest.raises(ValidationError, match="Cần ghi lý do"):
        sheets.sheet_return(membership=hh, user=world.head, reason="  ")
    for someone in (world.member, world.deputy, world.other_head, world.staff):
        with pytest.raises(PermissionDenied):
            sheets.sheet_return(membership=hh, user=someone, reason="Chấm lại")
    assert Sheet.objects.get(membership=hh).status == Sheet.Status.SUBMITTED


def test_a_deputy_acting_for_the_head_may_return(world, card, hh):
    Membership.objects.filter(unit=world.a_deputy).update(acts_for_head=True)
    sheets.sheet_submit(membership=hh, user=world.member)
    sheet = sheets.sheet_return(membership=hh, user=world.deputy, reason="Chấm lại")
    assert sheet.status == Sheet.Status.RETURNED


# ---------------------------------------------------------------------------
# The head's adjustment


def test_adjusting_keeps_the_units_figures_and_sets_the_agreed_ones(world, card, hh):
    save(world, hh, card["I.1"], plan="100", actual="120")
    score = sheets.score_adjust(
        membership=hh,
        criterion=card["I.1"],
        user=world.head,
        reason="Số liệu thống kê chính thức",
        plan=Decimal(100),
        actual=Decimal(105),
        revision=1,
    )
    assert (score.plan, score.actual) == (Decimal(100), Decimal(120))
    assert (score.agreed_plan, score.agreed_actual) == (Decimal(100), Decimal(105))
    assert score.agreed_reason == "Số liệu thống kê chính thức"
    record = latest_history(score)
    assert record.history_user == world.head
    assert "Lý do: Số liệu thống kê chính thức" in record.history_change_reason
    # The results use the agreed figures: 100 points and a 5-point R22 bonus.
    row = next(r for r in cluster_results(world.cluster_a, world.year).rows if r.membership == hh)
    assert row.result.criteria["I.1"].exceed_bonus == Decimal(5)


def test_adjusting_a_score_given_as_a_score(world, card, hh):
    score = save(world, hh, card["II.1"], points="180")
    adjusted = sheets.score_adjust(
        score=score,
        user=world.head,
        reason="Chưa đủ minh chứng",
        points=Decimal(150),
        revision=score.revision,
    )
    assert (adjusted.points, adjusted.agreed_points) == (Decimal(180), Decimal(150))


def test_adjusting_a_unit_that_did_not_score(world, card, hh):
    score = sheets.score_adjust(
        membership=hh,
        criterion=card["II.1"],
        user=world.head,
        reason="Theo biên bản",
        points=Decimal(100),
        revision=None,
    )
    assert (score.points, score.agreed_points, score.revision) == (None, Decimal(100), 1)


def test_adjusting_without_a_reason_is_refused(world, card, hh):
    save(world, hh, card["II.1"], points="180")
    with pytest.raises(ValidationError, match="Cần ghi lý do điều chỉnh"):
        sheets.score_adjust(
            membership=hh,
            criterion=card["II.1"],
            user=world.head,
            reason=" ",
            points=Decimal(150),
            revision=1,
        )
    assert Score.objects.get().agreed_points is None


def test_adjusting_is_for_the_head_only(world, card, hh):
    for someone in (world.member, world.deputy, world.other_head, world.staff, world.admin):
        with pytest.raises(PermissionDenied):
            sheets.score_adjust(
                membership=hh,
                criterion=card["II.1"],
                user=someone,
                reason="Lý do",
                points=Decimal(150),
                revision=None,
            )
    assert not Score.objects.exists()


def test_adjusting_to_figures_the_engine_rejects_is_refused(world, card, hh):
    with pytest.raises(ValidationError, match="điểm chấm phải từ 0 đến 200"):
        sheets.score_adjust(
            membership=hh,
            criterion=card["II.1"],
            user=world.head,
            reason="Lý do",
            points=Decimal(250),
            revision=None,
        )


def test_adjusting_from_a_stale_revision_is_refused(world, card, hh):
    save(world, hh, card["II.1"], points="180")
    save(world, hh, card["II.1"], revision=1, points="190")
    with pytest.raises(sheets.StaleScore, match="giá trị hiện tại: điểm 190"):
        sheets.score_adjust(
            membership=hh,
            criterion=card["II.1"],
            user=world.head,
            reason="Lý do",
            points=Decimal(150),
            revision=1,
        )


# ---------------------------------------------------------------------------
# Agreement (R11) and reopening (R35)


def test_agreeing_needs_a_preparatory_meeting_that_has_taken_place(world, card):
    with pytest.raises(ValidationError, match="sau họp trù bị"):
        sheets.scores_agree(
            cluster=world.cluster_a,
            year=world.year,
            user=world.head,
            unsubmitted_reason="Thống nhất tại họp trù bị",
        )
    hold_preparatory(world, held_on=timezone.localdate() + timedelta(days=3))
    with pytest.raises(ValidationError, match="sau họp trù bị"):
        sheets.scores_agree(
            cluster=world.cluster_a,
            year=world.year,
            user=world.head,
            unsubmitted_reason="Thống nhất tại họp trù bị",
        )
    assert not ScoreAgreement.objects.filter(agreed_at__isnull=False).exists()


def test_agreeing_is_for_the_head_of_the_cluster(world, card):
    hold_preparatory(world)
    for someone in (world.member, world.other_head, world.staff, world.deputy):
        with pytest.raises(PermissionDenied):
            sheets.scores_agree(
                cluster=world.cluster_a,
                year=world.year,
                user=someone,
                unsubmitted_reason="Thống nhất tại họp trù bị",
            )


def test_agreeing_needs_an_issued_scorecard(world):
    hold_preparatory(world)
    with pytest.raises(ValidationError, match="chưa có bảng chấm điểm"):
        sheets.scores_agree(
            cluster=world.cluster_a,
            year=world.year,
            user=world.head,
            unsubmitted_reason="Thống nhất tại họp trù bị",
        )


@pytest.fixture
def agreed(world, card, hh):
    save(world, hh, card["II.1"], points="180")
    sheets.sheet_submit(membership=hh, user=world.member)
    hold_preparatory(world)
    sheets.scores_agree(
        cluster=world.cluster_a,
        year=world.year,
        user=world.head,
        unsubmitted_reason="Thống nhất tại họp trù bị",
    )
    return world


def test_agreed_scores_are_locked(agreed, card, hh):
    world = agreed
    assert ScoreAgreement.objects.get().is_locked
    Sheet.objects.filter(membership=hh).update(status=Sheet.Status.DRAFT)
    attempts = [
        lambda: save(world, hh, card["II.1"], revision=1, points="190"),
        lambda: sheets.sheet_submit(membership=hh, user=world.member),
        lambda: sheets.score_adjust(
            membership=hh,
            criterion=card["II.1"],
            user=world.head,
            reason="Lý do",
            points=Decimal(150),
            revision=1,
        ),
        lambda: sheets.evidence_add(
            membership=hh,
            criterion=card["II.1"],
            file=ContentFile(PDF, "a.pdf"),
            user=world.member,
        ),
        lambda: sheets.scores_agree(
            cluster=world.cluster_a,
            year=world.year,
            user=world.head,
            unsubmitted_reason="Thống nhất tại họp trù bị",
        ),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError, match="thống nhất"):
            attempt()
    Sheet.objects.filter(membership=hh).update(status=Sheet.Status.SUBMITTED)
    with pytest.raises(ValidationError, match="đang khóa"):
        sheets.sheet_return(membership=hh, user=world.head, reason="Chấm lại")
    score = Score.objects.get()
    assert (score.points, score.agreed_points, score.revision) == (Decimal(180), None, 1)


def test_reopening_is_for_the_authority_staff_with_a_reason(agreed, card, hh):
    world = agreed
    for someone in (world.head, world.member, world.other_staff, world.admin):
        with pytest.raises(PermissionDenied):
            sheets.scores_reopen(
                cluster=world.cluster_a, year=world.year, user=someone, reason="Sai sót"
            )
    with pytest.raises(ValidationError, match="Cần ghi lý do"):
        sheets.scores_reopen(cluster=world.cluster_a, year=world.year, user=world.staff, reason="")
    assert ScoreAgreement.objects.get().is_locked

    agreement = sheets.scores_reopen(
        cluster=world.cluster_a, year=world.year, user=world.staff, reason="Sai sót số liệu"
    )
    assert not agreement.is_locked
    sheets.score_adjust(
        membership=hh,
        criterion=card["II.1"],
        user=world.head,
        reason="Sửa sai sót",
        points=Decimal(170),
        revision=1,
    )
    with pytest.raises(ValidationError, match="chưa được thống nhất"):
        sheets.scores_reopen(
            cluster=world.cluster_a, year=world.year, user=world.staff, reason="Lần nữa"
        )


# ---------------------------------------------------------------------------
# The audit trail (R35)


def test_history_records_each_kind_of_change_with_the_user_and_why(world, card, hh):
    save(world, hh, card["II.1"], points="180")
    sheets.sheet_submit(membership=hh, user=world.member)
    sheets.sheet_return(membership=hh, user=world.head, reason="Bổ sung minh chứng")
    sheets.score_adjust(
        membership=hh,
        criterion=card["II.1"],
        user=world.head,
        reason="Theo họp trù bị",
        points=Decimal(170),
        revision=1,
    )
    hold_preparatory(world)
    sheets.scores_agree(
        cluster=world.cluster_a,
        year=world.year,
        user=world.head,
        unsubmitted_reason="Thống nhất tại họp trù bị",
    )
    sheets.scores_reopen(
        cluster=world.cluster_a, year=world.year, user=world.staff, reason="Khiếu nại"
    )

    def trail(model):
        return [
            (h.history_user, h.history_change_reason) for h in model.history.order_by("history_id")
        ]

    scores = trail(Score)
    assert scores[0][0] == world.member and "Tự chấm tiêu chí II.1: điểm 180" in scores[0][1]
    assert scores[1][0] == world.head and "Lý do: Theo họp trù bị" in scores[1][1]
    sheet_trail = trail(Sheet)
    assert [u for u, _ in sheet_trail] == [world.member, world.member, world.head]
    assert "Nộp phiếu tự chấm" in sheet_trail[1][1]
    assert "Lý do: Bổ sung minh chứng" in sheet_trail[2][1]
    agreement_trail = trail(ScoreAgreement)
    assert agreement_trail[0][0] == world.head and "Thống nhất điểm" in agreement_trail[0][1]
    assert agreement_trail[1][0] == world.staff and "Lý do: Khiếu nại" in agreement_trail[1][1]
    reopened = ScoreAgreement.history.order_by("history_id").last()
    assert reopened.agreed_at is None


def test_own_sheet_reads_the_clusters_issued_scorecard_of_the_year_alone(world):
    """The one query a sheet's save starts with (#17): the unit's membership
    and its cluster's issued scorecard of that year, no other cluster's, no
    other year's, no draft."""
    from clusters.models import EmulationYear

    make_scorecard(world.cluster_a, EmulationYear.objects.create(year=2026))
    make_scorecard(world.cluster_b, world.year)
    draft = next(iter(make_scorecard(world.cluster_a, world.year, Scorecard.Status.DRAFT).values()))
    hh = member(world, world.a_member)

    membership, scorecard = sheets.own_sheet(world.member, 2025)

    assert (membership, scorecard) == (hh, None)
    assert (membership.year.year, membership.cluster, membership.unit) == (
        2025,
        world.cluster_a,
        world.a_member,
    )
    Scorecard.objects.filter(pk=draft.scorecard_id).update(status=Scorecard.Status.ISSUED)
    membership, scorecard = sheets.own_sheet(world.member, 2025)
    assert (membership, scorecard.pk) == (hh, draft.scorecard_id)
    assert scorecard.status == Scorecard.Status.ISSUED


def test_own_sheet_refuses_a_user_without_a_seat_in_the_year(world):
    with pytest.raises(PermissionDenied):
        sheets.own_sheet(world.staff, 2025)


def test_a_rows_check_is_remembered_and_answers_alike(world, card, monkeypatch):
    """A sheet's totals check every row at each save (#17): figures checked
    once are not checked again, and the answer is the same for the same
    criterion and figures, whatever instance of the criterion asks."""
    from scoring import engine

    criterion = card["I.1"]
    figures = {"plan": Decimal("100"), "actual": Decimal("-1")}
    first = sheets.score_errors(criterion, figures)
    assert first and "không được âm" in " ".join(first)
    monkeypatch.setattr(engine, "validate_score", lambda *args: pytest.fail("checked again"))
    again = Criterion.objects.get(pk=criterion.pk)
    assert sheets.score_errors(again, dict(figures)) == first
    assert sheets.engine_score(again, figures) == engine.Score("I.1", Decimal(100), Decimal(-1))
