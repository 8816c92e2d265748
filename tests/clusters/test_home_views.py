import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_is_sent_to_login(client, world):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_login_page_is_in_vietnamese(client):
    response = client.get(reverse("login"))
    assert "Đăng nhập" in response.content.decode()
    assert "Mật khẩu" in response.content.decode()


def test_wrong_password_shows_vietnamese_error(client, world):
    response = client.post(reverse("login"), {"username": "sonoivu", "password": "sai"})
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.content.decode()


def test_provincial_staff_home_lists_every_cluster_with_head_deputy_and_count(client, world):
    client.force_login(world.staff)
    page = client.get(reverse("home")).content.decode()
    assert "Cụm thi đua các huyện" in page and "Khối các trường" in page
    assert "UBND thành phố Bắc Giang" in page  # head of cluster A
    assert "UBND huyện Việt Yên" in page  # deputy of cluster A
    assert "Toàn tỉnh" in page


def test_other_authority_staff_home_lists_only_its_own_clusters(client, world):
    client.force_login(world.other_staff)
    page = client.get(reverse("home")).content.decode()
    assert "Khối các trường" in page
    assert "Cụm thi đua các huyện" not in page


def test_member_home_shows_its_cluster_members_and_roles(client, world):
    client.force_login(world.member)
    page = client.get(reverse("home")).content.decode()
    assert "UBND huyện Hiệp Hòa" in page
    assert "Trưởng cụm, khối" in page and "Phó trưởng cụm, khối" in page
    assert "UBND huyện Lạng Giang" in page
    assert "Trường THPT Ngô Quyền" not in page


def test_head_home_shows_its_cluster(client, world):
    client.force_login(world.head)
    page = client.get(reverse("home")).content.decode()
    assert "Cụm thi đua các huyện" in page
    assert "Trưởng cụm, khối" in page


def test_user_of_another_unit_sees_its_own_cluster_not_this_one(client, world):
    client.force_login(world.other_member)
    page = client.get(reverse("home")).content.decode()
    assert "Khối các trường" in page
    assert "UBND huyện Hiệp Hòa" not in page


def test_user_without_authority_or_unit_is_forbidden(client, world):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="lac"))
    assert client.get(reverse("home")).status_code == 403


def test_unit_without_membership_this_year_is_told_so(client, world):
    from tests.factories import UnitFactory, UserFactory

    client.force_login(UserFactory(unit=UnitFactory(name="UBND xã Tân Mỹ")))
    page = client.get(reverse("home")).content.decode()
    assert "chưa thuộc cụm, khối thi đua nào" in page


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("staff", 200),
        ("other_staff", 403),
        ("head", 200),
        ("member", 200),
        ("other_member", 403),
        ("other_head", 403),
        ("admin", 200),
    ],
)
def test_cluster_detail_permissions(client, world, who, status):
    client.force_login(getattr(world, who))
    url = reverse("cluster_detail", args=[world.cluster_a.code, 2025])
    assert client.get(url).status_code == status


def test_cluster_detail_anonymous_redirects_to_login(client, world):
    url = reverse("cluster_detail", args=[world.cluster_a.code, 2025])
    response = client.get(url)
    assert response.status_code == 302 and reverse("login") in response.url


def test_staff_home_query_count_does_not_grow_with_clusters(
    client, world, django_assert_max_num_queries
):
    from tests.factories import ClusterFactory, MembershipFactory

    client.force_login(world.staff)
    # Two of them count the overdue items beside "Việc cần làm" in the bar; two more
    # give each cluster's year in progress and the year switch (#14); one the
    # bell's unread notifications (#15).
    with django_assert_max_num_queries(14):
        client.get(reverse("home"))
    for _ in range(10):
        cluster = ClusterFactory(authority=world.snv)
        MembershipFactory(cluster=cluster, year=world.year, role="head")
        MembershipFactory(cluster=cluster, year=world.year, role="deputy")
        MembershipFactory(cluster=cluster, year=world.year)
    with django_assert_max_num_queries(14):
        client.get(reverse("home"))


def test_logout_returns_to_login(client, world):
    client.force_login(world.member)
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response.url == reverse("login")


def test_forbidden_page_explains_in_vietnamese(client, world):
    client.force_login(world.other_member)
    response = client.get(reverse("cluster_detail", args=[world.cluster_a.code, 2025]))
    assert response.status_code == 403
    assert "Bạn không có quyền xem cụm, khối này." in response.content.decode()


def test_head_home_links_the_heads_work(client, world):
    client.force_login(world.head)
    page = client.get(reverse("home")).content.decode()
    for name in ("review", "award_review", "award_proposal", "adjustments"):
        assert reverse(name, args=[world.cluster_a.code, 2025]) in page


def test_member_home_does_not_link_the_heads_work(client, world):
    client.force_login(world.member)
    page = client.get(reverse("home")).content.decode()
    assert reverse("award_review", args=[world.cluster_a.code, 2025]) not in page
    assert reverse("sheet", args=[2025]) in page
