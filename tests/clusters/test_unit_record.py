"""A unit's record over the years (#14, #16): its years and its predecessors',
marked as theirs; who may read it; the rotation of heads following the chain."""

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from awards.models import Decision, DecisionLine, Proposal, ProposalItem
from clusters.models import Conference, ExemplaryModel, Membership, Succession
from clusters.services import election_candidates, prior_role_add, succession_record
from tests.factories import ClusterFactory, MembershipFactory, UnitFactory, YearFactory

pytestmark = pytest.mark.django_db


def _merge(new, *olds):
    for old in olds:
        succession_record(
            successor=new,
            predecessor=old,
            kind=Succession.Kind.MERGED,
            effective_on=date(2025, 7, 1),
            decision_number="1658/NQ-UBTVQH15",
            decision_date=date(2025, 6, 16),
            decision_body="Ủy ban Thường vụ Quốc hội",
            user=None,
        )


def _propose(membership, *, rank, total, award, decided=False):
    proposal, _ = Proposal.objects.get_or_create(
        cluster=membership.cluster,
        year=membership.year,
        defaults={
            "status": Proposal.Status.DECIDED if decided else Proposal.Status.SUBMITTED,
        },
    )
    ProposalItem.objects.create(
        proposal=proposal,
        membership=membership,
        rank=rank,
        total=Decimal(total),
        status="eligible",
        award=award,
    )
    if decided:
        decision, _ = Decision.objects.get_or_create(
            proposal=proposal,
            number="123/QĐ-UBND",
            defaults={"date": date(2026, 1, 20), "signer": "Nguyễn Văn A"},
        )
        DecisionLine.objects.create(decision=decision, membership=membership, award=award)


@pytest.fixture
def merged(world):
    """XN (2026, in CUM-XP of world.year+1) formed from XA (head of CUM-XA in 2025,
    Cờ thi đua decided) and XB (member, Bằng khen proposed)."""
    old_cluster = ClusterFactory(code="CUM-XA", name="Cụm các xã cũ")
    xa = UnitFactory(code="XA", name="UBND xã An", kind="commune")
    xb = UnitFactory(code="XB", name="UBND xã Bình", kind="commune")
    xa_2025 = MembershipFactory(cluster=old_cluster, year=world.year, unit=xa, role="head")
    xb_2025 = MembershipFactory(cluster=old_cluster, year=world.year, unit=xb)
    _propose(xa_2025, rank=1, total="975.5", award="co_thi_dua", decided=True)
    _propose(xb_2025, rank=2, total="950.25", award="bang_khen", decided=True)
    xn = UnitFactory(code="XN", name="UBND xã Mới", kind="commune")
    _merge(xn, xa, xb)
    year_2026 = YearFactory(year=2026)
    new_cluster = ClusterFactory(code="CUM-XP", name="Cụm các xã, phường")
    MembershipFactory(cluster=new_cluster, year=year_2026, unit=xn, role="member")
    other = MembershipFactory(cluster=new_cluster, year=year_2026, role="head")
    MembershipFactory(cluster=new_cluster, year=year_2026, role="deputy")
    return {"xn": xn, "xa": xa, "cluster": new_cluster, "year": year_2026, "other": other}


def test_the_new_commune_sees_its_predecessors_years_marked_as_theirs(client, world, merged):
    client.force_login(world.staff)
    page = client.get(reverse("unit_record", args=["XN"])).content.decode()
    assert "Cụm các xã, phường" in page
    assert "(của UBND xã An)" in page and "(của UBND xã Bình)" in page
    assert "975,50" in page and "950,25" in page  # Vietnamese figures
    assert "Cờ thi đua" in page and "123/QĐ-UBND" in page
    assert "Chưa trình" in page  # 2026, not proposed yet


def test_the_record_downloads_as_a_workbook(client, world, merged):
    client.force_login(world.staff)
    response = client.get(reverse("unit_record_download", args=["XN"]))
    sheet = load_workbook(BytesIO(response.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]
    assert [r[0] for r in rows] == [2026, 2025, 2025]
    assert rows[1][1] == "UBND xã An (của UBND xã An)"
    assert rows[1][4] == Decimal("975.5") or rows[1][4] == 975.5


def test_the_successor_reads_its_predecessors_record_but_no_other_unit(client, world, merged):
    from tests.factories import UserFactory

    client.force_login(UserFactory(unit=merged["xn"]))
    assert client.get(reverse("unit_record", args=["XN"])).status_code == 200
    assert client.get(reverse("unit_record", args=["XA"])).status_code == 200
    assert client.get(reverse("unit_record", args=["HH"])).status_code == 403


def test_the_head_reads_its_members_record_not_another_clusters(client, world, merged):
    client.force_login(world.head)
    assert client.get(reverse("unit_record", args=["HH"])).status_code == 200
    assert client.get(reverse("unit_record", args=["GH"])).status_code == 403
    client.force_login(world.other_staff)
    assert client.get(reverse("unit_record", args=["HH"])).status_code == 403


def test_the_records_queries_do_not_grow_with_years_and_predecessors(
    client, world, merged, django_assert_max_num_queries
):
    client.force_login(world.staff)
    url = reverse("unit_record", args=["XN"])
    # The bell's unread notifications (#15), the decisions per unit, the roles
    # entered from the old records and the exemplary models (#14): 18.
    with django_assert_max_num_queries(18) as few:
        client.get(url)
    for n in range(4):  # four more generations, each with a year
        older = UnitFactory()
        year = YearFactory(year=2018 + n)
        # Each year under its own guidance, with an award of its own (#16).
        award = f"giai_{n}"
        block = {"code": f"HD-{2018 + n}", "awards": [award, "bang_khen"]}
        _guidance(year, block, {"awards": {award: f"Giải thưởng năm {2018 + n}"}})
        _propose(
            MembershipFactory(year=year, unit=older, role="head"),
            rank=1,
            total="950",
            award=award,
            decided=True,
        )
        succession_record(
            successor=merged["xa"] if n == 0 else previous,  # noqa: F821
            predecessor=older,
            kind=Succession.Kind.RENAMED,
            effective_on=date(2019 - n, 1, 1),
            decision_number=str(n),
            decision_date=date(2010, 1, 1),
            decision_body="UBND tỉnh",
            user=None,
        )
        previous = older  # noqa: F841
        # Each generation also has a head's turn entered from the old records
        # (#14) and exemplary models in its year.
        prior_role_add(
            cluster=ClusterFactory(),
            year=2010 + n,
            unit=older,
            role="deputy",
            source="Hồ sơ lưu trữ",
            user=None,
        )
        for kind in ExemplaryModel.Kind.values:
            ExemplaryModel.objects.create(
                membership=Membership.objects.get(unit=older),
                kind=kind,
                name=f"Điển hình {n} {kind}",
                description="Mô tả",
            )
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url).content.decode()
    assert page.count("(của ") >= 10
    assert page.count("(nhập từ hồ sơ cũ)") == 4
    assert page.count("Điển hình ") >= 8
    assert page.count("Giải thưởng năm ") == 8  # proposed and decided, each year


def test_the_rotation_counts_the_predecessors_turns(world, merged):
    candidates = election_candidates(cluster=merged["cluster"], year=merged["year"])
    heads = {c.membership.unit.code: c for c in candidates[Membership.Role.HEAD]}
    assert heads["XN"].last_held == 2025
    assert heads["XN"].held_by == merged["xa"]
    # Never head (itself nor its predecessors) comes first.
    first = candidates[Membership.Role.HEAD][0].membership.unit.code
    assert first not in {"XN", merged["other"].unit.code}


def test_the_province_view_shows_the_successor_beside_its_predecessors(client, world, merged):
    client.force_login(world.staff)
    page = client.get(reverse("province", args=[2026])).content.decode()
    section = page[page.index("Đơn vị hình thành sau sắp xếp") :]
    assert "UBND xã Mới" in section
    assert "UBND xã An" in section and "UBND xã Bình" in section
    assert reverse("unit_record", args=["XN"]) in section
    # A guiding authority sees the province view of its clusters, not the records.
    merged["cluster"].authority = world.other_authority
    merged["cluster"].save()
    client.force_login(world.other_staff)
    page = client.get(reverse("province", args=[2026])).content.decode()
    assert "UBND xã Mới" in page and reverse("unit_record", args=["XN"]) not in page


def test_records_are_linked_only_for_who_may_open_them(client, world):
    url = reverse("cluster_detail", args=["CUM-A", 2025])
    record = reverse("unit_record", args=["LG"])
    client.force_login(world.head)
    assert record in client.get(url).content.decode()
    client.force_login(world.member)
    assert record not in client.get(url).content.decode()
    assert reverse("unit_record", args=["HH"]) in client.get(reverse("home")).content.decode()


def test_a_role_entered_from_the_old_records_is_that_years_role(client, world):
    """#14: Sở Nội vụ entered HH as head of cluster A in 2023, before the
    cluster's first year in the system: the record shows it, marked."""
    prior_role_add(
        cluster=world.cluster_a,
        year=2023,
        unit=world.a_member,
        role="head",
        source="Quyết định số 15/QĐ-UBND",
        user=world.staff,
    )
    client.force_login(world.member)
    page = client.get(reverse("unit_record", args=["HH"])).content.decode()
    row = page[page.index("<td>2023") :].split("</tr>")[0]
    assert "Cụm thi đua các huyện" in row
    assert "Trưởng cụm, khối" in row and "(nhập từ hồ sơ cũ)" in row
    response = client.get(reverse("unit_record_download", args=["HH"]))
    sheet = load_workbook(BytesIO(response.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]
    assert [r[0] for r in rows] == [2025, 2023]
    assert rows[1][2] == "Cụm thi đua các huyện"
    assert rows[1][3] == "Trưởng cụm, khối (nhập từ hồ sơ cũ)"


def test_the_units_exemplary_models_are_on_its_record(client, world):
    """#14: per year, each exemplary model the unit put forward, its kind and
    whether the annual conference presented it."""
    from tests.clusters.helpers import membership

    hh = membership(world, world.a_member)
    annual = Conference.objects.create(
        cluster=world.cluster_a,
        year=world.year,
        kind=Conference.Kind.ANNUAL,
        held_on=date(2025, 12, 20),
        place="UBND thành phố Bắc Giang",
    )
    ExemplaryModel.objects.create(
        membership=hh,
        kind=ExemplaryModel.Kind.COLLECTIVE,
        name="Mô hình một cửa liên thông",
        description="Mô tả",
        presented_at=annual,
    )
    ExemplaryModel.objects.create(
        membership=hh,
        kind=ExemplaryModel.Kind.INDIVIDUAL,
        name="Bà Nguyễn Thị Hoa",
        description="Mô tả",
    )
    # Another unit's model is not on HH's record.
    ExemplaryModel.objects.create(
        membership=membership(world, world.a_member2),
        kind=ExemplaryModel.Kind.COLLECTIVE,
        name="Mô hình của Lạng Giang",
        description="Mô tả",
    )
    client.force_login(world.member)
    page = client.get(reverse("unit_record", args=["HH"])).content.decode()
    row = page[page.index("<td>2025") :].split("</tr>")[0]
    assert "Mô hình một cửa liên thông" in row and "Tập thể" in row
    assert "Báo cáo tại hội nghị tổng kết ngày 20/12/2025" in row
    assert "Bà Nguyễn Thị Hoa" in row and "Cá nhân" in row
    assert row.count("Báo cáo tại hội nghị") == 1
    assert "Lạng Giang" not in page
    response = client.get(reverse("unit_record_download", args=["HH"]))
    sheet = load_workbook(BytesIO(response.content)).active
    assert sheet.cell(2, 10).value == "Điển hình tiên tiến"
    assert sheet.cell(3, 10).value == (
        "Mô hình một cửa liên thông (Tập thể; báo cáo tại hội nghị tổng kết ngày 20/12/2025); "
        "Bà Nguyễn Thị Hoa (Cá nhân)"
    )


def test_the_rotation_counts_a_predecessors_entered_turn(world, merged):
    """XB, one of XN's predecessors, was deputy of its old cluster in 2024,
    before that cluster's first year in the system (2025)."""
    from clusters.models import Unit

    prior_role_add(
        cluster=Membership.objects.get(unit__code="XB").cluster,
        year=2024,
        unit=Unit.objects.get(code="XB"),
        role="deputy",
        source="Biên bản hội nghị tổng kết năm 2023",
        user=world.staff,
    )
    candidates = election_candidates(cluster=merged["cluster"], year=merged["year"])
    deputies = {c.membership.unit.code: c for c in candidates[Membership.Role.DEPUTY]}
    assert deputies["XN"].last_held == 2024
    assert deputies["XN"].held_by.code == "XB" and deputies["XN"].entered


# --- Each year's awards named by that year's guidance (#16) -------------------

NEW_AWARD = "Cờ thi đua của tỉnh"
RELABELLED = "Cờ thi đua của UBND tỉnh Bắc Giang"


def _guidance(year, block: dict, labels: dict) -> None:
    """`block`'s guidance applied to `year`, naming its awards by `labels`."""
    from scoring.guidances import apply_regulation
    from scoring.regulation import regulation_from_json

    guidance = apply_regulation(year, regulation_from_json(block))
    guidance.labels = labels
    guidance.save()


@pytest.fixture
def labelled(world, merged):
    """2025 under a copy of the 2022 guidance that renames Cờ thi đua; 2026
    under a guidance whose first award is new (co_thi_dua_tinh), proposed and
    decided for XN."""
    _guidance(world.year, {"code": "BG-2025"}, {"awards": {"co_thi_dua": RELABELLED}})
    block = {"code": "BN-2026", "awards": ["co_thi_dua_tinh", "bang_khen"]}
    _guidance(merged["year"], block, {"awards": {"co_thi_dua_tinh": NEW_AWARD}})
    xn = Membership.objects.get(unit=merged["xn"], year=merged["year"])
    _propose(xn, rank=1, total="990", award="co_thi_dua_tinh", decided=True)
    return merged


def test_the_record_names_each_years_awards_by_its_guidance(client, world, labelled):
    client.force_login(world.staff)
    page = client.get(reverse("unit_record", args=["XN"])).content.decode()

    rows = page.split('<table class="table table-sm table-hover')[1].split("<tr")[2:]
    row_2026, row_xa, row_xb = rows
    assert row_2026.count(NEW_AWARD) == 2  # proposed and decided
    assert row_xa.count(RELABELLED) == 2
    assert "Bằng khen của Chủ tịch UBND tỉnh" in row_xb  # the 2022 label, kept
    assert "co_thi_dua" not in page and "bang_khen" not in page
    # The province view shows XN's predecessors' decided awards the same way.
    province = client.get(reverse("province", args=[2026])).content.decode()
    section = province.split("province-successors")[1].split("</table>")[0]
    assert RELABELLED in section and "Bằng khen của Chủ tịch UBND tỉnh" in section


def test_the_records_workbook_names_each_years_awards_by_its_guidance(client, world, labelled):
    client.force_login(world.staff)
    response = client.get(reverse("unit_record_download", args=["XN"]))

    sheet = load_workbook(BytesIO(response.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]
    assert [(r[0], r[6], r[7]) for r in rows] == [
        (2026, NEW_AWARD, NEW_AWARD),
        (2025, RELABELLED, RELABELLED),
        (2025, "Bằng khen của Chủ tịch UBND tỉnh", "Bằng khen của Chủ tịch UBND tỉnh"),
    ]


def test_the_units_history_names_a_new_award_by_its_label(client, world, labelled):
    client.force_login(world.staff)
    url = reverse("history_unit", args=["CUM-XP", 2026, "XN"])

    page = client.get(url).content.decode()

    assert NEW_AWARD in page and "co_thi_dua_tinh" not in page
