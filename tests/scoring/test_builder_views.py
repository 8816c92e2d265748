"""The scorecard builder pages (R15–R19): who may see and change what, the
journey from the framework to an issued scorecard, and the page's totals."""

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clusters.models import Membership, Registration, RegistrationTarget
from scoring import services
from scoring.models import Band, Criterion, Evidence, Scorecard
from scoring.services import BandInput
from tests.factories import discuss_and_submit
from tests.scoring.test_sheets_services import PDF, member

pytestmark = pytest.mark.django_db

Status = Scorecard.Status
D = Decimal
PAGE = "/bang-diem/CUM-A/2025/"


def url(name: str, *extra, code: str = "CUM-A") -> str:
    return reverse(name, args=[code, 2025, *extra])


def html(response) -> str:
    return response.content.decode()


def text(response) -> str:
    """The page's visible text, tags dropped and spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html(response)).split())


def draft_of(world) -> Scorecard:
    return services.open_scorecard(cluster=world.cluster_a, year=world.year)


def crit(world, code: str) -> Criterion:
    return Criterion.objects.get(scorecard=draft_of(world), code=code)


def make_draft(world) -> Scorecard:
    return services.scorecard_create_from_framework(
        cluster=world.cluster_a, year=world.year, user=world.head
    )


def move(scorecard: Scorecard, world, *steps: str) -> Scorecard:
    for step in steps:
        if step == "submit":
            discuss_and_submit(scorecard, world.head)
        elif step == "approve":
            services.scorecard_approve(scorecard=scorecard, user=world.staff)
        elif step == "issue":
            services.scorecard_issue(scorecard=scorecard, user=world.head)
    return scorecard


# --- Form data as the page's forms send it ---------------------------------


def row_data(criterion: Criterion, **changes) -> dict:
    prefix = f"c{criterion.pk}"
    data = {"points": str(criterion.points), "revision": str(criterion.revision)}
    if criterion.framework_criterion_id is None:
        data["title"] = criterion.title
    if criterion.is_leaf:
        data |= {"method": criterion.method, "direction": criterion.direction}
    data |= changes
    return {f"{prefix}-{name}": value for name, value in data.items()}


def bands_data(criterion: Criterion, bands: list[tuple]) -> dict:
    """(min, min inclusive, max, max inclusive, points) per band, as new rows."""
    prefix = f"b{criterion.pk}"
    data = {f"{prefix}-TOTAL_FORMS": str(len(bands)), f"{prefix}-INITIAL_FORMS": "0"}
    for i, (low, low_in, high, high_in, points) in enumerate(bands):
        data |= {
            f"{prefix}-{i}-min_value": "" if low is None else str(low),
            f"{prefix}-{i}-max_value": "" if high is None else str(high),
            f"{prefix}-{i}-points": str(points),
        }
        if low_in:
            data[f"{prefix}-{i}-min_inclusive"] = "on"
        if high_in:
            data[f"{prefix}-{i}-max_inclusive"] = "on"
    return data


def split_data(criterion: Criterion, parts: list[tuple[str, str, str]]) -> dict:
    """The split form's five rows: untouched rows keep their suggested code."""
    prefix = f"s{criterion.pk}"
    data = {f"{prefix}-TOTAL_FORMS": "5", f"{prefix}-INITIAL_FORMS": "0"}
    for i in range(5):
        data[f"{prefix}-{i}-code"] = f"{criterion.code}.{i + 1}"
        data[f"{prefix}-{i}-title"] = ""
        data[f"{prefix}-{i}-points"] = ""
    for i, (code, title, points) in enumerate(parts):
        data |= {
            f"{prefix}-{i}-code": code,
            f"{prefix}-{i}-title": title,
            f"{prefix}-{i}-points": points,
        }
    return data


def add_data(section: str, code: str, title: str, points: str, method="qualitative") -> dict:
    prefix = f"add-{section}"
    return {
        f"{prefix}-code": code,
        f"{prefix}-title": title,
        f"{prefix}-points": points,
        f"{prefix}-method": method,
        f"{prefix}-direction": "higher",
        f"{prefix}-parent": "",
    }


def state(world) -> tuple:
    """Everything a builder action may change, for 'nothing changed' checks."""
    cards = list(
        Scorecard.objects.filter(cluster=world.cluster_a)
        .order_by("version")
        .values_list("version", "status", "return_reason")
    )
    rows = list(
        Criterion.objects.filter(scorecard__cluster=world.cluster_a)
        .order_by("scorecard__version", "order")
        .values_list(
            "code", "title", "points", "method", "direction", "is_leaf", "added", "parent__code"
        )
    )
    bands = list(
        Band.objects.filter(criterion__scorecard__cluster=world.cluster_a)
        .order_by("criterion__code", "order")
        .values_list("criterion__code", "min_value", "max_value", "points")
    )
    return cards, rows, bands


# ---------------------------------------------------------------------------
# Who sees the page


@pytest.mark.parametrize("who", ["head", "deputy", "member", "staff", "admin"])
def test_cluster_members_and_guiding_staff_see_the_page(world, client, who):
    make_draft(world)
    client.force_login(getattr(world, who))

    response = client.get(PAGE)

    assert response.status_code == 200
    assert "Bảng chấm điểm đang được xây dựng" in text(response)


@pytest.mark.parametrize("who", ["other_head", "other_member", "other_staff"])
def test_other_clusters_and_other_authorities_get_403(world, client, who):
    make_draft(world)
    client.force_login(getattr(world, who))

    assert client.get(PAGE).status_code == 403


def test_anonymous_visitor_is_sent_to_login(world, client):
    response = client.get(PAGE)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_head_gets_the_editor_and_the_others_a_read_only_page(world, client):
    make_draft(world)
    edit_action = f'action="{PAGE}tieu-chi/'

    client.force_login(world.head)
    head_page = html(client.get(PAGE))
    for who in (world.deputy, world.member, world.staff):
        client.force_login(who)
        page = html(client.get(PAGE))
        assert edit_action not in page
        assert f'action="{PAGE}lay-y-kien/"' not in page
        assert 'name="csrfmiddlewaretoken"' not in page.split("<main", 1)[1]

    assert head_page.count(edit_action) >= 40  # one form per criterion
    # A draft goes to the members before it is submitted [II.1].
    assert f'action="{PAGE}lay-y-kien/"' in head_page
    assert f'action="{PAGE}trinh/"' not in head_page


def test_delegated_deputy_builds_like_the_head(world, client):
    make_draft(world)
    Membership.objects.filter(unit=world.a_deputy).update(acts_for_head=True)
    client.force_login(world.deputy)
    i1 = crit(world, "I.1")

    response = client.post(url("criterion_save", i1.pk), row_data(i1, points="30.08"))

    assert response.status_code == 302
    assert crit(world, "I.1").points == D("30.08")
    assert f'action="{PAGE}tieu-chi/{i1.pk}/"' in html(client.get(PAGE))


def test_no_scorecard_yet_head_sees_the_build_button_members_a_notice(world, client):
    client.force_login(world.head)
    head_page = text(client.get(PAGE))
    client.force_login(world.member)
    member_page = text(client.get(PAGE))

    assert "Xây dựng bảng chấm điểm từ khung" in head_page
    assert "chưa có bảng chấm điểm năm 2025" in member_page
    assert "Xây dựng bảng chấm điểm từ khung" not in member_page


def test_page_has_no_inline_script(world, client):
    make_draft(world)
    client.force_login(world.head)

    page = html(client.get(PAGE))

    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []
    assert "hx-post=" in page  # htmx (a static file) drives the rows


# ---------------------------------------------------------------------------
# Who may do what: each action tried by the right user and the wrong ones


def _added(world) -> Criterion:
    return services.criterion_add(
        scorecard=draft_of(world), section="II", code="II.10", title="Chuyển đổi số", points=D(1)
    )


def _scenario(world, action: str) -> tuple[str, dict]:
    """Put cluster A's scorecard where `action` applies; its URL and valid data."""
    if action == "create":
        return url("scorecard_create"), {}
    draft = make_draft(world)
    if action == "save":
        i1 = crit(world, "I.1")
        return url("criterion_save", i1.pk), row_data(i1, points="30")
    if action == "split":
        i2 = crit(world, "I.2")
        parts = [("I.2.1", "Trồng trọt", "14.5"), ("I.2.2", "Chăn nuôi", "14.5")]
        return url("criterion_split", i2.pk), split_data(i2, parts)
    if action == "remove":
        return url("criterion_remove", _added(world).pk), {}
    if action == "add":
        return url("criterion_add", "II"), add_data("II", "II.10", "Chuyển đổi số", "1")
    if action == "discuss":
        return url("scorecard_discuss"), {}
    if action == "reopen":
        services.scorecard_open_discussion(scorecard=draft, user=world.head)
        return url("scorecard_reopen"), {"reason": "Sửa phần II"}
    if action == "submit":
        services.scorecard_open_discussion(scorecard=draft, user=world.head)
        return url("scorecard_submit"), {"reason": "Các thành viên góp ý tại cuộc họp"}
    if action in ("approve", "return"):
        move(draft, world, "submit")
        return url(f"scorecard_{action}"), {"reason": "Chưa rõ cách chấm tiêu chí I.3"}
    if action == "issue":
        move(draft, world, "submit", "approve")
        return url("scorecard_issue"), {}
    assert action == "new_version"
    move(draft, world, "submit", "approve", "issue")
    return url("scorecard_new_version"), {}


HEAD_ACTIONS = [
    "create",
    "save",
    "split",
    "remove",
    "add",
    "discuss",
    "reopen",
    "submit",
    "issue",
    "new_version",
]
STAFF_ACTIONS = ["approve", "return"]
NOT_LEADS = ("deputy", "member", "staff", "other_head", "other_staff", "admin")
NOT_STAFF = ("head", "deputy", "member", "other_head", "other_staff")
REFUSED = dict.fromkeys(HEAD_ACTIONS, NOT_LEADS) | dict.fromkeys(STAFF_ACTIONS, NOT_STAFF)


@pytest.mark.parametrize(
    ("action", "who"), [(action, who) for action, users in REFUSED.items() for who in users]
)
def test_refused_user_gets_403_and_nothing_changes(world, client, action, who):
    target, data = _scenario(world, action)
    before = state(world)
    client.force_login(getattr(world, who))

    response = client.post(target, data)

    assert response.status_code == 403
    assert state(world) == before


@pytest.mark.parametrize("action", HEAD_ACTIONS + STAFF_ACTIONS)
def test_anonymous_post_goes_to_login_and_nothing_changes(world, client, action):
    target, data = _scenario(world, action)
    before = state(world)

    response = client.post(target, data)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert state(world) == before


@pytest.mark.parametrize("action", HEAD_ACTIONS + STAFF_ACTIONS)
def test_right_user_changes_the_scorecard(world, client, action):
    target, data = _scenario(world, action)
    before = state(world)
    client.force_login(world.staff if action in STAFF_ACTIONS else world.head)

    response = client.post(target, data)

    assert response.status_code == 302
    assert response.url.startswith(PAGE)
    assert state(world) != before


def test_actions_refuse_get(world, client):
    make_draft(world)
    client.force_login(world.head)

    assert client.get(url("scorecard_submit")).status_code == 405


def test_criterion_of_another_cluster_is_not_found(world, client):
    make_draft(world)
    other = services.scorecard_create_from_framework(cluster=world.cluster_b, year=world.year)
    foreign = other.criteria.get(code="II.1")
    before = foreign.points
    client.force_login(world.head)

    response = client.post(url("criterion_save", foreign.pk), row_data(foreign, points="1"))

    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.points == before


def test_superuser_reads_but_cannot_approve(world, client):
    """The services let only the guiding authority's staff approve (R18)."""
    move(make_draft(world), world, "submit")
    client.force_login(world.admin)

    assert "Phê duyệt" not in text(client.get(PAGE)).split("Bản 1", 1)[1]
    assert client.post(url("scorecard_approve")).status_code == 403
    assert draft_of(world).status == Status.SUBMITTED


# ---------------------------------------------------------------------------
# The journey


def test_journey_from_framework_to_issued(world, client):
    client.force_login(world.head)

    # Start from the framework.
    assert "Xây dựng bảng chấm điểm từ khung" in text(client.get(PAGE))
    assert client.post(url("scorecard_create")).status_code == 302
    page = text(client.get(PAGE))
    assert "Tổng 550/550 điểm · đủ điểm" in page
    assert "Tổng 200/200 điểm · đủ điểm" in page
    assert "đã cụ thể hóa/bổ sung 0 / tối đa 5" in page
    assert "đã cụ thể hóa/bổ sung 0 / tối đa 2" in page

    # Points that put section I off: the page shows the difference in red.
    i1 = crit(world, "I.1")
    response = client.post(url("criterion_save", i1.pk), row_data(i1, points="31.5"))
    assert response.status_code == 302
    response = client.get(PAGE)
    assert "Tổng 552,5/550 điểm · thừa 2,5 điểm" in text(response)
    assert re.search(r'text-bg-danger" data-total="552.50"', html(response))

    # Opening it to the members is refused with the section named; nothing moves.
    response = client.post(url("scorecard_discuss"))
    assert response.status_code == 200
    assert "Phần I: tổng điểm các tiêu chí là 552,5, phải đúng 550." in text(response)
    assert draft_of(world).status == Status.DRAFT

    # Fix it.
    client.post(url("criterion_save", i1.pk), row_data(crit(world, "I.1"), points="29"))
    assert "Tổng 550/550 điểm · đủ điểm" in text(client.get(PAGE))

    # Split I.2 (concretise it): sub-criteria that do not total the parent are
    # refused next to the row.
    i2 = crit(world, "I.2")
    bad = [("I.2.1", "Trồng trọt", "10"), ("I.2.2", "Chăn nuôi", "10")]
    response = client.post(url("criterion_split", i2.pk), split_data(i2, bad))
    assert response.status_code == 200
    row = html(response).split(f'id="c-{i2.pk}"', 1)[1].split('id="c-', 1)[0]
    assert "các tiêu chí con của I.2 có tổng 20 điểm, phải bằng 29 điểm" in row
    assert crit(world, "I.2").is_leaf
    good = [("I.2.1", "Trồng trọt", "10"), ("I.2.2", "Chăn nuôi", "10"), ("I.2.3", "Khác", "9")]
    assert client.post(url("criterion_split", i2.pk), split_data(i2, good)).status_code == 302
    assert not crit(world, "I.2").is_leaf
    assert [c.code for c in crit(world, "I.2").children.order_by("order")] == [
        "I.2.1",
        "I.2.2",
        "I.2.3",
    ]
    page = text(client.get(PAGE))
    # Concretising a framework criterion counts toward the 30% (R17, seed [II.1]).
    assert "Tiêu chí con: 29/29" in page and "đã cụ thể hóa/bổ sung 1 / tối đa 5" in page

    # Add a criterion: counted against the 30% limit, and the section total moves.
    data = add_data("I", "I.20", "Chuyển đổi số", "10")
    assert client.post(url("criterion_add", "I"), data).status_code == 302
    page = text(client.get(PAGE))
    assert "đã cụ thể hóa/bổ sung 2 / tối đa 5" in page
    assert "Tổng 560/550 điểm · thừa 10 điểm" in page
    i3 = crit(world, "I.3")
    client.post(url("criterion_save", i3.pk), row_data(i3, points="19"))
    assert "Tổng 550/550 điểm · đủ điểm" in text(client.get(PAGE))

    # A leaf scored by tiers: pick the method, then its bands appear to fill.
    i4 = crit(world, "I.4")
    client.post(url("criterion_save", i4.pk), row_data(i4, method="tiered"))
    assert f'name="b{i4.pk}-TOTAL_FORMS"' in html(client.get(PAGE))
    i4 = crit(world, "I.4")
    bands = [(0, True, 10, False, "28.94"), (10, True, None, False, "10")]
    response = client.post(url("criterion_save", i4.pk), row_data(i4) | bands_data(i4, bands))
    assert response.status_code == 302
    assert list(crit(world, "I.4").bands.values_list("min_value", "max_value", "points")) == [
        (D(0), D(10), D("28.94")),
        (D(10), None, D(10)),
    ]

    # The members discuss it first [II.1]: HH and VY agree, LG says nothing,
    # so the head submits with its reason.
    assert client.post(url("scorecard_discuss")).status_code == 302
    for who in (world.member, world.deputy):
        client.force_login(who)
        assert client.post(url("scorecard_position"), {"stance": "agree"}).status_code == 302
    client.force_login(world.head)
    silent = {"reason": "UBND huyện Lạng Giang không gửi ý kiến"}
    assert client.post(url("scorecard_submit"), silent).status_code == 302
    assert draft_of(world).status == Status.SUBMITTED
    client.force_login(world.member)
    assert "đã trình Sở Nội vụ tỉnh Bắc Giang, đang chờ phê duyệt" in text(client.get(PAGE))

    # Staff return it: a reason is required, then members see it.
    client.force_login(world.staff)
    page = text(client.get(PAGE))
    assert "Phê duyệt" in page and "Trả lại" in page
    response = client.post(url("scorecard_return"), {"reason": "  "})
    assert response.status_code == 200
    assert "Trường này là bắt buộc." in text(response).split("Trả lại", 1)[0]
    assert draft_of(world).status == Status.SUBMITTED
    reason = "Tiêu chí I.20 cần ghi rõ cách chấm."
    assert client.post(url("scorecard_return"), {"reason": reason}).status_code == 302
    assert draft_of(world).status == Status.RETURNED
    client.force_login(world.member)
    page = text(client.get(PAGE))
    assert "bị Sở Nội vụ tỉnh Bắc Giang trả lại" in page and reason in page

    # Back to the members, resubmit, approve, issue.
    client.force_login(world.head)
    assert client.post(url("scorecard_discuss")).status_code == 302
    assert client.post(url("scorecard_submit"), silent).status_code == 302
    client.force_login(world.staff)
    assert client.post(url("scorecard_approve")).status_code == 302
    client.force_login(world.head)
    assert "Ban hành" in text(client.get(PAGE))
    assert client.post(url("scorecard_issue")).status_code == 302

    issued = Scorecard.objects.issued().get(cluster=world.cluster_a, year=world.year)
    assert issued.criteria.filter(code="I.20", added=True).exists()
    client.force_login(world.member)
    page = text(client.get(PAGE))
    assert "Đã ban hành bảng chấm điểm (bản 1)" in page
    assert "từ 0 đến dưới 10: 28,94 điểm" in page  # the bands, read-only


def test_new_version_leaves_the_issued_one_in_force(world, client):
    move(make_draft(world), world, "submit", "approve", "issue")
    client.force_login(world.head)

    assert "Tạo phiên bản mới" in text(client.get(PAGE))
    assert client.post(url("scorecard_new_version")).status_code == 302

    page = text(client.get(PAGE))
    assert "Bản 2" in page and "Bảng chấm điểm đang được xây dựng" in page
    assert "Bản 1 đã ban hành vẫn có hiệu lực" in page
    assert draft_of(world).version == 2


# ---------------------------------------------------------------------------
# Refusals are shown where they happen and nothing is half-saved


def test_points_with_more_than_two_decimals_refused_on_the_row(world, client):
    make_draft(world)
    i1 = crit(world, "I.1")
    client.force_login(world.head)

    # Four decimals: "29.085" would be refused as ambiguous (a thousands group?).
    response = client.post(url("criterion_save", i1.pk), row_data(i1, points="29,0851"))

    assert response.status_code == 200
    row = html(response).split(f'id="c-{i1.pk}"', 1)[1].split('id="c-', 1)[0]
    assert "Tối đa 2 chữ số sau dấu phẩy." in row
    assert 'value="29,0851"' in row  # what the user typed stays in the form
    assert crit(world, "I.1").points == D(29)


def test_bad_band_refuses_the_whole_row_change(world, client):
    make_draft(world)
    iii41 = crit(world, "III.4.1")
    before = state(world)
    client.force_login(world.head)
    bands = [(0, True, 0, True, "99")]

    response = client.post(
        url("criterion_save", iii41.pk), row_data(iii41, points="20") | bands_data(iii41, bands)
    )

    assert response.status_code == 200
    assert "Tiêu chí III.4.1, mức 1: điểm phải từ 0 đến 20." in text(response)
    assert state(world) == before


def test_added_criterion_over_the_limit_is_refused_under_the_section(world, client):
    make_draft(world)
    for n in (10, 11):
        services.criterion_add(
            scorecard=draft_of(world), section="II", code=f"II.{n}", title="Bổ sung", points=D(1)
        )
    client.force_login(world.head)
    page = text(client.get(PAGE))
    assert "đã cụ thể hóa/bổ sung 2 / tối đa 2" in page
    assert "Phần II đã cụ thể hóa/bổ sung 2 / tối đa 2 tiêu chí" in page
    before = state(world)

    response = client.post(url("criterion_add", "II"), add_data("II", "II.12", "Nữa", "1"))

    assert response.status_code == 200
    section = html(response).split('id="phan-II"', 1)[1].split('id="phan-III"', 1)[0]
    assert "Phần II: đã cụ thể hóa/bổ sung 2/2 tiêu chí, không được cụ thể hóa" in section
    assert state(world) == before


def test_concretised_and_added_criteria_share_the_30_percent_per_section(world, client):
    # Seed [II.1]: "cụ thể hoá hoặc bổ sung thêm tiêu chí … nhưng không vượt quá
    # 30% số tiêu chí đã quy định cho từng nội dung".
    make_draft(world)
    client.force_login(world.head)
    ii1 = crit(world, "II.1")
    parts = [("II.1a", "Học tập", "13"), ("II.1b", "Quán triệt", "10")]
    assert client.post(url("criterion_split", ii1.pk), split_data(ii1, parts)).status_code == 302
    assert "đã cụ thể hóa/bổ sung 1 / tối đa 2" in text(client.get(PAGE))
    assert client.post(url("criterion_add", "II"), add_data("II", "II.10", "Mới", "1")).status_code
    assert "đã cụ thể hóa/bổ sung 2 / tối đa 2" in text(client.get(PAGE))
    before = state(world)

    ii2 = crit(world, "II.2")
    parts = [("II.2a", "Một", "11"), ("II.2b", "Hai", "12")]
    response = client.post(url("criterion_split", ii2.pk), split_data(ii2, parts))

    assert response.status_code == 200
    row = html(response).split(f'id="c-{ii2.pk}"', 1)[1].split('id="c-', 1)[0]
    assert (
        "Phần II: đã cụ thể hóa/bổ sung 2/2 tiêu chí, không được cụ thể hóa hoặc bổ sung quá 30% "
        "số tiêu chí của khung." in row
    )
    assert state(world) == before


@pytest.mark.parametrize(
    ("code", "points", "fixed"), [("III.1", "45", "35"), ("III.6", "10", "20")]
)
def test_section_iii_item_points_cannot_be_reweighted(world, client, code, points, fixed):
    # Phụ lục 02's table gives the items their points; a cluster splits them, no more (R17).
    make_draft(world)
    client.force_login(world.head)
    item = crit(world, code)
    assert f"Phụ lục 02 quy định {fixed} điểm, không đổi được" in text(client.get(PAGE))
    before = state(world)

    response = client.post(url("criterion_save", item.pk), row_data(item, points=points))

    assert response.status_code == 200
    row = html(response).split(f'id="c-{item.pk}"', 1)[1].split('id="c-', 1)[0]
    assert (
        f"Tiêu chí {code}: Phụ lục 02 quy định {fixed} điểm cho mục này, không được đổi thành "
        f"{points} điểm; chỉ được phân chia lại điểm giữa các tiêu chí con của mục."
    ) in row
    assert state(world) == before


def test_a_fresh_draft_scores_measured_criteria_against_the_plan(world, client):
    # Phụ lục 02 I.1 "Tổng thu ngân sách địa phương so chỉ tiêu…": measured against
    # a plan, so it starts quantitative and can earn the exceed bonus (R19, R22).
    client.force_login(world.head)

    assert client.post(url("scorecard_create")).status_code == 302

    page = html(client.get(PAGE))
    for code, method, direction in (
        ("I.1", "quantitative", "higher"),
        ("I.13", "quantitative", "lower"),
        ("I.2", "qualitative", "higher"),
    ):
        row = page.split(f'id="c-{crit(world, code).pk}"', 1)[1].split('id="c-', 1)[0]
        assert re.search(rf'<option value="{method}" selected>', row), code
        assert re.search(rf'<option value="{direction}" selected>', row), code


def test_framework_criterion_cannot_be_removed(world, client):
    make_draft(world)
    i1 = crit(world, "I.1")
    before = state(world)
    client.force_login(world.head)

    response = client.post(url("criterion_remove", i1.pk))

    assert response.status_code == 200
    assert "thuộc khung của Hội đồng, không được xóa" in text(response)
    assert f'action="{PAGE}tieu-chi/{i1.pk}/xoa/"' not in html(response)
    assert state(world) == before


def test_submitted_scorecard_is_read_only_for_the_head(world, client):
    move(make_draft(world), world, "submit")
    i1 = crit(world, "I.1")
    client.force_login(world.head)

    page = html(client.get(PAGE))
    response = client.post(url("criterion_save", i1.pk), row_data(i1, points="30"))

    assert f'action="{PAGE}tieu-chi/' not in page
    assert response.status_code == 200
    assert "chỉ sửa được khi còn là dự thảo hoặc bị trả lại" in text(response)
    assert crit(world, "I.1").points == D(29)


def test_split_form_opens_on_request(world, client):
    make_draft(world)
    i2 = crit(world, "I.2")
    client.force_login(world.head)

    closed = html(client.get(PAGE))
    opened = html(client.get(PAGE, {"tach": i2.pk}))

    assert f"s{i2.pk}-TOTAL_FORMS" not in closed
    assert f'name="s{i2.pk}-0-code" value="I.2.1"' in opened


def test_remove_added_criterion(world, client):
    make_draft(world)
    added = _added(world)
    client.force_login(world.head)

    response = client.post(url("criterion_remove", added.pk))

    assert response.status_code == 302 and response.url.endswith("#phan-II")
    assert not draft_of(world).criteria.filter(code="II.10").exists()


# ---------------------------------------------------------------------------
# Totals and queries


def test_running_totals_equal_the_services_totals(world, client):
    make_draft(world)
    draft = draft_of(world)
    services.criterion_split(
        criterion=crit(world, "II.2"), parts=[("II.2.1", "a", D("11")), ("II.2.2", "b", D("12"))]
    )
    services.criterion_update(
        criterion=crit(world, "II.2.2"), revision=crit(world, "II.2.2").revision, points=D("11.5")
    )  # 22.5 ≠ 23
    services.criterion_add(scorecard=draft, section="III", code="III.8", title="c", points=D(3))
    services.criterion_update(
        criterion=crit(world, "I.7"), revision=crit(world, "I.7").revision, points=D("20.01")
    )
    client.force_login(world.head)

    page = html(client.get(PAGE))

    shown = dict(re.findall(r'id="phan-(I+)".*?data-total="([\d.]+)"', page, re.S))
    leaves = {s: D(0) for s in ("I", "II", "III")}
    for c in draft.criteria.filter(is_leaf=True):
        leaves[c.section] += c.points
    assert {s: D(v) for s, v in shown.items()} == leaves
    errors = " ".join(services.scorecard_validate(draft))
    for section, total in (("I", "541,01"), ("II", "199,5"), ("III", "203")):
        assert f"Phần {section}: tổng điểm các tiêu chí là {total}," in errors
        assert f"Tổng {total}/" in text(client.get(PAGE))


def _count_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(PAGE).status_code == 200
    return len(queries)


@pytest.mark.parametrize("who", ["head", "member"])
def test_page_queries_do_not_grow_with_criteria(world, client, django_assert_max_num_queries, who):
    make_draft(world)
    client.force_login(getattr(world, who))
    baseline = _count_queries(client)

    i1 = crit(world, "I.1")  # 29 = 9 × 2.90 + 2.90
    parts = [(f"I.1.{n}", f"Phần {n}", D("2.90")) for n in range(1, 10)]
    services.criterion_split(criterion=i1, parts=[*parts, ("I.1.10", "Phần 10", D("2.90"))])
    services.criterion_update(
        criterion=crit(world, "I.1.1"),
        revision=crit(world, "I.1.1").revision,
        method="tiered",
        bands=[BandInput(points=D("2.9"), min_value=D(0)), BandInput(points=D(0))],
    )
    assert draft_of(world).criteria.count() >= 60

    with django_assert_max_num_queries(baseline):
        assert client.get(PAGE).status_code == 200


# ---------------------------------------------------------------------------
# Awaiting approval


PENDING = "/bang-diem/cho-duyet/"


def test_pending_list_shows_what_the_staff_member_may_see(world, client):
    move(make_draft(world), world, "submit")
    b = services.scorecard_create_from_framework(cluster=world.cluster_b, year=world.year)
    discuss_and_submit(b, world.other_head)

    client.force_login(world.staff)
    snv = text(client.get(PENDING))
    client.force_login(world.other_staff)
    other = text(client.get(PENDING))

    assert "Cụm thi đua các huyện" in snv and "Khối các trường" in snv
    assert "Khối các trường" in other and "Cụm thi đua các huyện" not in other


def test_pending_list_leaves_out_drafts_and_issued(world, client):
    make_draft(world)
    client.force_login(world.staff)

    assert "Không có bảng chấm điểm nào đang chờ phê duyệt" in text(client.get(PENDING))


@pytest.mark.parametrize("who", ["head", "member", "other_member"])
def test_pending_list_is_for_staff_only(world, client, who):
    client.force_login(getattr(world, who))

    assert client.get(PENDING).status_code == 403


def test_pending_list_anonymous_goes_to_login(world, client):
    response = client.get(PENDING)

    assert response.status_code == 302 and response.url.startswith(reverse("login"))


# ---------------------------------------------------------------------------
# Links


def test_cluster_and_unit_home_pages_link_to_the_scorecard(world, client):
    client.force_login(world.member)

    assert f'href="{PAGE}"' in html(client.get(reverse("home")))
    assert f'href="{PAGE}"' in html(client.get(reverse("cluster_detail", args=["CUM-A", 2025])))


# ---------------------------------------------------------------------------
# Who decides (issue 13): the authority guiding cluster_b (Sở GD&ĐT) comments
# and forwards; Sở Nội vụ, the council's standing agency, agrees ("được Cơ
# quan thường trực Hội đồng TĐKT tỉnh nhất trí trước khi ban hành bảng chấm
# điểm", Phần II.1).


def submitted_b(world) -> Scorecard:
    b = services.scorecard_create_from_framework(cluster=world.cluster_b, year=world.year)
    return discuss_and_submit(b, world.other_head)


def test_guiding_authority_cannot_approve_its_clusters_scorecard(world, client):
    scorecard = submitted_b(world)
    client.force_login(world.other_staff)

    page = client.get(url("scorecard", code="KHOI-B"))
    assert url("scorecard_approve", code="KHOI-B") not in html(page)
    assert client.post(url("scorecard_approve", code="KHOI-B")).status_code == 403
    scorecard.refresh_from_db()
    assert scorecard.status == Status.SUBMITTED


def test_guiding_authority_comments_forwards_and_so_noi_vu_approves(world, client):
    scorecard = submitted_b(world)
    client.force_login(world.other_staff)
    page = text(client.get(url("scorecard", code="KHOI-B")))
    assert "Ghi ý kiến" in page and "Chuyển Sở Nội vụ" in page and "Phê duyệt" not in page

    note = "Tiêu chí I.3 cần ghi rõ cách chấm"
    response = client.post(url("scorecard_comment", code="KHOI-B"), {"note": note})
    assert response.status_code == 302
    response = client.post(url("scorecard_forward", code="KHOI-B"), {"note": ""})
    assert response.status_code == 302
    scorecard.refresh_from_db()
    assert (scorecard.status, scorecard.guidance_note) == (Status.FORWARDED, note)

    client.force_login(world.other_head)
    assert note in text(client.get(url("scorecard", code="KHOI-B")))
    client.force_login(world.staff)
    page = text(client.get(url("scorecard", code="KHOI-B")))
    assert "đã chuyển bảng chấm điểm tới Sở Nội vụ" in page and note in page
    assert client.post(url("scorecard_approve", code="KHOI-B")).status_code == 302
    scorecard.refresh_from_db()
    assert scorecard.status == Status.APPROVED

    history = list(scorecard.history.order_by("history_date"))
    reasons = [(h.history_user, h.history_change_reason) for h in history[-3:]]
    assert reasons[0] == (world.other_staff, f"Góp ý của Sở Giáo dục và Đào tạo: {note}")
    assert reasons[1][0] == world.other_staff and reasons[1][1].startswith("Chuyển Sở Nội vụ")
    assert reasons[2] == (
        world.staff,
        "Phê duyệt: Cơ quan hướng dẫn đã chuyển Sở Nội vụ → Đã phê duyệt",
    )


def test_guiding_authority_returns_a_submitted_scorecard_not_a_forwarded_one(world, client):
    scorecard = submitted_b(world)
    client.force_login(world.other_staff)
    reason = {"reason": "Chưa rõ cách chấm"}
    assert client.post(url("scorecard_return", code="KHOI-B"), reason).status_code == 302
    scorecard.refresh_from_db()
    assert scorecard.status == Status.RETURNED

    discuss_and_submit(scorecard, world.other_head)
    services.scorecard_forward(scorecard=scorecard, user=world.other_staff)
    assert client.post(url("scorecard_return", code="KHOI-B"), reason).status_code == 403
    client.force_login(world.staff)
    assert client.post(url("scorecard_return", code="KHOI-B"), reason).status_code == 302


def test_pending_list_of_so_noi_vu_holds_forwarded_scorecards(world, client):
    services.scorecard_forward(scorecard=submitted_b(world), user=world.other_staff)
    client.force_login(world.staff)
    assert "Khối các trường" in text(client.get(PENDING))
    client.force_login(world.other_staff)
    assert "Khối các trường" not in text(client.get(PENDING))


def test_a_name_does_not_make_an_authority_the_standing_agency(world, client):
    """Only Authority.kind, set in the admin, gives Sở Nội vụ's powers."""
    world.other_authority.name = "Sở Nội vụ tỉnh Bắc Giang (cũ)"
    world.other_authority.save()
    submitted_b(world)
    client.force_login(world.other_staff)
    assert client.post(url("scorecard_approve", code="KHOI-B")).status_code == 403


# ---------------------------------------------------------------------------
# A new version carries what the units attached to the criteria (R18, R19)


def test_new_version_carries_evidence_and_registration_targets(world, client, media_root):
    """#11.2: new version → submit → approve → issue, no criterion changed; the
    unit's evidence and its registration target follow the criteria, so the
    sheet lists the file, the review matrix counts it and the plan applies."""
    first = make_draft(world)
    services.criterion_update(
        criterion=crit(world, "I.1"), revision=crit(world, "I.1").revision, method="quantitative"
    )
    move(first, world, "submit", "approve", "issue")
    old_i1, old_ii1 = (first.criteria.get(code=code) for code in ("I.1", "II.1"))
    hh = member(world, world.a_member)
    registration = Registration.objects.create(membership=hh, status=Registration.Status.SUBMITTED)
    RegistrationTarget.objects.create(
        registration=registration, title="Thu ngân sách", planned_value=D("80.5"), criterion=old_i1
    )
    client.force_login(world.member)
    upload = SimpleUploadedFile("Báo cáo tổng kết.pdf", PDF, content_type="application/pdf")
    response = client.post(
        reverse("evidence_upload", args=[2025, old_ii1.pk]), {f"e{old_ii1.pk}-file": upload}
    )
    assert response.status_code == 302
    uploaded = Evidence.objects.get(criterion=old_ii1)

    client.force_login(world.head)
    assert client.post(url("scorecard_new_version")).status_code == 302
    move(draft_of(world), world, "submit")
    client.force_login(world.staff)
    assert client.post(url("scorecard_approve")).status_code == 302
    client.force_login(world.head)
    assert client.post(url("scorecard_issue")).status_code == 302
    second = Scorecard.objects.issued().get(cluster=world.cluster_a, year=world.year)
    assert second.version == 2
    new_i1, new_ii1 = (second.criteria.get(code=code) for code in ("I.1", "II.1"))

    client.force_login(world.member)
    page = html(client.get(reverse("sheet", args=[2025])))
    block = page.split(f'id="evidence-{new_ii1.pk}"', 1)[1].split("</ul>", 1)[0]
    assert reverse("evidence_download", args=[uploaded.pk]) in block
    plan = re.search(rf'<input[^>]*name="r{new_i1.pk}-plan"[^>]*>', page).group(0)
    assert 'value="80,5"' in plan and "disabled" in plan

    client.force_login(world.head)
    review = text(client.get(reverse("review", args=["CUM-A", 2025])))
    assert "[1]" in review


# Figures as Vietnamese people type them, with bounds (STYLE 17, issue #12)


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ("1e26", "“1e26” không phải là số"),
        ("1.000", "không rõ là số thập phân hay số có dấu phân cách hàng nghìn"),
        ("123456", "Số quá lớn: tối đa 99.999,99."),
        ("５", "không phải là số"),
    ],
)
def test_points_out_of_range_or_unreadable_are_refused_not_a_500(world, client, points, message):
    make_draft(world)
    i1 = crit(world, "I.1")
    before = state(world)
    client.force_login(world.head)

    response = client.post(url("criterion_save", i1.pk), row_data(i1, points=points))

    assert response.status_code == 200
    assert message in text(response)
    assert state(world) == before


def test_added_criterion_with_huge_points_is_refused_not_a_500(world, client):
    make_draft(world)
    client.force_login(world.head)
    response = client.post(url("criterion_add", "I"), add_data("I", "I.20", "Mới", "1e26"))
    assert response.status_code == 200
    assert "“1e26” không phải là số" in text(response)
    assert not Criterion.objects.filter(code="I.20").exists()


def test_band_limits_and_points_take_a_decimal_comma(world, client):
    make_draft(world)
    iii41 = crit(world, "III.4.1")
    client.force_login(world.head)
    bands = [(0, True, "12,5", False, "20"), ("12,5", True, None, False, "7,5")]

    response = client.post(
        url("criterion_save", iii41.pk), row_data(iii41, points="20") | bands_data(iii41, bands)
    )

    assert response.status_code in (200, 302)
    saved = list(Band.objects.filter(criterion=iii41).values_list("max_value", "points"))
    assert saved == [(D("12.5"), D(20)), (None, D("7.5"))]


def test_band_limit_of_1e300_is_refused_not_a_500(world, client):
    make_draft(world)
    iii41 = crit(world, "III.4.1")
    before = state(world)
    client.force_login(world.head)
    bands = [(0, True, "1E+300", False, "20")]
    response = client.post(
        url("criterion_save", iii41.pk), row_data(iii41, points="20") | bands_data(iii41, bands)
    )
    assert response.status_code == 200
    assert "không phải là số" in text(response)
    assert state(world) == before


def test_the_builder_shows_and_takes_the_sections_of_the_years_guidance(client, world):
    """#16, R37: a guidance's own section (VIII, its title and points) is on
    the builder, and the head adds a criterion to it."""
    from scoring.guidances import apply_regulation
    from scoring.regulation import DEFAULT, regulation_from_json, regulation_to_json

    block = regulation_to_json(DEFAULT)
    block["code"] = "BN-2026"
    block["sections"][0]["points"] = 450
    block["sections"][0]["title"] = "Nhiệm vụ chính trị của xã, phường"
    block["sections"].append(
        {"code": "VIII", "title": "Chuyển đổi số", "points": 100, "framework_criteria": 5}
    )
    apply_regulation(world.year, regulation_from_json(block))
    Scorecard.objects.create(cluster=world.cluster_a, year=world.year)
    client.force_login(world.head)

    page = text(client.get(PAGE))
    assert "Chuyển đổi số" in page and "Nhiệm vụ chính trị của xã, phường" in page
    assert "Thực hiện nhiệm vụ chính trị, phát triển kinh tế" not in page

    response = client.post(
        url("criterion_add", "VIII"), add_data("VIII", "VIII.1", "Số hóa hồ sơ", "20")
    )

    assert response.status_code == 302
    assert Criterion.objects.get(code="VIII.1").section == "VIII"
    assert "VIII.1" in text(client.get(PAGE))


@pytest.mark.parametrize(
    ("section_points", "points", "refused"),
    [(600, "580", False), (450, "500", True)],
    ids=["above_2022s_550_within_the_guidance", "within_550_above_the_guidance"],
)
def test_a_criterions_points_are_bounded_by_the_guidances_section(
    client, world, section_points, points, refused
):
    """#16, R37: a criterion may not exceed its section's points as the year's
    guidance gives them, not the 2022 guidance's 550."""
    from scoring.guidances import apply_regulation
    from scoring.regulation import DEFAULT, regulation_from_json, regulation_to_json

    block = regulation_to_json(DEFAULT)
    block["code"] = "BN-2026"
    block["sections"][0]["points"] = section_points
    block["sections"][1]["points"] = 950 - 200 - section_points  # the frame stays 950
    apply_regulation(world.year, regulation_from_json(block))
    Scorecard.objects.create(cluster=world.cluster_a, year=world.year)
    client.force_login(world.head)

    response = client.post(url("criterion_add", "I"), add_data("I", "I.9", "Chỉ tiêu lớn", points))

    if refused:
        assert response.status_code == 200
        assert f"không được vượt quá {section_points} điểm của phần I" in text(response)
        assert not Criterion.objects.filter(code="I.9").exists()
    else:
        assert response.status_code == 302
        assert Criterion.objects.get(code="I.9").points == Decimal(points)


@pytest.mark.parametrize(("ratio", "shown"), [(None, "30"), (Decimal("0.2"), "20")])
def test_the_sections_limit_names_the_years_share(world, client, ratio, shown):
    """R17, R37: the builder's count of concretised and added criteria is
    explained with the share the year's guidance sets, not the 2022 one's alone."""
    from dataclasses import replace

    from scoring.guidances import apply_regulation
    from scoring.regulation import DEFAULT

    if ratio is not None:
        apply_regulation(world.year, replace(DEFAULT, code="TEST-20", added_ratio=ratio))
    make_draft(world)
    client.force_login(world.head)

    page = html(client.get(PAGE))

    assert f"tối đa {shown}% số tiêu chí của khung theo hướng dẫn áp dụng cho năm" in page
    assert "30% số tiêu chí" not in page.replace(f"{shown}% số tiêu chí", "")


def test_a_refused_split_names_the_years_share(world, client):
    """R17, R37: under a guidance allowing 20%, section II (9 framework
    criteria) takes one concretised criterion, and the refusal says 20%."""
    from dataclasses import replace

    from scoring.guidances import apply_regulation
    from scoring.regulation import DEFAULT

    apply_regulation(world.year, replace(DEFAULT, code="TEST-20", added_ratio=Decimal("0.2")))
    make_draft(world)
    client.force_login(world.head)
    ii1 = crit(world, "II.1")
    parts = [("II.1a", "Học tập", "13"), ("II.1b", "Quán triệt", "10")]
    assert client.post(url("criterion_split", ii1.pk), split_data(ii1, parts)).status_code == 302
    before = state(world)

    ii2 = crit(world, "II.2")
    parts = [("II.2a", "Một", "11"), ("II.2b", "Hai", "12")]
    response = client.post(url("criterion_split", ii2.pk), split_data(ii2, parts))

    assert response.status_code == 200
    assert (
        "Phần II: đã cụ thể hóa/bổ sung 1/1 tiêu chí, không được cụ thể hóa hoặc bổ sung quá 20% "
        "số tiêu chí của khung." in html(response)
    )
    assert state(world) == before
