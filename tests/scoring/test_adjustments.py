"""Bonuses (R23), staff deductions (R25) and flags (R27, R28): who may set
each, the caps and once-a-year rules, the lock while scores are agreed, how
each weighs in the results, and where each shows with its reason."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clusters.models import Deduction, Membership
from scoring import adjustments, sheets
from scoring.guidances import apply_regulation
from scoring.models import Bonus, Flag, Score, Scorecard
from scoring.regulation import regulation_from_json
from scoring.results import cluster_results
from tests.clusters.helpers import pdf
from tests.factories import MembershipFactory, UnitFactory
from tests.scoring.test_sheets_services import hold_preparatory, make_scorecard, member

pytestmark = pytest.mark.django_db

CODE, YEAR = "CUM-A", 2025


@pytest.fixture
def card(world):
    return make_scorecard(world.cluster_a, world.year)


@pytest.fixture
def hh(world):
    return member(world, world.a_member)


@pytest.fixture
def tpbg(world):
    return member(world, world.a_head)


@pytest.fixture(autouse=True)
def _media(media_root):
    return media_root


def url(name, *args):
    return reverse(name, args=[CODE, YEAR, *args])


def login(client, world, who):
    if who != "anonymous":
        client.force_login(getattr(world, who))


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("login"))


def bonus(world, membership, kind, points, user=None, reason="Có sáng kiến"):
    user = user or (world.head if kind == "cluster" else world.staff)
    return adjustments.bonus_add(
        membership=membership, kind=kind, points=Decimal(points), reason=reason, user=user
    )


def deduct(world, membership, kind, count=1, reason="Văn bản số 12/UBND", **kwargs):
    return adjustments.deduction_add(
        membership=membership, kind=kind, count=count, reason=reason, user=world.staff, **kwargs
    )


def flag(world, membership, kind="exclude", reason="violation", evidence="default", **kwargs):
    kwargs.setdefault("revision", None)
    kwargs.setdefault("note", "")
    return adjustments.flag_set(
        membership=membership,
        kind=kind,
        reason=reason,
        evidence=pdf() if evidence == "default" else evidence,
        user=world.staff,
        **kwargs,
    )


def lock(world, card):
    hold_preparatory(world)
    sheets.scores_agree(
        cluster=world.cluster_a,
        year=world.year,
        user=world.head,
        unsubmitted_reason="Thống nhất tại họp trù bị",
    )


def latest_history(instance_or_model, pk=None):
    model = instance_or_model if pk is not None else type(instance_or_model)
    pk = pk if pk is not None else instance_or_model.pk
    return model.history.filter(id=pk).order_by("-history_id").first()


# ---------------------------------------------------------------------------
# Who may set each kind (services)


def test_head_gives_the_cluster_bonus_with_history(world, card, hh):
    given = bonus(world, hh, "cluster", "3")
    assert (given.kind, given.points, given.reason, given.created_by) == (
        "cluster",
        Decimal(3),
        "Có sáng kiến",
        world.head,
    )
    record = latest_history(given)
    assert record.history_user == world.head
    assert "Lý do: Có sáng kiến" in record.history_change_reason


def test_delegated_deputy_gives_the_cluster_bonus(world, card, hh):
    Membership.objects.filter(unit=world.a_deputy).update(acts_for_head=True)
    bonus(world, hh, "cluster", "2", user=world.deputy)
    assert Bonus.objects.count() == 1


@pytest.mark.parametrize("kind", ["reporting", "council"])
def test_head_may_not_give_staff_bonuses(world, card, hh, kind):
    with pytest.raises(PermissionDenied):
        bonus(world, hh, kind, "1", user=world.head)
    assert not Bonus.objects.exists()


@pytest.mark.parametrize("kind", ["reporting", "council"])
def test_staff_give_reporting_and_council_bonuses(world, card, hh, kind):
    bonus(world, hh, kind, "4", user=world.staff)
    assert Bonus.objects.get().kind == kind


def test_staff_may_not_give_the_cluster_bonus(world, card, hh):
    with pytest.raises(PermissionDenied):
        bonus(world, hh, "cluster", "1", user=world.staff)
    assert not Bonus.objects.exists()


@pytest.mark.parametrize("who", ["member", "deputy", "other_head", "other_member", "other_staff"])
def test_others_set_nothing(world, card, hh, who):
    user = getattr(world, who)
    for kind in ("cluster", "reporting", "council"):
        with pytest.raises(PermissionDenied):
            bonus(world, hh, kind, "1", user=user)
    with pytest.raises(PermissionDenied):
        adjustments.deduction_add(membership=hh, kind="reminder_letter", reason="Lý do", user=user)
    with pytest.raises(PermissionDenied):
        adjustments.flag_set(
            membership=hh,
            kind="exclude",
            reason="security",
            evidence=pdf(),
            user=user,
            revision=None,
        )
    assert not (Bonus.objects.exists() or Deduction.objects.exists() or Flag.objects.exists())


def test_staff_of_the_clusters_authority_sets_its_entries(world):
    b_member = member(world, world.b_member)
    make_scorecard(world.cluster_b, world.year)
    adjustments.bonus_add(
        membership=b_member,
        kind="reporting",
        points=Decimal(2),
        reason="Lý do",
        user=world.other_staff,
    )
    deduct(world, b_member, "reminder_letter")  # Sở Nội vụ guides every cluster
    assert Bonus.objects.count() == Deduction.objects.count() == 1


def test_the_councils_bonus_is_recorded_by_so_noi_vu_not_the_guiding_authority(world):
    """Issue 13: "Hội đồng TĐKT tỉnh đánh giá và thưởng tối đa không quá 10 điểm"
    (Phần II.2.3.d); Sở Nội vụ records it as the council's standing agency."""
    b_member = member(world, world.b_member)
    make_scorecard(world.cluster_b, world.year)
    give = dict(membership=b_member, kind="council", points=Decimal(2), reason="Sáng tạo")
    with pytest.raises(PermissionDenied, match="điểm thưởng của Hội đồng"):
        adjustments.bonus_add(**give, user=world.other_staff)
    bonus = adjustments.bonus_add(**give, user=world.staff)
    with pytest.raises(PermissionDenied):
        adjustments.bonus_remove(bonus=bonus, reason="Nhầm", user=world.other_staff)
    assert Bonus.objects.get().kind == "council"


# ---------------------------------------------------------------------------
# R23 caps


def test_cluster_bonus_over_the_cap_is_refused_and_nothing_saved(world, card, hh):
    assert Scorecard.objects.get().cluster_bonus_max == Decimal(5)
    bonus(world, hh, "cluster", "3")
    with pytest.raises(ValidationError) as error:
        bonus(world, hh, "cluster", "3")
    assert "vượt mức tối đa 5 điểm" in " ".join(error.value.messages)
    assert list(Bonus.objects.values_list("points", flat=True)) == [Decimal(3)]


def test_cluster_bonus_cap_is_the_issued_scorecards(world, card, hh):
    Scorecard.objects.update(cluster_bonus_max=Decimal(2))
    with pytest.raises(ValidationError):
        bonus(world, hh, "cluster", "2.5")
    bonus(world, hh, "cluster", "1.5")
    bonus(world, hh, "cluster", "0.5")  # exactly the cap
    assert Bonus.objects.count() == 2


def test_cluster_bonus_needs_an_issued_scorecard(world, hh):
    with pytest.raises(ValidationError, match="chưa có bảng chấm điểm được ban hành"):
        bonus(world, hh, "cluster", "1")


def test_caps_apply_per_unit_and_per_kind(world, card, hh, tpbg):
    bonus(world, hh, "reporting", "5")
    bonus(world, tpbg, "reporting", "5")
    bonus(world, hh, "council", "10")
    with pytest.raises(ValidationError):
        bonus(world, hh, "reporting", "0.01")
    with pytest.raises(ValidationError):
        bonus(world, hh, "council", "0.01")
    assert Bonus.objects.count() == 3


@pytest.mark.parametrize("points", ["-1", "1.234"])
def test_invalid_bonus_points_are_refused(world, card, hh, points):
    with pytest.raises(ValidationError):
        bonus(world, hh, "council", points)
    assert not Bonus.objects.exists()


def test_bonus_needs_a_reason(world, card, hh):
    with pytest.raises(ValidationError, match="lý do"):
        bonus(world, hh, "council", "1", reason="  ")


# ---------------------------------------------------------------------------
# R25 deductions by staff


@pytest.mark.parametrize("kind", ["head_duty", "award_structure"])
def test_once_a_year_deductions_are_refused_a_second_time(world, card, tpbg, kind):
    deduct(world, tpbg, kind)
    with pytest.raises(ValidationError, match="tối đa 1 lần trong năm"):
        deduct(world, tpbg, kind)
    assert Deduction.objects.count() == 1


def test_once_a_year_deduction_is_refused_with_a_count_of_two(world, card, hh):
    with pytest.raises(ValidationError):
        deduct(world, hh, "award_structure", count=2)


def test_letters_may_be_deducted_many_times(world, card, hh):
    deduct(world, hh, "reminder_letter", count=2)
    deduct(world, hh, "reminder_letter")
    deduct(world, hh, "criticism_letter")
    assert Deduction.objects.filter(status="confirmed").count() == 3


def test_head_duty_only_for_the_head_unit(world, card, hh, tpbg):
    with pytest.raises(ValidationError, match="chỉ áp dụng cho đơn vị trưởng cụm"):
        deduct(world, hh, "head_duty")
    deduct(world, tpbg, "head_duty")
    assert Deduction.objects.get().membership == tpbg


def test_member_duty_goes_through_the_heads_proposal(world, card, hh):
    with pytest.raises(ValidationError, match="trưởng cụm, khối đề nghị"):
        deduct(world, hh, "member_duty")


def test_staff_deduction_is_confirmed_with_reason_and_history(world, card, hh):
    made = deduct(world, hh, "criticism_letter", reason="Công văn phê bình số 5")
    assert (made.status, made.created_by) == ("confirmed", world.staff)
    record = latest_history(made)
    assert record.history_user == world.staff
    assert "Công văn phê bình số 5" in record.history_change_reason


def test_deduction_needs_a_reason(world, card, hh):
    with pytest.raises(ValidationError):
        deduct(world, hh, "reminder_letter", reason="")


def test_deduction_evidence_is_checked_and_stored_under_a_random_name(world, card, hh):
    with pytest.raises(ValidationError):
        deduct(world, hh, "reminder_letter", evidence=pdf("gia.pdf", b"not a pdf at all"))
    assert not Deduction.objects.exists()
    made = deduct(world, hh, "reminder_letter", evidence=pdf("../cong-van.pdf"))
    assert made.evidence.name.startswith("deductions/")
    assert "cong-van" not in made.evidence.name
    assert made.evidence.name.endswith(".pdf")


# ---------------------------------------------------------------------------
# R27, R28 flags


def test_flag_needs_evidence(world, card, hh):
    with pytest.raises(ValidationError, match="minh chứng"):
        flag(world, hh, evidence=None)
    assert not Flag.objects.exists()


def test_flag_evidence_is_checked_by_its_bytes(world, card, hh):
    with pytest.raises(ValidationError):
        flag(world, hh, evidence=pdf("bien-ban.pdf", b"GIF89a"))
    assert not Flag.objects.exists()


@pytest.mark.parametrize(
    ("kind", "reason"), [("exclude", "under_review"), ("defer", "security"), ("exclude", "x")]
)
def test_flag_reason_must_match_its_kind(world, card, hh, kind, reason):
    with pytest.raises(ValidationError, match=r"không phù hợp|không hợp lệ"):
        flag(world, hh, kind=kind, reason=reason)
    assert not Flag.objects.exists()


def test_participation_reasons_are_not_set_by_hand(world, card, hh):
    with pytest.raises(ValidationError):
        flag(world, hh, reason="no_registration")


def test_setting_a_flag_again_updates_its_note(world, card, hh):
    first = flag(world, hh, note="Lần 1")
    again = flag(world, hh, note="Lần 2", revision=first.revision)
    assert Flag.objects.get() == again
    assert again.note == "Lần 2"
    assert latest_history(again).history_change_reason.startswith("Cập nhật")


# ---------------------------------------------------------------------------
# Removing, with a reason


def test_head_removes_the_cluster_bonus_with_a_reason(world, card, hh):
    given = bonus(world, hh, "cluster", "3")
    with pytest.raises(ValidationError):
        adjustments.bonus_remove(bonus=given, reason="", user=world.head)
    with pytest.raises(PermissionDenied):
        adjustments.bonus_remove(bonus=given, reason="Nhầm", user=world.staff)
    adjustments.bonus_remove(bonus=given, reason="Ghi nhầm đơn vị", user=world.head)
    assert not Bonus.objects.exists()
    record = latest_history(Bonus, given.pk)
    assert record.history_type == "-"
    assert record.history_user == world.head
    assert "Ghi nhầm đơn vị" in record.history_change_reason


def test_staff_remove_their_bonuses_not_the_heads(world, card, hh):
    given = bonus(world, hh, "council", "3")
    with pytest.raises(PermissionDenied):
        adjustments.bonus_remove(bonus=given, reason="Nhầm", user=world.head)
    adjustments.bonus_remove(bonus=given, reason="Nhầm", user=world.staff)
    assert not Bonus.objects.exists()


def test_staff_remove_a_confirmed_deduction_but_not_a_proposed_one(world, card, hh):
    from clusters.services import deduction_propose

    made = deduct(world, hh, "reminder_letter")
    proposed = deduction_propose(membership=hh, reason="Vắng họp", user=world.head)
    with pytest.raises(PermissionDenied):
        adjustments.deduction_remove(deduction=made, reason="Nhầm", user=world.head)
    with pytest.raises(ValidationError):
        adjustments.deduction_remove(deduction=proposed, reason="Nhầm", user=world.staff)
    adjustments.deduction_remove(deduction=made, reason="Văn bản đã thu hồi", user=world.staff)
    assert list(Deduction.objects.all()) == [proposed]
    assert "Văn bản đã thu hồi" in latest_history(Deduction, made.pk).history_change_reason


def test_staff_lift_a_flag_with_a_reason(world, card, hh):
    made = flag(world, hh)
    with pytest.raises(ValidationError):
        adjustments.flag_remove(flag=made, reason=" ", user=world.staff)
    with pytest.raises(PermissionDenied):
        adjustments.flag_remove(flag=made, reason="Đã xong", user=world.head)
    adjustments.flag_remove(flag=made, reason="Đã có kết luận", user=world.staff)
    assert not Flag.objects.exists()
    assert latest_history(Flag, made.pk).history_user == world.staff


# ---------------------------------------------------------------------------
# Agreed (locked) scores


def test_locked_scores_refuse_bonus_and_deduction_changes(world, card, hh, tpbg):
    given = bonus(world, hh, "cluster", "2")
    made = deduct(world, hh, "reminder_letter")
    lock(world, card)
    refused = [
        lambda: bonus(world, hh, "cluster", "1"),
        lambda: bonus(world, hh, "council", "1"),
        lambda: deduct(world, tpbg, "head_duty"),
        lambda: adjustments.bonus_remove(bonus=given, reason="Nhầm", user=world.head),
        lambda: adjustments.deduction_remove(deduction=made, reason="Nhầm", user=world.staff),
    ]
    for attempt in refused:
        with pytest.raises(ValidationError, match="đã được thống nhất và đang khóa"):
            attempt()
    assert Bonus.objects.count() == Deduction.objects.count() == 1


def test_flags_may_change_while_scores_are_locked(world, card, hh):
    lock(world, card)
    made = flag(world, hh, kind="defer", reason="under_review")
    adjustments.flag_remove(flag=made, reason="Đã có kết luận", user=world.staff)
    assert not Flag.objects.exists()


def test_after_reopening_bonuses_may_change_again(world, card, hh):
    lock(world, card)
    sheets.scores_reopen(
        cluster=world.cluster_a, year=world.year, user=world.staff, reason="Bổ sung điểm thưởng"
    )
    bonus(world, hh, "council", "1")
    assert Bonus.objects.count() == 1


# ---------------------------------------------------------------------------
# Effect on the results (R24–R29)


def _row(world, code):
    found = cluster_results(world.cluster_a, world.year)
    return next(r for r in found.rows if r.unit.code == code).result


def _score_full(world, card, membership):
    """950 points: the unit's agreed figures at every leaf's full points."""
    for code, figures in {
        "I.1": {"plan": Decimal(100), "actual": Decimal(100)},
        "I.2": {"plan": Decimal(10), "actual": Decimal(10)},
        "I.3.1": {"points": Decimal(200)},
        "I.3.2": {"points": Decimal(200)},
        "II.1": {"points": Decimal(200)},
        "III.1": {"value": Decimal(0)},
    }.items():
        Score.objects.create(membership=membership, criterion=card[code], **figures)


def test_each_adjustment_changes_the_results_as_the_engine_says(world, card, hh):
    _score_full(world, card, hh)
    assert (_row(world, "HH").total, _row(world, "HH").status) == (Decimal(950), "eligible")
    bonus(world, hh, "cluster", "3")
    bonus(world, hh, "council", "7.5")
    assert _row(world, "HH").bonus == Decimal("10.50")
    assert _row(world, "HH").total == Decimal("960.50")
    deduct(world, hh, "criticism_letter")
    deduct(world, hh, "reminder_letter", count=2)
    assert _row(world, "HH").deductions == Decimal(20)
    assert _row(world, "HH").total == Decimal("940.50")
    deduct(world, hh, "award_structure")
    deduct(world, hh, "criticism_letter", count=4)
    result = _row(world, "HH")
    assert (result.total, result.status) == (Decimal("895.50"), "below_threshold")
    deferral = flag(world, hh, kind="defer", reason="state_obligation")
    assert (_row(world, "HH").status, _row(world, "HH").reasons) == (
        "deferred",
        ("state_obligation",),
    )
    flag(world, hh, kind="exclude", reason="culture")
    assert (_row(world, "HH").status, _row(world, "HH").reasons) == ("excluded", ("culture",))
    adjustments.flag_remove(
        flag=Flag.objects.get(kind="exclude"), reason="Đã đạt chuẩn", user=world.staff
    )
    adjustments.flag_remove(flag=deferral, reason="Đã hoàn thành", user=world.staff)
    assert _row(world, "HH").status == "below_threshold"


# ---------------------------------------------------------------------------
# The page: who sees it, who posts what


PAGE_ACCESS = {
    "head": 200,
    "staff": 200,
    "admin": 200,
    "deputy": 403,
    "member": 403,
    "other_member": 403,
    "other_head": 403,
    "other_staff": 403,
}


@pytest.mark.parametrize(("who", "status"), PAGE_ACCESS.items())
def test_page_access(client, world, card, who, status):
    login(client, world, who)
    assert client.get(url("adjustments")).status_code == status


def test_anonymous_visitor_is_sent_to_login(client, world, card, hh):
    made = bonus(world, hh, "council", "1")
    for target in (
        url("adjustments"),
        url("adjustment_bonus_add"),
        url("adjustment_deduction_add"),
        url("adjustment_flag_set"),
        url("adjustment_bonus_remove", made.pk),
    ):
        assert is_login_redirect(client.get(target) if "xoa" not in target else client.post(target))


def test_page_shows_every_entry_with_its_reason_and_role_forms(client, world, card, hh):
    bonus(world, hh, "cluster", "2", reason="Tổ chức tốt hội nghị")
    deduct(world, hh, "reminder_letter", reason="Nhắc nhở số 7")
    flag(world, hh, kind="defer", reason="under_review", note="Đang thanh tra")
    client.force_login(world.head)
    page = client.get(url("adjustments")).content.decode()
    for text in ("Tổ chức tốt hội nghị", "Nhắc nhở số 7", "Đang thanh tra", "Chưa xét"):
        assert text in page
    assert 'name="bonus-kind"' in page
    assert 'value="cluster"' in page and 'value="reporting"' not in page
    assert 'name="deduction-kind"' not in page and 'name="flag-kind"' not in page
    client.force_login(world.staff)
    page = client.get(url("adjustments")).content.decode()
    assert 'value="reporting"' in page and 'value="council"' in page
    assert 'value="cluster"' not in page
    assert 'name="deduction-kind"' in page and 'name="flag-kind"' in page
    assert reverse("deductions", args=[CODE, YEAR]) in page


def _bonus_post(hh, kind, points="2"):
    return {
        "bonus-member": hh.pk,
        "bonus-kind": kind,
        "bonus-points": points,
        "bonus-reason": "Lý do",
    }


BONUS_POSTS = [
    ("head", "cluster", True),
    ("head", "reporting", False),
    ("staff", "reporting", True),
    ("staff", "council", True),
    ("staff", "cluster", False),
]


@pytest.mark.parametrize(("who", "kind", "saved"), BONUS_POSTS)
def test_bonus_form_by_role(client, world, card, hh, who, kind, saved):
    login(client, world, who)
    response = client.post(url("adjustment_bonus_add"), _bonus_post(hh, kind))
    assert response.status_code == (302 if saved else 200)
    assert Bonus.objects.filter(kind=kind).exists() is saved


@pytest.mark.parametrize("who", ["member", "deputy", "other_head", "other_staff", "other_member"])
def test_others_cannot_post_anything(client, world, card, hh, who):
    login(client, world, who)
    assert client.post(url("adjustment_bonus_add"), _bonus_post(hh, "cluster")).status_code == 403
    data = {"deduction-member": hh.pk, "deduction-kind": "reminder_letter"}
    data |= {"deduction-count": 1, "deduction-reason": "Lý do"}
    assert client.post(url("adjustment_deduction_add"), data).status_code == 403
    data = {"flag-member": hh.pk, "flag-kind": "exclude", "flag-reason": "security"}
    data |= {"flag-evidence": pdf()}
    assert client.post(url("adjustment_flag_set"), data).status_code == 403
    assert not (Bonus.objects.exists() or Deduction.objects.exists() or Flag.objects.exists())


def test_cap_refusal_shows_on_the_page(client, world, card, hh):
    client.force_login(world.head)
    client.post(url("adjustment_bonus_add"), _bonus_post(hh, "cluster", "3"))
    response = client.post(url("adjustment_bonus_add"), _bonus_post(hh, "cluster", "3"))
    assert response.status_code == 200
    assert "vượt mức tối đa 5 điểm" in response.content.decode()
    assert Bonus.objects.count() == 1


def test_head_cannot_post_staff_deductions_or_flags(client, world, card, hh):
    client.force_login(world.head)
    data = {"deduction-member": hh.pk, "deduction-kind": "reminder_letter"}
    data |= {"deduction-count": 1, "deduction-reason": "Lý do"}
    assert client.post(url("adjustment_deduction_add"), data).status_code == 403
    data = {"flag-member": hh.pk, "flag-kind": "exclude", "flag-reason": "security"}
    assert (
        client.post(url("adjustment_flag_set"), data | {"flag-evidence": pdf()}).status_code == 403
    )
    assert not (Deduction.objects.exists() or Flag.objects.exists())


def test_staff_deduct_with_evidence_through_the_page(client, world, card, tpbg):
    client.force_login(world.staff)
    data = {"deduction-member": tpbg.pk, "deduction-kind": "head_duty", "deduction-count": 1}
    data |= {"deduction-reason": "Chậm ban hành chương trình", "deduction-evidence": pdf()}
    assert client.post(url("adjustment_deduction_add"), data).status_code == 302
    made = Deduction.objects.get()
    assert (made.kind, made.status, bool(made.evidence)) == ("head_duty", "confirmed", True)
    download = url("adjustment_evidence", "TPBG", "diem-tru", made.pk)
    assert client.get(download).status_code == 200
    client.force_login(world.other_staff)
    assert client.get(download).status_code == 403


def test_flag_form_requires_evidence_and_a_matching_reason(client, world, card, hh):
    client.force_login(world.staff)
    base = {"flag-member": hh.pk, "flag-kind": "exclude", "flag-reason": "security"}
    response = client.post(url("adjustment_flag_set"), base)
    assert response.status_code == 200
    mismatched = base | {"flag-reason": "under_review", "flag-evidence": pdf()}
    response = client.post(url("adjustment_flag_set"), mismatched)
    assert "Lý do không phù hợp" in response.content.decode()
    assert not Flag.objects.exists()
    response = client.post(url("adjustment_flag_set"), base | {"flag-evidence": pdf()})
    assert response.status_code == 302
    assert Flag.objects.get().reason == "security"


def test_removal_through_the_page_needs_a_reason(client, world, card, hh):
    given = bonus(world, hh, "cluster", "2")
    client.force_login(world.head)
    client.post(url("adjustment_bonus_remove", given.pk), {"reason": ""})
    assert Bonus.objects.exists()
    client.post(url("adjustment_bonus_remove", given.pk), {"reason": "Nhầm"})
    assert not Bonus.objects.exists()


def test_head_cannot_remove_staff_entries_through_the_page(client, world, card, hh):
    given = bonus(world, hh, "council", "2")
    made = deduct(world, hh, "reminder_letter")
    flagged = flag(world, hh)
    client.force_login(world.head)
    reason = {"reason": "Nhầm"}
    assert client.post(url("adjustment_bonus_remove", given.pk), reason).status_code == 403
    assert client.post(url("adjustment_deduction_remove", made.pk), reason).status_code == 403
    assert client.post(url("adjustment_flag_remove", flagged.pk), reason).status_code == 403
    assert Bonus.objects.exists() and Deduction.objects.exists() and Flag.objects.exists()


def test_locked_page_says_so_in_vietnamese(client, world, card, hh):
    lock(world, card)
    client.force_login(world.head)
    response = client.post(url("adjustment_bonus_add"), _bonus_post(hh, "cluster"))
    assert "đã được thống nhất và đang khóa" in response.content.decode()
    assert not Bonus.objects.exists()


def _queries(client, world, extra_units: int) -> int:
    for n in range(extra_units):
        unit = UnitFactory(code=f"X{extra_units}-{n:02d}")
        membership = MembershipFactory(cluster=world.cluster_a, year=world.year, unit=unit)
        Bonus.objects.create(membership=membership, kind="council", points=1, reason="Lý do")
        Deduction.objects.create(membership=membership, kind="reminder_letter", reason="Lý do")
        Flag.objects.create(membership=membership, kind="defer", reason="under_review")
    client.force_login(world.staff)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url("adjustments")).status_code == 200
    return len(queries)


def test_page_query_count_does_not_grow_with_units(client, world, card):
    few = _queries(client, world, 1)
    many = _queries(client, world, 6)
    assert few == many


# ---------------------------------------------------------------------------
# On the unit's sheet and the results page, with the reasons


def test_sheet_shows_the_units_entries_with_reasons(client, world, card, hh):
    bonus(world, hh, "council", "4", reason="Mô hình dân vận khéo")
    deduct(world, hh, "reminder_letter", reason="Công văn nhắc nhở 15/UBND")
    flag(world, hh, kind="defer", reason="under_review", note="Đang thanh tra thuế")
    client.force_login(world.member)
    page = client.get(reverse("sheet", args=[YEAR])).content.decode()
    for text in (
        "Mô hình dân vận khéo",
        "+4",
        "Công văn nhắc nhở 15/UBND",
        "−5",
        "Đang thanh tra thuế",
        "Chưa xét",
    ):
        assert text in page


def test_sheet_shows_only_its_own_units_entries(client, world, card, hh, tpbg):
    bonus(world, tpbg, "council", "4", reason="Của đơn vị trưởng cụm")
    client.force_login(world.member)
    page = client.get(reverse("sheet", args=[YEAR])).content.decode()
    assert "Của đơn vị trưởng cụm" not in page


def test_results_page_shows_bonus_and_deduction_reasons(client, world, card, hh):
    bonus(world, hh, "council", "4", reason="Mô hình dân vận khéo")
    deduct(world, hh, "criticism_letter", reason="Phê bình số 3")
    client.force_login(world.staff)
    page = client.get(reverse("results", args=[CODE, YEAR])).content.decode()
    assert "Mô hình dân vận khéo" in page
    assert "Phê bình số 3" in page


def test_results_query_count_does_not_grow_with_units(client, world, card):
    def count(extra):
        for n in range(extra):
            unit = UnitFactory(code=f"R{n:02d}{extra}")
            membership = MembershipFactory(cluster=world.cluster_a, year=world.year, unit=unit)
            Bonus.objects.create(membership=membership, kind="council", points=1, reason="Lý do")
        client.force_login(world.staff)
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("results", args=[CODE, YEAR]))
        return len(queries)

    assert count(1) == count(5)


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ("1,5", None),
        ("1.000", "không rõ là số thập phân hay số có dấu phân cách hàng nghìn"),
        ("５", "không phải là số"),
        ("1e26", "không phải là số"),
    ],
)
def test_bonus_points_are_read_the_vietnamese_way(client, world, card, hh, points, message):
    client.force_login(world.head)
    response = client.post(url("adjustment_bonus_add"), _bonus_post(hh, "cluster", points))
    if message is None:
        assert response.status_code == 302
        assert Bonus.objects.get().points == Decimal("1.5")
    else:
        assert response.status_code == 200
        assert message in response.content.decode()
        assert not Bonus.objects.exists()


def test_deduction_count_takes_only_ascii_digits(client, world, card, tpbg):
    client.force_login(world.staff)
    data = {"deduction-member": tpbg.pk, "deduction-kind": "reminder_letter"}
    data |= {"deduction-count": "２", "deduction-reason": "Văn bản số 12/UBND"}
    response = client.post(url("adjustment_deduction_add"), data)
    assert response.status_code == 200
    assert "Chỉ dùng các chữ số 0–9." in response.content.decode()
    assert not Deduction.objects.exists()


# --- Under the year's regulation (R39) ---------------------------------------


def _regulate(world, membership, **block):
    """The year under `block`; the membership as a new request reads it."""
    apply_regulation(world.year, regulation_from_json(block))
    return type(membership).objects.get(pk=membership.pk)


def test_bonuses_follow_the_years_kinds_and_caps(world, card, hh):
    hh = _regulate(world, hh, bonuses={"cluster": 5, "reporting": 2})

    with pytest.raises(ValidationError, match="'council' không hợp lệ"):
        bonus(world, hh, "council", "1", user=world.staff)
    with pytest.raises(ValidationError, match="vượt mức tối đa 2 điểm"):
        bonus(world, hh, "reporting", "3", user=world.staff)
    bonus(world, hh, "reporting", "2", user=world.staff)


def test_deductions_follow_the_years_points_and_flags(world, card, hh):
    hh = _regulate(
        world,
        hh,
        deductions={
            "reminder_letter": {"points": 2, "once_a_year": True},
            "criticism_letter": {"points": 10},
        },
    )

    deduct(world, hh, "reminder_letter")
    with pytest.raises(ValidationError, match="tối đa 1 lần trong năm"):
        deduct(world, hh, "reminder_letter")
    with pytest.raises(ValidationError, match="'award_structure' không hợp lệ"):
        deduct(world, hh, "award_structure")
