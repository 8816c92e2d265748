"""The head's review (tham-dinh/<code>/<year>/): matrix, adjustment, return,
agreement after the preparatory meeting (R11) and reopening (R35)."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clusters.models import Membership
from scoring import sheets
from scoring.models import Band, Criterion, Score, ScoreAgreement, Scorecard, Sheet
from tests.factories import ClusterFactory, MembershipFactory, UnitFactory, UserFactory
from tests.scoring.test_sheets_services import hold_preparatory, make_scorecard, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def card(world):
    return make_scorecard(world.cluster_a, world.year)


@pytest.fixture
def hh(world):
    return member(world, world.a_member)


CODE, YEAR = "CUM-A", 2025
# Agreeing while sheets are not submitted: the head's confirmation and reason (#11.6).
# The box that says what agreeing locks and who is told (#15).
CONFIRM = {"confirm": "on"}
AGREE = {"confirm_unsubmitted": "on", "reason": "Thống nhất tại họp trù bị", **CONFIRM}


def url(name, *args):
    return reverse(name, args=[CODE, YEAR, *args])


def login(client, world, who):
    if who != "anonymous":
        client.force_login(getattr(world, who))


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("login"))


def save(world, membership, criterion, user=None, revision=None, **figures):
    return sheets.score_save(
        membership=membership,
        criterion=criterion,
        user=user or world.member,
        revision=revision,
        **{k: Decimal(v) for k, v in figures.items()},
    )


# ---------------------------------------------------------------------------
# Who may do what


MATRIX_ACCESS = {
    "head": 200,
    "staff": 200,
    "admin": 200,
    "deputy": 403,
    "member": 403,
    "other_member": 403,
    "other_head": 403,
    "other_staff": 403,
}


@pytest.mark.parametrize(("who", "status"), MATRIX_ACCESS.items())
def test_matrix_access(client, world, card, who, status):
    login(client, world, who)
    assert client.get(url("review")).status_code == status


def test_a_deputy_acting_for_the_head_may_review(client, world, card):
    Membership.objects.filter(unit=world.a_deputy).update(acts_for_head=True)
    client.force_login(world.deputy)
    assert client.get(url("review")).status_code == 200


HEAD_ONLY = {
    "head": None,
    "deputy": 403,
    "member": 403,
    "other_member": 403,
    "other_head": 403,
    "staff": 403,
    "other_staff": 403,
}


@pytest.mark.parametrize(("who", "status"), HEAD_ONLY.items())
def test_adjusting_a_cell_is_for_the_head(client, world, card, hh, who, status):
    save(world, hh, card["II.1"], points="180")
    login(client, world, who)
    cell = url("review_cell", "HH", card["II.1"].pk)
    response = client.post(cell, {"adj-points": "150", "adj-reason": "Lý do", "adj-revision": "1"})
    if status is None:
        assert response.status_code == 302
        assert Score.objects.get().agreed_points == Decimal(150)
    else:
        assert response.status_code == status
        assert client.get(cell).status_code == status
        assert Score.objects.get().agreed_points is None


@pytest.mark.parametrize(("who", "status"), HEAD_ONLY.items())
def test_returning_a_sheet_is_for_the_head(client, world, card, hh, who, status):
    sheets.sheet_submit(membership=hh, user=world.member)
    login(client, world, who)
    response = client.post(url("review_return", "HH"), {"reason": "Chấm lại"})
    expected = Sheet.Status.RETURNED if status is None else Sheet.Status.SUBMITTED
    assert response.status_code == (302 if status is None else status)
    assert Sheet.objects.get().status == expected


@pytest.mark.parametrize(("who", "status"), HEAD_ONLY.items())
def test_agreeing_is_for_the_head(client, world, card, who, status):
    hold_preparatory(world)
    login(client, world, who)
    response = client.post(url("review_agree"), AGREE)
    assert response.status_code == (302 if status is None else status)
    locked = ScoreAgreement.objects.filter(agreed_at__isnull=False).exists()
    assert locked is (status is None)


REOPEN = {
    "staff": None,
    "admin": 403,  # not authority staff: only is_staff_of may reopen
    "other_staff": 403,
    "head": 403,
    "member": 403,
    "other_head": 403,
}


@pytest.mark.parametrize(("who", "status"), REOPEN.items())
def test_reopening_is_for_the_authority_staff(client, world, card, who, status):
    hold_preparatory(world)
    sheets.scores_agree(
        cluster=world.cluster_a,
        year=world.year,
        user=world.head,
        unsubmitted_reason="Thống nhất tại họp trù bị",
    )
    login(client, world, who)
    response = client.post(url("review_reopen"), {"reason": "Khiếu nại của đơn vị"})
    assert response.status_code == (302 if status is None else status)
    assert ScoreAgreement.objects.get().is_locked is (status is not None)


def test_anonymous_visitor_is_sent_to_login(client, world, card, hh):
    for response in (
        client.get(url("review")),
        client.get(url("review_cell", "HH", card["II.1"].pk)),
        client.post(url("review_cell", "HH", card["II.1"].pk), {"adj-points": "1"}),
        client.post(url("review_return", "HH"), {"reason": "x"}),
        client.post(url("review_agree"), CONFIRM),
        client.post(url("review_reopen"), {"reason": "x"}),
    ):
        assert is_login_redirect(response)


def test_a_unit_or_criterion_of_another_cluster_is_not_found(client, world, card):
    other = make_scorecard(world.cluster_b, world.year)
    client.force_login(world.head)
    assert client.get(url("review_cell", "HH", other["II.1"].pk)).status_code == 404
    assert client.get(url("review_cell", "GH", card["II.1"].pk)).status_code == 404
    assert client.get(url("review_cell", "HH", card["I.3"].pk)).status_code == 404  # heading


# ---------------------------------------------------------------------------
# The pages


def test_matrix_shows_self_scores_and_agreed_figures_side_by_side(client, world, card, hh):
    save(world, hh, card["II.1"], points="180")
    save(world, hh, card["I.1"], plan="100", actual="50")
    sheets.score_adjust(
        membership=hh,
        criterion=card["II.1"],
        user=world.head,
        reason="Lý do",
        points=Decimal(150),
        revision=1,
    )
    client.force_login(world.head)
    page = client.get(url("review")).content.decode()
    assert "180,00 → <strong>150,00</strong>" in page
    assert "50,00" in page  # I.1: half of its 100 points
    assert "230,00" in page and "200,00" in page  # HH's totals: own, agreed
    for unit in ("TPBG", "VY", "HH", "LG"):
        assert f'>{unit}<span class="visually-hidden"> – phiếu chấm điểm của' in page
    assert url("review_cell", "HH", card["II.1"].pk) in page


def test_a_unit_that_did_not_score_shows_only_the_agreed_figure(client, world, card, hh):
    sheets.score_adjust(
        membership=hh,
        criterion=card["II.1"],
        user=world.head,
        reason="Theo biên bản họp trù bị",
        points=Decimal(120),
        revision=None,
    )
    client.force_login(world.head)
    page = client.get(url("review")).content.decode()
    assert '<span class="text-muted">–</span> → <strong>120,00</strong>' in page
    client.force_login(world.member)
    sheet = client.get(reverse("sheet", args=[YEAR])).content.decode()
    assert "Chưa chấm" in sheet and "Theo biên bản họp trù bị" in sheet
    assert "cần nhập số điểm" not in sheet


def test_matrix_shows_each_criterion_title_in_full(client, world, card):
    """Issue #15: the titles were cut at 70 characters."""
    title = (
        "Tổng thu ngân sách nhà nước trên địa bàn đạt và vượt dự toán được giao, "
        "trong đó thu nội địa tăng so với năm trước"
    )
    Criterion.objects.filter(pk=card["I.1"].pk).update(title=title)
    client.force_login(world.head)
    page = client.get(url("review")).content.decode()
    assert title in page


def test_each_section_of_the_matrix_folds_without_javascript(client, world, card):
    client.force_login(world.head)
    page = client.get(url("review")).content.decode()
    for section in ("I", "II", "III"):
        assert re.search(rf"<details open[^>]*>\s*<summary[^>]*>Phần {section}\.", page)


@pytest.mark.parametrize("who", ["head", "staff"])
def test_each_units_column_opens_its_scoring_sheet(client, world, card, who):
    client.force_login(getattr(world, who))
    page = client.get(url("review")).content.decode()
    for unit in ("TPBG", "VY", "HH", "LG"):
        sheet = reverse("document_sheet_member", args=[CODE, YEAR, unit])
        assert f'href="{sheet}"' in page
        assert client.get(sheet).status_code == 200


def test_matrix_without_an_issued_scorecard_shows_a_notice(client, world):
    client.force_login(world.head)
    page = client.get(url("review")).content.decode()
    assert "chưa có bảng chấm điểm được ban hành" in page


def test_adjusting_needs_a_reason_and_keeps_the_units_figures(client, world, card, hh):
    save(world, hh, card["II.1"], points="180")
    client.force_login(world.head)
    cell = url("review_cell", "HH", card["II.1"].pk)
    page = client.get(cell).content.decode()
    assert "Tự chấm tiêu chí II.1: điểm 180" in page  # the history
    response = client.post(cell, {"adj-points": "150", "adj-reason": "", "adj-revision": "1"})
    assert response.status_code == 200
    assert "Lý do điều chỉnh" in response.content.decode()
    assert Score.objects.get().agreed_points is None

    response = client.post(
        cell, {"adj-points": "150", "adj-reason": "Minh chứng chưa đủ", "adj-revision": "1"}
    )
    assert response.status_code == 302
    score = Score.objects.get()
    assert (score.points, score.agreed_points) == (Decimal(180), Decimal(150))
    assert score.agreed_reason == "Minh chứng chưa đủ"
    assert score.history.order_by("-history_id").first().history_user == world.head


def test_adjusting_from_a_stale_page_is_refused(client, world, card, hh):
    save(world, hh, card["II.1"], points="180")
    save(world, hh, card["II.1"], revision=1, points="190")
    client.force_login(world.head)
    response = client.post(
        url("review_cell", "HH", card["II.1"].pk),
        {"adj-points": "150", "adj-reason": "Lý do", "adj-revision": "1"},
    )
    assert "vừa được người khác cập nhật; giá trị hiện tại: điểm 190" in response.content.decode()
    assert Score.objects.get().agreed_points is None


def test_adjusting_without_a_revision_is_refused_like_the_units_own_save(client, world, card, hh):
    # #11.8: a POST without the revision the page was loaded with must not
    # overwrite a score someone saved meanwhile; the unit's sheet refuses it too.
    save(world, hh, card["II.1"], points="180")
    client.force_login(world.head)
    response = client.post(
        url("review_cell", "HH", card["II.1"].pk), {"adj-points": "150", "adj-reason": "Lý do"}
    )
    assert response.status_code == 200
    assert "vừa được người khác cập nhật; giá trị hiện tại: điểm 180" in response.content.decode()
    score = Score.objects.get()
    assert (score.agreed_points, score.revision) == (None, 1)


def test_adjusting_a_cell_nobody_scored_needs_no_revision(client, world, card, hh):
    client.force_login(world.head)
    response = client.post(
        url("review_cell", "HH", card["II.1"].pk), {"adj-points": "120", "adj-reason": "Lý do"}
    )
    assert response.status_code == 302
    assert Score.objects.get().agreed_points == Decimal(120)


def test_returning_needs_a_reason(client, world, card, hh):
    sheets.sheet_submit(membership=hh, user=world.member)
    client.force_login(world.head)
    response = client.post(url("review_return", "HH"), {"reason": " "})
    assert response.status_code == 200
    assert Sheet.objects.get().status == Sheet.Status.SUBMITTED


def test_agreeing_before_the_preparatory_meeting_is_refused_with_a_message(client, world, card):
    client.force_login(world.head)
    response = client.post(url("review_agree"), CONFIRM, follow=True)
    assert "Chỉ thống nhất điểm sau họp trù bị" in response.content.decode()
    assert not ScoreAgreement.objects.filter(agreed_at__isnull=False).exists()


def test_once_agreed_the_head_can_no_longer_change_anything(client, world, card, hh):
    save(world, hh, card["II.1"], points="180")
    sheets.sheet_submit(membership=hh, user=world.member)
    hold_preparatory(world)
    client.force_login(world.head)
    client.post(url("review_agree"), AGREE)
    page = client.get(url("review")).content.decode()
    assert "Đã thống nhất" in page and url("review_cell", "HH", card["II.1"].pk) not in page

    response = client.post(
        url("review_cell", "HH", card["II.1"].pk),
        {"adj-points": "150", "adj-reason": "Lý do", "adj-revision": "1"},
    )
    assert "đang khóa" in response.content.decode()
    response = client.post(url("review_return", "HH"), {"reason": "Chấm lại"})
    assert "đang khóa" in response.content.decode()
    score = Score.objects.get()
    assert score.agreed_points is None
    assert Sheet.objects.get().status == Sheet.Status.SUBMITTED


def test_staff_reopen_with_a_reason_recorded(client, world, card):
    hold_preparatory(world)
    sheets.scores_agree(
        cluster=world.cluster_a,
        year=world.year,
        user=world.head,
        unsubmitted_reason="Thống nhất tại họp trù bị",
    )
    client.force_login(world.staff)
    assert "Mở lại điểm" in client.get(url("review")).content.decode()
    response = client.post(url("review_reopen"), {"reason": ""})
    assert response.status_code == 200
    assert ScoreAgreement.objects.get().is_locked
    client.post(url("review_reopen"), {"reason": "Đơn vị khiếu nại số liệu"})
    record = ScoreAgreement.history.order_by("-history_id").first()
    assert record.history_user == world.staff
    assert "Đơn vị khiếu nại số liệu" in record.history_change_reason


# ---------------------------------------------------------------------------
# Query count (STYLE: a page's queries do not grow with units or criteria)


def big_scorecard(cluster, year, leaves: int) -> list[Criterion]:
    """An issued scorecard of `leaves` leaves cycling through the three methods."""
    scorecard = Scorecard.objects.create(cluster=cluster, year=year, status="issued")
    methods = ["qualitative", "quantitative", "tiered"]
    made = [
        Criterion.objects.create(
            scorecard=scorecard,
            code=f"{'I' if n % 2 else 'II'}.{n}",
            section="I" if n % 2 else "II",
            title=f"Tiêu chí {n}",
            points=Decimal(10),
            order=n,
            method=methods[n % 3],
        )
        for n in range(leaves)
    ]
    Band.objects.bulk_create(
        Band(criterion=c, order=0, min_value=Decimal(0), points=Decimal(5))
        for c in made
        if c.method == "tiered"
    )
    return made


def matrix_world(world, units: int, criteria: int) -> tuple:
    cluster = ClusterFactory(authority=world.snv)
    leaves = big_scorecard(cluster, world.year, criteria)
    members = [
        MembershipFactory(
            cluster=cluster,
            year=world.year,
            unit=UnitFactory(),
            role=Membership.Role.HEAD if n == 0 else Membership.Role.MEMBER,
        )
        for n in range(units)
    ]
    head = UserFactory(unit=members[0].unit)
    scores = []
    for n, m in enumerate(members):
        for c in leaves:
            figures = {
                "qualitative": {"points": Decimal(7)},
                "quantitative": {"plan": Decimal(10), "actual": Decimal(11)},
                "tiered": {"value": Decimal(3)},
            }[c.method]
            agreed = {"agreed_points": Decimal(6), "agreed_reason": "Lý do"} if n % 2 else {}
            if c.method != "qualitative":
                agreed = {}
            scores.append(Score(membership=m, criterion=c, **figures, **agreed))
    Score.objects.bulk_create(scores)
    Sheet.objects.bulk_create(Sheet(membership=m, status="submitted") for m in members)
    return cluster, head


def count_queries(client, cluster, head) -> int:
    client.force_login(head)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("review", args=[cluster.code, 2025]))
    assert response.status_code == 200
    return len(queries)


def test_matrix_queries_do_not_grow_with_units_or_criteria(client, world):
    small = count_queries(client, *matrix_world(world, 3, 5))
    large = count_queries(client, *matrix_world(world, 20, 30))
    assert small == large
    # With the registered plans read once (#15), the results' revision (#17) and
    # the bar's count of open items (#15), the bell's unread notifications (#15),
    # the year's guidance (#16).
    assert large <= 24


@pytest.mark.parametrize(("who", "linked"), [("head", True), ("staff", True), ("member", False)])
def test_the_cluster_page_links_the_review_for_those_who_may_review(
    client, world, card, who, linked
):
    client.force_login(getattr(world, who))
    page = client.get(reverse("cluster_detail", args=[CODE, YEAR])).content.decode()
    assert (url("review") in page) is linked


# ---------------------------------------------------------------------------
# Agreeing while sheets are still being filled (#11.6)

UNSUBMITTED_REASON = "Các đơn vị đã thống nhất số liệu tại cuộc họp trù bị"


def _agreed() -> bool:
    return ScoreAgreement.objects.filter(agreed_at__isnull=False).exists()


def test_the_agree_page_lists_the_sheets_not_submitted(client, world, card, hh):
    save(world, hh, card["II.1"], points="180")
    sheets.sheet_submit(membership=hh, user=world.member)
    hold_preparatory(world)
    client.force_login(world.head)
    page = client.get(url("review_agree")).content.decode()
    listed = page.split('id="unsubmitted"', 1)[1].split("</ul>", 1)[0]
    assert all(code in listed for code in ("TPBG", "VY", "LG")) and "HH" not in listed
    assert "3 phiếu tự chấm chưa nộp" in page


def test_agreeing_with_sheets_not_submitted_needs_a_confirmation_and_a_reason(
    client, world, card, hh
):
    hold_preparatory(world)
    client.force_login(world.head)
    refused = client.post(url("review_agree"), CONFIRM)
    assert refused.status_code == 200 and not _agreed()
    assert "chưa nộp" in refused.content.decode()
    refused = client.post(
        url("review_agree"), {"confirm_unsubmitted": "on", "reason": " ", **CONFIRM}
    )
    assert refused.status_code == 200 and not _agreed()
    refused = client.post(url("review_agree"), {"reason": UNSUBMITTED_REASON, **CONFIRM})
    assert refused.status_code == 200 and not _agreed()

    response = client.post(
        url("review_agree"), {"confirm_unsubmitted": "on", "reason": UNSUBMITTED_REASON, **CONFIRM}
    )
    assert response.status_code == 302 and _agreed()
    reason = ScoreAgreement.history.latest().history_change_reason
    assert UNSUBMITTED_REASON in reason and "HH, LG, TPBG, VY" in reason
    history = client.get(reverse("history", args=[CODE, YEAR])).content.decode()
    assert UNSUBMITTED_REASON in history


def test_with_every_sheet_submitted_agreeing_needs_no_reason(client, world, card):
    lg = UserFactory(username="langgiang", unit=world.a_member2)
    for unit, user in zip(
        (world.a_head, world.a_deputy, world.a_member, world.a_member2),
        (world.head, world.deputy, world.member, lg),
        strict=True,
    ):
        sheets.sheet_submit(membership=member(world, unit), user=user)
    hold_preparatory(world)
    client.force_login(world.head)
    assert "chưa nộp" not in client.get(url("review_agree")).content.decode()
    assert client.post(url("review_agree"), CONFIRM).status_code == 302 and _agreed()


def test_after_agreement_every_badge_says_the_scores_are_agreed(client, world, card, hh):
    save(world, hh, card["II.1"], points="180")
    hold_preparatory(world)
    client.force_login(world.head)
    client.post(
        url("review_agree"), {"confirm_unsubmitted": "on", "reason": UNSUBMITTED_REASON, **CONFIRM}
    )
    assert _agreed()
    matrix = client.get(url("review")).content.decode()
    header = matrix.split("<thead", 1)[1].split("</thead>", 1)[0]
    assert "Đang tự chấm" not in header and header.count("Điểm đã thống nhất") == 4

    client.force_login(world.member)
    sheet = client.get(reverse("sheet", args=[YEAR])).content.decode()
    assert "Đang tự chấm" not in sheet and "Điểm đã thống nhất" in sheet
    todo = client.get(reverse("todo") + f"?nam={YEAR}").content.decode()
    assert "Nộp phiếu tự chấm điểm" in todo and "Điểm đã thống nhất" in todo


def test_agreeing_without_the_confirmation_locks_nothing(client, world, card):
    hold_preparatory(world)
    login(client, world, "head")
    page = client.get(url("review_agree")).content.decode()
    assert "Tôi xác nhận thống nhất điểm" in page and "chỉ cơ quan hướng dẫn mở lại" in page
    response = client.post(url("review_agree"), {**AGREE, "confirm": ""})
    assert response.status_code == 200 and "Hãy đánh dấu ô xác nhận" in response.content.decode()
    assert not ScoreAgreement.objects.filter(agreed_at__isnull=False).exists()
