"""Exemplary models (điển hình tiên tiến): members put them forward [I.2.3],
the annual conference presents 1–2 [I.3.2.b], Sở Nội vụ lists them (#14)."""

from datetime import date

import pytest
from django.urls import reverse

from clusters.models import Conference, ExemplaryModel
from emulation import limits
from tests.clusters.helpers import membership, pdf

pytestmark = pytest.mark.django_db

LIST = reverse("exemplars", args=["CUM-A", 2025])
PROPOSE = reverse("exemplar_propose", args=["CUM-A", 2025])
PRESENT = reverse("exemplars_present", args=["CUM-A", 2025])


def _propose(client, name="Mô hình một cửa liên thông", **more):
    data = {"kind": "collective", "name": name, "description": "Giảm 40% thời gian giải quyết."}
    return client.post(PROPOSE, data | more)


def _exemplar(world, unit, name) -> ExemplaryModel:
    return ExemplaryModel.objects.create(
        membership=membership(world, unit), kind="individual", name=name, description="Mô tả"
    )


def _annual(world) -> Conference:
    return Conference.objects.create(
        cluster=world.cluster_a,
        year=world.year,
        kind=Conference.Kind.ANNUAL,
        held_on=date(2025, 12, 20),
        place="UBND thành phố Bắc Giang",
    )


def test_member_puts_forward_an_exemplary_model_with_a_file(world, client, media_root):
    client.force_login(world.member)
    response = _propose(client, file=pdf("dien-hinh.pdf"))
    assert response.status_code == 302
    exemplar = ExemplaryModel.objects.get()
    assert exemplar.membership.unit == world.a_member
    assert exemplar.file
    assert exemplar.history.first().history_user == world.member
    page = client.get(LIST).content.decode()
    assert "Mô hình một cửa liên thông" in page
    download = reverse("upload_download", args=["dien-hinh", exemplar.pk])
    assert download in page
    # The cluster's other units may read it; another cluster's may not.
    client.force_login(world.head)
    assert client.get(download).status_code == 200
    client.force_login(world.other_member)
    assert client.get(download).status_code == 403


def test_a_description_over_its_limit_is_refused_and_nothing_saved(world, client):
    client.force_login(world.member)
    response = _propose(client, description="x" * (limits.EXEMPLARY_DESCRIPTION + 1))
    assert f"Tối đa {limits.EXEMPLARY_DESCRIPTION} ký tự" in response.content.decode()
    assert not ExemplaryModel.objects.exists()


def test_a_unit_puts_forward_at_most_the_limit(world, client):
    for n in range(limits.EXEMPLARY_PER_UNIT):
        _exemplar(world, world.a_member, f"Điển hình {n}")
    client.force_login(world.member)
    response = _propose(client)
    assert f"tối đa {limits.EXEMPLARY_PER_UNIT} điển hình" in response.content.decode()
    assert ExemplaryModel.objects.count() == limits.EXEMPLARY_PER_UNIT


def test_staff_and_other_clusters_cannot_put_forward_for_the_cluster(world, client):
    for user in (world.staff, world.other_member):
        client.force_login(user)
        assert _propose(client).status_code == 403
    assert not ExemplaryModel.objects.exists()


def test_head_marks_one_or_two_presented_at_the_annual_conference(world, client):
    annual = _annual(world)
    first = _exemplar(world, world.a_member, "Chị Nguyễn Thị Hoa")
    second = _exemplar(world, world.a_member2, "Tổ dân phố số 3")
    third = _exemplar(world, world.a_deputy, "Hợp tác xã Hòa Bình")
    client.force_login(world.head)
    client.post(PRESENT, {"exemplars": [first.pk, second.pk, third.pk]})
    assert not ExemplaryModel.objects.filter(presented_at__isnull=False).exists()
    client.post(PRESENT, {"exemplars": [first.pk, second.pk]})
    assert set(ExemplaryModel.objects.filter(presented_at=annual)) == {first, second}
    first.refresh_from_db()
    assert first.history.first().history_change_reason.startswith("Báo cáo tại Hội nghị tổng kết")


def test_only_the_head_marks_presented(world, client):
    _annual(world)
    exemplar = _exemplar(world, world.a_member, "Chị Hoa")
    for user in (world.member, world.staff):
        client.force_login(user)
        assert client.post(PRESENT, {"exemplars": [exemplar.pk]}).status_code == 403
    exemplar.refresh_from_db()
    assert exemplar.presented_at is None


def test_a_presented_model_cannot_be_withdrawn_an_unpresented_one_can(world, client):
    annual = _annual(world)
    kept = _exemplar(world, world.a_member, "Đã báo cáo")
    ExemplaryModel.objects.filter(pk=kept.pk).update(presented_at=annual)
    gone = _exemplar(world, world.a_member, "Chưa báo cáo")
    client.force_login(world.member)
    client.post(reverse("exemplar_withdraw", args=["CUM-A", 2025, kept.pk]))
    client.post(reverse("exemplar_withdraw", args=["CUM-A", 2025, gone.pk]))
    assert list(ExemplaryModel.objects.all()) == [kept]
    # Another unit's model is not its to withdraw.
    other = _exemplar(world, world.a_member2, "Của Lạng Giang")
    response = client.post(reverse("exemplar_withdraw", args=["CUM-A", 2025, other.pk]))
    assert response.status_code == 403
    assert ExemplaryModel.objects.filter(pk=other.pk).exists()


def test_the_province_lists_every_clusters_models_with_the_presented_ones(world, client):
    annual = _annual(world)
    presented = _exemplar(world, world.a_member, "Chị Nguyễn Thị Hoa")
    ExemplaryModel.objects.filter(pk=presented.pk).update(presented_at=annual)
    ExemplaryModel.objects.create(
        membership=membership(world, world.b_member),
        kind="collective",
        name="Tổ Toán trường Giáp Hải",
        description="Mô tả",
    )
    url = reverse("exemplars_province", args=[2025])
    client.force_login(world.staff)
    page = client.get(url).content.decode()
    assert "Chị Nguyễn Thị Hoa" in page and "Ngày 20/12/2025" in page
    assert "Tổ Toán trường Giáp Hải" in page
    client.force_login(world.other_staff)  # its own clusters only
    page = client.get(url).content.decode()
    assert "Tổ Toán trường Giáp Hải" in page and "Chị Nguyễn Thị Hoa" not in page
    client.force_login(world.member)
    assert client.get(url).status_code == 403


def test_the_province_list_does_not_grow_in_queries_with_the_models(world, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("exemplars_province", args=[2025])
    client.force_login(world.staff)
    _exemplar(world, world.a_member, "Một")
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n, unit in enumerate((world.a_member2, world.a_deputy, world.b_member, world.b_head)):
        _exemplar(world, unit, f"Thêm {n}")
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_the_history_page_lists_the_records_with_who_and_why(world, client):
    client.force_login(world.member)
    _propose(client, name="Mô hình dân vận khéo")
    client.force_login(world.head)
    page = client.get(reverse("history", args=["CUM-A", 2025])).content.decode()
    assert "Mô hình dân vận khéo" in page
    assert "Giới thiệu điển hình" in page


def test_models_are_not_marked_presented_before_the_conference_is_held(world, client):
    annual = _annual(world)
    Conference.objects.filter(pk=annual.pk).update(held_on=date(2099, 12, 20))
    exemplar = _exemplar(world, world.a_member, "Chị Hoa")
    client.force_login(world.head)
    response = client.post(PRESENT, {"exemplars": [exemplar.pk]}, follow=True)
    assert "chưa diễn ra" in response.content.decode()
    exemplar.refresh_from_db()
    assert exemplar.presented_at is None
