"""Loads the council's framework of the 2022 guidance (Phụ lục 02)."""

import json
from decimal import Decimal
from pathlib import Path

from django.db import migrations

SOURCE = Path(__file__).resolve().parent.parent / "framework" / "phu_luc_02_2022.json"


def load(apps, schema_editor):
    Framework = apps.get_model("scoring", "Framework")
    FrameworkCriterion = apps.get_model("scoring", "FrameworkCriterion")
    data = json.loads(SOURCE.read_text("utf-8"))
    framework = Framework.objects.create(year=data["year"], title=data["title"])

    def add(section, group, items, parent=None):
        for order, item in enumerate(items):
            node = FrameworkCriterion.objects.create(
                framework=framework,
                parent=parent,
                section=section,
                group=group,
                code=item["code"],
                title=item["title"],
                points=Decimal(item["points"]) if item.get("points") is not None else None,
                order=order,
                method=item.get("method", ""),
                tiers=item.get("tiers", []),
                note=item.get("note", ""),
            )
            add(section, group, item.get("children", []), node)

    for section in data["sections"]:
        for variant in section.get("variants", []):
            add(section["code"], variant["group"], variant["criteria"])
        add(section["code"], "", section.get("criteria", []))


def unload(apps, schema_editor):
    apps.get_model("scoring", "Framework").objects.filter(year=2022).delete()


class Migration(migrations.Migration):
    dependencies = [("scoring", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
