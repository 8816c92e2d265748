"""The province's year at a glance (awards/province.py, tinh/<year>/): progress,
awards against quotas, the totals compared, the workbook, and who sees what."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from awards import services
from awards.province import province_summary
from clusters.models import Cluster, Membership, Participation, Registration
from scoring.models import Score, ScoreAgreement, Sheet
from tests.awards.test_review_views import (
    give_total,
    issue_scorecard,
    member_of,
    score_cluster,
    set_quotas,
)
from tests.factories import ClusterFactory, MembershipFactory, UnitFactory, hold_annual_conference

pytestmark = pytest.mark.django_db

YEAR = 2025


def page_url(year: int = YEAR) -> str:
    return reverse("province", args=[year])


def download_url(year: int = YEAR) -> str:
    return reverse("province_download", args=[year])


@pytest.fixture
def province(world):
    """Cluster A (Sở Nội vụ) live: TPBG 945 the flag, VY 930 and HH 920 certificates,
    LG 880 below 900; HH registered and submitted its sheet; scores agreed.

    Block B (another authority) submitted its proposal with NQ 910 the flag and
    GH 890 nothing; GH's score was raised to 950 after: the live allocation would
    now give NQ the certificate, the proposal keeps what was proposed."""
    score_cluster(world, world.cluster_a, {"TPBG": "945", "VY": "930", "HH": "920", "LG": "880"})
    set_quotas(world.cluster_a, world.year, flag=1, merit=2)
    hh, vy, lg = (member_of(world, code) for code in ("HH", "VY", "LG"))
    Registration.objects.create(membership=hh, status=Registration.Status.SUBMITTED)
    Registration.objects.create(membership=vy, status=Registration.Status.DRAFT)
    Sheet.objects.create(membership=hh, status=Sheet.Status.SUBMITTED)
    Sheet.objects.create(membership=lg, status=Sheet.Status.DRAFT)
    ScoreAgreement.objects.create(
        cluster=world.cluster_a, year=world.year, agreed_at=timezone.now(), agreed_by=world.head
    )
    # The R27 facts as given (a dataset import): the registrations above count
    # for the progress, not as the only records of the year.
    for membership in Membership.objects.filter(cluster=world.cluster_a):
        Participation.objects.create(membership=membership)

    score_cluster(world, world.cluster_b, {"NQ": "910", "GH": "890"})
    set_quotas(world.cluster_b, world.year, flag=1, merit=1)
    hold_annual_conference(world.cluster_b, world.year)
    services.proposal_submit(cluster=world.cluster_b, year=world.year, user=world.other_head)
    Score.objects.filter(membership=member_of(world, "GH"), criterion__section="I").update(
        points=Decimal(550)
    )
    return world


# ---------------------------------------------------------------------------
# The summary


def test_progress_and_totals_of_two_clusters(province):
    summary = province_summary(province.year, Cluster.objects.all())
    a, b = summary.lines
    assert (a.cluster.code, b.cluster.code) == ("CUM-A", "KHOI-B")
    assert (a.members, a.registrations, a.sheets) == (4, 1, 1)
    assert (b.members, b.registrations, b.sheets) == (2, 0, 0)
    assert a.scorecard_label == b.scorecard_label == "Đã ban hành (bản 1)"
    assert (a.agreed, b.agreed) == (True, False)
    assert a.proposal_label == "Chưa lập hồ sơ"
    assert b.proposal_label == "Đã trình Sở Nội vụ"

    assert [(x.award, x.quota, x.count) for x in a.awards] == [
        ("co_thi_dua", 1, 1),
        ("bang_khen", 2, 2),
        ("tap_the_ldxs", 0, 0),
    ]
    assert (a.frozen, a.awards_source) == (False, "Phân bổ hiện tại")
    # B's proposal is frozen: NQ's flag as proposed, not the live certificate.
    assert [(x.award, x.quota, x.count) for x in b.awards] == [
        ("co_thi_dua", 1, 1),
        ("bang_khen", 1, 0),
        ("tap_the_ldxs", 0, 0),
    ]
    assert (b.frozen, b.awards_source) == (True, "Theo hồ sơ đã trình")
    assert [(x.award, x.quota, x.count) for x in summary.awards] == [
        ("co_thi_dua", 2, 2),
        ("bang_khen", 3, 2),
        ("tap_the_ldxs", 0, 0),
    ]
    assert (summary.members, summary.registrations, summary.sheets) == (6, 1, 1)
    assert (summary.issued, summary.agreed, summary.proposed) == (2, 1, 1)

    spread = a.spread
    assert (spread.units, spread.lowest, spread.median, spread.highest, spread.mean) == (
        4,
        Decimal("880.00"),
        Decimal("925.00"),
        Decimal("945.00"),
        Decimal("918.75"),
    )
    assert (b.spread.lowest, b.spread.median, b.spread.highest) == (
        Decimal("910.00"),
        Decimal("930.00"),
        Decimal("950.00"),
    )


def test_a_cluster_without_an_issued_scorecard_has_no_spread_and_no_bar(world):
    score_cluster(world, world.cluster_a, {"TPBG": "945", "HH": "900"})
    summary = province_summary(world.year, Cluster.objects.all())
    a, b = summary.lines
    assert a.spread is not None and b.spread is None
    assert b.scorecard_label == "Chưa xây dựng"
    assert [bar.label for bar in summary.chart.bars] == ["CUM-A"]


def test_a_cluster_without_scores_is_not_plotted_at_zero(client, world):
    """#15: a block with an issued scorecard and no scores is "chưa có điểm", not
    a bar at 0,00; units without scores are left out of their cluster's spread."""
    score_cluster(world, world.cluster_a, {"TPBG": "945", "HH": "900"})
    issue_scorecard(world.cluster_b, world.year)
    summary = province_summary(world.year, Cluster.objects.all())
    a, b = summary.lines
    assert (a.spread.units, a.spread.lowest, a.spread.highest) == (
        2,
        Decimal("900.00"),
        Decimal("945.00"),
    )
    assert b.scorecard_issued and b.spread is None
    assert [bar.label for bar in summary.chart.bars] == ["CUM-A"]
    assert summary.chart.ticks[0][1] == "800"  # the axis is not stretched to 0

    client.force_login(world.staff)
    page = client.get(page_url()).content.decode()
    spread = page.split("province-spread")[1].split("</table>")[0]
    assert "Khối các trường" in spread and "chưa có điểm" in spread
    workbook = load_workbook(BytesIO(client.get(download_url()).content))
    rows = {row[0].value: [c.value for c in row] for row in workbook["Tiến độ"].iter_rows()}
    assert rows["CUM-A"][9:] == [900, 922.5, 945, 922.5]
    assert rows["KHOI-B"][9:] == ["Chưa có điểm", None, None, None]


def test_the_page_shows_progress_awards_and_the_chart(client, province):
    client.force_login(province.staff)
    page = client.get(page_url()).content.decode()
    assert "Toàn tỉnh: mọi cụm, khối thi đua" in page
    progress = page.split("province-progress")[1].split("</table>")[0]
    assert '<td class="num">1/4</td>' in progress  # registrations and sheets of A
    assert '<td class="num">0/2</td>' in progress
    assert "Đã trình Sở Nội vụ" in progress and "Chưa lập hồ sơ" in progress
    awards = page.split("province-awards")[1].split("</table>")[0]
    assert "Theo hồ sơ đã trình" in awards and "Phân bổ hiện tại" in awards
    assert '<td class="num">2/3</td>' in awards  # the province's certificates: 2 of 3
    svg = page.split('<svg class="province-chart"')[1].split("</svg>")[0]
    assert svg.count("<rect") == 4  # a range and a median marker per cluster
    assert "Cụm thi đua các huyện: thấp nhất 880,00, trung vị 925,00" in svg
    assert "<script" not in page.split("<main")[1].split("</main>")[0]


def test_the_workbook_has_the_vietnamese_headers_and_the_figures(client, province):
    client.force_login(province.staff)
    response = client.get(download_url())
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="toan-tinh-2025.xlsx"')
    workbook = load_workbook(BytesIO(response.content))
    assert workbook.sheetnames == ["Tiến độ", "Khen thưởng và chỉ tiêu", "Xếp hạng"]
    progress = [[c.value for c in row] for row in workbook["Tiến độ"].iter_rows()]
    assert progress[0] == [
        "Mã",
        "Cụm, khối",
        "Cơ quan hướng dẫn",
        "Số đơn vị",
        "Bảng chấm điểm",
        "Đăng ký thi đua đã gửi",
        "Phiếu tự chấm đã nộp",
        "Thống nhất điểm",
        "Hồ sơ đề nghị khen thưởng",
        "Tổng điểm thấp nhất",
        "Tổng điểm trung vị",
        "Tổng điểm cao nhất",
        "Tổng điểm bình quân",
    ]
    assert progress[1][:7] == [
        "CUM-A",
        "Cụm thi đua các huyện",
        "Sở Nội vụ tỉnh Bắc Giang",
        4,
        "Đã ban hành (bản 1)",
        1,
        1,
    ]
    assert progress[1][9:] == [880, 925, 945, 918.75]
    assert progress[-1][0] == "Toàn tỉnh" and progress[-1][3] == 6
    awards = [[c.value for c in row] for row in workbook["Khen thưởng và chỉ tiêu"].iter_rows()]
    assert awards[0] == [
        "Mã",
        "Cụm, khối",
        "Nguồn số liệu",
        "Cờ thi đua – chỉ tiêu",
        "Cờ thi đua – đề nghị",
        "Bằng khen – chỉ tiêu",
        "Bằng khen – đề nghị",
        "Tập thể LĐXS – chỉ tiêu",
        "Tập thể LĐXS – đề nghị",
        "Cần bỏ phiếu",
    ]
    assert awards[2] == ["KHOI-B", "Khối các trường", "Theo hồ sơ đã trình", 1, 1, 1, 0, 0, 0, 0]
    assert awards[-1] == ["Toàn tỉnh", None, None, 2, 2, 3, 2, 0, 0, 0]
    ranking = [[c.value for c in row] for row in workbook["Xếp hạng"].iter_rows()]
    assert ranking[0][:4] == ["Cụm, khối", "Hạng", "Mã đơn vị", "Đơn vị"]
    assert [row[2] for row in ranking[1:]] == ["TPBG", "VY", "HH", "LG", "GH", "NQ"]


def test_the_workbook_writes_formula_like_names_as_text(client, province):
    # #12: a cluster or unit name starting with "=", "+", "-" or "@" is text, not a formula.
    from clusters.models import Unit

    Cluster.objects.filter(code="KHOI-B").update(name="=1+2")
    Unit.objects.filter(code="HH").update(name='=HYPERLINK("http://x.invalid","Bấm")')
    Unit.objects.filter(code="LG").update(name="@SUM(A1)")
    client.force_login(province.staff)
    workbook = load_workbook(BytesIO(client.get(download_url()).content))
    progress = {row[0].value: row for row in workbook["Tiến độ"].iter_rows(min_row=2)}
    assert (progress["KHOI-B"][1].value, progress["KHOI-B"][1].data_type) == ("=1+2", "s")
    ranking = {row[2].value: row for row in workbook["Xếp hạng"].iter_rows(min_row=2)}
    assert ranking["HH"][3].data_type == ranking["LG"][3].data_type == "s"
    assert ranking["HH"][3].value == '=HYPERLINK("http://x.invalid","Bấm")'
    assert ranking["HH"][10].data_type == "n"  # numbers stay numbers


# ---------------------------------------------------------------------------
# Who sees what


def test_staff_of_another_authority_sees_only_its_clusters(client, province):
    client.force_login(province.other_staff)
    page = client.get(page_url()).content.decode()
    assert "KHOI-B" in page and "CUM-A" not in page
    assert "Các cụm, khối do Sở Giáo dục và Đào tạo hướng dẫn" in page
    workbook = load_workbook(BytesIO(client.get(download_url()).content))
    codes = [row[0].value for row in workbook["Tiến độ"].iter_rows(min_row=2)]
    assert codes == ["KHOI-B", "Toàn tỉnh"]


@pytest.mark.parametrize("who", ["staff", "admin"])
def test_provincial_staff_and_superusers_see_every_cluster(client, province, who):
    client.force_login(getattr(province, who))
    page = client.get(page_url()).content.decode()
    assert "CUM-A" in page and "KHOI-B" in page


@pytest.mark.parametrize("who", ["head", "deputy", "member", "other_head", "other_member"])
def test_unit_users_are_refused(client, province, who):
    client.force_login(getattr(province, who))
    assert client.get(page_url()).status_code == 403
    assert client.get(download_url()).status_code == 403
    assert client.get(reverse("province_current")).status_code == 403


def test_anonymous_visitor_is_sent_to_login(client, province):
    for url in (page_url(), download_url(), reverse("province_current")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_the_nav_and_the_staff_home_link_the_province(client, province):
    client.force_login(province.staff)
    response = client.get(reverse("province_current"))
    assert response.status_code == 302 and response["Location"] == page_url()
    home = client.get(reverse("home")).content.decode()
    assert reverse("province_current") in home and page_url() in home
    client.force_login(province.member)
    assert reverse("province_current") not in client.get(reverse("home")).content.decode()


def test_an_unknown_year_is_not_found(client, province):
    client.force_login(province.staff)
    assert client.get(page_url(1999)).status_code == 404


# ---------------------------------------------------------------------------
# A fixed number of queries


def grow(world, clusters: int, units: int) -> None:
    """Clusters of Sở Nội vụ with `units` members each, every kind of record
    present: scores, quotas, registrations, sheets, an agreement, a proposal."""
    existing = list(Cluster.objects.filter(code__startswith="Q-").order_by("code"))
    for index in range(clusters):
        if index < len(existing):
            cluster = existing[index]
            criteria = list(cluster.scorecards.get().criteria.order_by("order"))
        else:
            cluster = ClusterFactory(code=f"Q-{index:02d}", authority=world.snv)
            criteria = issue_scorecard(cluster, world.year)
            set_quotas(cluster, world.year, flag=1, merit=2, labour=1)
            ScoreAgreement.objects.create(
                cluster=cluster, year=world.year, agreed_at=timezone.now()
            )
        members = Membership.objects.filter(cluster=cluster, year=world.year).count()
        for number in range(members, units):
            unit = UnitFactory(code=f"{cluster.code}-{number:02d}")
            membership = MembershipFactory(
                cluster=cluster,
                year=world.year,
                unit=unit,
                role=Membership.Role.HEAD if number == 0 else Membership.Role.MEMBER,
            )
            give_total(membership, criteria, str(960 - 7 * number))
            Registration.objects.create(membership=membership, status=Registration.Status.SUBMITTED)
            Sheet.objects.create(membership=membership, status=Sheet.Status.SUBMITTED)
            Participation.objects.create(membership=membership)
        if index % 2 == 0 and not cluster.proposals.exists():
            head = Membership.objects.get(cluster=cluster, year=world.year, role="head")
            user = type(world.head).objects.create(username=f"head-{cluster.code}", unit=head.unit)
            hold_annual_conference(cluster, world.year)
            services.proposal_submit(cluster=cluster, year=world.year, user=user)


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_queries_do_not_grow_with_clusters_or_units(client, province):
    client.force_login(province.staff)
    grow(province, clusters=2, units=3)
    small = (count_queries(client, page_url()), count_queries(client, download_url()))
    grow(province, clusters=6, units=10)
    assert Membership.objects.filter(cluster__code__startswith="Q-").count() == 60
    large = (count_queries(client, page_url()), count_queries(client, download_url()))
    assert small == large


def test_queries_are_the_same_for_4_and_40_clusters(client, province):
    """The province's scale (#17): 40 clusters read with the queries of 4,
    the page (which computes the results) and its workbook (which reads them
    cached) alike, the staff's count in the bar included."""
    client.force_login(province.staff)
    grow(province, clusters=2, units=2)
    assert Cluster.objects.count() == 4
    small = (count_queries(client, page_url()), count_queries(client, download_url()))
    grow(province, clusters=38, units=2)
    assert Cluster.objects.count() == 40
    large = (count_queries(client, page_url()), count_queries(client, download_url()))
    assert small == large


# ---------------------------------------------------------------------------
# Each cluster under its own guidance (#16)


def _blocks_under_their_own_guidance(world) -> None:
    """The blocks' own guidance: threshold 880; the clusters keep the year's 900."""
    from scoring.guidances import apply_regulation
    from scoring.regulation import regulation_from_json

    blocks = regulation_from_json({"code": "KHOI-2025", "threshold": 880})
    apply_regulation(world.year, blocks, cluster_kind="khoi")


def test_each_cluster_follows_its_own_guidance(client, province):
    _blocks_under_their_own_guidance(province)

    summary = province_summary(province.year, Cluster.objects.all())

    thresholds = {bar.label: bar.threshold_text for bar in summary.chart.bars}
    assert thresholds == {"CUM-A": "900", "KHOI-B": "880"}
    client.force_login(province.staff)
    page = client.get(page_url()).content.decode()
    svg = page.split('<svg class="province-chart"')[1].split("</svg>")[0]
    assert "ngưỡng 880" in svg and "ngưỡng 900" in svg
    assert "ngưỡng 900 điểm (Hướng dẫn" not in page
    khoi = next(r for r in summary.results if r.cluster.code == "KHOI-B")
    assert khoi.regulation.threshold == 880


def test_queries_do_not_grow_with_clusters_under_their_own_guidance(client, province):
    _blocks_under_their_own_guidance(province)
    client.force_login(province.staff)
    grow(province, clusters=2, units=3)
    small = (count_queries(client, page_url()), count_queries(client, download_url()))
    for cluster in Cluster.objects.filter(code__startswith="Q-")[:1]:
        cluster.kind = "khoi"
        cluster.save()
    grow(province, clusters=6, units=10)
    large = (count_queries(client, page_url()), count_queries(client, download_url()))
    assert small == large


def test_an_award_only_a_kinds_guidance_gives_has_its_column(client, province):
    """The year's guidance gives two awards; the blocks' own the three of 2022:
    the LĐXS title of the blocks is counted, in a column of its own."""
    from scoring.guidances import apply_regulation
    from scoring.models import Quota
    from scoring.regulation import regulation_from_json

    Quota.objects.filter(cluster=province.cluster_a, award="tap_the_ldxs").delete()
    year_block = {"code": "NAM-2025", "awards": ["co_thi_dua", "bang_khen"]}
    apply_regulation(province.year, regulation_from_json(year_block))
    blocks = regulation_from_json({"code": "KHOI-2025"})
    apply_regulation(province.year, blocks, cluster_kind="khoi")

    summary = province_summary(province.year, Cluster.objects.all())

    assert [a.award for a in summary.awards] == ["co_thi_dua", "bang_khen", "tap_the_ldxs"]
    for line in summary.lines:
        assert [a.award for a in line.awards] == ["co_thi_dua", "bang_khen", "tap_the_ldxs"]
    client.force_login(province.staff)
    awards = client.get(page_url()).content.decode().split("province-awards")[1]
    assert "Tập thể LĐXS" in awards.split("</table>")[0]
    workbook = load_workbook(BytesIO(client.get(download_url()).content))
    header = [c.value for c in next(workbook["Khen thưởng và chỉ tiêu"].iter_rows())]
    assert "Tập thể LĐXS – chỉ tiêu" in header


# ---------------------------------------------------------------------------
# A new award and a new reason named by the guidance's labels (#16)

NEW_AWARD = "Cờ thi đua của tỉnh"
NEW_REASON = "Không hoàn thành chuyển đổi số"
RELABELLED = "Bằng khen của UBND tỉnh Bắc Ninh"


@pytest.fixture
def labelled(province):
    """The year's guidance gives a new first award (TPBG's) and renames the
    certificate; VY is excluded for a reason of its own."""
    from scoring.guidances import apply_regulation
    from scoring.models import Flag, Quota
    from scoring.regulation import regulation_from_json

    block = {
        "code": "BN-2025",
        "awards": ["co_thi_dua_tinh", "bang_khen"],
        "exclusion_reasons": ["security", "khong_chuyen_doi_so"],
    }
    guidance = apply_regulation(province.year, regulation_from_json(block))
    guidance.labels = {
        "awards": {"co_thi_dua_tinh": NEW_AWARD, "bang_khen": RELABELLED},
        "reasons": {"khong_chuyen_doi_so": NEW_REASON},
    }
    guidance.save()
    Quota.objects.filter(award="tap_the_ldxs").delete()
    Quota.objects.filter(award="co_thi_dua").update(award="co_thi_dua_tinh")
    Flag.objects.create(
        membership=member_of(province, "VY"), kind="exclude", reason="khong_chuyen_doi_so"
    )
    return province


def test_the_page_names_a_new_or_renamed_award_by_its_label(client, labelled):
    client.force_login(labelled.staff)

    page = client.get(page_url()).content.decode()

    header = page.split("province-awards")[1].split("</thead>")[0]
    assert NEW_AWARD in header and RELABELLED in header
    assert "co_thi_dua_tinh" not in page


def test_the_workbook_names_a_new_award_and_reason_by_their_labels(client, labelled):
    client.force_login(labelled.staff)

    workbook = load_workbook(BytesIO(client.get(download_url()).content))

    header = [c.value for c in next(workbook["Khen thưởng và chỉ tiêu"].iter_rows())]
    assert f"{NEW_AWARD} – chỉ tiêu" in header and f"{RELABELLED} – đề nghị" in header
    cells = [c for sheet in workbook for row in sheet.iter_rows(values_only=True) for c in row]
    texts = [c for c in cells if isinstance(c, str)]
    assert NEW_AWARD in texts  # TPBG's award in the ranking
    assert any(NEW_REASON in c for c in texts)  # VY's exclusion
    assert not any("co_thi_dua_tinh" in c or "khong_chuyen_doi_so" in c for c in texts)
