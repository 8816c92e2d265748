"""Phụ lục 02's measured criteria (R19, R20, R22): the criteria the seed words
as measured against a plan ("so kế hoạch", "so chỉ tiêu", "tỷ lệ … đạt") start
quantitative in a draft, so their exceed-plan bonus can be earned; I.13 of
group A ("Giảm số vụ … tai nạn giao thông so năm trước") is a ceiling.

Existing framework rows are updated from the transcription, which now marks
them; a fresh database already has the marks from 0002.
"""

import json
from pathlib import Path

from django.db import migrations, models

SOURCE = Path(__file__).resolve().parent.parent / "framework" / "phu_luc_02_2022.json"


def _marked(data: dict):
    """(section, group, code, method, direction) of every criterion of the file."""

    def walk(section: str, group: str, items: list):
        for item in items:
            yield section, group, item["code"], item.get("method", ""), item.get("direction", "")
            yield from walk(section, group, item.get("children", []))

    for section in data["sections"]:
        for variant in section.get("variants", []):
            yield from walk(section["code"], variant["group"], variant["criteria"])
        yield from walk(section["code"], "", section.get("criteria", []))


def mark(apps, schema_editor):
    FrameworkCriterion = apps.get_model("scoring", "FrameworkCriterion")
    data = json.loads(SOURCE.read_text("utf-8"))
    for section, group, code, method, direction in _marked(data):
        FrameworkCriterion.objects.filter(
            framework__year=data["year"], section=section, group=group, code=code
        ).update(method=method, direction=direction)


def unmark(apps, schema_editor):
    FrameworkCriterion = apps.get_model("scoring", "FrameworkCriterion")
    FrameworkCriterion.objects.filter(framework__year=2022, method="quantitative").update(
        method=""
    )


class Migration(migrations.Migration):
    dependencies = [("scoring", "0007_participation_record")]

    operations = [
        migrations.AddField(
            model_name="frameworkcriterion",
            name="direction",
            field=models.CharField(
                blank=True,
                choices=[
                    ("higher", "cao hơn là tốt"),
                    ("lower", "thấp hơn là tốt (kế hoạch là mức trần)"),
                ],
                max_length=6,
                verbose_name="chiều chỉ tiêu",
            ),
        ),
        migrations.RunPython(mark, unmark),
    ]
