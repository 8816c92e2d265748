"""The admin in Vietnamese (#15): what an administrator reads, Django's and the
packages' own words included, and the spreadsheets it exports and imports."""

import html
import io
import re

import openpyxl
import pytest
from django.contrib import admin
from django.urls import reverse

from clusters.models import Unit
from tests.clusters.test_admin import _import, _xlsx

pytestmark = pytest.mark.django_db

ENGLISH = [
    "Access attempts",
    "Access failures",
    "Access logs",
    "Axes",
    "Show counts",
    "Password-based authentication",
    "Enabled",
    "Disabled",
    "Can add",
    "Can change",
    "Can delete",
    "Can view",
    "Model name",
    "Add link",
    "Change or view list link",
]


def visible_text(page: str) -> str:
    page = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def admin_pages(world) -> list[str]:
    pages = [reverse("admin:index"), reverse("admin:auth_group_add")]
    pages.append(reverse("admin:emulation_user_add"))
    pages.append(reverse("admin:emulation_user_change", args=[world.member.pk]))
    for model in admin.site._registry:
        pages.append(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"))
    return pages


def test_no_english_on_the_admin_pages(client, world):
    client.force_login(world.admin)
    found = {}
    for url in admin_pages(world):
        response = client.get(url)
        assert response.status_code == 200, url
        text = visible_text(response.content.decode())
        english = [phrase for phrase in ENGLISH if re.search(rf"\b{phrase}\b", text)]
        if english:
            found[url] = english
    assert found == {}


def test_an_import_names_the_bad_column_in_vietnamese(client, world):
    client.force_login(world.admin)
    upload = _xlsx([["Mã", "Tên", "Loại"], ["XDM", "UBND xã Dĩnh Trì", "không-có-loại-này"]])
    page = _import(client, "admin:clusters_unit_import", upload)
    labels = re.findall(r'validation-error-field-label">([^<]*)<', page)
    assert labels == ["Loại"]


def test_units_are_exported_with_vietnamese_kinds_and_file_name(client, world):
    client.force_login(world.admin)
    page = client.get(reverse("admin:clusters_unit_export"))
    formats = page.context["form"].fields["format"].choices
    xlsx = next(value for value, label in formats if "xlsx" in str(label).lower())
    response = client.post(
        reverse("admin:clusters_unit_export"),
        {"format": xlsx, "export_items": list(Unit.objects.values_list("pk", flat=True))}
        | {f"unitresource_{name}": "on" for name in ("code", "name", "kind")},
    )
    assert response.status_code == 200
    name = response["Content-Disposition"]
    assert "Unit-" not in name and 'filename="don-vi-' in name
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)
    kinds = {row[2] for row in rows[1:]}
    labels = {label for _, label in Unit.Kind.choices}
    assert kinds and kinds <= labels


def test_an_import_takes_the_kind_by_label_or_by_code(client, world):
    from tablib import Dataset

    from clusters.resources import UnitResource

    label = Unit.Kind("commune").label
    data = Dataset(headers=["Mã", "Tên", "Loại"])
    data.append(["XTM", "UBND xã Tân Mỹ", label])
    data.append(["XDT", "UBND xã Dĩnh Trì", "commune"])
    result = UnitResource().import_data(data, dry_run=False)
    assert not (result.has_validation_errors() or result.has_errors())
    assert set(Unit.objects.filter(code__in=["XTM", "XDT"]).values_list("kind", flat=True)) == {
        "commune"
    }


def test_exporting_chosen_units_reads_only_those_and_warns_of_nothing(client, world):
    """The list's export action posts the chosen rows; django-import-export's own
    check of them listed every row of the table and warned it is deprecated."""
    import warnings

    client.force_login(world.admin)
    page = client.get(reverse("admin:clusters_unit_export"))
    formats = page.context["form"].fields["format"].choices
    xlsx = next(value for value, label in formats if "xlsx" in str(label).lower())
    chosen = Unit.objects.order_by("code").first()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        response = client.post(
            reverse("admin:clusters_unit_export"),
            {"format": xlsx, "export_items": [chosen.pk]}
            | {f"unitresource_{name}": "on" for name in ("code", "name", "kind")},
        )
    assert response.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)
    assert [row[0] for row in rows[1:]] == [chosen.code]
