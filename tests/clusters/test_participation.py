"""R27's participation: one record per unit and year, filled by the online
work, a dataset import or an entry by hand, and one rule for when a missing
fact counts against a unit (clusters/participation.py, issue #11.5)."""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from clusters.models import Membership, Participation
from clusters.participation import participation_facts, records
from clusters.services import (
    TargetInput,
    pledge_publish,
    pledge_record_paper,
    pledge_save,
    pledge_sign,
    registration_submit,
    report_upload,
)
from scoring import engine, sheets
from scoring.registrations import registration_save
from scoring.results import cluster_results, year_results
from tests.clusters.helpers import membership, pdf
from tests.factories import UserFactory
from tests.scoring.test_sheets_services import hold_preparatory, make_scorecard

pytestmark = pytest.mark.django_db

ALL_TRUE = engine.Participation()
BEFORE_REGISTRATION = datetime(2025, 3, 1, 3, tzinfo=UTC)
AFTER_REGISTRATION = datetime(2025, 4, 15, 3, tzinfo=UTC)
AFTER_THE_YEAR = datetime(2026, 1, 15, 3, tzinfo=UTC)
BASIC = Path(__file__).resolve().parents[1] / "data" / "01-cum-huyen-basic.json"


def _reasons(world) -> dict[str, tuple[str, ...]]:
    found = cluster_results(world.cluster_a, world.year)
    return {row.unit.code: row.result.reasons for row in found.rows}


def _registration_form() -> dict:
    return {
        "objectives": "Hoàn thành các chỉ tiêu năm 2025",
        "other_targets": "",
        "targets-TOTAL_FORMS": "1",
        "targets-INITIAL_FORMS": "0",
        "targets-MIN_NUM_FORMS": "0",
        "targets-MAX_NUM_FORMS": "1000",
        "targets-0-title": "Tốc độ tăng trưởng GRDP",
        "targets-0-measure": "%",
        "targets-0-planned_value": "8.5",
    }


def _draft_through_the_page(client, world) -> None:
    client.force_login(world.member)
    response = client.post(reverse("registration_edit", args=[2025]), _registration_form())
    assert response.status_code == 302


def _register(member: Membership, *, submit: bool = True) -> None:
    registration_save(
        revision=None,
        membership=member,
        objectives="Mục tiêu",
        other_targets="",
        targets=[TargetInput("A")],
        user=None,
    )
    if submit:
        registration_submit(membership=member, user=None)


def _report(member: Membership, kind: str) -> None:
    report_upload(
        membership=member,
        kind=kind,
        number="",
        reported_on=date(2025, 6, 30),
        file=pdf(),
        user=None,
    )


def _published(world):
    return pledge_publish(
        pledge=pledge_save(
            revision=None,
            cluster=world.cluster_a,
            year=world.year,
            text="Giao ước",
            file=None,
            user=None,
        ),
        user=None,
    )


@pytest.fixture
def complete(world, dated, media_root):
    """Every unit of cluster A has registered, signed and reported, except as a test removes."""
    pledge = _published(world)
    for member in Membership.objects.filter(cluster=world.cluster_a, year=world.year):
        _register(member)
        pledge_sign(pledge=pledge, membership=member, user=None)
        _report(member, "mid_year")
        _report(member, "annual")
    return pledge


# ---------------------------------------------------------------------------
# The failures of #11.5, as a user meets them


def test_one_draft_before_the_deadline_excludes_nobody(client, world, dated):
    with time_machine.travel(BEFORE_REGISTRATION):
        _draft_through_the_page(client, world)
        assert set(_reasons(world).values()) == {()}


def test_a_draft_is_not_a_registration_once_the_deadline_passed(client, world, dated):
    with time_machine.travel(AFTER_REGISTRATION):
        _draft_through_the_page(client, world)
        assert _reasons(world)["HH"] == ("no_registration",)


def test_a_pledge_never_published_never_counts_against_members(client, world, dated):
    with time_machine.travel(AFTER_THE_YEAR):
        _draft_through_the_page(client, world)
        assert not any("no_pledge" in reasons for reasons in _reasons(world).values())
        record = records([membership(world, world.a_member)])
    fact = next(iter(record.values())).fact("pledge_signed")
    assert fact.state_label == "Giao ước chưa được công bố"


def test_a_year_where_nobody_registered_excludes_everyone_once_the_deadlines_passed(world, dated):
    with time_machine.travel(AFTER_THE_YEAR):
        reasons = _reasons(world)
    assert set(reasons.values()) == {("no_annual_report", "no_mid_year_report", "no_registration")}


def test_before_its_deadline_a_missing_fact_is_not_due(world, dated):
    with time_machine.travel(AFTER_REGISTRATION):
        assert _reasons(world)["HH"] == ("no_registration",)
        fact = records([membership(world, world.a_member)]).popitem()[1].fact("annual_report")
    assert (fact.state, fact.state_label, fact.due) == (
        "not_due",
        "Chưa đến hạn",
        date(2025, 11, 30),
    )


def test_an_online_signature_after_an_import_is_the_same_records_truth(client):
    call_command("import_dataset", str(BASIC))
    sd = Membership.objects.select_related("cluster", "year").get(unit__code="SD")
    pledge_publish(
        pledge=pledge_save(
            revision=None, cluster=sd.cluster, year=sd.year, text="Giao ước", file=None, user=None
        ),
        user=None,
    )
    client.force_login(UserFactory(username="sd", unit=sd.unit))
    client.post(reverse("pledge_sign", args=[sd.cluster.code, 2025]), {"confirm": "on"})
    rows = {row.unit.code: row.result for row in year_results(sd.year)[0].rows}
    assert "no_pledge" not in rows["SD"].reasons
    record = Participation.objects.get(membership=sd)
    assert (record.pledge_signed, record.pledge_signed_source) == (True, "online")
    assert Participation.objects.filter(membership__year=sd.year).count() == 10


# ---------------------------------------------------------------------------
# The record, filled as the work happens


def test_online_work_fills_the_record_with_its_source(world, complete):
    record = Participation.objects.get(membership=membership(world, world.a_member))
    for fact in Participation.FACTS:
        assert getattr(record, fact) is True
        assert getattr(record, f"{fact}_source") == "online"


def test_units_with_every_record_are_not_excluded(world, complete):
    with time_machine.travel(AFTER_THE_YEAR):
        assert all(reasons == () for reasons in _reasons(world).values())


def test_a_pledge_signed_on_paper_is_a_manual_entry_with_its_day(world, dated):
    pledge = _published(world)
    member = membership(world, world.a_member)
    pledge_record_paper(pledge=pledge, memberships=[member], signed_on=date(2025, 3, 20), user=None)
    record = Participation.objects.get(membership=member)
    assert (record.pledge_signed, record.pledge_signed_source) == (True, "manual")
    assert "20/03/2025" in record.history.latest().history_change_reason


def test_a_year_without_dates_has_no_deadline_that_passed(world):
    members = Membership.objects.filter(cluster=world.cluster_a, year=world.year)
    assert set(participation_facts(members).values()) == {ALL_TRUE}


def test_an_imported_not_done_counts_whatever_the_deadline(world):
    Participation.objects.create(
        membership=membership(world, world.a_member),
        annual_report=False,
        annual_report_source="import",
    )
    assert _reasons(world)["HH"] == ("no_annual_report",)


def test_activities_of_one_cluster_do_not_touch_another(world, dated, media_root):
    with time_machine.travel(BEFORE_REGISTRATION):
        _register(membership(world, world.a_member))
        facts = participation_facts(Membership.objects.filter(cluster=world.cluster_b))
    assert set(facts.values()) == {ALL_TRUE}


@pytest.mark.parametrize("units", [1, 4])
def test_participation_facts_take_three_queries(world, complete, django_assert_num_queries, units):
    members = list(Membership.objects.filter(cluster=world.cluster_a, year=world.year))[:units]
    # The records, the deadlines and their extensions (#14).
    with django_assert_num_queries(3):
        facts = participation_facts(members)
    assert len(facts) == units


# ---------------------------------------------------------------------------
# The page: each fact with its source, and entries by hand with a reason


def test_the_page_shows_each_fact_with_its_source_and_the_rule(client, world, dated, media_root):
    with time_machine.travel(AFTER_REGISTRATION):
        _register(membership(world, world.a_member))
        client.force_login(world.head)
        page = client.get(reverse("participation", args=["CUM-A", 2025])).content.decode()
    assert "chỉ bị tính là không thực hiện (không xét) khi đã quá hạn" in page
    hh = page.split('data-fact="HH-registered"', 1)[1].split("</td>", 1)[0]
    assert "Đã thực hiện" in hh and "Nguồn: Trực tuyến" in hh
    lg = page.split('data-fact="LG-registered"', 1)[1].split("</td>", 1)[0]
    assert "Không thực hiện" in lg and "Nguồn: Chưa ghi nhận" in lg and "hạn 31/03/2025" in lg
    report = page.split('data-fact="LG-annual_report"', 1)[1].split("</td>", 1)[0]
    assert "Chưa đến hạn" in report


def test_an_entry_by_hand_needs_a_reason_and_goes_to_the_history(client, world, dated):
    edit = reverse("participation_edit", args=["CUM-A", 2025, "LG"])
    client.force_login(world.head)
    with time_machine.travel(AFTER_REGISTRATION):
        refused = client.post(edit, {"fact": "registered", "value": "yes", "reason": " "})
        assert refused.status_code == 200
        assert not Participation.objects.exists()
        response = client.post(
            edit, {"fact": "registered", "value": "yes", "reason": "Bản đăng ký gửi bằng giấy"}
        )
        assert response.status_code == 302
        assert _reasons(world)["LG"] == ()
    record = Participation.objects.get(membership__unit=world.a_member2)
    assert (record.registered, record.registered_source) == (True, "manual")
    assert record.history.latest().history_user == world.head
    history = client.get(reverse("history", args=["CUM-A", 2025])).content.decode()
    assert "Bản đăng ký gửi bằng giấy" in history


def test_an_entry_by_hand_is_what_the_todo_list_reads_too(client, world, dated):
    with time_machine.travel(AFTER_REGISTRATION):
        client.force_login(world.head)
        client.post(
            reverse("participation_edit", args=["CUM-A", 2025, "HH"]),
            {"fact": "registered", "value": "yes", "reason": "Bản đăng ký gửi bằng giấy"},
        )
        client.force_login(world.member)
        todo = client.get(reverse("todo") + "?nam=2025").content.decode()
    row = todo.split("Gửi bản đăng ký thi đua", 1)[1].split("</tr>", 1)[0]
    assert "Đã xong" in row


def test_agreeing_the_scores_confirms_the_records_and_a_later_change_needs_a_new_look(
    client, world, dated
):
    make_scorecard(world.cluster_a, world.year)
    hold_preparatory(world)
    client.force_login(world.head)
    page = client.get(reverse("review_agree", args=["CUM-A", 2025])).content.decode()
    assert "Hồ sơ tham gia" in page and "xác nhận hồ sơ tham gia" in page
    sheets.scores_agree(
        cluster=world.cluster_a, year=world.year, user=world.head, unsubmitted_reason="Đã họp"
    )
    confirmed = Participation.objects.filter(
        membership__cluster=world.cluster_a, confirmed_by=world.head, confirmed_at__isnull=False
    )
    assert confirmed.count() == 4
    assert "xác nhận hồ sơ tham gia" in confirmed.first().history.latest().history_change_reason
    client.post(
        reverse("participation_edit", args=["CUM-A", 2025, "HH"]),
        {
            "fact": "annual_report",
            "value": "yes",
            "reason": "Báo cáo gửi bằng văn bản",
            "revision": confirmed.get(membership__unit__code="HH").revision,
        },
    )
    assert confirmed.count() == 3
    page = client.get(reverse("participation", args=["CUM-A", 2025])).content.decode()
    assert "Chưa xác nhận" in page


def test_the_results_page_says_which_facts_are_not_due_yet(client, world, dated, media_root):
    make_scorecard(world.cluster_a, world.year)
    with time_machine.travel(AFTER_REGISTRATION):
        for member in Membership.objects.filter(cluster=world.cluster_a, year=world.year):
            _register(member)
        client.force_login(world.head)
        page = client.get(reverse("results", args=["CUM-A", 2025])).content.decode()
    assert "Không xét" not in page
    assert "Chưa đến hạn: Báo cáo sơ kết 6 tháng, Báo cáo tổng kết năm" in page


# --- Two entries by hand from the same page (#11.8) ------------------------------


def test_a_second_entry_from_the_same_page_is_refused_with_the_current_value(client, world, dated):
    edit = reverse("participation_edit", args=["CUM-A", 2025, "LG"])
    client.force_login(world.head)
    with time_machine.travel(AFTER_REGISTRATION):
        page = client.get(edit).content.decode()
        assert 'name="revision"' in page and 'name="revision" value=' not in page
        first = {"fact": "registered", "value": "yes", "reason": "Bản giấy", "revision": ""}
        assert client.post(edit, first).status_code == 302
        second = {"fact": "registered", "value": "no", "reason": "Không thấy bản giấy"}
        response = client.post(edit, second | {"revision": ""})
        assert response.status_code == 200
        text = response.content.decode()
        assert "Hồ sơ tham gia vừa được người khác ghi" in text
        assert "Đăng ký thi đua hiện là “đã thực hiện”" in text
        assert 'name="revision" value="1"' in text
        record = Participation.objects.get(membership__unit=world.a_member2)
        assert (record.registered, record.revision) == (True, 1)
        # Without the revision over an existing record: refused too.
        response = client.post(edit, second)
        assert "Hồ sơ tham gia vừa được người khác ghi" in response.content.decode()
        record.refresh_from_db()
        assert record.registered is True
