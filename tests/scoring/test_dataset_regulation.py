"""The dataset's `regulation` block (R36–R40, DATASET.md): read with the year,
checked against its records, kept with the year and written back by the export."""

from __future__ import annotations

import copy
import csv
import json
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from awards.documents import ranking_context
from clusters.models import Cluster, EmulationYear, Membership
from scoring.dataset import DatasetError, validate_dataset
from scoring.guidances import stored_regulation
from scoring.regulation import DEFAULT, regulation_from_json
from scoring.views.review import review_matrix
from scoring.views.sheet import sheet_page
from tests.factories import UserFactory
from tests.scoring.test_dataset import (
    BASIC,
    DATA,
    _counts,
    _empty_database,
    _export,
    _import,
    _load,
    _results,
    _write,
)

GUIDANCE = DATA / "guidance" / "05-regulation-two-tier-2026.json"


def _guidance() -> dict[str, Any]:
    return _load(GUIDANCE)


def _refused(document: dict) -> list[str]:
    with pytest.raises(DatasetError) as caught:
        validate_dataset(document)
    return caught.value.messages


def test_no_block_is_the_2022_guidance() -> None:
    assert validate_dataset(_load(BASIC)).regulation == DEFAULT


def test_a_refused_block_stops_the_check_with_its_messages() -> None:
    document = _guidance()
    document["regulation"]["threshold"] = 2000

    assert _refused(document) == ["regulation.threshold: không được lớn hơn 950, có 2000."]


def test_null_block_is_refused() -> None:
    document = _load(BASIC) | {"regulation": None}
    assert _refused(document)[0].startswith("regulation: phải là một đối tượng")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        # R37: a criterion's section is one of the regulation's.
        (
            lambda d: d["regulation"]["sections"][3].update(code="V"),
            "mục 'IV' không hợp lệ, chỉ có I, II, III, V.",
        ),
        # R39: a bonus kind not in the map, a kind over its cap.
        (lambda d: d["regulation"]["bonuses"].pop("digital"), "Loại điểm thưởng 'digital'"),
        (
            lambda d: d["regulation"]["bonuses"].update(digital=2),
            "Thực hiện tốt chuyển đổi số: tổng 5 điểm vượt mức tối đa 2 điểm.",
        ),
        (
            lambda d: d["clusters"][0].update(cluster_bonus_max=6),
            "Mức điểm thưởng tối đa của cụm/khối phải từ 0 đến 5.",
        ),
        # R39: a deduction kind not in the map; once a year; head only.
        (lambda d: d["regulation"]["deductions"].pop("late_report"), "'late_report'"),
        (
            lambda d: d["regulation"]["deductions"].update(
                late_report={"points": 3, "head_only": True}
            ),
            "Gửi báo cáo chậm so với thời hạn: chỉ áp dụng cho đơn vị trưởng cụm/khối.",
        ),
        (
            lambda d: (
                d["regulation"]["deductions"].update(
                    late_report={"points": 3, "once_a_year": True}
                ),
                d["deductions"].append({"unit": "XPS", "kind": "late_report", "reason": "lần 2"}),
            ),
            "Gửi báo cáo chậm so với thời hạn: chỉ được trừ tối đa 1 lần trong năm.",
        ),
        # R40: a flag reason not in its list; a quota key not an award (even 0).
        (
            lambda d: d["regulation"].update(deferral_reasons=["state_obligation"]),
            "lý do “under_review” không hợp lệ",
        ),
        (
            lambda d: d["clusters"][0]["quotas"].update(tap_the_ldxs=0),
            "quotas: danh hiệu “tap_the_ldxs” không có (co_thi_dua, bang_khen).",
        ),
        # Codes longer than the database keeps.
        (
            lambda d: d["regulation"]["awards"].append("a" * 17),
            "regulation.awards: mã",
        ),
    ],
    ids=[
        "section",
        "bonus-kind",
        "bonus-cap",
        "cluster-cap",
        "deduction-kind",
        "head-only",
        "once-a-year",
        "flag-reason",
        "quota-key",
        "code-length",
    ],
)
def test_records_are_checked_against_the_regulation(change, expected: str) -> None:
    document = _guidance()
    change(document)

    messages = _refused(document)

    assert any(expected in m for m in messages), messages


def test_the_example_is_valid() -> None:
    # The base of the refusals above is accepted as it is.
    assert validate_dataset(_guidance()).regulation.code == "BN-HD-2026-VD"


@pytest.mark.django_db
def test_a_refused_regulation_stores_nothing(tmp_path: Path) -> None:
    document = _guidance()
    document["regulation"]["awards"] = ["tie_vote_needed"]
    before = _counts()

    with pytest.raises(CommandError, match="tie_vote_needed"):
        _import(_write(tmp_path, document))

    assert _counts() == before
    assert not EmulationYear.objects.filter(year=2026).exists()


@pytest.mark.django_db
def test_the_year_keeps_its_regulation_and_the_export_writes_it(tmp_path: Path) -> None:
    _import(GUIDANCE)

    year = EmulationYear.objects.get(year=2026)
    assert stored_regulation(year) == regulation_from_json(_guidance()["regulation"])
    exported = _export(2026)
    assert list(exported)[:3] == ["format", "year", "regulation"]
    assert regulation_from_json(exported["regulation"]).threshold == 920
    results = _results(2026)
    assert list(results["clusters"][0]["units"][0]["sections"]) == ["I", "II", "III", "IV"]

    _empty_database()
    _import(_write(tmp_path, exported))

    assert _export(2026) == exported
    assert _results(2026) == results


@pytest.mark.django_db
def test_the_2022_guidance_is_not_written(tmp_path: Path) -> None:
    document = _load(BASIC)
    document["regulation"] = {"threshold": 900, "code": "BG-2022"}
    _import(_write(tmp_path, document))

    assert stored_regulation(EmulationYear.objects.get(year=2025)) == DEFAULT
    assert "regulation" not in _export(2025)


@pytest.mark.django_db
def test_replacing_a_year_replaces_its_regulation(tmp_path: Path) -> None:
    _import(GUIDANCE)
    document = copy.deepcopy(_guidance())
    del document["regulation"]
    for cluster in document["clusters"]:
        cluster["criteria"] = []
    document["scores"] = []
    document["bonuses"] = []
    document["deductions"] = [d for d in document["deductions"] if d["kind"] != "late_report"]
    document["clusters"][0]["quotas"] = {"co_thi_dua": 1}

    _import(_write(tmp_path, document), "--replace")

    assert stored_regulation(EmulationYear.objects.get(year=2026)) == DEFAULT
    assert "regulation" not in json.loads(json.dumps(_export(2026)))


@pytest.mark.django_db
def test_the_ranking_spreadsheet_has_the_regulations_sections_and_labels() -> None:
    _import(GUIDANCE)
    out = StringIO()

    call_command("export_results", "--year", "2026", "--format", "csv", stdout=out)

    rows = list(csv.reader(StringIO(out.getvalue())))
    header = rows[0]
    assert header[4:8] == ["Phần I", "Phần II", "Phần III", "Phần IV"]
    psc = next(row for row in rows if row[2] == "PSC")
    assert psc[4:8] == ["499.10", "197.75", "144.00", "99.55"]
    xps = next(row for row in rows if row[2] == "XPS")
    assert xps[header.index("Xếp loại")] == "Dưới 920 điểm"


@pytest.mark.django_db
def test_ranking_pdf_and_results_page_follow_the_regulation(client) -> None:
    _import(GUIDANCE)
    year = EmulationYear.objects.get(year=2026)
    cluster = Cluster.objects.get(code="CUM-XP-01")

    context = ranking_context(cluster, year)

    assert context["section_labels"] == ["I", "II", "III", "IV"]
    psc = next(line for line in context["lines"] if line.code == "PSC")
    assert psc.sections == ["499,10", "197,75", "144,00", "99,55"]
    xps = next(line for line in context["lines"] if line.code == "XPS")
    assert xps.status == "Dưới 920 điểm"
    assert context["quotas"] == [
        "Cờ thi đua của UBND tỉnh: 1",
        "Bằng khen của Chủ tịch UBND tỉnh: 3",
    ]

    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    page = client.get(reverse("results", args=["CUM-XP-01", 2026])).content.decode()
    assert "Phần IV" in page and "99,55" in page and "Dưới 920 điểm" in page
    assert "Tập thể LĐXS" not in page


@pytest.mark.django_db
def test_the_sheet_and_the_review_matrix_follow_the_regulation() -> None:
    # A 2026 year's section IV would be an unknown section to the 2022 figures.
    _import(GUIDANCE)
    year = EmulationYear.objects.get(year=2026)
    cluster = Cluster.objects.get(code="CUM-XP-01")
    psc = Membership.objects.get(year=year, unit__code="PSC")

    page = sheet_page(psc)
    matrix = review_matrix(cluster, year)

    assert [(s.code, s.points) for s in page.sections][-1] == ("IV", 100)
    assert page.sections[-1].label == "Chuyển đổi số, chính quyền số cấp xã"
    assert page.result.sections["IV"] == Decimal("99.55")
    assert [code for code, _, _ in matrix.sections] == ["I", "II", "III", "IV"]


@pytest.mark.django_db
def test_the_excel_template_titles_the_regulations_sections() -> None:
    # The 2022 titles know no section IV: the template once failed on a 2026 year.
    from io import BytesIO

    from openpyxl import load_workbook

    from scoring.spreadsheets import scorecard_template_xlsx

    _import(GUIDANCE)
    year = EmulationYear.objects.get(year=2026)

    content = scorecard_template_xlsx(Cluster.objects.get(code="CUM-XP-01"), year)

    sheet = load_workbook(BytesIO(content), read_only=True).worksheets[0]
    titles = [
        row[1] for row in sheet.iter_rows(values_only=True) if str(row[1]).startswith("Phần ")
    ]
    assert titles[-1] == "Phần IV. Chuyển đổi số, chính quyền số cấp xã"
    assert len(titles) == 4
