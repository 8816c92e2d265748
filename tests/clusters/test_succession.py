"""Units that merge, split and are renamed (#16): the record, its checks and
the chain a unit's record over the years follows."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from clusters.lineage import lineage, predecessor_ids
from clusters.models import Succession, Unit
from clusters.services import succession_record
from tests.factories import UnitFactory

pytestmark = pytest.mark.django_db


def _record(successor, predecessor, user=None, **overrides):
    values = {
        "kind": Succession.Kind.MERGED,
        "effective_on": date(2025, 7, 1),
        "decision_number": "1658/NQ-UBTVQH15",
        "decision_date": date(2025, 6, 16),
        "decision_body": "Ủy ban Thường vụ Quốc hội",
    } | overrides
    return succession_record(successor=successor, predecessor=predecessor, user=user, **values)


def test_a_merger_links_the_new_commune_to_both_old_ones_and_dates_them(world):
    old_a, old_b = UnitFactory(code="XA", kind="commune"), UnitFactory(code="XB", kind="commune")
    new = UnitFactory(code="XN", kind="commune")
    _record(new, old_a, world.staff)
    _record(new, old_b, world.staff)
    assert [u.code for u in lineage(new)] == ["XN", "XA", "XB"]
    old_a.refresh_from_db()
    new.refresh_from_db()
    assert old_a.valid_until == date(2025, 6, 30)
    assert new.valid_from == date(2025, 7, 1)
    history = Succession.history.filter(successor=new).first()
    assert history.history_user == world.staff
    assert "1658/NQ-UBTVQH15" in history.history_change_reason


def test_the_chain_goes_back_through_several_reorganisations(world):
    first, second, third = UnitFactory(), UnitFactory(), UnitFactory()
    _record(
        second,
        first,
        kind=Succession.Kind.RENAMED,
        effective_on=date(2020, 1, 1),
        decision_date=date(2019, 12, 1),
    )
    _record(third, second)
    assert lineage(third) == [third, second, first]
    assert lineage(first) == [first]


def test_a_loop_is_refused_and_a_stored_loop_does_not_hang(world):
    first, second = UnitFactory(), UnitFactory()
    _record(second, first)
    with pytest.raises(ValidationError, match="vòng"):
        _record(first, second)
    # A loop written past the service (an old import) still ends.
    Succession.objects.create(
        successor=first,
        predecessor=second,
        kind="renamed",
        effective_on=date(2025, 7, 1),
        decision_number="1",
        decision_date=date(2025, 6, 1),
        decision_body="UBND tỉnh",
    )
    assert predecessor_ids([first.pk])[first.pk] == [first.pk, second.pk]


def test_a_unit_does_not_succeed_itself_nor_twice_the_same(world):
    unit, other = UnitFactory(), UnitFactory()
    with pytest.raises(ValidationError, match="chính nó"):
        _record(unit, unit)
    _record(unit, other)
    with pytest.raises(ValidationError, match="đã được ghi"):
        _record(unit, other)
    assert Succession.objects.count() == 1


def test_a_successor_cannot_begin_before_its_predecessor(world):
    first, second, third = UnitFactory(), UnitFactory(), UnitFactory()
    _record(second, first)  # second begins 01/07/2025
    with pytest.raises(ValidationError, match="hoạt động từ ngày 01/07/2025"):
        _record(third, second, effective_on=date(2025, 7, 1))
    assert lineage(third) == [third]


def test_a_decision_in_the_future_is_refused(world):
    with pytest.raises(ValidationError, match="tương lai"):
        _record(UnitFactory(), UnitFactory(), decision_date=date(2999, 1, 1))
    assert not Succession.objects.exists()


def test_lineage_costs_the_same_whatever_the_chain(world, django_assert_num_queries):
    units = [UnitFactory() for _ in range(6)]
    for n, (newer, older) in enumerate(zip(units[1:], units, strict=False)):
        _record(newer, older, effective_on=date(2020 + n, 1, 1), decision_date=date(2019, 1, 1))
    with django_assert_num_queries(2):
        assert len(lineage(units[-1])) == 6


def test_staff_records_a_succession_on_the_units_record_page(client, world):
    old = UnitFactory(code="XCU", name="UBND xã Cũ", kind="commune")
    client.force_login(world.staff)
    url = reverse("unit_record", args=[world.a_member.code])
    page = client.get(url).content.decode()
    assert "Ghi nhận kế thừa" in page
    response = client.post(
        url,
        {
            "predecessor": "XCU",
            "kind": "merged",
            "effective_on": "01/07/2025",
            "decision_number": "1658/NQ-UBTVQH15",
            "decision_date": "16/06/2025",
            "decision_body": "Ủy ban Thường vụ Quốc hội",
        },
    )
    assert response.status_code == 302
    assert Succession.objects.get().predecessor == old
    assert "UBND xã Cũ" in client.get(url).content.decode()


def test_a_bad_succession_is_refused_on_the_page_in_vietnamese(client, world):
    client.force_login(world.staff)
    url = reverse("unit_record", args=[world.a_member.code])
    response = client.post(
        url,
        {
            "predecessor": "KHONGCO",
            "kind": "merged",
            "effective_on": "01/07/2025",
            "decision_number": "1",
            "decision_date": "16/06/2025",
            "decision_body": "UBND tỉnh",
        },
    )
    assert response.status_code == 200
    assert "Không có đơn vị mã KHONGCO" in response.content.decode()
    assert not Succession.objects.exists()


@pytest.mark.parametrize("who", ["head", "member"])
def test_only_sở_nội_vụ_records_a_succession(client, world, who):
    UnitFactory(code="XCU")
    client.force_login(getattr(world, who))
    url = reverse("unit_record", args=[world.a_member.code])
    assert "Ghi nhận kế thừa" not in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "predecessor": "XCU",
            "kind": "merged",
            "effective_on": "01/07/2025",
            "decision_number": "1",
            "decision_date": "16/06/2025",
            "decision_body": "UBND tỉnh",
        },
    )
    assert response.status_code == 403
    assert not Succession.objects.exists()
    assert Unit.objects.filter(code="XCU").exists()


def test_the_admin_records_a_succession_with_who_and_refuses_a_loop(client, world):
    first, second = UnitFactory(code="XMOT"), UnitFactory(code="XHAI")
    _record(second, first)
    client.force_login(world.admin)
    url = reverse("admin:clusters_succession_add")
    data = {
        "successor": first.pk,
        "predecessor": second.pk,
        "kind": "renamed",
        "effective_on": "01/08/2025",
        "decision_number": "12/QĐ-UBND",
        "decision_date": "20/07/2025",
        "decision_body": "UBND tỉnh",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "vòng kế thừa" in response.content.decode()
    third = UnitFactory(code="XBA")
    response = client.post(url, data | {"successor": third.pk, "predecessor": first.pk})
    assert response.status_code == 302, response.context["adminform"].form.errors
    added = Succession.objects.get(successor=third)
    assert added.recorded_by == world.admin
    assert added.history.first().history_user == world.admin
    assert added.effective_on == date(2025, 8, 1)  # day first, as typed
