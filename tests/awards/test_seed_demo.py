from datetime import UTC, date, datetime, time
from io import StringIO

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from clusters.models import Authority, Cluster, Deadline, EmulationYear, Membership, Unit
from tests.conftest import ensure_framework

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _framework(db):
    """seed_demo runs where the migrations have loaded Phụ lục 02, whose titles
    the demo takes; a transactional test run before on the same worker may
    have flushed it (PostgreSQL)."""
    ensure_framework()


def _counts() -> tuple[int, ...]:
    models = (Authority, Unit, Cluster, EmulationYear, Deadline, Membership, get_user_model())
    return tuple(model.objects.count() for model in models)


def test_seed_demo_is_idempotent(capsys):
    call_command("seed_demo")
    first = _counts()
    call_command("seed_demo")
    assert _counts() == first
    out = capsys.readouterr().out
    for login in ("admin", "sonoivu", "truongcum", "thanhvien"):
        assert login in out


def test_seed_demo_builds_the_provinces_clusters():
    call_command("seed_demo")
    huyen = Cluster.objects.get(code="CUM-HUYEN")
    assert huyen.group == "A"
    assert Membership.objects.filter(cluster=huyen).count() == 10
    assert (
        Membership.objects.get(cluster=huyen, role="head").unit.name == "UBND thành phố Bắc Giang"
    )
    assert set(Cluster.objects.values_list("group", flat=True)) >= {"A", "B", "D"}
    assert Cluster.objects.filter(calendar="education").exists()
    for cluster in Cluster.objects.all():
        roles = list(Membership.objects.filter(cluster=cluster).values_list("role", flat=True))
        assert roles.count("head") == 1 and roles.count("deputy") == 1
    # A district's documents print its own place, not the province's (#15).
    assert Unit.objects.get(code="HH").place_name == "Hiệp Hòa"


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("sonoivu", "Toàn tỉnh"),
        ("sogiaoduc", "Khối thi đua các trường trung học phổ thông"),
        ("truongcum", "Trưởng cụm, khối"),
        ("thanhvien", "UBND huyện Hiệp Hòa"),
        ("admin", "Toàn tỉnh"),
    ],
)
def test_each_demo_login_reaches_its_home_page(client, username, expected):
    from clusters.demo import DEMO_PASSWORD

    call_command("seed_demo")
    response = client.post(
        reverse("login"), {"username": username, "password": DEMO_PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert expected in response.content.decode()


def test_demo_results_page_shows_the_cluster_ranking(client):
    call_command("seed_demo")
    client.force_login(get_user_model().objects.get(username="sonoivu"))
    page = client.get(reverse("results", args=["CUM-HUYEN", 2025])).content.decode()
    assert "UBND huyện Việt Yên" in page and "970,30" in page
    assert "Cờ thi đua của UBND tỉnh" in page
    assert "Không ký giao ước thi đua" in page  # UBND huyện Sơn Động is excluded (R27)


def test_seed_demo_refuses_when_demo_data_is_not_allowed(settings):
    """A production server (DEBUG=false at start-up) gets no `admin`/`thidua@2025`."""
    from django.core.management.base import CommandError

    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(CommandError, match="Không chạy seed_demo khi DEBUG=false"):
        call_command("seed_demo")
    assert not get_user_model().objects.filter(username="admin").exists()


def test_the_demo_scorecard_reads_phu_luc_02s_titles_not_placeholders():
    """#15: the shared example names section II "Nội dung II.1" …; the demo shows
    the guidance's own words for them."""
    from scoring.models import Criterion
    from scoring.services import is_placeholder_title

    call_command("seed_demo")
    criteria = Criterion.objects.filter(scorecard__cluster__code="CUM-HUYEN")
    assert [c.code for c in criteria if is_placeholder_title(c.title, c.code)] == []
    assert criteria.get(code="II.1").title.startswith("Tổ chức học tập, quán triệt")


def test_the_demo_has_the_new_bac_ninh_in_2026_under_its_guidance(client):
    """#16: a second province-year, a cluster of communes and wards scored under
    the 2026 guidance (four sections, threshold 920, a digital bonus)."""
    from scoring.guidances import stored_regulation

    call_command("seed_demo")
    year = EmulationYear.objects.get(year=2026)
    regulation = stored_regulation(year, Cluster.objects.get(code="CUM-XP-01"))
    assert regulation.threshold == 920
    assert regulation.section_codes == ("I", "II", "III", "IV") or list(
        regulation.section_codes
    ) == ["I", "II", "III", "IV"]
    assert "digital" in regulation.bonuses and "late_report" in regulation.deductions
    cluster = Cluster.objects.get(code="CUM-XP-01")
    assert cluster.name == "Cụm thi đua các xã, phường"
    assert Membership.objects.get(cluster=cluster, role="head").unit.code == "PSC"
    client.force_login(get_user_model().objects.get(username="truongcumxa"))
    page = client.get(reverse("results", args=["CUM-XP-01", 2026])).content.decode()
    assert "UBND phường Sông Cầu" in page and "962,40" in page
    # 2025 is still there as it was.
    from scoring.regulation import DEFAULT

    assert stored_regulation(2025) == DEFAULT


def test_the_merged_commune_sees_the_two_communes_it_was_formed_from(client):
    from clusters.models import Succession

    call_command("seed_demo")
    call_command("seed_demo")  # idempotent: the links are not doubled
    assert Succession.objects.filter(successor__code="XTT").count() == 2
    client.force_login(get_user_model().objects.get(username="xatanthinh"))
    home = client.get(reverse("home"), {"nam": 2026}).content.decode()
    assert reverse("unit_record", args=["XTT"]) in home
    page = client.get(reverse("unit_record", args=["XTT"])).content.decode()
    assert "(của UBND xã Tân Hưng)" in page and "(của UBND xã Tân Lập)" in page
    assert "Cụm thi đua các xã, thị trấn huyện Lạng Giang" in page
    assert "Cụm thi đua các xã, phường" in page


def test_the_2026_review_template_names_the_guidance_s_four_sections(client):
    from io import BytesIO

    from openpyxl import load_workbook

    call_command("seed_demo")
    client.force_login(get_user_model().objects.get(username="truongcumxa"))
    response = client.get(reverse("scores_template", args=["CUM-XP-01", 2026]))
    assert response.status_code == 200
    cells = [c for row in load_workbook(BytesIO(response.content)).active.values for c in row]
    assert "Phần IV. Chuyển đổi số, chính quyền số cấp xã" in cells


def _head_lines(code: str, year: int, today):
    """The head's own items of the demo cluster's year as its todo page shows them on `today`."""
    from scoring import progress

    head = Membership.objects.get(cluster__code=code, year__year=year, role=Membership.Role.HEAD)
    return {
        line.item.kind: line for line in progress.unit_lines(head, today) if line.item.is_head_item
    }


@pytest.mark.parametrize(
    "today",
    [date(2025, 2, 1), date(2025, 8, 20), date(2026, 12, 5), date(2028, 3, 1)],
    ids=str,
)
def test_the_demo_heads_have_nothing_overdue_whatever_day_it_is_made(today):
    """The demo is made on any day: the head's work whose deadline has passed
    by then is recorded as done on time, so no demo head is months late."""
    from scoring.progress import LATE

    with time_machine.travel(datetime.combine(today, time(9), tzinfo=UTC)):
        call_command("seed_demo", stdout=StringIO())
        for code, year in (("CUM-HUYEN", 2025), ("CUM-XP-01", 2026)):
            lines = _head_lines(code, year, today)
            late = [kind for kind, line in lines.items() if line.status == LATE]
            assert late == [], (code, year)


def test_the_demo_made_mid_year_leaves_the_heads_later_work_open():
    from clusters.models import ClusterReport, Conference, HeadDocument
    from scoring.models import Sheet
    from scoring.progress import DONE, TODO

    today = date(2026, 8, 20)
    with time_machine.travel(datetime.combine(today, time(9), tzinfo=UTC)):
        call_command("seed_demo", stdout=StringIO())
        lines = _head_lines("CUM-XP-01", 2026, today)

    assert {kind for kind, line in lines.items() if line.status == DONE} == {
        "programme",
        "regulation",
        "mid_year_conference",
        "cluster_mid_year_report",
    }
    assert {kind for kind, line in lines.items() if line.status == TODO} == {
        "annual_conference",
        "cluster_annual_report",
    }
    # Each done two weeks before its deadline, by the head's account, with a file.
    programme = HeadDocument.objects.get(cluster__code="CUM-XP-01", kind="programme")
    assert programme.issued_on == date(2026, 3, 17)
    assert programme.history.first().history_user.username == "truongcumxa"
    assert programme.file.read().startswith(b"%PDF")
    held = Conference.objects.get(cluster__code="CUM-XP-01", year__year=2026, kind="mid_year")
    assert held.held_on == date(2026, 7, 17) and held.minutes
    assert held.attendances.filter(status="present").count() == 8
    assert not ClusterReport.objects.filter(cluster__code="CUM-XP-01", kind="annual").exists()
    assert not Conference.objects.filter(cluster__code="CUM-XP-01", kind="annual").exists()
    # The members' sheets stay open for people to try.
    assert not Sheet.objects.filter(status=Sheet.Status.SUBMITTED).exists()
