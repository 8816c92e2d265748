"""The dataset commands as people and scripts use them: options, outputs, and
clear messages instead of tracebacks (spec/DATASET.md)."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from clusters.models import Membership
from scoring.models import Score, Scorecard

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parents[1] / "data"
BASIC = DATA / "01-cum-huyen-basic.json"
HEADERS = (
    "Hạng",
    "Đơn vị",
    "Phần I",
    "Phần II",
    "Phần III",
    "Điểm thưởng",
    "Điểm trừ",
    "Tổng điểm",
    "Xếp loại",
    "Lý do",
    "Danh hiệu",
)


def _run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def imported() -> None:
    _run("import_dataset", str(BASIC))


# ---------------------------------------------------------------------------
# export_results


def test_results_json_goes_to_stdout_by_default(imported) -> None:
    document = json.loads(_run("export_results", "--year", "2025"))

    assert document["format"] == "thidua-results/1"
    assert [c["code"] for c in document["clusters"]] == ["CUM-HUYEN"]
    assert document["clusters"][0]["units"][0]["unit"] == "VY"


def test_results_json_to_a_file(imported, tmp_path: Path) -> None:
    output = tmp_path / "ket-qua.json"

    assert _run("export_results", "--year", "2025", "--output", str(output)) == ""

    assert json.loads(output.read_text("utf-8"))["year"] == 2025


def test_results_csv_has_vietnamese_headers_and_one_row_per_unit(imported) -> None:
    rows = list(csv.reader(StringIO(_run("export_results", "--year", "2025", "--format", "csv"))))

    assert all(header in rows[0] for header in HEADERS)
    assert len(rows) == 1 + 10
    by_header = dict(zip(rows[0], rows[1], strict=True))
    assert (by_header["Hạng"], by_header["Đơn vị"]) == ("1", "UBND huyện Việt Yên")
    assert by_header["Danh hiệu"] == "Cờ thi đua của UBND tỉnh"


def test_results_csv_to_a_file(imported, tmp_path: Path) -> None:
    output = tmp_path / "ket-qua.csv"

    _run("export_results", "--year", "2025", "--format", "csv", "--output", str(output))

    rows = list(csv.reader(StringIO(output.read_text("utf-8"))))
    assert all(header in rows[0] for header in HEADERS)
    assert len(rows) == 11


def test_results_xlsx_has_vietnamese_headers(imported, tmp_path: Path) -> None:
    output = tmp_path / "ket-qua.xlsx"

    _run("export_results", "--year", "2025", "--format", "xlsx", "--output", str(output))

    sheet = load_workbook(BytesIO(output.read_bytes())).active
    header = [cell.value for cell in sheet[1]]
    assert all(name in header for name in HEADERS)
    assert sheet.max_row == 11
    assert sheet.cell(row=2, column=header.index("Đơn vị") + 1).value == "UBND huyện Việt Yên"


def test_results_xlsx_needs_an_output_file(imported) -> None:
    with pytest.raises(CommandError, match="--output"):
        _run("export_results", "--year", "2025", "--format", "xlsx")


def test_results_of_one_cluster(imported, tmp_path: Path) -> None:
    document = json.loads(_run("export_results", "--year", "2025", "--cluster", "CUM-HUYEN"))

    assert [c["code"] for c in document["clusters"]] == ["CUM-HUYEN"]


def test_results_of_an_unknown_cluster_is_an_error(imported) -> None:
    with pytest.raises(CommandError, match="Không có cụm, khối mã “cum-huyen”"):
        _run("export_results", "--year", "2025", "--cluster", "cum-huyen")


def test_results_of_a_year_without_data_are_empty_not_an_error() -> None:
    document = json.loads(_run("export_results", "--year", "2031"))

    assert document == {"format": "thidua-results/1", "year": 2031, "clusters": []}


def test_results_of_a_known_cluster_without_data_that_year_are_empty(imported) -> None:
    document = json.loads(_run("export_results", "--year", "2024", "--cluster", "CUM-HUYEN"))

    assert document["clusters"] == []


def test_results_refuse_an_unknown_format() -> None:
    with pytest.raises(CommandError, match="invalid choice"):
        _run("export_results", "--year", "2025", "--format", "pdf")


def test_results_unwritable_output_is_a_message(imported, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Không ghi được tệp"):
        _run("export_results", "--year", "2025", "--output", str(tmp_path / "khong" / "co.json"))


# ---------------------------------------------------------------------------
# export_dataset


def test_dataset_export_to_stdout_and_to_a_file(imported, tmp_path: Path) -> None:
    output = tmp_path / "nam-2025.json"

    printed = json.loads(_run("export_dataset", "--year", "2025"))
    _run("export_dataset", "--year", "2025", "--output", str(output))

    assert printed["format"] == "thidua-dataset/1"
    assert json.loads(output.read_text("utf-8")) == printed
    assert "Sở Nội vụ tỉnh Bắc Giang" in output.read_text("utf-8")  # not \u-escaped


def test_dataset_export_of_a_year_without_data_is_an_error() -> None:
    with pytest.raises(CommandError, match="Năm 2031 chưa có dữ liệu"):
        _run("export_dataset", "--year", "2031")


# ---------------------------------------------------------------------------
# import_dataset: files that cannot be read


def test_import_prints_a_summary() -> None:
    out = _run("import_dataset", str(BASIC))

    assert "Đã nhập dữ liệu năm 2025" in out
    assert "560 điểm chấm" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"format": "thidua-dataset/1",', "không phải JSON hợp lệ: dòng 1"),
        (b"\xff\xfe\x00", "không phải văn bản UTF-8"),
        (b"[1, 2]", "phải là một đối tượng JSON"),
        (b'{"format": "thidua-dataset/1", "year": 2025}', "authorities: phải là một danh sách"),
    ],
    ids=["broken-json", "not-utf8", "not-an-object", "missing-lists"],
)
def test_import_of_an_unreadable_file_is_a_message(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "du-lieu.json"
    path.write_bytes(content)

    with pytest.raises(CommandError, match=message):
        _run("import_dataset", str(path))

    assert not Membership.objects.exists()


def test_import_of_a_missing_file_is_a_message(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Không tìm thấy tệp"):
        _run("import_dataset", str(tmp_path / "khong-co.json"))


def test_import_of_a_directory_is_a_message(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Không đọc được tệp"):
        _run("import_dataset", str(tmp_path))


def test_a_refusal_exits_non_zero_with_the_message_on_stderr(tmp_path: Path) -> None:
    # A real process, as scripts run it: exit status and stderr, no traceback.
    result = subprocess.run(
        [sys.executable, "manage.py", "import_dataset", str(tmp_path / "khong-co.json")],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert "Không tìm thấy tệp" in result.stderr
    assert "Traceback" not in result.stderr


# ---------------------------------------------------------------------------
# import_dataset: hostile files (#12) are refused in one line, no traceback


def _basic_with(marker_value: str) -> str:
    """Example 01 as text, HH's actual of I.1 written as `marker_value`."""
    document = json.loads(BASIC.read_text("utf-8"))
    score = next(s for s in document["scores"] if (s["unit"], s["criterion"]) == ("HH", "I.1"))
    score["actual"] = "@MARKER@"
    return json.dumps(document).replace('"@MARKER@"', marker_value)


def _nested(depth: int) -> str:
    return '{"format": "thidua-dataset/1", "year": 2025, "x": ' + "[" * depth + "]" * depth + "}"


def _surrogate() -> str:
    document = json.loads(BASIC.read_text("utf-8"))
    document["units"][0]["name"] = "UBND \ud800"
    return json.dumps(document)  # ensure_ascii: the lone surrogate as \\ud800


def _duplicate_scores() -> str:
    # The first "scores" holds the 560 scores; a last-wins reader imports none.
    return BASIC.read_text("utf-8").rstrip().removesuffix("}") + ', "scores": []}'


HOSTILE = [
    ("nested-200000-deep", lambda: _nested(200_000), "dữ liệu lồng nhau quá sâu"),
    ("nested-100-deep", lambda: _nested(100), "dữ liệu lồng nhau quá sâu"),
    (
        "integer-of-5000-digits",
        lambda: _basic_with("9" * 5000),
        "(HH, I.1): Tiêu chí I.1: thực hiện phải là một số hữu hạn.",
    ),
    (
        "exponent-999999",
        lambda: _basic_with("1e999999"),
        "(HH, I.1): Tiêu chí I.1: thực hiện phải là một số hữu hạn.",
    ),
    (
        "exponent-999999-as-string",
        lambda: _basic_with('"1e999999"'),
        "(HH, I.1): Tiêu chí I.1: thực hiện phải là một số hữu hạn.",
    ),
    ("lone-surrogate", _surrogate, "ký tự không hợp lệ"),
    ("nul-character", lambda: _surrogate().replace("\\ud800", "\\u0000"), "ký tự NUL"),
    ("duplicate-scores-key", _duplicate_scores, "khóa “scores” xuất hiện hai lần"),
]


@pytest.mark.parametrize(("text", "message"), [pytest.param(t, m, id=i) for i, t, m in HOSTILE])
def test_a_hostile_file_is_refused_in_one_line_with_nothing_stored(
    tmp_path: Path, text, message: str
) -> None:
    path = tmp_path / "du-lieu.json"
    path.write_text(text(), "utf-8")

    with pytest.raises(CommandError) as refused:
        _run("import_dataset", str(path))

    assert str(refused.value).startswith(f"Không nhập tệp {path}, không có gì được lưu: ")
    assert message in str(refused.value)
    assert "\n" not in str(refused.value)
    assert not Membership.objects.exists()


@pytest.mark.parametrize(("text", "message"), [pytest.param(t, m, id=i) for i, t, m in HOSTILE])
def test_a_hostile_file_exits_1_with_one_line_and_no_traceback(
    tmp_path: Path, text, message: str
) -> None:
    path = tmp_path / "du-lieu.json"
    path.write_text(text(), "utf-8")

    result = subprocess.run(
        [sys.executable, "manage.py", "import_dataset", str(path)],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert message in line


def test_discarding_online_records_needs_replace() -> None:
    with pytest.raises(CommandError, match="--discard-online-records chỉ dùng cùng --replace"):
        _run("import_dataset", str(BASIC), "--discard-online-records")

    assert not Membership.objects.exists()


# ---------------------------------------------------------------------------
# seed_demo loads the demo dataset


def _scoring_counts() -> tuple[int, ...]:
    return (
        Membership.objects.count(),
        Scorecard.objects.count(),
        Score.objects.count(),
        *(
            Membership.objects.filter(cluster__code=code).count()
            for code in ("CUM-HUYEN", "KHOI-KT", "KHOI-DN", "KHOI-TRUONG")
        ),
    )


def test_seed_demo_loads_the_demo_dataset_and_stays_idempotent() -> None:
    call_command("seed_demo", stdout=StringIO())
    first = _scoring_counts()
    call_command("seed_demo", stdout=StringIO())

    assert _scoring_counts() == first
    # 2025: 24 members in Bắc Giang's four clusters, 4 in the communes of Lạng
    # Giang, CUM-HUYEN scored; 2026 (#16): CUM-XP-01's 8 members, scored.
    assert first == (36, 2, 856, 10, 6, 4, 4)
    expected = json.loads((DATA / "01-cum-huyen-basic.expected.json").read_text("utf-8"))
    results = json.loads(_run("export_results", "--year", "2025", "--cluster", "CUM-HUYEN"))
    assert [u["unit"] for u in results["clusters"][0]["units"]] == [
        u["unit"] for u in expected["clusters"][0]["units"]
    ]


def test_seed_demo_keeps_the_other_clusters_memberships() -> None:
    call_command("seed_demo", stdout=StringIO())
    kept = Membership.objects.get(unit__code="SKHDT")

    call_command("seed_demo", stdout=StringIO())

    assert Membership.objects.get(unit__code="SKHDT").pk == kept.pk
    assert kept.role == "head"


def test_seed_demo_dataset_is_the_shared_example() -> None:
    demo = settings.BASE_DIR / "clusters" / "demo_data" / "01-cum-huyen-basic.json"

    assert json.loads(demo.read_text("utf-8")) == json.loads(BASIC.read_text("utf-8"))
