import pytest
from django.db import IntegrityError, transaction

from clusters.models import Cluster, Membership, Unit
from tests.factories import ClusterFactory, MembershipFactory, UnitFactory, UserFactory, YearFactory


def _refused(**kwargs) -> bool:
    try:
        with transaction.atomic():
            MembershipFactory(**kwargs)
    except IntegrityError:
        return True
    return False


@pytest.mark.django_db
def test_r2_second_head_in_same_cluster_and_year_is_refused_by_database():
    cluster, year = ClusterFactory(), YearFactory()
    MembershipFactory(cluster=cluster, year=year, role=Membership.Role.HEAD)
    assert _refused(cluster=cluster, year=year, role=Membership.Role.HEAD)


@pytest.mark.django_db
def test_r2_second_deputy_is_refused_by_database():
    cluster, year = ClusterFactory(), YearFactory()
    MembershipFactory(cluster=cluster, year=year, role=Membership.Role.DEPUTY)
    assert _refused(cluster=cluster, year=year, role=Membership.Role.DEPUTY)


@pytest.mark.django_db
def test_r2_unit_in_two_clusters_in_same_year_is_refused_by_database():
    unit, year = UnitFactory(), YearFactory()
    MembershipFactory(unit=unit, year=year)
    assert _refused(unit=unit, year=year, cluster=ClusterFactory())


@pytest.mark.django_db
def test_r2_roles_change_from_year_to_year():
    cluster, unit = ClusterFactory(), UnitFactory()
    MembershipFactory(cluster=cluster, unit=unit, year=YearFactory(year=2024), role="head")
    MembershipFactory(cluster=cluster, unit=unit, year=YearFactory(year=2025), role="member")
    MembershipFactory(cluster=cluster, year=YearFactory(year=2025), role="head")
    assert Membership.objects.filter(unit=unit).count() == 2


@pytest.mark.django_db
def test_r2_many_members_and_one_head_per_cluster_are_allowed():
    cluster, year = ClusterFactory(), YearFactory()
    MembershipFactory(cluster=cluster, year=year, role="head")
    MembershipFactory(cluster=cluster, year=year, role="deputy")
    for _ in range(3):
        MembershipFactory(cluster=cluster, year=year, role="member")
    assert Membership.objects.filter(cluster=cluster).count() == 5


@pytest.mark.django_db
@pytest.mark.parametrize("model_factory", [UnitFactory, ClusterFactory])
def test_codes_are_unique(model_factory):
    model_factory(code="X1")
    with pytest.raises(IntegrityError), transaction.atomic():
        model_factory(code="X1")


@pytest.mark.django_db
def test_user_belongs_to_an_authority_or_a_unit_not_both(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(authority=world.snv, unit=world.a_member)


@pytest.mark.django_db
def test_r3_deputy_leads_only_when_delegated(world):
    deputy = Membership.objects.get(unit=world.a_deputy)
    assert not deputy.leads
    deputy.acts_for_head = True
    assert deputy.leads
    assert Membership.objects.get(unit=world.a_head).leads


@pytest.mark.django_db
def test_r1_provincial_staff_see_every_cluster_other_staff_only_their_own(world):
    assert set(Cluster.objects.visible_to(world.staff)) == {world.cluster_a, world.cluster_b}
    assert list(Cluster.objects.visible_to(world.other_staff)) == [world.cluster_b]
    assert list(Cluster.objects.visible_to(world.member)) == [world.cluster_a]
    assert list(Cluster.objects.visible_to(world.other_member)) == [world.cluster_b]
    assert set(Cluster.objects.visible_to(world.admin)) == {world.cluster_a, world.cluster_b}


@pytest.mark.django_db
def test_r1_cluster_and_block_kinds_and_unit_kinds_are_in_vietnamese():
    assert Cluster.Kind.CUM.label == "Cụm thi đua"
    assert Cluster.Kind.KHOI.label == "Khối thi đua"
    assert Unit.Kind.HOSPITAL.label == "Bệnh viện"
