"""The guiding authority's yearly evaluation of each of its clusters, sent to
Sở Nội vụ with the registrations, reports, regulation and issued scorecard
[IV.2] (#14)."""

from datetime import date

import pytest
from django.urls import reverse

from clusters.models import Evaluation, HeadDocument, Membership, Registration
from emulation import limits
from scoring.models import Scorecard
from tests.clusters.helpers import pdf

pytestmark = pytest.mark.django_db

# cluster_b (KHOI-B) is guided by Sở GD&ĐT (`other_staff`); Sở Nội vụ (`staff`) sees it.
PAGE = reverse("evaluation", args=["KHOI-B", 2025])
SEND = reverse("evaluation_send", args=["KHOI-B", 2025])
PROVINCE = reverse("evaluations_province", args=[2025])
TEXT = "Khối hoạt động nền nếp, tổ chức đầy đủ hội nghị sơ kết, tổng kết."


def _complete_package(world, media_root) -> None:
    for m in Membership.objects.filter(cluster=world.cluster_b, year=world.year):
        Registration.objects.create(membership=m, status=Registration.Status.SUBMITTED)
    HeadDocument.objects.create(
        cluster=world.cluster_b,
        year=world.year,
        kind=HeadDocument.Kind.REGULATION,
        issued_on=date(2025, 7, 1),
        file=pdf("quy-che.pdf"),
    )
    Scorecard.objects.create(
        cluster=world.cluster_b, year=world.year, status=Scorecard.Status.ISSUED
    )


def test_the_guiding_authority_writes_its_evaluation_with_history(world, client):
    client.force_login(world.other_staff)
    assert client.post(PAGE, {"text": TEXT}).status_code == 302
    evaluation = Evaluation.objects.get()
    assert evaluation.text == TEXT and not evaluation.is_sent
    assert evaluation.history.first().history_user == world.other_staff


def test_sending_is_refused_while_the_package_lacks_what_the_seed_names(world, client):
    client.force_login(world.other_staff)
    client.post(PAGE, {"text": TEXT})
    client.post(SEND)
    assert not Evaluation.objects.get().is_sent
    page = client.get(PAGE).content.decode()
    assert "còn thiếu" in page.lower()
    assert "quy chế chấm điểm và bình xét thi đua" in page


def test_sent_with_the_package_home_affairs_sees_it_arrived(world, client, media_root):
    _complete_package(world, media_root)
    client.force_login(world.other_staff)
    client.post(PAGE, {"text": TEXT})
    client.post(SEND)
    evaluation = Evaluation.objects.get()
    assert evaluation.is_sent and evaluation.sent_by == world.other_staff
    # Sent: no longer changed.
    client.post(PAGE, {"text": "Sửa"})
    assert Evaluation.objects.get().text == TEXT
    client.force_login(world.staff)
    page = client.get(PROVINCE).content.decode()
    b_row = page.split("Khối các trường")[1].split("</tr>")[0]
    a_row = page.split("Cụm thi đua các huyện")[1].split("</tr>")[0]
    assert "Đã gửi" in b_row
    assert "Chưa gửi" in a_row
    assert TEXT in client.get(PAGE).content.decode()


def test_only_the_guiding_authority_writes_and_sends(world, client):
    for user in (world.staff, world.other_head, world.admin):
        client.force_login(user)
        assert client.post(PAGE, {"text": TEXT}).status_code == 403
        assert client.post(SEND).status_code == 403
    assert not Evaluation.objects.exists()
    for user in (world.other_member, world.other_head, world.member):
        client.force_login(user)
        assert client.get(PAGE).status_code == 403
        assert client.get(PROVINCE).status_code == 403


def test_an_evaluation_over_its_limit_is_refused(world, client):
    client.force_login(world.other_staff)
    page = client.post(PAGE, {"text": "x" * (limits.EVALUATION + 1)}).content.decode()
    assert f"Tối đa {limits.EVALUATION} ký tự" in page
    assert not Evaluation.objects.exists()


def test_a_guiding_authority_sees_only_its_own_clusters_in_the_list(world, client):
    client.force_login(world.other_staff)
    page = client.get(PROVINCE).content.decode()
    assert "Khối các trường" in page and "Cụm thi đua các huyện" not in page


def test_the_list_does_not_grow_in_queries_with_the_clusters(world, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import ClusterFactory, MembershipFactory

    client.force_login(world.staff)
    with CaptureQueriesContext(connection) as few:
        client.get(PROVINCE)
    for n in range(5):
        cluster = ClusterFactory(code=f"CUM-X{n}", authority=world.snv)
        MembershipFactory(cluster=cluster, year=world.year)
        Evaluation.objects.create(cluster=cluster, year=world.year, text="Tốt")
    with CaptureQueriesContext(connection) as many:
        page = client.get(PROVINCE).content.decode()
    assert page.count("Đang soạn, chưa gửi") == 5
    assert len(many) == len(few)
