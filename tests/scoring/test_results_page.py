"""The results page of a cluster's year and its downloads (R29–R33)."""

import csv
import json
from decimal import Decimal
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from awards.access import get_cluster_for_results
from awards.models import Proposal
from clusters.models import Deduction, Membership, Participation
from scoring.models import Bonus, Criterion, Flag, Quota, Score, Scorecard, Vote
from scoring.results import cluster_results, results_document
from tests.factories import ClusterFactory, MembershipFactory, UnitFactory

pytestmark = pytest.mark.django_db

VIEWS = ["page", "xlsx", "csv", "json"]


def _url(view: str, code: str = "CUM-A", year: int = 2025) -> str:
    if view == "page":
        return reverse("results", args=[code, year])
    return reverse("results_download", args=[code, year, view])


def _scorecard(cluster, year, per_section: int = 1) -> list[Criterion]:
    """An issued scorecard with `per_section` qualitative leaves in each section."""
    scorecard = Scorecard.objects.create(cluster=cluster, year=year, status=Scorecard.Status.ISSUED)
    return [
        Criterion.objects.create(
            scorecard=scorecard,
            section=section,
            code=f"{section}.{n}",
            title=f"Tiêu chí {section}.{n}",
            points=Decimal(points) / per_section,
            order=order,
        )
        for order, (section, points, n) in enumerate(
            (s, p, n)
            for s, p in (("I", 550), ("II", 200), ("III", 200))
            for n in range(1, per_section + 1)
        )
    ]


def _scores(membership, criteria, *points) -> None:
    for criterion, value in zip(criteria, points, strict=True):
        Score.objects.create(membership=membership, criterion=criterion, points=Decimal(value))


def _membership(world, unit):
    return Membership.objects.get(unit=unit, year=world.year)


@pytest.fixture
def scored(world):
    """Cluster A scored: TPBG first with a flag, VY second with a certificate,
    HH deferred, LG excluded; quotas flag 1, certificate 2, LĐXS 0."""
    criteria = _scorecard(world.cluster_a, world.year)
    tpbg, vy, hh, lg = (
        _membership(world, u)
        for u in (world.a_head, world.a_deputy, world.a_member, world.a_member2)
    )
    _scores(tpbg, criteria, "545.30", "200", "200")
    for kind, points in (("council", 10), ("reporting", 5), ("cluster", 5)):
        Bonus.objects.create(membership=tpbg, kind=kind, points=Decimal(points))
    _scores(vy, criteria, "530", "190", "190")
    Deduction.objects.create(membership=vy, kind="reminder_letter", reason="Chậm báo cáo")
    _scores(hh, criteria, "540", "195", "195")
    Flag.objects.create(membership=hh, kind="defer", reason="under_review")
    _scores(lg, criteria, "500", "180", "180")
    Participation.objects.create(membership=lg, registered=False, registered_source="import")
    Flag.objects.create(membership=lg, kind="exclude", reason="security")
    for award, count in (("co_thi_dua", 1), ("bang_khen", 2), ("tap_the_ldxs", 0)):
        Quota.objects.create(cluster=world.cluster_a, year=world.year, award=award, count=count)
    return world


def _announce(world, cluster=None):
    Proposal.objects.create(
        cluster=cluster or world.cluster_a, year=world.year, announced_at=timezone.now()
    )


def _get(client, world, who, view):
    if who != "anonymous":
        client.force_login(getattr(world, who))
    return client.get(_url(view))


# --- Who sees the results --------------------------------------------------


BEFORE_ANNOUNCEMENT = {
    "staff": 200,
    "other_staff": 403,
    "head": 200,
    "deputy": 403,
    "member": 403,
    "other_member": 403,
    "other_head": 403,
    "admin": 200,
}


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize(("who", "status"), BEFORE_ANNOUNCEMENT.items())
def test_access_before_announcement(client, scored, view, who, status):
    assert _get(client, scored, who, view).status_code == status


AFTER_ANNOUNCEMENT = {**BEFORE_ANNOUNCEMENT, "deputy": 200, "member": 200}


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize(("who", "status"), AFTER_ANNOUNCEMENT.items())
def test_access_after_announcement(client, scored, view, who, status):
    _announce(scored)
    assert _get(client, scored, who, view).status_code == status


@pytest.mark.parametrize("view", VIEWS)
def test_anonymous_visitor_is_sent_to_login(client, scored, view):
    response = _get(client, scored, "anonymous", view)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("view", VIEWS)
def test_delegated_deputy_sees_results_before_announcement(client, scored, view):
    Membership.objects.filter(unit=scored.a_deputy).update(acts_for_head=True)
    assert _get(client, scored, "deputy", view).status_code == 200


def test_member_cannot_see_results_of_an_unannounced_proposal(client, scored):
    Proposal.objects.create(cluster=scored.cluster_a, year=scored.year)
    assert _get(client, scored, "member", "page").status_code == 403


def test_announcement_of_another_cluster_does_not_open_this_one(client, scored):
    _announce(scored, scored.cluster_b)
    assert _get(client, scored, "member", "page").status_code == 403


def test_member_is_told_results_are_not_announced(scored):
    with pytest.raises(PermissionDenied, match=r"Điểm của cụm, khối chưa được thống nhất"):
        get_cluster_for_results(scored.member, "CUM-A", scored.year)
    with pytest.raises(PermissionDenied, match="không có quyền xem kết quả"):
        get_cluster_for_results(scored.other_member, "CUM-A", scored.year)


def test_unknown_cluster_or_year_is_404(client, scored):
    client.force_login(scored.staff)
    assert client.get(_url("page", code="KHONG-CO")).status_code == 404
    assert client.get(_url("page", year=1999)).status_code == 404
    assert client.get(_url("page") + "tai-ve.pdf").status_code == 404


# --- What the page shows ---------------------------------------------------


def _table_rows(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return body.split("<tr>")[1:]


def test_page_shows_ranks_totals_and_vietnamese_labels(client, scored):
    client.force_login(scored.staff)
    page = client.get(_url("page")).content.decode()
    assert "Kết quả chấm điểm – Cụm thi đua các huyện – năm 2025" in page
    rows = _table_rows(page)
    assert [r.split("UBND ", 1)[1].split("<", 1)[0] for r in rows] == [
        "thành phố Bắc Giang",
        "huyện Hiệp Hòa",
        "huyện Việt Yên",
        "huyện Lạng Giang",
    ]
    tpbg, hh, vy, lg = rows
    assert '<td class="num">1</td>' in tpbg and "965,30" in tpbg and "545,30" in tpbg
    assert "20,00" in tpbg  # bonus
    assert "Đủ điều kiện" in tpbg and "Cờ thi đua của UBND tỉnh" in tpbg
    assert '<td class="num">2</td>' in hh and "930,00" in hh
    assert "Chưa xét" in hh and "Đang bị xem xét kỷ luật" in hh
    assert '<td class="num">3</td>' in vy and "905,00" in vy and "5,00" in vy
    assert "Bằng khen của Chủ tịch UBND tỉnh" in vy
    assert '<td class="num">4</td>' in lg and "860,00" in lg and "Không xét" in lg
    assert "Không đăng ký tham gia thi đua" in lg and "An toàn về an ninh trật tự" in lg
    assert "965.30" not in page
    assert "Chỉ tiêu: Cờ thi đua 1, Bằng khen 2, Tập thể LĐXS 0" in page
    for fmt in ("xlsx", "csv", "json"):
        assert _url(fmt) in page
    assert "<script>" not in page


def test_tie_across_a_boundary_is_highlighted_as_needing_a_vote(client, world):
    criteria = _scorecard(world.cluster_b, world.year)
    for unit in (world.b_head, world.b_member):
        _scores(_membership(world, unit), criteria, "540", "190", "190")
    Quota.objects.create(cluster=world.cluster_b, year=world.year, award="co_thi_dua", count=1)
    client.force_login(world.other_staff)
    page = client.get(_url("page", code="KHOI-B")).content.decode()
    assert page.count('<span class="badge text-bg-warning">Cần bỏ phiếu</span>') == 2
    Vote.objects.create(membership=_membership(world, world.b_head), votes=7)
    Vote.objects.create(membership=_membership(world, world.b_member), votes=3)
    page = client.get(_url("page", code="KHOI-B")).content.decode()
    assert "Cần bỏ phiếu" not in page and "Cờ thi đua của UBND tỉnh" in page


def test_cluster_without_issued_scorecard_shows_a_notice_and_no_table(client, world):
    Scorecard.objects.create(cluster=world.cluster_a, year=world.year)  # still a draft
    client.force_login(world.staff)
    page = client.get(_url("page")).content.decode()
    assert "Cụm, khối chưa có bảng chấm điểm được ban hành cho năm này." in page
    assert "<table" not in page and _url("xlsx") not in page
    assert client.get(_url("xlsx")).status_code == 404


# --- Downloads -------------------------------------------------------------


def test_xlsx_download_has_vietnamese_header_and_totals(client, scored):
    client.force_login(scored.head)
    response = client.get(_url("xlsx"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"] == 'attachment; filename="ket-qua-CUM-A-2025.xlsx"'
    sheet = load_workbook(BytesIO(response.content))["Xếp hạng"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Cụm, khối", "Hạng", "Mã đơn vị", "Đơn vị")
    assert rows[0][10:] == ("Tổng điểm", "Xếp loại", "Lý do", "Danh hiệu")
    assert [(r[1], r[2], r[10]) for r in rows[1:]] == [
        (1, "TPBG", 965.3),
        (2, "HH", 930),
        (3, "VY", 905),
        (4, "LG", 860),
    ]


def test_csv_download_parses_with_the_header(client, scored):
    client.force_login(scored.admin)
    response = client.get(_url("csv"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="ket-qua-CUM-A-2025.csv"'
    # UTF-8 with a byte order mark, which Excel needs to read Vietnamese (#12).
    rows = list(csv.DictReader(StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["Mã đơn vị"], r["Tổng điểm"], r["Xếp loại"]) for r in rows] == [
        ("TPBG", "965.30", "Đủ điều kiện"),
        ("HH", "930.00", "Chưa xét"),
        ("VY", "905.00", "Đủ điều kiện"),
        ("LG", "860.00", "Không xét"),
    ]
    assert rows[2]["Danh hiệu"] == "Bằng khen của Chủ tịch UBND tỉnh"


def test_json_download_is_the_results_document_of_the_cluster(client, scored):
    _announce(scored)
    client.force_login(scored.member)
    response = client.get(_url("json"))
    assert response["Content-Disposition"] == 'attachment; filename="ket-qua-CUM-A-2025.json"'
    expected = results_document(scored.year, [cluster_results(scored.cluster_a, scored.year)])
    assert json.loads(response.content) == expected
    assert expected["format"] == "thidua-results/1"
    assert [u["unit"] for u in expected["clusters"][0]["units"]] == ["TPBG", "HH", "VY", "LG"]


# --- Query count -----------------------------------------------------------

# The page reads each kind of record once: session, user, year, cluster, and
# the fixed set of scoring/awards queries (the participation records and the
# year's deadlines: two). An N+1 over 30 units would add 27+.
# + the proposal for "tạm tính" / "chính thức" (issue 13), + the registered plans (#15),
# + four that count the items overdue beside "Việc cần làm" in the bar (issue 15),
# + the year switch and the units' extensions read by the participation facts (#14),
# + the results' revision, read before and after a first computation (#17),
# + the bell's unread notifications (#15), + the year's guidances (#16).
PAGE_QUERIES = 31


def _big_cluster(world, units: int, per_section: int):
    cluster = ClusterFactory(authority=world.snv)
    criteria = _scorecard(cluster, world.year, per_section)
    for n in range(units):
        role = Membership.Role.HEAD if n == 0 else Membership.Role.MEMBER
        membership = MembershipFactory(
            cluster=cluster, year=world.year, unit=UnitFactory(), role=role
        )
        _scores(membership, criteria, *(c.points - n % 3 for c in criteria))
        Bonus.objects.create(membership=membership, kind="council", points=Decimal(5))
        Deduction.objects.create(membership=membership, kind="member_duty", reason="Chậm")
        Participation.objects.create(
            membership=membership, pledge_signed=n % 7 != 3, pledge_signed_source="import"
        )
        Flag.objects.create(membership=membership, kind="defer", reason="under_review")
        Vote.objects.create(membership=membership, votes=n)
    Quota.objects.create(cluster=cluster, year=world.year, award="co_thi_dua", count=1)
    Quota.objects.create(cluster=cluster, year=world.year, award="bang_khen", count=2)
    return cluster


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize(("units", "per_section"), [(3, 1), (30, 5)])
def test_query_count_does_not_grow_with_units_or_criteria(
    client, world, django_assert_max_num_queries, view, units, per_section
):
    cluster = _big_cluster(world, units, per_section)
    client.force_login(world.staff)
    with django_assert_max_num_queries(PAGE_QUERIES):
        response = client.get(_url(view, code=cluster.code))
    assert response.status_code == 200
    if view == "page":
        assert len(_table_rows(response.content.decode())) == units


# --- The reference dataset -------------------------------------------------


def test_imported_reference_dataset_matches_its_expected_results(client, db):
    from django.core.management import call_command

    from tests.factories import UserFactory

    data = Path(__file__).resolve().parents[1] / "data"
    call_command("import_dataset", str(data / "01-cum-huyen-basic.json"))
    expected = json.loads((data / "01-cum-huyen-basic.expected.json").read_text("utf-8"))
    client.force_login(UserFactory(is_superuser=True))
    response = client.get(_url("json", code="CUM-HUYEN"))
    assert json.loads(response.content) == expected
    page = client.get(_url("page", code="CUM-HUYEN")).content.decode()
    first = _table_rows(page)[0]
    assert "UBND huyện Việt Yên" in first and "970,30" in first


# --- Names that look like formulas stay text (#12) ---------------------------

FORMULA_NAMES = {
    "HH": '=HYPERLINK("http://x.invalid","Bấm")',
    "LG": "+1+2",
    "VY": "@SUM(A1)",
    "TPBG": "-2+3",
}


def _formula_names() -> None:
    from clusters.models import Unit

    for code, name in FORMULA_NAMES.items():
        Unit.objects.filter(code=code).update(name=name)


def test_xlsx_download_writes_formula_like_names_as_text(client, scored):
    _formula_names()
    client.force_login(scored.head)
    sheet = load_workbook(BytesIO(client.get(_url("xlsx")).content))["Xếp hạng"]
    rows = {row[2].value: row for row in sheet.iter_rows(min_row=2)}
    for code, name in FORMULA_NAMES.items():
        assert (rows[code][3].value, rows[code][3].data_type) == (name, "s")
    assert (rows["TPBG"][10].value, rows["TPBG"][10].data_type) == (965.3, "n")


def test_csv_download_has_a_bom_for_excel_and_neutralised_names(client, scored):
    _formula_names()
    client.force_login(scored.head)
    content = client.get(_url("csv")).content
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(StringIO(content.decode("utf-8-sig"))))
    assert {r["Mã đơn vị"]: r["Đơn vị"] for r in rows} == {
        code: f"'{name}" for code, name in FORMULA_NAMES.items()
    }
    assert rows[0]["Tổng điểm"] == "965.30"
