"""Deductions suggested by the activities and confirmed by staff (R25): a late
programme or regulation, proposals by the head, confirmation and the results."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from clusters.models import Deduction, HeadDocument
from clusters.services import deduction_propose, head_document_upload
from scoring.adjustments import deduction_confirm
from scoring.results import cluster_results
from tests.clusters.helpers import membership, pdf

pytestmark = pytest.mark.django_db

PAGE = reverse("deductions", args=["CUM-A", 2025])
PROPOSE = reverse("deduction_propose", args=["CUM-A", 2025])
UPLOAD = reverse("head_document_upload", args=["CUM-A", 2025])


def _upload(client, kind="programme", issued_on="15/04/2025"):
    return client.post(
        UPLOAD, {"kind": kind, "number": "02/CTr", "issued_on": issued_on, "file": pdf()}
    )


def _deduction_of(results, unit_code: str) -> Decimal:
    return next(r.result.deductions for r in results.rows if r.unit.code == unit_code)


def test_late_programme_proposes_one_head_duty_deduction(client, world, dated, media_root):
    client.force_login(world.head)
    assert _upload(client).status_code == 302
    deduction = Deduction.objects.get()
    assert deduction.membership == membership(world, world.a_head)
    assert (deduction.kind, deduction.status, deduction.count) == ("head_duty", "proposed", 1)
    assert "Chương trình, kế hoạch hoạt động" in deduction.reason
    assert "15/04/2025" in deduction.reason and "31/03/2025" in deduction.reason
    assert HeadDocument.objects.get().late_deduction == deduction


def test_re_uploading_a_late_programme_does_not_propose_again(client, world, dated, media_root):
    client.force_login(world.head)
    _upload(client)
    _upload(client, issued_on="20/04/2025")
    assert Deduction.objects.count() == 1
    assert HeadDocument.objects.count() == 1


def test_programme_on_time_proposes_nothing(client, world, dated, media_root):
    client.force_login(world.head)
    _upload(client, issued_on="31/03/2025")
    assert not Deduction.objects.exists()


def test_late_regulation_names_the_regulation_and_r7(world, dated, media_root):
    head_document_upload(
        cluster=world.cluster_a,
        year=world.year,
        kind="regulation",
        number="",
        issued_on=date(2025, 8, 5),
        file=pdf(),
        user=None,
    )
    reason = Deduction.objects.get().reason
    assert "Quy chế chấm điểm" in reason and "hạn 31/07/2025." in reason


def test_a_proposed_deduction_does_not_count_until_staff_confirm(client, world, dated, media_root):
    client.force_login(world.head)
    _upload(client)
    assert _deduction_of(cluster_results(world.cluster_a, world.year), "TPBG") == 0
    deduction = Deduction.objects.get()
    client.force_login(world.staff)
    response = client.post(reverse("deduction_confirm", args=["CUM-A", 2025, deduction.pk]))
    assert response.status_code == 302
    deduction.refresh_from_db()
    assert deduction.status == "confirmed"
    assert deduction.history.latest().history_user == world.staff
    assert _deduction_of(cluster_results(world.cluster_a, world.year), "TPBG") == Decimal(10)


def test_a_rejected_deduction_does_not_count(client, world, dated, media_root):
    client.force_login(world.head)
    _upload(client)
    deduction = Deduction.objects.get()
    client.force_login(world.staff)
    url = reverse("deduction_reject", args=["CUM-A", 2025, deduction.pk])
    client.post(url, {"reason": "Đã có văn bản gia hạn"})
    deduction.refresh_from_db()
    assert deduction.status == "rejected"
    assert "Đã có văn bản gia hạn" in deduction.history.latest().history_change_reason
    assert _deduction_of(cluster_results(world.cluster_a, world.year), "TPBG") == 0


def test_head_duty_is_confirmed_once_a_year_at_most(world, dated, media_root):
    for kind, issued_on in (("programme", date(2025, 4, 2)), ("regulation", date(2025, 8, 2))):
        head_document_upload(
            cluster=world.cluster_a,
            year=world.year,
            kind=kind,
            number="",
            issued_on=issued_on,
            file=pdf(),
            user=None,
        )
    first, second = Deduction.objects.order_by("pk")
    deduction_confirm(deduction=first, user=world.staff)
    with pytest.raises(ValidationError) as refused:
        deduction_confirm(deduction=second, user=world.staff)
    assert "tối đa 1 lần" in refused.value.messages[0]
    second.refresh_from_db()
    assert second.status == "proposed"


@pytest.mark.parametrize("who", ["head", "member", "other_staff", "other_head"])
def test_only_staff_of_the_cluster_confirm(client, world, who):
    deduction = deduction_propose(
        membership=membership(world, world.a_member), reason="Không nộp báo cáo", user=None
    )
    client.force_login(getattr(world, who))
    response = client.post(reverse("deduction_confirm", args=["CUM-A", 2025, deduction.pk]))
    assert response.status_code == 403
    deduction.refresh_from_db()
    assert deduction.status == "proposed"


def test_head_proposes_a_member_duty_deduction(client, world):
    client.force_login(world.head)
    member = membership(world, world.a_member)
    reason = "Không thực hiện nhiệm vụ được phân công"
    response = client.post(PROPOSE, {"member": member.pk, "count": 1, "reason": reason})
    assert response.status_code == 302
    deduction = Deduction.objects.get()
    assert (deduction.membership, deduction.kind, deduction.status) == (
        member,
        "member_duty",
        "proposed",
    )
    assert deduction.created_by == world.head


@pytest.mark.parametrize("who", ["member", "staff", "other_head"])
def test_only_the_head_proposes(client, world, who):
    client.force_login(getattr(world, who))
    member = membership(world, world.a_member)
    client.post(PROPOSE, {"member": member.pk, "count": 1, "reason": "Lý do"})
    assert not Deduction.objects.exists()


def test_head_cannot_propose_for_a_unit_of_another_cluster(client, world):
    client.force_login(world.head)
    outsider = membership(world, world.b_member)
    client.post(PROPOSE, {"member": outsider.pk, "count": 1, "reason": "Lý do"})
    assert not Deduction.objects.exists()


@pytest.mark.parametrize("who", ["head", "staff"])
def test_head_and_staff_see_the_deductions(client, world, who):
    deduction_propose(membership=membership(world, world.a_member), reason="Vắng họp", user=None)
    client.force_login(getattr(world, who))
    response = client.get(PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Vắng họp" in page
    assert ("Xác nhận</button>" in page) is (who == "staff")


@pytest.mark.parametrize("who", ["member", "other_head", "other_staff"])
def test_others_cannot_see_the_deductions(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(PAGE).status_code == 403


def test_deductions_page_needs_login(client, world):
    response = client.get(PAGE)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def _year_deductions(world, **deductions):
    """The year scored under a guidance whose deduction kinds are `deductions`."""
    from dataclasses import replace

    from scoring.guidances import apply_regulation
    from scoring.regulation import DEFAULT

    apply_regulation(world.year, replace(DEFAULT, code="TEST-TRU", deductions=deductions))


def test_the_proposal_form_gives_the_years_points_for_a_member_duty(client, world):
    """R39: the head's proposal names what the year's guidance deducts, 5 in 2022."""
    client.force_login(world.head)
    assert "trừ 5 điểm mỗi nội dung" in client.get(PAGE).content.decode()

    from scoring.regulation import DEFAULT, DeductionKind

    seven = DeductionKind(Decimal(7))
    _year_deductions(world, **(dict(DEFAULT.deductions) | {"member_duty": seven}))
    page = client.get(PAGE).content.decode()

    assert "trừ 7 điểm mỗi nội dung" in page
    assert "trừ 5 điểm" not in page and "05 điểm" not in page


def test_a_guidance_without_member_duty_offers_the_head_no_proposal(client, world):
    from scoring.regulation import DEFAULT

    kinds = {k: v for k, v in DEFAULT.deductions.items() if k != "member_duty"}
    _year_deductions(world, **kinds)
    client.force_login(world.head)

    page = client.get(PAGE).content.decode()

    assert "Đề nghị trừ điểm thành viên" not in page
    assert "không có loại điểm trừ thành viên do trưởng cụm, khối đề nghị" in page


def test_a_proposal_posted_under_a_guidance_without_member_duty_is_refused(client, world):
    """R39: a deduction of a kind the year's guidance does not have is refused,
    even when the head posts the form the page no longer offers."""
    from scoring.regulation import DEFAULT

    kinds = {k: v for k, v in DEFAULT.deductions.items() if k != "member_duty"}
    _year_deductions(world, **kinds)
    client.force_login(world.head)
    target = membership(world, world.a_member)

    answer = client.post(
        PROPOSE, {"member": target.pk, "count": "1", "reason": "Vắng họp"}, follow=True
    )

    assert answer.status_code == 200
    assert "không có loại điểm trừ thành viên do trưởng cụm, khối đề nghị" in (
        answer.content.decode()
    )
    assert not Deduction.objects.filter(membership=target).exists()


def test_a_proposal_left_from_a_guidance_without_its_kind_can_only_be_rejected(client, world):
    """R39: the year's guidance changed after the head's proposal to one without
    member_duty. Staff see the proposal under its Vietnamese name, are told why
    it cannot be confirmed, and are offered only the rejection."""
    from scoring.regulation import DEFAULT

    proposal = deduction_propose(
        membership=membership(world, world.a_member), reason="Vắng họp", user=None
    )
    kinds = {k: v for k, v in DEFAULT.deductions.items() if k != "member_duty"}
    _year_deductions(world, **kinds)
    client.force_login(world.staff)

    page = client.get(PAGE).content.decode()

    assert "Thành viên thực hiện không nghiêm túc quy chế, nhiệm vụ của cụm/khối" in page
    assert "member_duty" not in page
    assert reverse("deduction_confirm", args=["CUM-A", 2025, proposal.pk]) not in page
    assert "không có loại điểm trừ này nên không xác nhận được" in page
    assert reverse("deduction_reject", args=["CUM-A", 2025, proposal.pk]) in page


def test_a_proposal_of_a_kind_of_the_years_guidance_can_be_confirmed(client, world):
    proposal = deduction_propose(
        membership=membership(world, world.a_member), reason="Vắng họp", user=None
    )
    client.force_login(world.staff)

    page = client.get(PAGE).content.decode()

    assert reverse("deduction_confirm", args=["CUM-A", 2025, proposal.pk]) in page
    assert "nên không xác nhận được" not in page
