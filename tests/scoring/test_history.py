"""The audit history (R35): every change of a cluster's year with who, when
(Asia/Ho_Chi_Minh), old → new and why, shown to the staff and the head only."""

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from awards import history
from awards import services as awards_services
from clusters.models import Membership
from scoring import adjustments, sheets
from scoring.models import Bonus, Quota, Score
from tests.clusters.helpers import pdf
from tests.factories import UserFactory, discuss_and_submit
from tests.scoring.test_sheets_services import hold_preparatory, make_scorecard, member

pytestmark = pytest.mark.django_db

CODE, YEAR = "CUM-A", 2025
# 02:30 UTC is 09:30 in Hà Nội (UTC+7).
MORNING = datetime(2025, 11, 20, 2, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _media(media_root):
    return media_root


@pytest.fixture
def named(world):
    """People with distinct names, as the history shows them."""
    for user, first, last in (
        (world.head, "Lan", "Trần Thị"),
        (world.staff, "Minh", "Lê Văn"),
        (world.member, "Hùng", "Phạm Văn"),
    ):
        user.first_name, user.last_name = first, last
        user.save()
    return world


@pytest.fixture
def card(named):
    return make_scorecard(named.cluster_a, named.year)


@pytest.fixture
def hh(named):
    return member(named, named.a_member)


def url(name, *args):
    return reverse(name, args=[CODE, YEAR, *args])


def login(client, world, who):
    if who != "anonymous":
        client.force_login(getattr(world, who))


def lines(client, world, who="staff", target=None, page=None) -> list[str]:
    """The history table's rows as plain text, most recent first."""
    login(client, world, who)
    response = client.get(target or url("history"), {"trang": page} if page else {})
    assert response.status_code == 200
    body = response.content.decode()
    rows = re.findall(r"<tr>\s*<td class=\"text-nowrap small\">(.*?)</tr>", body, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]


def changes(world, unit=None) -> list[history.Change]:
    """All history lines of the cluster (or one unit), most recent first."""
    if unit is None:
        trail = history.cluster_trail(world.cluster_a, world.year)
    else:
        trail = history.unit_trail(member(world, unit))
    return history.describe(trail.pairs, trail.memberships)


def one(found: list[history.Change], what: str, action: str | None = None) -> history.Change:
    matching = [c for c in found if c.what == what and (action is None or c.action == action)]
    assert matching, f"no {what} {action} in {[(c.what, c.action) for c in found]}"
    return matching[0]


def field(change: history.Change, label: str) -> tuple[str, str]:
    found = {f.label: (f.old, f.new) for f in change.changes}
    assert label in found, f"{label} not in {found}"
    return found[label]


def save(world, membership, criterion, revision=None, **figures):
    return sheets.score_save(
        membership=membership,
        criterion=criterion,
        user=world.member,
        revision=revision,
        **{k: Decimal(v) for k, v in figures.items()},
    )


# ---------------------------------------------------------------------------
# Each kind of change, with who, when, old → new and why


def test_own_score_changes_show_old_and_new_figures(client, named, card, hh):
    with time_machine.travel(MORNING, tick=False):
        save(named, hh, card["II.1"], points="150")
    save(named, hh, card["II.1"], revision=1, points="180.5")
    latest, first = [c for c in changes(named) if c.what == "Điểm"][:2]
    assert field(latest, "điểm tự chấm") == ("150", "180,5")
    assert (latest.who, latest.action) == ("Phạm Văn Hùng", "Sửa")
    assert latest.subject == "HH · tiêu chí II.1"
    assert "Tự chấm tiêu chí II.1" in latest.reason
    assert field(first, "điểm tự chấm") == ("—", "150")
    assert first.action == "Tạo mới"
    text = lines(client, named)
    assert any("20/11/2025 09:30" in line and "Phạm Văn Hùng" in line for line in text)
    assert any("điểm tự chấm: 150 → 180,5" in line for line in text)


def test_adjusted_score_shows_the_agreed_figures_and_the_heads_reason(named, card, hh):
    save(named, hh, card["II.1"], points="180")
    sheets.score_adjust(
        membership=hh,
        criterion=card["II.1"],
        points=Decimal(160),
        reason="Thiếu minh chứng",
        user=named.head,
        revision=1,
    )
    change = one(changes(named), "Điểm", "Sửa")
    assert field(change, "điểm (thống nhất)") == ("—", "160")
    assert field(change, "lý do điều chỉnh") == ("—", "Thiếu minh chứng")
    assert "điểm tự chấm" not in {f.label for f in change.changes}
    assert change.who == "Trần Thị Lan"
    assert "Lý do: Thiếu minh chứng" in change.reason


def test_sheet_submit_and_return(named, card, hh):
    sheets.sheet_submit(membership=hh, user=named.member)
    sheets.sheet_return(membership=hh, user=named.head, reason="Chấm lại tiêu chí II.1")
    returned, submitted = [c for c in changes(named) if c.what == "Phiếu tự chấm"][:2]
    assert field(submitted, "trạng thái") == ("Đang tự chấm", "Đã nộp")
    assert submitted.who == "Phạm Văn Hùng"
    assert field(returned, "trạng thái") == ("Đã nộp", "Bị trả lại để chấm lại")
    assert field(returned, "lý do trả lại") == ("—", "Chấm lại tiêu chí II.1")
    assert returned.who == "Trần Thị Lan"
    assert "Lý do: Chấm lại tiêu chí II.1" in returned.reason


def test_bonus_added_and_removed(named, card, hh):
    given = adjustments.bonus_add(
        membership=hh, kind="council", points=Decimal(4), reason="Sáng kiến", user=named.staff
    )
    adjustments.bonus_remove(bonus=given, reason="Ghi nhầm", user=named.staff)
    removed, added = [c for c in changes(named) if c.what == "Điểm thưởng"]
    assert added.action == "Tạo mới"
    assert field(added, "điểm") == ("—", "4")
    assert field(added, "lý do") == ("—", "Sáng kiến")
    assert "Sáng kiến" in added.reason
    assert removed.action == "Xóa"
    assert field(removed, "điểm") == ("4", "—")
    assert removed.who == "Lê Văn Minh"
    assert "Ghi nhầm" in removed.reason
    assert "Điểm thưởng của Hội đồng TĐKT tỉnh" in removed.subject


def test_deduction_added_and_confirmed(named, card, hh):
    from clusters.services import deduction_propose
    from scoring.adjustments import deduction_confirm

    adjustments.deduction_add(
        membership=hh,
        kind="reminder_letter",
        reason="Công văn 7",
        evidence=pdf(),
        user=named.staff,
    )
    proposed = deduction_propose(membership=hh, reason="Vắng họp", user=named.head)
    deduction_confirm(deduction=proposed, user=named.staff)
    found = [c for c in changes(named) if c.what == "Điểm trừ"]
    confirmed = found[0]
    assert field(confirmed, "trạng thái") == ("Đề nghị", "Đã xác nhận")
    assert confirmed.reason == "Xác nhận điểm trừ"
    added = found[-1]
    assert field(added, "trạng thái") == ("—", "Đã xác nhận")
    assert field(added, "minh chứng")[1].startswith("tệp ")
    assert "Công văn 7" in added.reason


def test_flag_set_and_lifted(named, card, hh):
    made = adjustments.flag_set(
        membership=hh,
        kind="exclude",
        reason="violation",
        note="Kết luận thanh tra",
        evidence=pdf(),
        user=named.staff,
        revision=None,
    )
    adjustments.flag_remove(flag=made, reason="Kết luận đã được rút lại", user=named.staff)
    lifted, set_ = [c for c in changes(named) if c.what == "Không xét / chưa xét"]
    assert field(set_, "lý do") == (
        "—",
        "Để xảy ra vụ việc tiêu cực, tham nhũng, sai phạm nghiêm trọng",
    )
    assert field(set_, "ghi chú") == ("—", "Kết luận thanh tra")
    assert lifted.action == "Xóa"
    assert "Kết luận đã được rút lại" in lifted.reason


def test_a_new_reason_and_award_are_named_by_the_years_guidance(named, card, hh):
    """#16: the history names a reason and an award as the year's guidance does."""
    from scoring.guidances import apply_regulation
    from scoring.regulation import regulation_from_json

    block = {"exclusion_reasons": ["chuyen_doi_so"], "awards": ["co_thi_dua", "giay_khen"]}
    guidance = apply_regulation(named.year, regulation_from_json(block))
    guidance.labels = {
        "reasons": {"chuyen_doi_so": "Không hoàn thành chuyển đổi số"},
        "awards": {"giay_khen": "Giấy khen của Chủ tịch UBND tỉnh"},
    }
    guidance.save()
    adjustments.flag_set(
        membership=hh,
        kind="exclude",
        reason="chuyen_doi_so",
        evidence=pdf(),
        user=named.staff,
        revision=None,
    )
    awards_services.quota_set(
        cluster=named.cluster_a,
        year=named.year,
        award="giay_khen",
        count=2,
        document="Quyết định 15/QĐ-UBND",
        user=named.staff,
        revision=None,
    )

    trail = history.cluster_trail(named.cluster_a, named.year)
    found = history.describe(trail.pairs, trail.memberships, trail.regulation)  # as the page
    flag = one(found, "Không xét / chưa xét")
    assert field(flag, "lý do") == ("—", "Không hoàn thành chuyển đổi số")
    quota = one(found, "Chỉ tiêu khen thưởng")
    assert "Giấy khen của Chủ tịch UBND tỉnh" in quota.subject
    assert field(quota, "danh hiệu") == ("—", "Giấy khen của Chủ tịch UBND tỉnh")


def test_agreement_and_reopening(named, card, hh):
    hold_preparatory(named, held_on=date(2025, 11, 19))
    with time_machine.travel(MORNING, tick=False):
        sheets.scores_agree(
            cluster=named.cluster_a,
            year=named.year,
            user=named.head,
            unsubmitted_reason="Thống nhất tại họp trù bị",
        )
    sheets.scores_reopen(
        cluster=named.cluster_a, year=named.year, user=named.staff, reason="Bổ sung điểm"
    )
    reopened, agreed = [c for c in changes(named) if c.what == "Thống nhất điểm"]
    assert field(agreed, "thống nhất lúc") == ("—", "20/11/2025 09:30")
    assert field(agreed, "người thống nhất") == ("—", "Trần Thị Lan")
    assert field(reopened, "thống nhất lúc") == ("20/11/2025 09:30", "—")
    assert reopened.who == "Lê Văn Minh"
    assert "Bổ sung điểm" in reopened.reason


def test_quota_changes(named, card):
    for count in (2, 3):
        awards_services.quota_set(
            cluster=named.cluster_a,
            year=named.year,
            award="bang_khen",
            count=count,
            document="Quyết định 15/QĐ-UBND",
            user=named.staff,
            revision=None if count == 2 else 1,
        )
    changed, created = [c for c in changes(named) if c.what == "Chỉ tiêu khen thưởng"]
    assert field(created, "số lượng") == ("—", "2")
    assert field(changed, "số lượng") == ("2", "3")
    assert "Quyết định 15/QĐ-UBND" in changed.reason
    assert changed.who == "Lê Văn Minh"
    assert "Bằng khen" in changed.subject


def test_vote_changes(named):
    criteria = make_scorecard(named.cluster_a, named.year)
    for unit in (named.a_member, named.a_member2):
        membership = member(named, unit)
        for code, figures in {
            "I.1": {"plan": 100, "actual": 100},
            "I.2": {"plan": 10, "actual": 10},
            "I.3.1": {"points": 200},
            "I.3.2": {"points": 200},
            "II.1": {"points": 200},
            "III.1": {"value": 0},
        }.items():
            Score.objects.create(
                membership=membership,
                criterion=criteria[code],
                **{k: Decimal(v) for k, v in figures.items()},
            )
    Quota.objects.create(cluster=named.cluster_a, year=named.year, award="co_thi_dua", count=1)
    hh, lg = member(named, named.a_member), member(named, named.a_member2)
    for votes, reason, revisions in (
        ({hh.pk: 2, lg.pk: 1}, "", {}),
        ({hh.pk: 3, lg.pk: 1}, "Đếm lại phiếu", {hh.pk: 1, lg.pk: 1}),
    ):
        awards_services.vote_record(
            cluster=named.cluster_a,
            year=named.year,
            voters=4,
            votes=votes,
            revisions=revisions,
            reason=reason,
            user=named.head,
        )
    found = [c for c in changes(named) if c.what == "Phiếu bầu" and c.subject == "HH"]
    assert field(found[0], "số phiếu") == ("2", "3")
    assert field(found[1], "số phiếu") == ("—", "2")
    assert "" in found[0].reason and "Lý do: Đếm lại phiếu" in found[0].reason
    assert found[0].who == "Trần Thị Lan"


# ---------------------------------------------------------------------------
# The unit's page and the cluster's page


def test_unit_page_shows_only_that_units_records(client, named, card, hh):
    save(named, hh, card["II.1"], points="150")
    lg = member(named, named.a_member2)
    adjustments.bonus_add(
        membership=lg, kind="council", points=Decimal(1), reason="Của LG", user=named.staff
    )
    text = " ".join(lines(client, named, target=url("history_unit", "HH")))
    assert "điểm tự chấm: — → 150" in text
    assert "Của LG" not in text
    cluster_text = " ".join(lines(client, named))
    assert "Của LG" in cluster_text and "điểm tự chấm: — → 150" in cluster_text


def test_history_is_paginated_by_fifty(client, named, card, hh):
    for revision in range(55):
        save(named, hh, card["II.1"], revision=revision or None, points=str(revision))
    # 55 scores, the sheet made with the first save, the scorecard, and its 7
    # criteria and 3 bands (make_scorecard writes them directly), and the
    # cluster's 4 memberships (#14): 71 records.
    assert len(lines(client, named)) == 50
    assert len(lines(client, named, page=2)) == 21


HISTORY_ACCESS = {
    "head": 200,
    "staff": 200,
    "admin": 200,
    "deputy": 403,
    "member": 403,
    "other_member": 403,
    "other_head": 403,
    "other_staff": 403,
}


@pytest.mark.parametrize("view", ["history", "history_unit"])
@pytest.mark.parametrize(("who", "status"), HISTORY_ACCESS.items())
def test_history_access(client, named, card, view, who, status):
    target = url(view) if view == "history" else url(view, "HH")
    login(client, named, who)
    assert client.get(target).status_code == status


@pytest.mark.parametrize("view", ["history", "history_unit"])
def test_anonymous_visitor_is_sent_to_login(client, named, card, view):
    target = url(view) if view == "history" else url(view, "HH")
    response = client.get(target)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_delegated_deputy_sees_the_history(client, named, card):
    Membership.objects.filter(unit=named.a_deputy).update(acts_for_head=True)
    client.force_login(named.deputy)
    assert client.get(url("history")).status_code == 200


def test_unknown_unit_is_404(client, named, card):
    client.force_login(named.staff)
    assert client.get(url("history_unit", "NOPE")).status_code == 404


def _fill(world, card, rounds: int, lg_user) -> None:
    """Records of several kinds for two units, `rounds` times over."""
    hh, lg = member(world, world.a_member), member(world, world.a_member2)
    for n in range(rounds):
        for membership, user in ((hh, world.member), (lg, lg_user)):
            score = Score.objects.filter(membership=membership, criterion=card["II.1"]).first()
            sheets.score_save(
                membership=membership,
                criterion=card["II.1"],
                user=user,
                revision=score.revision if score else None,
                points=Decimal(n),
            )
        given = adjustments.bonus_add(
            membership=hh, kind="council", points=Decimal(1), reason=f"Lần {n}", user=world.staff
        )
        adjustments.bonus_remove(bonus=given, reason="Gỡ", user=world.staff)
        sheets.score_adjust(
            membership=lg,
            criterion=card["II.1"],
            points=Decimal(n),
            reason=f"Điều chỉnh {n}",
            user=world.head,
            revision=Score.objects.get(membership=lg).revision,
        )


@pytest.mark.parametrize("view", ["history", "history_unit"])
def test_query_count_does_not_grow_with_records(client, named, card, view):
    lg_user = UserFactory(username="lg", unit=named.a_member2)
    target = url(view) if view == "history" else url(view, "HH")
    client.force_login(named.staff)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(target).status_code == 200
        return len(queries)

    _fill(named, card, 1, lg_user)
    few = count()
    _fill(named, card, 12, lg_user)
    assert count() == few


def test_bonus_rows_are_kept_after_their_bonus_is_gone(named, card, hh):
    given = adjustments.bonus_add(
        membership=hh, kind="council", points=Decimal(2), reason="Lý do", user=named.staff
    )
    adjustments.bonus_remove(bonus=given, reason="Gỡ", user=named.staff)
    assert not Bonus.objects.exists()
    assert Bonus.history.filter(id=given.pk).count() == 2


# ---------------------------------------------------------------------------
# Evidence and the draft scorecard's criteria (#11.9): through the pages


def test_evidence_upload_and_removal_are_in_the_history(client, named, card, hh):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from scoring.models import Evidence
    from tests.scoring.test_sheets_services import PDF

    ii1 = card["II.1"]
    client.force_login(named.member)
    upload = SimpleUploadedFile("Báo cáo.pdf", PDF, content_type="application/pdf")
    with time_machine.travel(MORNING, tick=False):
        client.post(reverse("evidence_upload", args=[YEAR, ii1.pk]), {f"e{ii1.pk}-file": upload})
    evidence = Evidence.objects.get()
    client.post(reverse("evidence_delete", args=[evidence.pk]))
    assert not Evidence.objects.exists()

    removed, added = [c for c in changes(named) if c.what == "Minh chứng"]
    assert (added.action, added.who, added.subject) == (
        "Tạo mới",
        "Phạm Văn Hùng",
        "HH · tiêu chí II.1",
    )
    assert field(added, "tên tệp gốc") == ("—", evidence.original_name)
    assert field(added, "dung lượng (byte)") == ("—", str(len(PDF)))
    assert "Tải lên minh chứng cho tiêu chí II.1" in added.reason
    assert (removed.action, removed.who, removed.link, added.link) == (
        "Xóa",
        "Phạm Văn Hùng",
        "",
        "",
    )
    assert field(removed, "tên tệp gốc") == (evidence.original_name, "—")
    assert "Xóa minh chứng của tiêu chí II.1" in removed.reason
    text = lines(client, named)
    assert any("20/11/2025 09:30" in line and "Minh chứng" in line for line in text)
    unit_text = " ".join(lines(client, named, target=url("history_unit", "HH")))
    assert "Tải lên minh chứng cho tiêu chí II.1" in unit_text


def _builder(name, *args):
    return reverse(name, args=[CODE, YEAR, *args])


def test_draft_criterion_edits_are_in_the_history(client, named):
    """Add, edit, delete and split of criteria and bands while drafting (R17,
    R19): who, when, old → new and why; building the draft is one line."""
    from scoring import services
    from scoring.models import Criterion
    from tests.scoring.test_builder_views import add_data, bands_data, row_data, split_data

    client.force_login(named.head)
    with time_machine.travel(MORNING, tick=False):
        assert client.post(_builder("scorecard_create")).status_code == 302
    draft = services.open_scorecard(cluster=named.cluster_a, year=named.year)

    def crit(code):
        return Criterion.objects.get(scorecard=draft, code=code)

    i1 = crit("I.1")
    row = row_data(i1, points="31.58", method="tiered")
    client.post(_builder("criterion_save", i1.pk), row)
    for points in ("20", "25"):
        bands = bands_data(i1, [(0, True, None, False, points)])
        loaded = {f"c{i1.pk}-revision": str(crit("I.1").revision)}  # the page as reloaded
        assert (
            client.post(_builder("criterion_save", i1.pk), row | loaded | bands).status_code == 302
        )
    i2 = crit("I.2")
    parts = [("I.2.1", "Trồng trọt", "20"), ("I.2.2", "Chăn nuôi", "9")]
    assert client.post(_builder("criterion_split", i2.pk), split_data(i2, parts)).status_code == 302
    added = add_data("I", "I.20", "Chuyển đổi số", "10")
    assert client.post(_builder("criterion_add", "I"), added).status_code == 302
    assert client.post(_builder("criterion_remove", crit("I.20").pk)).status_code == 302

    found = changes(named)
    criteria = [c for c in found if c.what == "Tiêu chí"]
    assert all(c.who == "Trần Thị Lan" for c in criteria)
    removed, made, *split_lines, edited = criteria
    assert (removed.action, removed.subject) == ("Xóa", "tiêu chí I.20 · bản 1")
    assert field(removed, "nội dung") == ("Chuyển đổi số", "—")
    assert "Xóa tiêu chí I.20" in removed.reason
    assert (made.action, made.subject) == ("Tạo mới", "tiêu chí I.20 · bản 1")
    assert field(made, "điểm") == ("—", "10")
    assert "Thêm tiêu chí I.20" in made.reason
    assert {c.subject for c in split_lines} == {
        "tiêu chí I.2 · bản 1",
        "tiêu chí I.2.1 · bản 1",
        "tiêu chí I.2.2 · bản 1",
    }
    heading = next(c for c in split_lines if c.subject == "tiêu chí I.2 · bản 1")
    assert field(heading, "tiêu chí chấm điểm") == ("Có", "Không")
    assert all("Tách tiêu chí I.2 thành I.2.1, I.2.2" in c.reason for c in split_lines)
    assert field(edited, "điểm") == ("29", "31,58")
    assert field(edited, "cách chấm") == ("Định lượng (kế hoạch và thực hiện)", "Theo mức")
    assert "Sửa tiêu chí I.1" in edited.reason

    band_changes = [c for c in found if c.what == "Mức điểm"]
    changed, created = band_changes
    assert (created.action, created.subject) == ("Tạo mới", "tiêu chí I.1 · mức 1")
    assert field(created, "điểm") == ("—", "20")
    assert (changed.action, field(changed, "điểm")) == ("Sửa", ("20", "25"))
    assert changed.who == "Trần Thị Lan" and "Sửa tiêu chí I.1" in changed.reason

    # Building the draft from the framework is the scorecard's line, not one per criterion.
    built = [c for c in found if c.what == "Bảng chấm điểm"]
    assert [c.reason for c in built] == ["Tạo dự thảo từ khung năm 2022"]
    text = lines(client, named)
    assert any("20/11/2025 09:30" in line and "Tạo dự thảo từ khung" in line for line in text)
    assert any("điểm: 29 → 31,58" in line and "Sửa tiêu chí I.1" in line for line in text)


def test_evidence_left_on_a_replaced_criterion_is_reachable_from_the_history(client, named, hh):
    """#11.2: a criterion the new version no longer scores directly keeps its
    evidence with the superseded version; the history says so and offers the file."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from scoring import services
    from tests.scoring.test_sheets_services import PDF

    first = services.scorecard_create_from_framework(
        cluster=named.cluster_a, year=named.year, user=named.head
    )
    discuss_and_submit(first, named.head)
    services.scorecard_approve(scorecard=first, user=named.staff)
    services.scorecard_issue(scorecard=first, user=named.head)
    kept = sheets.evidence_add(
        membership=hh,
        criterion=first.criteria.get(code="II.1"),
        file=SimpleUploadedFile("Báo cáo.pdf", PDF),
        user=named.member,
    )
    second = services.scorecard_new_version(scorecard=first, user=named.head)
    services.criterion_split(
        criterion=second.criteria.get(code="II.1"),
        parts=[("II.1a", "a", Decimal(13)), ("II.1b", "b", Decimal(10))],
        user=named.head,
    )
    discuss_and_submit(second, named.head)
    services.scorecard_approve(scorecard=second, user=named.staff)
    services.scorecard_issue(scorecard=second, user=named.head)

    line = one(changes(named), "Minh chứng", "Sửa")
    assert line.subject == "HH · tiêu chí II.1"
    assert "Giữ ở bảng chấm điểm bản 1: tiêu chí II.1 không còn được chấm trực tiếp" in line.reason
    assert line.link == reverse("evidence_download", args=[kept.pk])
    client.force_login(named.staff)
    page = client.get(url("history")).content.decode()
    assert f'href="{line.link}"' in page
    assert client.get(line.link).status_code == 200


def test_a_succession_of_a_member_is_in_the_history(client, named):
    """A unit formed from another (#16) is a change of the year's members:
    the cluster's history and the unit's own list it, with the decision."""
    from clusters import services as cluster_services
    from tests.factories import UnitFactory

    former = UnitFactory(code="HH-CU", name="UBND huyện Hiệp Hòa (cũ)")
    with time_machine.travel(MORNING, tick=False):
        cluster_services.succession_record(
            successor=named.a_member,
            predecessor=former,
            kind="merged",
            effective_on=date(2025, 7, 1),
            decision_number="1234/NQ-UBTVQH15",
            decision_date=date(2025, 6, 16),
            decision_body="Ủy ban Thường vụ Quốc hội",
            user=named.staff,
        )
    for found in (changes(named), changes(named, named.a_member)):
        change = one(found, "Kế thừa đơn vị", "Tạo mới")
        assert change.subject == "HH kế thừa HH-CU · Hợp nhất, sáp nhập từ"
        assert change.who == "Lê Văn Minh"
        assert field(change, "số quyết định, nghị quyết") == ("—", "1234/NQ-UBTVQH15")
        assert "1234/NQ-UBTVQH15" in change.reason
    assert not [c for c in changes(named, named.a_member2) if c.what == "Kế thừa đơn vị"]
    assert any("HH kế thừa HH-CU" in line for line in lines(client, named))


PRIOR = "Trưởng, phó cụm, khối các năm trước"


def test_a_past_head_entered_corrected_and_removed_is_in_the_history(client, named):
    """The heads and deputies of the years before the cluster's first year
    (#14) are the cluster's record: its history and the unit's list each
    change, with who and why; another cluster's are not there."""
    from clusters import services as cluster_services

    source = "Quyết định số 15/QĐ-UBND ngày 10/01/2023"
    with time_machine.travel(MORNING, tick=False):
        prior = cluster_services.prior_role_add(
            cluster=named.cluster_a,
            year=2023,
            unit=named.a_member,
            role="head",
            source=source,
            user=named.staff,
        )
        cluster_services.prior_role_correct(
            prior=prior,
            year=2023,
            unit=named.a_member,
            role="deputy",
            source=source,
            reason="Nhầm vai trò",
            user=named.staff,
        )
        cluster_services.prior_role_remove(
            prior=prior, reason="Trùng với hồ sơ khác", user=named.staff
        )
        cluster_services.prior_role_add(
            cluster=named.cluster_b,
            year=2023,
            unit=named.b_member,
            role="head",
            source=source,
            user=named.staff,
        )
    for found in (changes(named), changes(named, named.a_member)):
        added = one(found, PRIOR, "Tạo mới")
        assert added.subject == "HH · năm 2023"
        assert added.who == "Lê Văn Minh"
        assert field(added, "vai trò") == ("—", "Trưởng cụm, khối")
        assert field(added, "căn cứ") == ("—", source)
        corrected = one(found, PRIOR, "Sửa")
        assert field(corrected, "vai trò") == ("Trưởng cụm, khối", "Phó trưởng cụm, khối")
        assert "Nhầm vai trò" in corrected.reason
        removed = one(found, PRIOR, "Xóa")
        assert "Trùng với hồ sơ khác" in removed.reason
        assert [c.subject for c in found if c.what == PRIOR] == ["HH · năm 2023"] * 3
    assert not [c for c in changes(named, named.a_member2) if c.what == PRIOR]
    assert any("Nhầm vai trò" in line for line in lines(client, named))
    assert any(
        "Nhầm vai trò" in line for line in lines(client, named, target=url("history_unit", "HH"))
    )


def test_a_past_head_moved_to_another_unit_shows_as_a_correction_on_both(named):
    """The unit's list pairs the correction with the entry before it, even when
    the entry named another unit."""
    from clusters import services as cluster_services

    prior = cluster_services.prior_role_add(
        cluster=named.cluster_a,
        year=2023,
        unit=named.a_member,
        role="head",
        source="Hồ sơ cũ",
        user=named.staff,
    )
    cluster_services.prior_role_correct(
        prior=prior,
        year=2023,
        unit=named.a_member2,
        role="head",
        source="Hồ sơ cũ, bản sửa",
        reason="Nhầm đơn vị",
        user=named.staff,
    )
    for unit in (named.a_member, named.a_member2):
        corrected = one(changes(named, unit), PRIOR, "Sửa")
        assert corrected.subject == "LG · năm 2023"
        assert field(corrected, "căn cứ") == ("Hồ sơ cũ", "Hồ sơ cũ, bản sửa")
