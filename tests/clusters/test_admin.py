import io

import openpyxl
import pytest
from django.urls import reverse

from clusters.models import Membership, Unit

pytestmark = pytest.mark.django_db

ADMIN_PAGES = [
    "admin:index",
    "admin:clusters_authority_changelist",
    "admin:clusters_unit_changelist",
    "admin:clusters_cluster_changelist",
    "admin:clusters_emulationyear_changelist",
    "admin:clusters_deadline_changelist",
    "admin:clusters_membership_changelist",
    "admin:clusters_remindersent_changelist",
    "admin:clusters_priorrole_changelist",
    "admin:clusters_priorrole_add",
    "admin:emulation_user_changelist",
    "admin:clusters_unit_add",
    "admin:clusters_cluster_add",
    "admin:clusters_membership_add",
    "admin:clusters_unit_import",
    "admin:clusters_membership_import",
]


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_admin_pages_load_for_superuser(client, world, name):
    client.force_login(world.admin)
    response = client.get(reverse(name), {"q": "Hiệp"} if name.endswith("changelist") else {})
    assert response.status_code == 200


def test_admin_change_pages_load(client, world):
    client.force_login(world.admin)
    for name, obj in [
        ("admin:clusters_cluster_change", world.cluster_a),
        ("admin:clusters_unit_change", world.a_member),
        ("admin:emulation_user_change", world.member),
    ]:
        assert client.get(reverse(name, args=[obj.pk])).status_code == 200


def test_the_standing_agency_is_set_by_an_administrator_in_the_admin(client, world):
    """Issue 13: who holds the province's powers is the authority's kind, which
    an administrator sets here; its name decides nothing."""
    client.force_login(world.admin)
    change = reverse("admin:clusters_authority_change", args=[world.other_authority.pk])
    assert "Cơ quan thường trực Hội đồng TĐKT tỉnh" in client.get(change).content.decode()
    data = {"code": "SGDDT", "name": "Sở Giáo dục và Đào tạo", "kind": "standing"}
    assert client.post(change, data).status_code == 302
    world.other_authority.refresh_from_db()
    world.other_staff.refresh_from_db()
    assert world.other_staff.is_provincial_staff


def test_a_past_head_entered_in_the_admin_says_who_and_keeps_the_rules(client, world):
    """#14: the heads and deputies before a cluster's first year can be put
    right in the admin too; the history says who and why, and the entry's
    rules hold (a year in the system takes its roles from its memberships)."""
    from clusters.models import PriorRole

    client.force_login(world.admin)
    add = reverse("admin:clusters_priorrole_add")
    data = {
        "cluster": world.cluster_a.pk,
        "unit": world.a_member.pk,
        "role": "head",
        "source": "Quyết định số 15/QĐ-UBND",
    }
    refused = client.post(add, data | {"year": 2025})
    assert refused.status_code == 200 and "năm đầu tiên" in refused.content.decode()
    assert client.post(add, data | {"year": 2023}).status_code == 302
    prior = PriorRole.objects.get()
    assert prior.recorded_by == world.admin
    entry = prior.history.get()
    assert entry.history_user == world.admin
    assert entry.history_change_reason == "Ghi nhận trong trang quản trị"
    change = reverse("admin:clusters_priorrole_change", args=[prior.pk])
    page = client.get(change).content.decode()
    assert "Trưởng, phó cụm, khối các năm trước" in page and "Căn cứ" in page


def test_admin_is_in_vietnamese(client, world):
    client.force_login(world.admin)
    page = client.get(reverse("admin:index")).content.decode()
    assert "Quản trị hệ thống" in page and "Cụm, khối thi đua" in page


def test_admin_is_closed_to_unit_users(client, world):
    client.force_login(world.member)
    assert client.get(reverse("admin:index")).status_code == 302


def _xlsx(rows: list[list]) -> io.BytesIO:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    data.name = "don-vi.xlsx"
    return data


def _import(client, name: str, upload) -> str:
    page = client.get(reverse(name))
    formats = page.context["form"].fields["format"].choices
    xlsx = next(value for value, label in formats if "xlsx" in str(label).lower())
    response = client.post(reverse(name), {"import_file": upload, "format": xlsx})
    assert response.status_code == 200
    return response.content.decode()


def test_unit_import_shows_rows_and_saves_a_good_file(client, world):
    client.force_login(world.admin)
    upload = _xlsx([["Mã", "Tên", "Loại"], ["XTM", "UBND xã Tân Mỹ", "commune"]])
    page = _import(client, "admin:clusters_unit_import", upload)
    assert "UBND xã Tân Mỹ" in page
    assert "Xác nhận nhập" in page
    assert not Unit.objects.filter(code="XTM").exists()  # first a preview, nothing saved


def test_unit_import_refuses_a_bad_file_whole(client, world):
    client.force_login(world.admin)
    upload = _xlsx(
        [
            ["Mã", "Tên", "Loại"],
            ["XTM", "UBND xã Tân Mỹ", "commune"],
            ["XDM", "UBND xã Dĩnh Trì", "không-có-loại-này"],
        ]
    )
    page = _import(client, "admin:clusters_unit_import", upload)
    assert "không-có-loại-này" in page
    assert "không phải là lựa chọn hợp lệ" in page
    assert "Một số dòng không hợp lệ" in page
    assert 'name="confirm"' not in page
    assert not Unit.objects.filter(code__in=["XTM", "XDM"]).exists()


def test_resource_import_of_units_is_all_or_nothing():
    from tablib import Dataset

    from clusters.resources import UnitResource

    data = Dataset(headers=["Mã", "Tên", "Loại"])
    data.append(["XTM", "UBND xã Tân Mỹ", "commune"])
    data.append(["XDT", "UBND xã Dĩnh Trì", "sai"])
    result = UnitResource().import_data(data, dry_run=False)
    assert result.has_validation_errors() or result.has_errors()
    assert Unit.objects.count() == 0


def test_membership_import_refuses_a_second_head_whole(world):
    from tablib import Dataset

    from clusters.resources import MembershipResource
    from tests.factories import UnitFactory

    UnitFactory(code="NEW1")
    data = Dataset(headers=["Cụm, khối", "Năm", "Đơn vị", "Vai trò"])
    data.append(["CUM-A", 2025, "NEW1", "head"])
    before = Membership.objects.count()
    result = MembershipResource().import_data(data, dry_run=False)
    assert result.has_validation_errors() or result.has_errors()
    assert Membership.objects.count() == before


def test_membership_export_lists_codes_and_role_labels(world):
    from clusters.resources import MembershipResource

    exported = MembershipResource().export().csv
    assert "Cụm, khối" in exported and "CUM-A,2025,HH,Thành viên" in exported


# --- Spreadsheets in and out of the admin (#12) --------------------------------


def test_unit_import_refuses_an_xlsx_bomb_quickly_in_vietnamese(client, world):
    import time

    from tests.xlsx_bombs import xlsx_bomb

    client.force_login(world.admin)
    bomb = io.BytesIO(xlsx_bomb(_xlsx([["Mã", "Tên", "Loại"]]).getvalue(), megabytes=100))
    bomb.name = "don-vi.xlsx"
    started = time.perf_counter()
    page = _import(client, "admin:clusters_unit_import", bomb)
    assert time.perf_counter() - started < 2
    assert "Tệp Excel quá lớn khi giải nén" in page
    assert "tệp không được đọc" in page


def _export(client, name: str, kind: str) -> bytes:
    page = client.get(reverse(name))
    form = page.context["form"]
    formats = form.fields["format"].choices
    data = {"format": next(v for v, label in formats if kind in str(label).lower())}
    data |= {
        field: "on"
        for field, value in form.fields.items()
        if value.__class__.__name__ == "BooleanField"
    }
    response = client.post(reverse(name), data)
    assert response.status_code == 200
    return response.content


def test_admin_exports_write_formula_like_names_as_text(client, world):
    Unit.objects.filter(code="HH").update(name='=HYPERLINK("http://x.invalid","Bấm")')
    Unit.objects.filter(code="LG").update(name="-2+3")
    client.force_login(world.admin)
    text = _export(client, "admin:clusters_unit_export", "csv").decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'-2+3" in text
    book = openpyxl.load_workbook(io.BytesIO(_export(client, "admin:clusters_unit_export", "xlsx")))
    cells = {c.value: c.data_type for row in book.active.iter_rows() for c in row}
    assert cells['=HYPERLINK("http://x.invalid","Bấm")'] == "s"
    assert cells["-2+3"] == "s"
