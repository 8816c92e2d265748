"""The "Việc cần làm" page and the one function that decides what is done
(scoring.progress): a unit's items, the head's items, the staff's counts."""

import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from clusters import deadlines, records, services
from clusters.models import (
    Cluster,
    ClusterReport,
    Conference,
    Deadline,
    Evaluation,
    HeadDocument,
    Membership,
    Pledge,
)
from clusters.services import TargetInput
from scoring import progress, registrations
from scoring.models import Scorecard, Sheet
from tests.clusters.helpers import membership, pdf
from tests.factories import ClusterFactory, MembershipFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGE = reverse("todo")
# 07:00 in Asia/Ho_Chi_Minh is 00:00 UTC.
MARCH_19 = datetime(2025, 3, 19, 0, tzinfo=UTC)


def _row(page: str, label: str) -> str:
    """The table row of one item on the page."""
    start = page.index(label)
    return page[start : page.index("</tr>", start)]


def _submit_registration(m: Membership) -> None:
    """Through the service, which writes the unit's participation record too (R27)."""
    registrations.registration_save(
        revision=None,
        membership=m,
        objectives="Mục tiêu",
        other_targets="",
        targets=[TargetInput("A")],
        user=None,
    )
    services.registration_submit(membership=m, user=None)


def _status(items, kind, unit):
    (found,) = [i for i in items if i.kind == kind and i.membership.unit == unit]
    return found.done


# --- The one function -------------------------------------------------------------------


def test_member_items_are_done_by_their_records(world, dated, media_root):
    m = membership(world, world.a_member)
    today = date(2025, 3, 19)
    items = progress.items(world.year, today)
    assert not _status(items, deadlines.REGISTRATION, world.a_member)
    assert not _status(items, deadlines.MID_YEAR_REPORT, world.a_member)
    registrations.registration_save(
        revision=None,
        membership=m,
        objectives="Mục tiêu",
        other_targets="",
        targets=[TargetInput("A")],
        user=None,
    )  # a draft is not done
    assert not _status(progress.items(world.year, today), deadlines.REGISTRATION, world.a_member)
    services.registration_submit(membership=m, user=None)
    services.report_upload(
        membership=m, kind="mid_year", number="", reported_on=today, file=pdf(), user=None
    )
    items = progress.items(world.year, today)
    assert _status(items, deadlines.REGISTRATION, world.a_member)
    assert _status(items, deadlines.MID_YEAR_REPORT, world.a_member)
    assert not _status(items, deadlines.ANNUAL_REPORT, world.a_member)
    assert not _status(items, deadlines.REGISTRATION, world.a_member2)


def test_pledge_and_sheet_items_apply_once_published_and_issued(world, dated):
    m = membership(world, world.a_member)
    today = date(2025, 8, 1)
    kinds = {i.kind for i in progress.items(world.year, today) if i.membership == m}
    assert progress.PLEDGE not in kinds and progress.SHEET not in kinds
    pledge = Pledge.objects.create(
        cluster=world.cluster_a, year=world.year, text="Giao ước", published_at=timezone.now()
    )
    Scorecard.objects.create(cluster=world.cluster_a, year=world.year, status="issued")
    items = progress.items(world.year, today)
    pledge_item = next(i for i in items if i.kind == progress.PLEDGE and i.membership == m)
    # The seed pairs them: pledge with the registration, self-scoring with the annual report.
    assert pledge_item.due_date == date(2025, 3, 31) and not pledge_item.done
    assert not _status(items, progress.SHEET, world.a_member)
    services.pledge_sign(pledge=pledge, membership=m, user=None)
    Sheet.objects.create(membership=m, status="submitted")
    items = progress.items(world.year, today)
    assert _status(items, progress.PLEDGE, world.a_member)
    assert _status(items, progress.SHEET, world.a_member)
    sheet_item = next(i for i in items if i.kind == progress.SHEET and i.membership == m)
    assert sheet_item.due_date == date(2025, 11, 30)
    # Not in cluster B, whose pledge is not published.
    other = membership(world, world.b_member)
    assert progress.PLEDGE not in {i.kind for i in items if i.membership == other}


def test_head_items_belong_to_the_head_only(world, dated):
    items = progress.items(world.year, date(2025, 3, 19))
    head_kinds = {i.kind for i in items if i.is_head_item}
    # R5, R7–R9, and the cluster's own sơ kết / tổng kết reports (#14).
    cluster_reports = {progress.CLUSTER_MID_YEAR_REPORT, progress.CLUSTER_ANNUAL_REPORT}
    assert head_kinds == set(deadlines.HEAD_KINDS) | cluster_reports
    assert {i.membership.unit for i in items if i.is_head_item} == {world.a_head, world.b_head}


def test_regulation_needs_the_document_and_the_issued_scorecard(world, dated):
    today = date(2025, 8, 1)
    HeadDocument.objects.create(
        cluster=world.cluster_a, year=world.year, kind="regulation", issued_on=today, file="q.pdf"
    )
    assert not _status(progress.items(world.year, today), deadlines.REGULATION, world.a_head)
    Scorecard.objects.create(cluster=world.cluster_a, year=world.year, status="approved")
    assert not _status(progress.items(world.year, today), deadlines.REGULATION, world.a_head)
    Scorecard.objects.update(status="issued")
    assert _status(progress.items(world.year, today), deadlines.REGULATION, world.a_head)


def test_a_conference_is_done_once_held_not_when_planned(world, dated):
    Conference.objects.create(
        cluster=world.cluster_a, year=world.year, kind="mid_year", held_on=date(2025, 7, 20)
    )
    kind = deadlines.MID_YEAR_CONFERENCE
    assert not _status(progress.items(world.year, date(2025, 7, 19)), kind, world.a_head)
    assert _status(progress.items(world.year, date(2025, 7, 20)), kind, world.a_head)


def test_education_clusters_use_the_school_years_dates(world, dated):
    world.cluster_b.calendar = "education"
    world.cluster_b.save()
    items = progress.items(world.year, date(2025, 9, 1))
    registration = next(
        i for i in items if i.kind == deadlines.REGISTRATION and i.membership.unit == world.b_member
    )
    assert registration.due_date == date(2025, 10, 31)


def test_outstanding_lists_only_what_is_not_done(world, dated):
    _submit_registration(membership(world, world.a_member))
    pending = progress.outstanding(world.year, date(2025, 3, 19))
    registration = {i.membership.unit for i in pending if i.kind == deadlines.REGISTRATION}
    assert world.a_member not in registration
    assert world.a_member2 in registration and world.b_member in registration
    assert all(not i.done and i.due_date for i in pending)


@pytest.mark.parametrize(
    ("days", "text"),
    [(12, "còn 12 ngày"), (1, "còn 1 ngày"), (0, "hôm nay là hạn cuối"), (-3, "quá hạn 3 ngày")],
)
def test_days_are_said_the_vietnamese_way(days, text):
    assert progress.days_text(days) == text


# --- The page: a unit ---------------------------------------------------------------------


def test_member_sees_its_items_with_status_and_days_left(client, world, dated):
    client.force_login(world.member)
    with time_machine.travel(MARCH_19):
        page = client.get(PAGE).content.decode()
    registration = _row(page, "Gửi bản đăng ký thi đua")
    assert "31/03/2025" in registration
    assert "Chưa làm" in registration and "còn 12 ngày" in registration
    assert "còn 103 ngày" in _row(page, "Gửi báo cáo sơ kết 6 tháng")  # due 30/06
    # The head's items are not the member's.
    assert "Ban hành chương trình" not in page
    assert "Ký giao ước" not in page  # no pledge published yet


def test_member_sees_done_and_late(client, world, dated):
    _submit_registration(membership(world, world.a_member))
    client.force_login(world.member)
    with time_machine.travel(datetime(2025, 7, 3, 3, tzinfo=UTC)):
        page = client.get(PAGE).content.decode()
    assert "Đã xong" in _row(page, "Gửi bản đăng ký thi đua")
    late = _row(page, "Gửi báo cáo sơ kết 6 tháng")
    assert "Quá hạn" in late and "quá hạn 3 ngày" in late


def _extend(world, *, unit=None, due=date(2025, 4, 15), reason="Đơn vị bị ảnh hưởng bởi bão"):
    services.extension_grant(
        deadline=Deadline.objects.get(
            year=world.year, kind=deadlines.REGISTRATION, calendar="standard"
        ),
        cluster=world.cluster_a,
        membership=membership(world, unit) if unit else None,
        due_date=due,
        reason=reason,
        user=world.staff,
    )


def _extension_badge(row: str) -> str:
    (badge,) = re.findall(r'<span class="badge text-bg-info"[^>]*>gia hạn</span>', row)
    return badge


def test_a_unit_sees_why_its_deadline_was_extended(client, world, dated):
    _extend(world, unit=world.a_member, reason='Bão số 3 "Yagi" làm hỏng trụ sở')
    client.force_login(world.member)
    with time_machine.travel(MARCH_19):
        page = client.get(PAGE).content.decode()
    row = _row(page, "Gửi bản đăng ký thi đua")
    assert "15/04/2025" in row
    badge = _extension_badge(row)
    reason = "Bão số 3 &quot;Yagi&quot; làm hỏng trụ sở"
    assert "Hạn cũ 31/03/2025" in badge and reason in badge
    # Beside the date too, for those who do not hover.
    assert re.search(rf'<div class="small text-muted">[^<]*{reason}[^<]*</div>', row)


def test_the_reason_shown_is_the_extension_that_sets_the_date(client, world, dated):
    _extend(world, reason="Cả cụm tổ chức lại", due=date(2025, 4, 10))
    _extend(world, unit=world.a_member, reason="Đơn vị bị ngập", due=date(2025, 4, 20))
    client.force_login(world.member)
    with time_machine.travel(MARCH_19):
        member_row = _row(client.get(PAGE).content.decode(), "Gửi bản đăng ký thi đua")
    assert "20/04/2025" in member_row and "Đơn vị bị ngập" in member_row
    assert "Cả cụm tổ chức lại" not in member_row
    # Another unit of the cluster has the cluster's extension and its reason only.
    client.force_login(UserFactory(username="langgiang", unit=world.a_member2))
    with time_machine.travel(MARCH_19):
        other_row = _row(client.get(PAGE).content.decode(), "Gửi bản đăng ký thi đua")
    assert "10/04/2025" in other_row and "Cả cụm tổ chức lại" in other_row
    assert "Đơn vị bị ngập" not in other_row


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        # 30/03 23:59 in Hà Nội is still 30/03 there: one day left.
        (datetime(2025, 3, 30, 16, 59, tzinfo=UTC), "còn 1 ngày"),
        # 30/03 17:30 UTC is already 31/03 in Hà Nội: the last day.
        (datetime(2025, 3, 30, 17, 30, tzinfo=UTC), "hôm nay là hạn cuối"),
        # 31/03 17:30 UTC is 01/04 there: one day late.
        (datetime(2025, 3, 31, 17, 30, tzinfo=UTC), "quá hạn 1 ngày"),
    ],
)
def test_days_left_count_from_today_in_ho_chi_minh_city(client, world, dated, moment, text):
    client.force_login(world.member)
    with time_machine.travel(moment):
        page = client.get(PAGE).content.decode()
    assert text in _row(page, "Gửi bản đăng ký thi đua")


def test_head_sees_the_clusters_items_too(client, world, dated):
    HeadDocument.objects.create(
        cluster=world.cluster_a,
        year=world.year,
        kind="programme",
        issued_on=date(2025, 3, 10),
        file="ct.pdf",
    )
    client.force_login(world.head)
    with time_machine.travel(MARCH_19):
        page = client.get(PAGE).content.decode()
    assert "Đã xong" in _row(page, "Ban hành chương trình, kế hoạch hoạt động")
    regulation = _row(page, "Ban hành quy chế và bảng chấm điểm")
    assert "Chưa làm" in regulation and "31/07/2025" in regulation
    assert "Tổ chức hội nghị sơ kết 6 tháng" in page and "Tổ chức hội nghị tổng kết năm" in page
    assert "Chưa làm" in _row(page, "Gửi bản đăng ký thi đua")  # the head is a member too (R3)


@pytest.mark.parametrize(("acting", "sees"), [(True, True), (False, False)])
def test_deputy_sees_the_heads_items_only_when_acting_for_the_head(
    client, world, dated, acting, sees
):
    Membership.objects.filter(unit=world.a_deputy).update(acts_for_head=acting)
    client.force_login(world.deputy)
    page = client.get(PAGE).content.decode()
    assert ("Ban hành chương trình" in page) is sees
    assert "Gửi bản đăng ký thi đua" in page


def test_another_unit_sees_its_own_cluster_only(client, world, dated):
    _submit_registration(membership(world, world.b_member))
    client.force_login(world.other_member)
    page = client.get(PAGE).content.decode()
    assert "Khối các trường" in page and "Trường THPT Giáp Hải" in page
    assert "Cụm thi đua các huyện" not in page
    assert "Đã xong" in _row(page, "Gửi bản đăng ký thi đua")


def test_unit_outside_any_cluster_this_year_is_told_so(client, world, dated):
    client.force_login(UserFactory(unit=UnitFactory()))
    response = client.get(PAGE)
    assert response.status_code == 200
    assert "không thuộc cụm, khối nào" in response.content.decode()


def test_anonymous_is_sent_to_login(client, world, dated):
    response = client.get(PAGE)
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_user_without_unit_or_authority_is_refused(client, world, dated):
    client.force_login(UserFactory())
    assert client.get(PAGE).status_code == 403


# --- The page: staff --------------------------------------------------------------------


def test_staff_see_counts_per_cluster(client, world, dated):
    _submit_registration(membership(world, world.a_member))
    client.force_login(world.staff)
    with time_machine.travel(datetime(2025, 4, 2, 3, tzinfo=UTC)):
        page = client.get(PAGE).content.decode()
    cluster_a = _row(page, "Cụm thi đua các huyện")
    # Registration: 1 of 4 done, 3 not, past due (31/03) so marked late.
    assert "<strong>1</strong>/4 đã xong" in cluster_a
    assert "Chưa làm: 3" in cluster_a and "Quá hạn" in cluster_a
    # The programme is the head's: 0 of 1.
    assert "<strong>0</strong>/1 đã xong" in cluster_a
    assert "Khối các trường" in page  # Sở Nội vụ sees every cluster


def test_other_authority_staff_see_their_clusters_only(client, world, dated):
    client.force_login(world.other_staff)
    page = client.get(PAGE).content.decode()
    assert "Khối các trường" in page and "Cụm thi đua các huyện" not in page


def _many(world, clusters: int, units: int) -> None:
    for n in range(clusters):
        cluster = ClusterFactory(authority=world.snv)
        for u in range(units):
            role = Membership.Role.HEAD if u == 0 else Membership.Role.MEMBER
            m = MembershipFactory(cluster=cluster, year=world.year, unit=UnitFactory(), role=role)
            if (n + u) % 2:
                _submit_registration(m)


def _many_evaluations(world, clusters: int) -> None:
    """Half the clusters guided by Sở Nội vụ with an evaluation written, one of them sent."""
    guided = Cluster.objects.filter(authority=world.snv).order_by("pk")
    for n, cluster in enumerate(guided[: clusters // 2 + 1]):
        records.evaluation_save(cluster=cluster, year=world.year, text="Nền nếp", user=None)
        if n == 0:
            Evaluation.objects.filter(cluster=cluster).update(sent_at=timezone.now())


@pytest.mark.parametrize(("clusters", "units"), [(1, 2), (6, 12)])
def test_staff_page_query_count_does_not_grow(
    client, world, dated, django_assert_max_num_queries, clusters, units
):
    _many(world, clusters, units)
    _many_evaluations(world, clusters)
    client.force_login(world.staff)
    # With each cluster's year in progress, the year switch and the extensions (#14),
    # + the bell's unread notifications (#15), + the evaluations not sent (#14).
    with django_assert_max_num_queries(13):
        response = client.get(PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    counts = page.split("</table>")[0]
    assert counts.count("<tr>") == clusters + 2 + 1  # + world's + header
    # Every cluster Sở Nội vụ guides (cluster A and the new ones) but the one sent.
    assert page.count("Gửi đánh giá hoạt động của") == clusters + 1 - 1


@pytest.mark.parametrize("units", [2, 15])
def test_unit_page_query_count_does_not_grow(
    client, world, dated, django_assert_max_num_queries, units
):
    cluster = ClusterFactory(authority=world.snv)
    unit = UnitFactory()
    MembershipFactory(cluster=cluster, year=world.year, unit=unit, role=Membership.Role.HEAD)
    for _ in range(units):
        MembershipFactory(cluster=cluster, year=world.year, unit=UnitFactory())
    client.force_login(UserFactory(unit=unit))
    # With the unit's year in progress, the year switch, the extensions and
    # the ad-hoc reports asked of it (#14), + the bell's unread notifications (#15).
    with django_assert_max_num_queries(12):
        assert client.get(PAGE).status_code == 200


def test_the_year_can_be_chosen(client, world, dated):
    client.force_login(world.member)
    assert client.get(PAGE, {"nam": 2025}).status_code == 200
    assert client.get(PAGE, {"nam": 1999}).status_code == 404


# --- #13: the pledge is due where it is signed; conferences inside their month -------------


def _annual_conference_2024(world) -> Conference:
    from tests.factories import YearFactory

    return Conference.objects.create(
        cluster=world.cluster_a,
        year=YearFactory(year=2024),
        kind="annual",
        held_on=date(2024, 12, 20),
        place="UBND thành phố Bắc Giang",
    )


def _publish_pledge(world) -> Pledge:
    return Pledge.objects.create(
        cluster=world.cluster_a, year=world.year, text="Giao ước", published_at=timezone.now()
    )


def test_the_pledge_is_due_at_the_previous_years_annual_conference(client, world, dated):
    # Seed [I.2.2]: "Tổ chức ký kết giao ước thi đua ... (vào dịp tổng kết công tác thi
    # đua, khen thưởng hằng năm)"; the annual conference: "Ký kết giao ước và phát động
    # thi đua năm tiếp theo". Not 31/3, a date the seed never gives the pledge.
    _annual_conference_2024(world)
    _publish_pledge(world)
    client.force_login(world.member)
    with time_machine.travel(datetime(2025, 1, 10, 0, tzinfo=UTC)):
        page = client.get(PAGE).content.decode()
        row = _row(page, "Ký giao ước thi đua")
        assert "20/12/2024" in row and "Quá hạn" in row and "quá hạn 21 ngày" in row
        # Registration is still due on 31/3 (R6).
        assert "31/03/2025" in _row(page, "Gửi bản đăng ký thi đua")
        # The participation rule reads the same date (R27).
        client.force_login(world.head)
        page = client.get(reverse("participation", args=["CUM-A", 2025])).content.decode()
    fact = page.split('data-fact="HH-pledge_signed"', 1)[1].split("</td>", 1)[0]
    assert "Không thực hiện" in fact and "hạn 20/12/2024" in fact


def test_without_the_previous_conference_the_pledge_keeps_the_registrations_date(
    client, world, dated
):
    _publish_pledge(world)
    client.force_login(world.member)
    with time_machine.travel(datetime(2025, 1, 10, 0, tzinfo=UTC)):
        row = _row(client.get(PAGE).content.decode(), "Ký giao ước thi đua")
    assert "31/03/2025" in row and "Chưa làm" in row


def test_a_mid_year_conference_held_in_april_is_early_not_done(client, world, dated):
    # R8 "in July", seed: "trong tháng 7": a window, not only a deadline.
    Conference.objects.create(
        cluster=world.cluster_a, year=world.year, kind="mid_year", held_on=date(2025, 4, 15)
    )
    client.force_login(world.head)
    with time_machine.travel(datetime(2025, 5, 1, 0, tzinfo=UTC)):
        row = _row(client.get(PAGE).content.decode(), "Tổ chức hội nghị sơ kết 6 tháng")
    assert "Tổ chức sớm" in row and "Đã xong" not in row
    items = progress.items(world.year, date(2025, 5, 1))
    assert not _status(items, deadlines.MID_YEAR_CONFERENCE, world.a_head)


def test_a_conference_inside_its_month_is_done_and_after_it_late(client, world, dated):
    conference = Conference.objects.create(
        cluster=world.cluster_a, year=world.year, kind="mid_year", held_on=date(2025, 7, 1)
    )
    client.force_login(world.head)
    with time_machine.travel(datetime(2025, 8, 20, 0, tzinfo=UTC)):
        row = _row(client.get(PAGE).content.decode(), "Tổ chức hội nghị sơ kết 6 tháng")
        assert "Đã xong" in row and "muộn" not in row
        conference.held_on = date(2025, 8, 5)
        conference.save()
        row = _row(client.get(PAGE).content.decode(), "Tổ chức hội nghị sơ kết 6 tháng")
    assert "Tổ chức muộn" in row


def test_an_early_conference_shows_on_the_staff_counts_as_not_done(client, world, dated):
    Conference.objects.create(
        cluster=world.cluster_a, year=world.year, kind="annual", held_on=date(2025, 11, 28)
    )
    client.force_login(world.staff)
    with time_machine.travel(datetime(2025, 12, 1, 0, tzinfo=UTC)):
        page = client.get(PAGE).content.decode()
    assert "Tổ chức sớm: 1" in page


# --- Each item opens the page where it is done; overdue first; the count in the bar (#15) ----


def _link(row: str) -> str:
    start = row.index('href="') + len('href="')
    return row[start : row.index('"', start)]


def _item_link(page: str, label: str) -> str:
    """The link of the row that shows the item `label`."""
    return _link(page[page.rindex("<tr>", 0, page.index(label)) :])


def test_each_of_a_members_items_opens_the_page_where_it_is_done(client, world, dated):
    Scorecard.objects.create(cluster=world.cluster_a, year=world.year, status="issued")
    _publish_pledge(world)
    client.force_login(world.member)
    with time_machine.travel(MARCH_19):
        page = client.get(PAGE).content.decode()
    code, year = world.cluster_a.code, world.year.year
    assert _item_link(page, "Gửi bản đăng ký thi đua") == reverse("registration_edit", args=[year])
    assert _item_link(page, "Ký giao ước thi đua") == reverse("pledge", args=[code, year])
    assert _item_link(page, "Gửi báo cáo sơ kết 6 tháng") == reverse(
        "report_upload", args=[code, year]
    )
    assert _item_link(page, "Nộp phiếu tự chấm điểm") == reverse("sheet", args=[year])
    for row_start in page.split("<tbody>")[1].split("<tr>")[1:]:
        assert client.get(_link(row_start)).status_code == 200


def test_each_of_the_heads_items_opens_the_page_where_it_is_done(client, world, dated):
    client.force_login(world.head)
    with time_machine.travel(MARCH_19):
        page = client.get(PAGE).content.decode()
    code, year = world.cluster_a.code, world.year.year
    assert _item_link(page, "Ban hành chương trình, kế hoạch hoạt động") == reverse(
        "head_document_upload", args=[code, year]
    )
    assert _item_link(page, "Tổ chức hội nghị tổng kết năm") == reverse(
        "conferences", args=[code, year]
    )
    for row_start in page.split("<tbody>")[1].split("<tr>")[1:]:
        assert client.get(_link(row_start)).status_code == 200


def test_overdue_items_come_first(client, world, dated):
    _submit_registration(membership(world, world.a_member))
    client.force_login(world.member)
    with time_machine.travel(datetime(2025, 7, 3, 3, tzinfo=UTC)):
        page = client.get(PAGE).content.decode()
    rows = page.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]
    # The mid-year report (due 30/06, overdue) above the registration done before it.
    assert "Gửi báo cáo sơ kết 6 tháng" in rows[0] and "Quá hạn" in rows[0]
    assert "Gửi bản đăng ký thi đua" in rows[1] and "Đã xong" in rows[1]
    assert "Gửi báo cáo tổng kết năm" in rows[2]


def test_the_navigation_bar_counts_what_is_left_to_do(client, world, dated):
    _submit_registration(membership(world, world.a_member))
    client.force_login(world.member)
    with time_machine.travel(MARCH_19):
        page = client.get(reverse("home")).content.decode()
    # Left: the mid-year and the annual reports (the registration is done).
    assert 'Việc cần làm <span class="badge rounded-pill text-bg-light">2</span>' in page


def test_the_navigation_bar_counts_the_heads_items_too(client, world, dated):
    client.force_login(world.head)
    with time_machine.travel(MARCH_19):
        page = client.get(reverse("home")).content.decode()
    # Registration, two reports; programme, regulation, two conferences, the cluster's two reports.
    assert 'Việc cần làm <span class="badge rounded-pill text-bg-light">9</span>' in page


def test_the_navigation_bar_counts_the_staffs_overdue_items(client, world, dated):
    client.force_login(world.staff)
    with time_machine.travel(datetime(2025, 4, 2, 3, tzinfo=UTC)):
        page = client.get(reverse("home")).content.decode()
    # Past 31/03: the registrations of both clusters and cluster A's and B's programmes.
    assert 'Việc cần làm <span class="badge rounded-pill text-bg-light">4</span>' in page


def test_each_of_the_staffs_counts_opens_the_clusters_page_for_that_item(client, world, dated):
    client.force_login(world.staff)
    with time_machine.travel(datetime(2025, 4, 2, 3, tzinfo=UTC)):
        page = client.get(PAGE).content.decode()
    cluster_a = _row(page, "Cụm thi đua các huyện")
    follow = reverse("registration_progress", args=["CUM-A", 2025])
    link = f'<a href="{follow}" class="link-underline-opacity-0 text-reset">'
    assert f"{link}<strong>0</strong>/4" in cluster_a
    links = re.findall(r'<a href="(/[^"]+)" class="link-underline', page)
    assert reverse("head_documents", args=["CUM-A", 2025]) in links
    for link in set(links):
        assert client.get(link).status_code == 200, link


def test_the_staffs_count_is_the_overdue_cells_of_their_tallies_on_every_day(world, dated):
    """The bar counts from the items' facts without building the table (#17):
    the same number as the table's overdue cells, whatever the day, with an
    extension, an early conference and items done."""
    _submit_registration(membership(world, world.a_member))
    registration = Deadline.objects.get(
        year=world.year, kind=deadlines.REGISTRATION, calendar="standard"
    )
    services.extension_grant(
        deadline=registration,
        cluster=world.cluster_a,
        membership=None,
        due_date=date(2025, 4, 15),
        reason="Bão",
        user=world.staff,
    )
    Conference.objects.create(
        cluster=world.cluster_a, year=world.year, kind="annual", held_on=date(2025, 11, 28)
    )
    Scorecard.objects.create(cluster=world.cluster_a, year=world.year, status="issued")
    clusters = Cluster.objects.visible_to(world.staff)
    counts = []
    for day in (date(2025, 3, 1), date(2025, 4, 2), date(2025, 4, 20), date(2025, 8, 1),
                date(2025, 12, 1), date(2026, 1, 31)):  # fmt: skip
        expected = progress.overdue_cells(progress.cluster_tallies(world.year, day, clusters))
        assert progress.overdue_count(world.year, day, clusters) == expected, day
        counts.append(expected)
    assert counts[0] == 0 and counts[1] < counts[2] < counts[-1]


# --- The cluster's own reports and the guiding authority's evaluation (#14) ------------


def _send_cluster_report(world, kind: str, reported_on: date) -> None:
    records.cluster_report_send(
        cluster=world.cluster_a,
        year=world.year,
        kind=kind,
        number="15/BC-CTĐ",
        reported_on=reported_on,
        file=pdf(),
        user=world.head,
    )


def test_the_head_sees_the_clusters_reports_until_sent(client, world, dated, media_root):
    client.force_login(world.head)
    send = reverse("cluster_report_send", args=["CUM-A", 2025])
    with time_machine.travel(MARCH_19):
        page = client.get(PAGE).content.decode()
    mid_year = _row(page, "Gửi báo cáo sơ kết 6 tháng của cụm, khối")
    assert "Chưa làm" in mid_year and "30/06/2025" in mid_year and "Việc của trưởng cụm" in mid_year
    assert _item_link(page, "Gửi báo cáo sơ kết 6 tháng của cụm, khối") == send
    annual = _row(page, "Gửi báo cáo tổng kết năm của cụm, khối")
    assert "Chưa làm" in annual and "30/11/2025" in annual
    assert _item_link(page, "Gửi báo cáo tổng kết năm của cụm, khối") == send

    _send_cluster_report(world, "mid_year", date(2025, 6, 25))
    assert ClusterReport.objects.count() == 1
    with time_machine.travel(datetime(2025, 7, 3, 3, tzinfo=UTC)):
        page = client.get(PAGE).content.decode()
    assert "Đã xong" in _row(page, "Gửi báo cáo sơ kết 6 tháng của cụm, khối")
    assert "Chưa làm" in _row(page, "Gửi báo cáo tổng kết năm của cụm, khối")
    # The member's own mid-year report is a line of its own, still to send (and late).
    assert "Quá hạn" in _row(page, "Gửi báo cáo sơ kết 6 tháng</a>")


def test_a_member_has_no_line_for_the_clusters_reports(client, world, dated):
    client.force_login(world.member)
    with time_machine.travel(MARCH_19):
        page = client.get(PAGE).content.decode()
    assert "của cụm, khối</a>" not in page
    assert "Gửi báo cáo sơ kết 6 tháng" in page  # its own report


def test_the_clusters_report_late_shows_on_the_staff_counts(client, world, dated):
    client.force_login(world.staff)
    with time_machine.travel(datetime(2025, 7, 3, 3, tzinfo=UTC)):
        page = client.get(PAGE).content.decode()
    assert "Gửi báo cáo sơ kết 6 tháng của cụm, khối" in page  # a column of the counts
    reports = reverse("reports", args=["CUM-A", 2025])
    assert page.count(f'<a href="{reports}"') >= 4  # members' and cluster's, two kinds


def test_the_guiding_authority_sees_its_evaluation_of_each_cluster_until_sent(client, world, dated):
    client.force_login(world.other_staff)
    evaluation = reverse("evaluation", args=["KHOI-B", 2025])
    page = client.get(PAGE).content.decode()
    label = "Gửi đánh giá hoạt động của Khối các trường"
    assert _item_link(page, label) == evaluation
    assert "Chưa ghi đánh giá" in _row(page, label)
    assert client.get(evaluation).status_code == 200

    records.evaluation_save(
        cluster=world.cluster_b, year=world.year, text="Nền nếp", user=world.other_staff
    )
    page = client.get(PAGE).content.decode()
    assert "Đã ghi, chưa gửi Sở Nội vụ" in _row(page, "Gửi đánh giá hoạt động của Khối")

    Evaluation.objects.filter(cluster=world.cluster_b).update(sent_at=timezone.now())
    assert "Gửi đánh giá hoạt động" not in client.get(PAGE).content.decode()


def test_each_authority_sees_the_evaluations_of_the_clusters_it_guides_only(client, world, dated):
    client.force_login(world.staff)  # Sở Nội vụ guides cluster A, sees cluster B too
    page = client.get(PAGE).content.decode()
    assert "Gửi đánh giá hoạt động của Cụm thi đua các huyện" in page
    assert "Gửi đánh giá hoạt động của Khối các trường" not in page
    for user in (world.head, world.member, world.admin):
        client.force_login(user)
        assert "Gửi đánh giá hoạt động" not in client.get(PAGE).content.decode()
