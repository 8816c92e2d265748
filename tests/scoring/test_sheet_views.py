"""The self-scoring sheet (cham-diem/<year>/): live rows, totals, submission."""

import re
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from clusters.models import Deadline, Registration, RegistrationTarget
from scoring import engine, sheets
from scoring.models import Score, Sheet
from scoring.results import year_results
from tests.scoring.test_sheets_services import make_scorecard, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def card(world):
    return make_scorecard(world.cluster_a, world.year)


@pytest.fixture
def hh(world):
    return member(world, world.a_member)


HTMX = {"HTTP_HX_REQUEST": "true"}


# The box that says what submitting locks and who is told (#15).
CONFIRM = {"confirm": "on"}


def sheet_url(year=2025):
    return reverse("sheet", args=[year])


def row_url(criterion, year=2025):
    return reverse("sheet_row", args=[year, criterion.pk])


def post_row(client, criterion, revision=None, htmx=True, **figures):
    data = {f"r{criterion.pk}-{name}": value for name, value in figures.items()}
    data[f"r{criterion.pk}-revision"] = "" if revision is None else str(revision)
    return client.post(row_url(criterion), data, **(HTMX if htmx else {}))


def data_values(html: str) -> dict[str, Decimal]:
    """The totals the page shows, read from their data-total/data-value attributes."""
    found = re.findall(r'data-total="([^"]+)" data-value="([^"]+)"', html)
    return {name: Decimal(value) for name, value in found}


# ---------------------------------------------------------------------------
# Who may open the sheet


SHEET_ACCESS = {
    "member": 200,
    "head": 200,
    "deputy": 200,
    "other_member": 200,  # its own unit's sheet, in its own cluster
    "other_head": 200,
    "staff": 403,
    "other_staff": 403,
    "admin": 403,
}


@pytest.mark.parametrize(("who", "status"), SHEET_ACCESS.items())
def test_sheet_access(client, world, card, who, status):
    client.force_login(getattr(world, who))
    assert client.get(sheet_url()).status_code == status


def test_anonymous_visitor_is_sent_to_login(client, world, card):
    for response in (
        client.get(sheet_url()),
        post_row(client, card["II.1"], points="10"),
        client.post(reverse("sheet_submit", args=[2025]), CONFIRM),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert not Score.objects.exists()


def test_each_unit_sees_its_own_sheet(client, world, card):
    client.force_login(world.head)
    page = client.get(sheet_url()).content.decode()
    assert "UBND thành phố Bắc Giang" in page and "I.3.1." in page


def test_without_an_issued_scorecard_a_notice(client, world):
    make_scorecard(world.cluster_a, world.year, status="approved")
    client.force_login(world.member)
    page = client.get(sheet_url()).content.decode()
    assert "chưa có bảng chấm điểm được ban hành" in page
    assert "Nộp phiếu tự chấm" not in page


def test_a_member_of_another_cluster_cannot_score_this_clusters_criteria(client, world, card):
    client.force_login(world.other_member)
    assert post_row(client, card["II.1"], points="10").status_code == 404
    assert not Score.objects.exists()


def test_unknown_year_is_not_found(client, world, card):
    client.force_login(world.member)
    assert client.get(sheet_url(2031)).status_code == 404


# ---------------------------------------------------------------------------
# The page


def test_page_lists_leaves_by_section_with_headings_and_inputs(client, world, card):
    client.force_login(world.member)
    page = client.get(sheet_url()).content.decode()
    for code in ("I.1", "I.2", "I.3.1", "I.3.2", "II.1", "III.1"):
        assert f'id="row-{card[code].pk}"' in page
    assert f'id="row-{card["I.3"].pk}"' not in page  # a heading, not a row
    assert f'name="r{card["I.1"].pk}-plan"' in page
    assert f'name="r{card["I.1"].pk}-actual"' in page
    assert f'name="r{card["II.1"].pk}-points"' in page
    assert f'name="r{card["III.1"].pk}-value"' in page
    assert f'name="r{card["II.1"].pk}-plan"' not in page
    assert "dưới 10: 150 điểm" in page  # the tiers of III.1
    assert 'hx-post="' in page and "<script>" not in page


def test_registered_plan_is_shown_read_only_and_used(client, world, card, hh):
    registration = Registration.objects.create(membership=hh, status=Registration.Status.SUBMITTED)
    RegistrationTarget.objects.create(
        registration=registration,
        title="Thu ngân sách",
        planned_value=Decimal("80.5"),
        criterion=card["I.1"],
    )
    client.force_login(world.member)
    page = client.get(sheet_url()).content.decode()
    plan_input = re.search(rf'<input[^>]*name="r{card["I.1"].pk}-plan"[^>]*>', page).group(0)
    assert 'value="80,5"' in plan_input and "disabled" in plan_input
    post_row(client, card["I.1"], plan="10", actual="80,5")
    assert Score.objects.get().plan == Decimal("80.5")


def test_a_changed_registered_plan_is_used_when_the_page_is_drawn(client, world, card, hh):
    """The row's achievement and points follow the registration's current plan,
    not the plan stored when the row was last saved (#15)."""
    registration = Registration.objects.create(membership=hh, status=Registration.Status.SUBMITTED)
    target = RegistrationTarget.objects.create(
        registration=registration,
        title="Thu ngân sách",
        planned_value=Decimal(100),
        criterion=card["I.1"],
    )
    client.force_login(world.member)
    post_row(client, card["I.1"], actual="104")
    before = client.get(sheet_url()).content.decode()
    assert "Tỷ lệ thực hiện: 104%" in before

    target.planned_value = Decimal(80)
    target.save()
    page = client.get(sheet_url()).content.decode()
    assert "Tỷ lệ thực hiện: 130%" in page and "104%" not in page
    assert Score.objects.get().plan == Decimal(100)  # nothing was saved again
    # The results (ranking, documents) count the same current plan.
    (found,) = year_results(world.year, [world.cluster_a])
    row = next(r for r in found.rows if r.membership == hh)
    assert row.result.criteria["I.1"].achievement == Decimal("1.3")


# ---------------------------------------------------------------------------
# Saving a row


def test_saving_a_row_returns_its_result_and_the_totals_out_of_band(client, world, card):
    client.force_login(world.member)
    response = post_row(client, card["I.1"], plan="100", actual="104,5")
    html = response.content.decode()
    assert response.status_code == 200
    score = Score.objects.get()
    assert (score.plan, score.actual, score.revision) == (Decimal(100), Decimal("104.5"), 1)
    pk = card["I.1"].pk
    assert f'id="result-{pk}" hx-swap-oob="true"' in html
    assert f'id="status-{pk}"' in html and "Đã lưu." in html
    assert f'name="r{pk}-revision" value="1"' in html
    assert 'id="sheet-totals" class="card" hx-swap-oob="true"' in html
    assert 'id="subtotal-I"' in html
    assert 'data-earned="100.00"' in html and 'data-exceed="4.00"' in html
    # The inputs being typed in are left alone.
    assert f'id="inputs-{pk}"' not in html


def test_live_totals_equal_the_engines_for_the_same_figures(client, world, card):
    client.force_login(world.member)
    figures = {
        "I.1": {"plan": "80", "actual": "100"},
        "I.2": {"plan": "4", "actual": "5"},
        "I.3.1": {"points": "187,25"},
        "II.1": {"points": "199.5"},
        "III.1": {"value": "12"},
    }
    for code, given in figures.items():
        response = post_row(client, card[code], **given)
    shown = data_values(response.content.decode())

    criteria = [card[c].rule for c in card if card[c].is_leaf]
    scores = tuple(
        engine.Score(criterion=code, **{k: Decimal(v.replace(",", ".")) for k, v in f.items()})
        for code, f in figures.items()
    )
    expected = engine.compute_unit(criteria, engine.UnitInput("HH", scores))
    assert shown == {
        "section-I": expected.sections["I"],
        "section-II": expected.sections["II"],
        "section-III": expected.sections["III"],
        "exceed": expected.exceed_bonus,
        "total": expected.total,
    }
    assert expected.exceed_bonus == Decimal(10)  # I.1: 25% over plan, capped at 10
    # The full page shows the same figures.
    assert data_values(client.get(sheet_url()).content.decode()) == shown


def test_a_row_the_engine_rejects_shows_its_message_and_saves_nothing(client, world, card):
    client.force_login(world.member)
    response = post_row(client, card["II.1"], points="250")
    html = response.content.decode()
    assert response.status_code == 200
    assert "điểm chấm phải từ 0 đến 200" in html
    assert not Score.objects.exists()


def test_a_figure_that_is_not_a_number_is_refused(client, world, card):
    client.force_login(world.member)
    html = post_row(client, card["II.1"], points="1.000,5").content.decode()
    assert "không dùng dấu phân cách hàng nghìn" in html
    html = post_row(client, card["II.1"], points="mười").content.decode()
    assert "Điểm:" in html
    assert not Score.objects.exists()


def test_a_stale_row_is_refused_with_the_current_values(client, world, card):
    client.force_login(world.member)
    post_row(client, card["II.1"], points="100")
    post_row(client, card["II.1"], revision=1, points="150")
    response = post_row(client, card["II.1"], revision=1, points="120")
    html = response.content.decode()
    pk = card["II.1"].pk
    assert "Điểm của tiêu chí II.1 vừa được người khác cập nhật; giá trị hiện tại: điểm 150" in html
    # The inputs now show the current value and the row carries its revision.
    assert f'id="inputs-{pk}" hx-swap-oob="true"' in html
    assert re.search(rf'name="r{pk}-points"[^>]*value="150"', html)
    assert f'name="r{pk}-revision" value="2"' in html
    assert Score.objects.get().points == Decimal(150)


def test_without_htmx_a_saved_row_redirects_and_a_refused_one_shows_the_page(client, world, card):
    client.force_login(world.member)
    response = post_row(client, card["II.1"], htmx=False, points="100")
    assert response.status_code == 302 and response["Location"] == sheet_url()
    response = post_row(client, card["II.1"], revision=1, htmx=False, points="300")
    html = response.content.decode()
    assert response.status_code == 200 and "điểm chấm phải từ 0 đến 200" in html
    assert re.search(rf'name="r{card["II.1"].pk}-points"[^>]*value="300"', html)
    assert Score.objects.get().points == Decimal(100)


# ---------------------------------------------------------------------------
# Submission


def test_submitting_makes_the_sheet_read_only(client, world, card):
    client.force_login(world.member)
    post_row(client, card["II.1"], points="100")
    response = client.post(reverse("sheet_submit", args=[2025]), CONFIRM)
    assert response.status_code == 302
    assert Sheet.objects.get().status == Sheet.Status.SUBMITTED
    page = client.get(sheet_url()).content.decode()
    assert "Đơn vị đã nộp phiếu" in page and "hx-post" not in page
    html = post_row(client, card["II.1"], revision=1, points="150").content.decode()
    assert "Phiếu tự chấm đã nộp" in html
    assert Score.objects.get().points == Decimal(100)


def test_submitting_after_the_deadline_is_refused_with_a_message(client, world, card):
    Deadline.objects.create(
        year=world.year, calendar="standard", kind="annual_report", due_date=date(2025, 11, 30)
    )
    client.force_login(world.member)
    with time_machine.travel(date(2025, 12, 2)):
        response = client.post(reverse("sheet_submit", args=[2025]), CONFIRM, follow=True)
    assert "Đã quá hạn nộp phiếu tự chấm điểm (30/11/2025)" in response.content.decode()
    assert not Sheet.objects.filter(status=Sheet.Status.SUBMITTED).exists()


def test_a_returned_sheet_shows_the_reason_and_is_editable_again(client, world, card, hh):
    client.force_login(world.member)
    post_row(client, card["II.1"], points="100")
    client.post(reverse("sheet_submit", args=[2025]), CONFIRM)
    sheets.sheet_return(membership=hh, user=world.head, reason="Thiếu minh chứng tiêu chí II.1")
    page = client.get(sheet_url()).content.decode()
    assert "Thiếu minh chứng tiêu chí II.1" in page and "hx-post" in page


def test_an_adjusted_score_shows_the_agreed_figure_and_reason(client, world, card, hh):
    client.force_login(world.member)
    post_row(client, card["II.1"], points="180")
    sheets.score_adjust(
        membership=hh,
        criterion=card["II.1"],
        user=world.head,
        reason="Chưa đủ minh chứng",
        points=Decimal(150),
        revision=1,
    )
    page = client.get(sheet_url()).content.decode()
    assert "Trưởng cụm, khối điều chỉnh:" in page
    assert "điểm 150 → 150,00 điểm" in page
    assert "Lý do: Chưa đủ minh chứng" in page
    assert data_values(page)["total"] == Decimal(180)
    assert data_values(page)["agreed"] == Decimal(150)


def test_sheet_page_queries_do_not_grow_with_criteria(client, world, django_assert_max_num_queries):
    from tests.scoring.test_review_views import big_scorecard

    hh_membership = member(world, world.a_member)
    leaves = big_scorecard(world.cluster_a, world.year, 30)
    for leaf in leaves:
        Score.objects.create(membership=hh_membership, criterion=leaf, points=Decimal(1))
    client.force_login(world.member)
    # Four of them count the unit's open items beside "Việc cần làm" in the bar;
    # one more draws the year switch (#14), one the bell's unread notifications (#15),
    # one the year's guidance (#16).
    with django_assert_max_num_queries(23):
        assert client.get(sheet_url()).status_code == 200


# A save at the deadline peak (#17), as the sheet sends it: the session and its
# user; the unit's membership with its year and the cluster's issued scorecard
# (its criteria are kept per process); in the transaction, the unit's membership locked with
# whether the scores are agreed, the sheet's status, whether the scorecard is
# still the issued one and the year's guidance for the totals; the unit's
# scores and its registered plans (read once for the save and the totals); the
# score, its history row and the results' revision written.
SAVE_QUERIES = 11


def _guidance_for_kind(world, kind, exceed):
    """A guidance of the year for one kind of cluster, its exceed-plan bonus `exceed`."""
    from dataclasses import replace

    from scoring.guidances import apply_regulation
    from scoring.regulation import DEFAULT

    regulation = replace(DEFAULT, code=f"TEST-{kind}", exceed_bonus=exceed)
    apply_regulation(world.year, regulation, name=f"Hướng dẫn {kind}", cluster_kind=kind)


def test_a_save_answers_with_the_guidance_of_the_clusters_kind(client, world, hh):
    """R36, R38: the totals of a save's answer follow the guidance applied to
    the cluster's kind in the year, not the year's or the 2022 one."""
    from dataclasses import replace

    from scoring.regulation import DEFAULT

    other = "khoi" if world.cluster_a.kind == "cum" else "cum"
    _guidance_for_kind(world, world.cluster_a.kind, replace(DEFAULT.exceed_bonus, cap=Decimal(20)))
    _guidance_for_kind(world, other, replace(DEFAULT.exceed_bonus, cap=Decimal(15)))
    card = make_scorecard(world.cluster_a, world.year)
    client.force_login(world.member)

    answer = post_row(client, card["II.1"], points="100").content.decode()

    assert "Đã lưu." in answer
    assert "(tối đa 20 điểm)" in answer
    assert "không quá 20 điểm." in answer
    assert "(tối đa 15 điểm)" not in answer and "(tối đa 30 điểm)" not in answer


def test_a_save_under_a_guidance_without_exceed_bonus_shows_no_such_line(client, world, hh):
    _guidance_for_kind(world, world.cluster_a.kind, None)
    card = make_scorecard(world.cluster_a, world.year)
    client.force_login(world.member)

    answer = post_row(client, card["II.1"], points="100").content.decode()

    assert "Đã lưu." in answer
    assert "Điểm thưởng vượt kế hoạch" not in answer
    assert "Điểm thưởng vượt kế hoạch" not in client.get(sheet_url()).content.decode()


def test_the_2022_guidance_caps_the_exceed_bonus_at_30(client, world, card, hh):
    client.force_login(world.member)

    answer = post_row(client, card["II.1"], points="100").content.decode()

    assert "(tối đa 30 điểm)" in answer
    assert "(tối đa 30 điểm)" in client.get(sheet_url()).content.decode()


def test_a_save_answers_in_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    """The deadline peak: every unit saves at once, so a save's cost must not
    grow with the criteria, nor go back and forth between the view and the app."""
    from tests.scoring.test_review_views import big_scorecard

    hh_membership = member(world, world.a_member)
    leaves = big_scorecard(world.cluster_a, world.year, 30)
    for leaf in leaves:
        Score.objects.create(membership=hh_membership, criterion=leaf, points=Decimal(1))
    client.force_login(world.member)
    assert "Đã lưu." in post_row(client, leaves[0], revision=1, points="2").content.decode()
    with django_assert_max_num_queries(SAVE_QUERIES):
        answer = post_row(client, leaves[3], revision=1, points="3").content.decode()
    assert "Đã lưu." in answer
    assert f'name="r{leaves[3].pk}-revision" value="2"' in answer


def test_a_save_updates_only_the_score_columns_it_changes(client, world, card, hh):
    """The deadline peak (#17): a stored score's UPDATE sets the figures the
    save changed, its revision and its date, not every column again; its
    history row and the results' revision are written as before."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from scoring.models import ResultsRevision

    client.force_login(world.member)
    post_row(client, card["II.1"], points="100")
    score = Score.objects.get(membership=hh, criterion=card["II.1"])
    tokens = set(ResultsRevision.objects.values_list("token", flat=True))
    with CaptureQueriesContext(connection) as queries:
        answer = post_row(client, card["II.1"], revision=score.revision, points="90")
    assert "Đã lưu." in answer.content.decode()
    (update,) = [q["sql"] for q in queries if q["sql"].startswith("UPDATE")]
    table = connection.ops.quote_name(Score._meta.db_table)
    assert update.startswith(f"UPDATE {table} SET")
    assert "agreed_plan" not in update and '"membership_id"' not in update
    saved = Score.objects.get(pk=score.pk)
    assert (saved.points, saved.revision) == (Decimal(90), score.revision + 1)
    assert saved.updated_at > score.updated_at
    latest = saved.history.latest()
    assert (latest.points, latest.history_type, latest.history_user) == (
        Decimal(90),
        "~",
        world.member,
    )
    assert set(ResultsRevision.objects.values_list("token", flat=True)) != tokens


def test_a_quantitative_save_over_a_registered_plan_takes_no_more_queries(
    client, world, card, hh, django_assert_max_num_queries
):
    registration = Registration.objects.create(membership=hh, status=Registration.Status.SUBMITTED)
    RegistrationTarget.objects.create(
        registration=registration,
        title="Thu ngân sách",
        planned_value=Decimal(80),
        criterion=card["I.1"],
    )
    client.force_login(world.member)
    post_row(client, card["II.1"], points="100")  # the sheet is made on the first save
    with django_assert_max_num_queries(SAVE_QUERIES):
        answer = post_row(client, card["I.1"], actual="100").content.decode()
    assert "Đã lưu." in answer and "Tỷ lệ thực hiện: 125%" in answer
    assert Score.objects.get(criterion=card["I.1"]).plan == Decimal(80)


def test_the_sheet_views_read_nothing_themselves():
    """The sheet's views call one selector or one service and render (#16,
    STYLE 16): no model, no query in the view module."""
    import ast
    from pathlib import Path

    import scoring.views.sheet as module

    tree = ast.parse(Path(module.__file__).read_text())
    imported = {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    }
    assert not {name for name in imported if name.endswith(".models")}
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr == "objects"]


def test_the_unit_home_links_the_sheet(client, world, card):
    client.force_login(world.member)
    assert sheet_url() in client.get(reverse("home")).content.decode()


# ---------------------------------------------------------------------------
# Figures as Vietnamese people type them (STYLE 17, issue #12)


@pytest.mark.parametrize(
    ("actual", "message"),
    [
        ("1.000", "không rõ là số thập phân hay số có dấu phân cách hàng nghìn"),
        ("12.500", "nếu là số thập phân thì viết 12,5"),
        ("١٢", "không phải là số"),
        ("1e26", "không phải là số"),
    ],
)
def test_an_ambiguous_or_foreign_figure_is_refused_on_the_sheet(
    client, world, card, actual, message
):
    client.force_login(world.member)
    html = post_row(client, card["I.1"], plan="100", actual=actual).content.decode()
    assert message in html
    assert not Score.objects.exists()


def test_a_figure_with_four_decimals_after_a_short_whole_part_is_read(client, world, card):
    client.force_login(world.member)
    post_row(client, card["I.1"], plan="100", actual="1,1250")
    assert Score.objects.get().actual == Decimal("1.125")


def test_a_stored_figure_is_shown_in_its_field_so_that_saving_again_reads_the_same(
    client, world, card
):
    client.force_login(world.member)
    post_row(client, card["I.1"], plan="100", actual="1,1250")
    page = client.get(sheet_url()).content.decode()
    pk = card["I.1"].pk
    field = page.split(f'name="r{pk}-actual"', 1)[1].split(">", 1)[0]
    assert 'value="1,1250"' in field
    # Saved again as shown, the figure stays (1,125 would be refused as ambiguous).
    post_row(client, card["I.1"], revision=1, plan="100", actual="1,1250")
    assert Score.objects.get().actual == Decimal("1.125")


def test_submitting_without_the_confirmation_keeps_the_sheet_open(client, world, card):
    client.force_login(world.member)
    post_row(client, card["II.1"], points="100")
    assert "Tôi xác nhận nộp phiếu tự chấm điểm" in client.get(sheet_url()).content.decode()
    response = client.post(reverse("sheet_submit", args=[2025]), follow=True)
    assert "Chưa nộp phiếu: Hãy đánh dấu ô xác nhận" in response.content.decode()
    assert not Sheet.objects.filter(status=Sheet.Status.SUBMITTED).exists()
