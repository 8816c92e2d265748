"""Registration (đăng ký thi đua, Phụ lục 01; R6): the unit's form, the
head's and staff's progress page, and the plans it gives the scoring (R19)."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from clusters.models import Membership, Registration, RegistrationTarget
from clusters.services import TargetInput, registered_plans, registration_submit
from scoring.registrations import registration_save
from tests.clusters.helpers import membership
from tests.factories import ClusterFactory, MembershipFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

EDIT = reverse("registration_edit", args=[2025])
PROGRESS = reverse("registration_progress", args=["CUM-A", 2025])


def _form(*targets, submit=False, **fields) -> dict:
    data = {
        "objectives": "Hoàn thành thắng lợi các chỉ tiêu kinh tế - xã hội năm 2025",
        "other_targets": "Xây dựng 02 mô hình điển hình",
        "targets-TOTAL_FORMS": str(len(targets)),
        "targets-INITIAL_FORMS": "0",
        "targets-MIN_NUM_FORMS": "0",
        "targets-MAX_NUM_FORMS": "1000",
        **fields,
    }
    for n, target in enumerate(targets):
        for key, value in target.items():
            data[f"targets-{n}-{key}"] = value
    if submit:
        data["submit"] = "1"
    return data


GROWTH = {"title": "Tốc độ tăng trưởng GRDP", "measure": "%", "planned_value": "8.5"}


def test_member_saves_a_draft_with_its_targets(client, world):
    client.force_login(world.member)
    response = client.post(EDIT, _form(GROWTH))
    assert response.status_code == 302
    registration = Registration.objects.get(membership__unit=world.a_member)
    assert registration.status == Registration.Status.DRAFT
    assert registration.objectives.startswith("Hoàn thành")
    target = registration.targets.get()
    assert (target.title, target.measure, target.planned_value) == (
        "Tốc độ tăng trưởng GRDP",
        "%",
        Decimal("8.5"),
    )


def test_member_submits_and_the_form_becomes_read_only(client, world):
    client.force_login(world.member)
    response = client.post(EDIT, _form(GROWTH, submit=True))
    assert response.status_code == 302
    registration = Registration.objects.get(membership__unit=world.a_member)
    assert registration.status == Registration.Status.SUBMITTED
    assert registration.submitted_by == world.member
    page = client.get(EDIT).content.decode()
    assert "Đã gửi" in page and "Tốc độ tăng trưởng GRDP" in page
    client.post(EDIT, _form({"title": "Đổi chỉ tiêu", "measure": "", "planned_value": ""}))
    assert registration.targets.get().title == "Tốc độ tăng trưởng GRDP"


def test_submission_needs_objectives_and_a_target(client, world):
    client.force_login(world.member)
    response = client.post(EDIT, _form(submit=True))
    assert response.status_code == 200
    assert "Cần ít nhất một chỉ tiêu" in response.content.decode()
    assert Registration.objects.get().status == Registration.Status.DRAFT


def test_the_registration_history_keeps_who_submitted(client, world):
    client.force_login(world.member)
    client.post(EDIT, _form(GROWTH, submit=True))
    history = Registration.history.order_by("history_date")
    assert [h.status for h in history] == ["draft", "submitted"]
    assert history.last().history_user == world.member


def test_late_submission_is_accepted_and_marked_late(client, world, dated):
    client.force_login(world.member)
    with time_machine.travel(datetime(2025, 4, 2, 3, tzinfo=UTC)):
        assert client.post(EDIT, _form(GROWTH, submit=True)).status_code == 302
    registration = Registration.objects.get()
    assert registration.is_submitted
    client.force_login(world.head)
    page = client.get(PROGRESS).content.decode()
    assert "Gửi muộn" in page
    assert "hạn gửi 31/03/2025" in page


def test_submission_on_the_deadline_is_not_late(client, world, dated):
    client.force_login(world.member)
    # 23:30 on 31/03 in Hà Nội is still 31/03 (Asia/Ho_Chi_Minh).
    with time_machine.travel(datetime(2025, 3, 31, 16, 30, tzinfo=UTC)):
        client.post(EDIT, _form(GROWTH, submit=True))
    client.force_login(world.head)
    assert "Gửi muộn" not in client.get(PROGRESS).content.decode()


def test_user_without_membership_this_year_is_forbidden(client, world):
    client.force_login(world.staff)
    assert client.get(EDIT).status_code == 403


def test_anonymous_is_sent_to_login(client, world):
    response = client.post(EDIT, _form(GROWTH))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert not Registration.objects.exists()


# --- Targets linked to criteria (R19) -----------------------------------------


def test_target_linked_to_a_quantitative_criterion_gives_its_plan(client, world, issued_criteria):
    criterion = issued_criteria["quantitative"]
    client.force_login(world.member)
    client.post(EDIT, _form({**GROWTH, "criterion": str(criterion.pk)}, submit=True))
    assert registered_plans(membership(world, world.a_member)) == {criterion.pk: Decimal("8.5")}


def test_only_quantitative_criteria_of_the_issued_scorecard_can_be_linked(
    client, world, issued_criteria
):
    client.force_login(world.member)
    page = client.get(EDIT).content.decode()
    assert "I.1. Tiêu chí I.1" in page and "I.3. Tiêu chí I.3" not in page
    qualitative = issued_criteria["qualitative"]
    response = client.post(EDIT, _form({**GROWTH, "criterion": str(qualitative.pk)}))
    assert response.status_code == 200
    assert not RegistrationTarget.objects.exists()


def test_a_draft_gives_no_plans(world, issued_criteria):
    member = membership(world, world.a_member)
    criterion = issued_criteria["quantitative"]
    registration_save(
        revision=None,
        membership=member,
        objectives="Mục tiêu",
        other_targets="",
        targets=[TargetInput("GRDP", "%", Decimal(8), criterion.pk)],
        user=None,
    )
    assert registered_plans(member) == {}
    registration_submit(membership=member, user=None)
    assert registered_plans(member) == {criterion.pk: Decimal(8)}


def test_a_linked_target_needs_a_plan_above_zero_for_higher_is_better(
    client, world, issued_criteria
):
    client.force_login(world.member)
    criterion = issued_criteria["quantitative"]
    response = client.post(EDIT, _form({**GROWTH, "planned_value": "0", "criterion": criterion.pk}))
    assert "kế hoạch phải lớn hơn 0" in response.content.decode()
    response = client.post(EDIT, _form({**GROWTH, "planned_value": "", "criterion": criterion.pk}))
    assert "cần có kế hoạch" in response.content.decode()
    assert not RegistrationTarget.objects.exists()


def test_targets_are_linked_after_submission_once_the_scorecard_is_issued(client, world):
    client.force_login(world.member)
    client.post(EDIT, _form(GROWTH, submit=True))
    target = RegistrationTarget.objects.get()
    from scoring.models import Criterion, Scorecard

    scorecard = Scorecard.objects.create(
        cluster=world.cluster_a, year=world.year, status=Scorecard.Status.ISSUED
    )
    criterion = Criterion.objects.create(
        scorecard=scorecard,
        section="I",
        code="I.1",
        title="Tăng trưởng",
        points=10,
        method="quantitative",
    )
    response = client.post(EDIT, {f"target_{target.pk}": str(criterion.pk)})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.criterion == criterion and target.planned_value == Decimal("8.5")
    assert registered_plans(membership(world, world.a_member)) == {criterion.pk: Decimal("8.5")}


# --- Progress page and a unit's registration -----------------------------------


@pytest.mark.parametrize("who", ["head", "staff", "admin"])
def test_head_and_staff_see_who_has_registered(client, world, who):
    registration_save(
        revision=None,
        membership=membership(world, world.a_member),
        objectives="Mục tiêu",
        other_targets="",
        targets=[TargetInput("GRDP")],
        user=None,
    )
    registration_submit(membership=membership(world, world.a_member), user=None)
    client.force_login(getattr(world, who))
    response = client.get(PROGRESS)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Đã gửi: <strong>1</strong>/4" in page
    assert page.count("Chưa đăng ký") == 3


def test_deputy_acting_for_the_head_sees_the_progress(client, world):
    Membership.objects.filter(unit=world.a_deputy).update(acts_for_head=True)
    client.force_login(world.deputy)
    assert client.get(PROGRESS).status_code == 200


@pytest.mark.parametrize("who", ["member", "deputy", "other_member", "other_head", "other_staff"])
def test_others_cannot_see_the_progress(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(PROGRESS).status_code == 403


def test_progress_page_needs_login(client, world):
    response = client.get(PROGRESS)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def _detail(unit_code: str) -> str:
    return reverse("registration_detail", args=["CUM-A", 2025, unit_code])


@pytest.mark.parametrize("who", ["member", "head", "staff"])
def test_a_units_registration_is_seen_by_itself_its_head_and_staff(client, world, who):
    registration_save(
        revision=None,
        membership=membership(world, world.a_member),
        objectives="Mục tiêu riêng của Hiệp Hòa",
        other_targets="",
        targets=[],
        user=None,
    )
    client.force_login(getattr(world, who))
    response = client.get(_detail("HH"))
    assert response.status_code == 200
    assert "Mục tiêu riêng của Hiệp Hòa" in response.content.decode()


@pytest.mark.parametrize("who", ["deputy", "other_member", "other_head", "other_staff"])
def test_a_units_registration_is_hidden_from_others(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(_detail("HH")).status_code == 403


def _big_cluster(world, units: int):
    cluster = ClusterFactory(authority=world.snv)
    for n in range(units):
        role = Membership.Role.HEAD if n == 0 else Membership.Role.MEMBER
        member = MembershipFactory(cluster=cluster, year=world.year, unit=UnitFactory(), role=role)
        if n % 2:
            registration_save(
                revision=None,
                membership=member,
                objectives="Mục tiêu",
                other_targets="",
                targets=[TargetInput("A"), TargetInput("B")],
                user=None,
            )
            registration_submit(membership=member, user=None)
    return cluster


@pytest.mark.parametrize("units", [3, 20])
def test_progress_query_count_does_not_grow_with_units(
    client, world, dated, django_assert_max_num_queries, units
):
    cluster = _big_cluster(world, units)
    client.force_login(world.staff)
    # Two of them count the overdue items beside "Việc cần làm" in the bar;
    # + the units' extensions and the year switch (#14).
    # With both the year switch and the extensions (#14) and the bar's count (#15),
    # + the bell's unread notifications (#15).
    with django_assert_max_num_queries(15):
        response = client.get(reverse("registration_progress", args=[cluster.code, 2025]))
    assert response.status_code == 200
    assert response.content.decode().count("Chưa đăng ký") == units - units // 2


def test_user_of_another_unit_posts_to_its_own_registration_only(client, world):
    client.force_login(UserFactory(unit=world.a_member2))
    client.post(EDIT, _form(GROWTH))
    assert list(Registration.objects.values_list("membership__unit__code", flat=True)) == ["LG"]


# ---------------------------------------------------------------------------
# Figures as Vietnamese people type them (STYLE 17, issue #12)


@pytest.mark.parametrize(
    ("typed", "stored"), [("12,5", "12.5"), ("12.5", "12.5"), ("1500", "1500")]
)
def test_plan_is_read_with_a_decimal_comma_or_point(client, world, typed, stored):
    client.force_login(world.member)
    response = client.post(EDIT, _form(GROWTH | {"planned_value": typed}))
    assert response.status_code == 302
    assert RegistrationTarget.objects.get().planned_value == Decimal(stored)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("1.000", "không rõ là số thập phân hay số có dấu phân cách hàng nghìn"),
        ("12.500", "nếu là số thập phân thì viết 12,5"),
        ("１２", "không phải là số"),
        ("١٢", "không phải là số"),
        ("1e26", "không phải là số"),
        ("123456789012345", "Số quá lớn"),
    ],
)
def test_an_ambiguous_or_foreign_plan_is_refused_with_how_to_write_it(
    client, world, typed, message
):
    client.force_login(world.member)
    response = client.post(EDIT, _form(GROWTH | {"planned_value": typed}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not RegistrationTarget.objects.exists()


def test_plan_field_is_a_text_input_showing_the_stored_plan_with_a_comma(client, world):
    client.force_login(world.member)
    client.post(EDIT, _form(GROWTH | {"planned_value": "12,5"}))
    page = client.get(EDIT).content.decode()
    field = page.split('name="targets-0-planned_value"', 1)[1].split(">", 1)[0]
    assert 'value="12,5"' in field and 'inputmode="decimal"' in field
    assert 'type="number"' not in page.split('name="targets-0-planned_value"', 1)[0][-200:]


def test_a_plan_is_shown_the_vietnamese_way(client, world):
    plans = [("Thu ngân sách", "1234567.5"), ("Tăng trưởng", "8.25")]
    registration_save(
        revision=None,
        membership=membership(world, world.a_member),
        objectives="Mục tiêu",
        other_targets="",
        targets=[
            TargetInput(title=title, measure="", planned_value=Decimal(plan), criterion_id=None)
            for title, plan in plans
        ],
        user=None,
    )
    client.force_login(world.head)
    page = client.get(_detail("HH")).content.decode()
    assert ">1.234.567,5<" in page and ">8,25<" in page


def test_second_save_from_the_same_page_is_refused_with_the_current_value(client, world):
    """#11.8: two officers of the unit load the page (no registration yet) and
    save; the second is refused naming what is stored, nothing overwritten."""
    client.force_login(world.member)
    assert client.post(EDIT, _form(GROWTH, objectives="Mục tiêu của cán bộ A")).status_code == 302
    response = client.post(EDIT, _form(GROWTH, objectives="Mục tiêu của cán bộ B"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "vừa được người khác" in page and "Mục tiêu của cán bộ A" in page
    registration = Registration.objects.get(membership__unit=world.a_member)
    assert registration.objectives == "Mục tiêu của cán bộ A"
    # The page shown again carries the current revision: saving it now wins.
    assert f'name="revision" value="{registration.revision}"' in page
    again = _form(GROWTH, objectives="Mục tiêu của cán bộ B", revision=str(registration.revision))
    assert client.post(EDIT, again).status_code == 302
    assert Registration.objects.get(pk=registration.pk).objectives == "Mục tiêu của cán bộ B"
    # From that older page once more: refused.
    assert client.post(EDIT, again | {"objectives": "Lần ba"}).status_code == 200
    assert Registration.objects.get(pk=registration.pk).objectives == "Mục tiêu của cán bộ B"
