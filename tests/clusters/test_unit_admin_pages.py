"""Units, clusters and blocks, and a cluster-year's memberships kept by Sở
Nội vụ in the browser (#14): Vietnamese validation, history (R35), and other
authorities' staff reading their own clusters only."""

import pytest
from django.urls import reverse

from clusters.models import Cluster, Membership, Unit
from scoring.models import Sheet
from tests.factories import UnitFactory

pytestmark = pytest.mark.django_db


# --- Units -----------------------------------------------------------------


def test_staff_create_a_unit_with_its_history(client, world):
    client.force_login(world.staff)
    data = {"code": "YD", "name": "UBND huyện Yên Dũng", "kind": "district"}
    answer = client.post(reverse("unit_create"), data, follow=True)
    assert "Đã lưu đơn vị YD" in answer.content.decode()
    unit = Unit.objects.get(code="YD")
    row = unit.history.get()
    assert row.history_user == world.staff and "Tạo đơn vị YD" in row.history_change_reason


def test_a_duplicate_code_is_refused_in_vietnamese(client, world):
    client.force_login(world.staff)
    data = {"code": "HH", "name": "Trùng mã", "kind": "district"}
    page = client.post(reverse("unit_create"), data).content.decode()
    assert "Đã có đơn vị mã này." in page
    assert Unit.objects.filter(code="HH").count() == 1


def test_staff_edit_a_unit(client, world):
    client.force_login(world.staff)
    data = {"code": "HH", "name": "UBND huyện Hiệp Hòa (mới)", "kind": "district"}
    client.post(reverse("unit_edit", args=["HH"]), data)
    assert Unit.objects.get(code="HH").name == "UBND huyện Hiệp Hòa (mới)"


def test_deactivating_a_unit_needs_a_reason_and_takes_it_out_of_new_years(client, world):
    client.force_login(world.staff)
    url = reverse("unit_active", args=["LG"])
    assert client.post(url, {"reason": ""}).status_code == 400
    assert Unit.objects.get(code="LG").is_active
    client.post(url, {"reason": "Sáp nhập vào đơn vị khác"})
    unit = Unit.objects.get(code="LG")
    assert not unit.is_active
    assert "Sáp nhập" in unit.history.first().history_change_reason
    # No longer offered to a cluster's next year.
    page = client.get(reverse("year_start", args=["CUM-A", 2025])).content.decode()
    add = page.split('name="add"', 1)[1].split("</select>", 1)[0]
    assert "UBND huyện Lạng Giang" not in add
    client.post(url, {"reason": "Tái lập"})
    assert Unit.objects.get(code="LG").is_active


def test_the_unit_list_filters_by_kind_and_authority(client, world):
    UnitFactory(code="DN1", name="Công ty Điện lực", kind="enterprise")
    client.force_login(world.staff)
    page = client.get(reverse("units"), {"kind": "enterprise"}).content.decode()
    assert "Công ty Điện lực" in page and "UBND huyện Hiệp Hòa" not in page
    page = client.get(reverse("units"), {"authority": world.other_authority.pk}).content.decode()
    assert "Trường THPT Giáp Hải" in page and "UBND huyện Hiệp Hòa" not in page


def test_another_authority_reads_only_the_units_of_its_clusters(client, world):
    client.force_login(world.other_staff)
    page = client.get(reverse("units")).content.decode()
    assert "Trường THPT Giáp Hải" in page and "UBND huyện Hiệp Hòa" not in page
    assert reverse("unit_create") not in page
    assert client.get(reverse("unit_create")).status_code == 403
    data = {"code": "GH", "name": "Đổi tên", "kind": "school"}
    assert client.post(reverse("unit_edit", args=["GH"]), data).status_code == 403
    assert client.post(reverse("unit_active", args=["GH"]), {"reason": "x"}).status_code == 403
    assert Unit.objects.get(code="GH").is_active


@pytest.mark.parametrize("who", ["head", "member"])
def test_units_users_see_no_unit_pages(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse("units")).status_code == 403
    assert client.get(reverse("cluster_list")).status_code == 403


def test_the_unit_list_needs_login(client, world):
    assert reverse("login") in client.get(reverse("units"))["Location"]


def test_the_unit_list_does_not_grow_its_queries_with_the_units(
    client, world, django_assert_max_num_queries
):
    client.force_login(world.staff)
    for n in range(40):
        UnitFactory(code=f"X{n:02}", name=f"Đơn vị {n}")
    with django_assert_max_num_queries(12):
        client.get(reverse("units"))


# --- Clusters and blocks ------------------------------------------------------


def test_staff_create_and_edit_a_block(client, world):
    client.force_login(world.staff)
    data = {
        "code": "KHOI-DN",
        "name": "Khối doanh nghiệp",
        "kind": "khoi",
        "group": "D",
        "calendar": "standard",
        "authority": world.snv.pk,
    }
    client.post(reverse("cluster_create"), data)
    block = Cluster.objects.get(code="KHOI-DN")
    assert block.history.get().history_user == world.staff
    client.post(reverse("cluster_edit", args=["KHOI-DN"]), data | {"name": "Khối DN tỉnh"})
    assert Cluster.objects.get(code="KHOI-DN").name == "Khối DN tỉnh"


def test_a_new_block_gets_its_members_from_the_list(client, world):
    """A block split off an existing cluster: created, then its members set."""
    client.force_login(world.staff)
    block = Cluster.objects.create(
        code="KHOI-MOI", name="Khối mới", kind="khoi", group="B", authority=world.snv
    )
    page = client.get(reverse("cluster_list")).content.decode()
    url = reverse("memberships_edit", args=["KHOI-MOI", 2025])
    assert url in page
    UnitFactory(code="YD", name="UBND huyện Yên Dũng")
    client.post(url, {"add": [_pk("YD")], "head": _pk("YD")})
    assert Membership.objects.get(cluster=block, year=world.year).role == "head"


def test_a_cluster_without_a_name_is_refused_in_vietnamese(client, world):
    client.force_login(world.staff)
    data = {"code": "X", "name": "", "kind": "cum", "group": "A", "calendar": "standard"}
    page = client.post(reverse("cluster_create"), data | {"authority": world.snv.pk})
    assert "Cần ghi tên cụm, khối." in page.content.decode()
    assert not Cluster.objects.filter(code="X").exists()


def test_another_authority_sees_its_own_clusters_only(client, world):
    client.force_login(world.other_staff)
    page = client.get(reverse("cluster_list")).content.decode()
    assert "Khối các trường" in page and "Cụm thi đua các huyện" not in page
    assert client.get(reverse("cluster_edit", args=["KHOI-B"])).status_code == 403


def test_the_cluster_list_does_not_grow_its_queries_with_the_clusters(
    client, world, django_assert_max_num_queries
):
    from tests.factories import ClusterFactory

    client.force_login(world.staff)
    for n in range(20):
        ClusterFactory(code=f"C{n:02}", name=f"Cụm {n}", authority=world.snv)
    # The bar's bell counts the unread notifications (#15): one query.
    with django_assert_max_num_queries(11):
        client.get(reverse("cluster_list"))


# --- Memberships of a cluster-year ------------------------------------------


def _pk(code):
    return Unit.objects.get(code=code).pk


def test_staff_add_a_unit_and_change_the_head(client, world):
    client.force_login(world.staff)
    UnitFactory(code="YD", name="UBND huyện Yên Dũng")
    data = {
        "keep": [_pk(c) for c in ("TPBG", "VY", "HH", "LG")],
        "add": [_pk("YD")],
        "head": _pk("VY"),
        "deputy": _pk("TPBG"),
    }
    client.post(reverse("memberships_edit", args=["CUM-A", 2025]), data)
    roles = dict(
        Membership.objects.filter(cluster=world.cluster_a, year=world.year).values_list(
            "unit__code", "role"
        )
    )
    assert roles == {"TPBG": "deputy", "VY": "head", "HH": "member", "LG": "member", "YD": "member"}
    row = Membership.history.filter(unit__code="YD").get()
    assert row.history_user == world.staff


def test_a_unit_with_records_cannot_leave_the_year(client, world):
    client.force_login(world.staff)
    Sheet.objects.create(membership=Membership.objects.get(unit=world.a_member2))
    data = {
        "keep": [_pk(c) for c in ("TPBG", "VY", "HH")],
        "head": _pk("TPBG"),
        "deputy": _pk("VY"),
    }
    page = client.post(reverse("memberships_edit", args=["CUM-A", 2025]), data).content.decode()
    assert "Không bỏ được LG" in page
    assert Membership.objects.filter(unit=world.a_member2, year=world.year).exists()


def test_a_unit_without_records_leaves_the_year(client, world):
    client.force_login(world.staff)
    data = {"keep": [_pk(c) for c in ("TPBG", "VY", "HH")], "head": _pk("TPBG")}
    client.post(reverse("memberships_edit", args=["CUM-A", 2025]), data)
    assert not Membership.objects.filter(unit=world.a_member2, year=world.year).exists()
    assert Membership.history.filter(unit=world.a_member2, history_type="-").exists()


@pytest.mark.parametrize("who", ["other_staff", "head", "member"])
def test_only_the_standing_agency_edits_memberships(client, world, who):
    client.force_login(getattr(world, who))
    url = reverse("memberships_edit", args=["CUM-A", 2025])
    assert client.get(url).status_code == 403
    assert client.post(url, {"keep": [], "head": _pk("HH")}).status_code == 403
    assert Membership.objects.get(unit=world.a_head, year=world.year).role == "head"


def test_memberships_of_another_authoritys_block_by_the_standing_agency(client, world):
    client.force_login(world.staff)
    data = {"keep": [_pk("NQ"), _pk("GH")], "head": _pk("GH")}
    client.post(reverse("memberships_edit", args=["KHOI-B", 2025]), data)
    assert Membership.objects.get(unit=world.b_member, year=world.year).role == "head"
