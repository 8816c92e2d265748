"""A cluster's heads and deputies of the years before its first year in the
system (#14): Sở Nội vụ enters them from the old records; the rotation (R2)
and a unit's record over the years read them like the years in the system."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from clusters.models import Membership, PriorRole
from clusters.services import (
    election_candidates,
    prior_role_add,
    prior_role_correct,
    prior_role_remove,
)
from tests.factories import ClusterFactory, MembershipFactory, UnitFactory, YearFactory

pytestmark = pytest.mark.django_db

PAGE = reverse("prior_roles", args=["CUM-A", 2025])
SOURCE = "Quyết định số 15/QĐ-UBND ngày 10/01/2023 của UBND tỉnh"


def _add(world, unit, *, year=2023, role="head", source=SOURCE, cluster=None):
    return prior_role_add(
        cluster=cluster or world.cluster_a,
        year=year,
        unit=unit,
        role=role,
        source=source,
        user=world.staff,
    )


def _refusal(call) -> str:
    with pytest.raises(ValidationError) as error:
        call()
    return " ".join(error.value.messages)


# --- What the record refuses ----------------------------------------------------


def test_a_year_the_cluster_has_in_the_system_is_refused(world):
    message = _refusal(lambda: _add(world, world.a_member, year=2025))
    assert "2025" in message and "năm đầu tiên" in message
    assert not PriorRole.objects.exists()


def test_a_second_head_of_the_same_year_is_refused(world):
    _add(world, world.a_member)
    message = _refusal(lambda: _add(world, world.a_member2))
    assert "đã có" in message
    assert PriorRole.objects.count() == 1


def test_a_unit_holds_one_role_a_year(world):
    _add(world, world.a_member)
    message = _refusal(lambda: _add(world, world.a_member, role="deputy"))
    assert "một vai trò" in message


def test_a_unit_in_another_cluster_that_year_in_the_system_is_refused(world):
    MembershipFactory(cluster=world.cluster_b, year=YearFactory(year=2023), unit=world.a_member)
    message = _refusal(lambda: _add(world, world.a_member))
    assert "Khối các trường" in message and "2023" in message


def test_a_unit_not_yet_formed_that_year_is_refused(world):
    newer = UnitFactory(code="XM", name="UBND xã Mới", valid_from=date(2024, 7, 1))
    message = _refusal(lambda: _add(world, newer))
    assert "01/07/2024" in message


def test_the_source_is_required(world):
    assert _refusal(lambda: _add(world, world.a_member, source="  "))
    assert not PriorRole.objects.exists()


def test_a_cluster_without_a_year_in_the_system_takes_only_past_years(world):
    fresh = ClusterFactory(code="CUM-MOI", name="Cụm mới")
    _add(world, world.a_member, year=2022, cluster=fresh)
    assert _refusal(lambda: _add(world, world.a_member2, year=2100, cluster=fresh))


# --- The history ---------------------------------------------------------------


def test_every_change_is_in_the_history_with_who_and_why(world):
    prior = _add(world, world.a_member)
    added = prior.history.get()
    assert added.history_user == world.staff
    assert "Hiệp Hòa" in added.history_change_reason
    prior_role_correct(
        prior=prior,
        year=2024,
        unit=world.a_member2,
        role="deputy",
        source=SOURCE,
        reason="Nhầm năm",
        user=world.staff,
    )
    prior.refresh_from_db()
    assert (prior.year, prior.unit, prior.role) == (2024, world.a_member2, "deputy")
    corrected = prior.history.first()
    assert corrected.history_user == world.staff and "Nhầm năm" in corrected.history_change_reason
    prior_role_remove(prior=prior, reason="Nhập trùng", user=world.staff)
    assert not PriorRole.objects.exists()
    removed = PriorRole.history.filter(history_type="-").get()
    assert removed.history_user == world.staff and "Nhập trùng" in removed.history_change_reason


def test_a_correction_and_a_removal_need_a_reason(world):
    prior = _add(world, world.a_member)
    assert _refusal(
        lambda: prior_role_correct(
            prior=prior,
            year=2022,
            unit=world.a_member,
            role="head",
            source=SOURCE,
            reason=" ",
            user=world.staff,
        )
    )
    assert _refusal(lambda: prior_role_remove(prior=prior, reason="", user=world.staff))
    prior.refresh_from_db()
    assert prior.year == 2023


# --- The rotation (R2) ---------------------------------------------------------


def _order(world, role):
    candidates = election_candidates(cluster=world.cluster_a, year=world.year)
    return [(c.membership.unit.code, c.last_held, c.entered) for c in candidates[role]]


def test_a_head_of_an_entered_year_comes_after_units_never_head(world):
    # Before: HH, LG and VY were never head; TPBG is this year's.
    assert [code for code, *_ in _order(world, Membership.Role.HEAD)] == ["HH", "LG", "VY", "TPBG"]
    _add(world, world.a_member, year=2023)  # HH, head in 2023
    assert _order(world, Membership.Role.HEAD) == [
        ("LG", None, False),
        ("VY", None, False),
        ("HH", 2023, True),
        ("TPBG", 2025, False),
    ]


def test_the_entered_deputies_and_the_oldest_turn_first(world):
    _add(world, world.a_member2, year=2024, role="deputy")  # LG
    _add(world, world.a_head, year=2022, role="deputy")  # TPBG
    assert _order(world, Membership.Role.DEPUTY) == [
        ("HH", None, False),
        ("TPBG", 2022, True),
        ("LG", 2024, True),
        ("VY", 2025, False),
    ]


def test_a_turn_in_another_cluster_is_not_this_clusters(world):
    other = ClusterFactory(code="CUM-CU", name="Cụm cũ")
    _add(world, world.a_member, year=2023, cluster=other)
    assert _order(world, Membership.Role.HEAD)[0] == ("HH", None, False)


def test_the_election_page_marks_an_entered_turn(client, world):
    _add(world, world.a_member, year=2023)
    client.force_login(world.head)
    page = client.get(reverse("election", args=["CUM-A", 2025])).content.decode()
    assert "2023" in page and "(nhập từ hồ sơ cũ)" in page


# --- The page ------------------------------------------------------------------


def _form(**more):
    return {"year": "2023", "role": "head", "unit": "HH", "source": SOURCE} | more


def test_the_standing_agency_enters_a_past_head_in_the_browser(client, world):
    client.force_login(world.staff)
    page = client.get(PAGE).content.decode()
    assert "Nhập trưởng, phó trưởng các năm trước" in page
    assert "2025" in page  # the cluster's first year, named
    response = client.post(PAGE, _form())
    assert response.status_code == 302
    prior = PriorRole.objects.get()
    assert (prior.year, prior.unit, prior.role) == (2023, world.a_member, "head")
    assert prior.history.get().history_user == world.staff
    page = client.get(PAGE).content.decode()
    assert "UBND huyện Hiệp Hòa" in page and SOURCE in page


def test_a_refusal_shows_on_the_page_and_saves_nothing(client, world):
    client.force_login(world.staff)
    response = client.post(PAGE, _form(year="2025"))
    assert response.status_code == 200
    assert "năm đầu tiên" in response.content.decode()
    response = client.post(PAGE, _form(unit="KHONGCO"))
    assert "Không có đơn vị mã KHONGCO" in response.content.decode()
    assert not PriorRole.objects.exists()


def test_the_standing_agency_corrects_and_removes_one(client, world):
    prior = _add(world, world.a_member)
    client.force_login(world.staff)
    edit = reverse("prior_role_edit", args=["CUM-A", 2025, prior.pk])
    assert "Nhầm" not in client.get(edit).content.decode()
    response = client.post(edit, _form(year="2022", reason="Nhầm năm theo quyết định"))
    assert response.status_code == 302
    prior.refresh_from_db()
    assert prior.year == 2022
    assert prior.history.first().history_change_reason.endswith("Nhầm năm theo quyết định")
    remove = reverse("prior_role_remove", args=["CUM-A", 2025, prior.pk])
    assert client.post(remove, {"reason": "Nhập trùng"}).status_code == 302
    assert not PriorRole.objects.exists()


def test_the_head_and_members_read_but_do_not_change(client, world):
    prior = _add(world, world.a_member)
    edit = reverse("prior_role_edit", args=["CUM-A", 2025, prior.pk])
    remove = reverse("prior_role_remove", args=["CUM-A", 2025, prior.pk])
    for user in (world.head, world.member):
        client.force_login(user)
        page = client.get(PAGE).content.decode()
        assert "UBND huyện Hiệp Hòa" in page
        assert 'name="source"' not in page  # no form to enter one
        assert client.post(PAGE, _form(year="2022")).status_code == 403
        assert client.get(edit).status_code == 403
        assert client.post(edit, _form(year="2022", reason="Sửa")).status_code == 403
        assert client.post(remove, {"reason": "Xóa"}).status_code == 403
    assert PriorRole.objects.get().year == 2023


def test_another_clusters_unit_and_a_guiding_authority_of_another_cluster_may_not_read(
    client, world
):
    for user in (world.other_member, world.other_staff):
        client.force_login(user)
        assert client.get(PAGE).status_code == 403


def test_the_anonymous_visitor_is_sent_to_log_in(client, world):
    prior = _add(world, world.a_member)
    for url in (PAGE, reverse("prior_role_edit", args=["CUM-A", 2025, prior.pk])):
        response = client.get(url)
        assert response.status_code == 302 and reverse("login") in response["Location"]
    response = client.post(PAGE, _form(year="2022"))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert PriorRole.objects.count() == 1


def test_the_cluster_page_links_it(client, world):
    client.force_login(world.member)
    page = client.get(reverse("cluster_detail", args=["CUM-A", 2025])).content.decode()
    assert PAGE in page


def test_the_pages_queries_do_not_grow_with_the_entries(
    client, world, django_assert_max_num_queries
):
    client.force_login(world.staff)
    _add(world, world.a_member, year=2024)
    with django_assert_max_num_queries(30) as few:
        client.get(PAGE)
    for year in range(2015, 2024):
        _add(world, UnitFactory(), year=year)
        _add(world, UnitFactory(), year=year, role="deputy")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(PAGE).content.decode()
    assert page.count(">Sửa</a>") == 19
