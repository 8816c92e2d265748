"""Sở Nội vụ creates and deactivates the accounts of units' officers in the
browser (#14): no password typed by staff nor shared; the new user gets a
link to set one (Django's password reset token, the Vietnamese e-mails);
history of who did it (R35)."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db

User = get_user_model()


def _logs_in(client, username: str, password: str) -> bool:
    client.logout()
    answer = client.post(reverse("login"), {"username": username, "password": password})
    client.logout()
    return answer.status_code == 302


def _new(world, **more) -> dict:
    return {
        "unit": world.a_member2.pk,
        "username": "langgiang",
        "last_name": "Trần Văn",
        "first_name": "Bình",
        "email": "binh@langgiang.gov.vn",
    } | more


def test_staff_create_an_account_and_the_user_sets_the_password_from_the_link(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.staff)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(reverse("account_create"), _new(world), follow=True)
    assert "Đã tạo tài khoản langgiang" in answer.content.decode()
    account = User.objects.get(username="langgiang")
    assert account.unit == world.a_member2 and not account.has_usable_password()
    (message,) = mail.outbox
    assert message.to == ["binh@langgiang.gov.vn"]
    assert "tài khoản mới" in message.subject and "UBND huyện Lạng Giang" in message.body
    link = re.search(r"https?://[^/\s]+(/dat-lai-mat-khau/\S+/)", message.body).group(1)
    client.logout()
    form = client.get(link, follow=True)
    assert form.status_code == 200
    new = "Mat-khau-rat-manh-2026"
    client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert _logs_in(client, "langgiang", new)
    row = account.history.order_by("history_id").first()
    assert row.history_user == world.staff and "Tạo tài khoản" in row.history_change_reason


def test_no_password_field_is_offered_to_staff(client, world):
    client.force_login(world.staff)
    page = client.get(reverse("account_create")).content.decode()
    assert 'type="password"' not in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "khong-phai-thu", "Địa chỉ thư điện tử không hợp lệ."),
        ("username", "thanhvien", "Đã có tài khoản tên đăng nhập"),
        ("username", "có dấu cách", "Tên đăng nhập chỉ gồm chữ, số"),
    ],
)
def test_bad_input_is_refused_in_vietnamese(client, world, field, value, message):
    client.force_login(world.staff)
    page = client.post(reverse("account_create"), _new(world, **{field: value})).content.decode()
    assert message in page
    assert not User.objects.filter(email="binh@langgiang.gov.vn").exists()
    assert not mail.outbox


def test_staff_deactivate_and_reactivate_an_account_with_a_reason(client, world):
    client.force_login(world.staff)
    url = reverse("account_active", args=[world.member.pk])
    client.post(url, {"reason": ""})
    world.member.refresh_from_db()
    assert world.member.is_active
    client.post(url, {"reason": "Cán bộ chuyển công tác"})
    world.member.refresh_from_db()
    assert not world.member.is_active
    row = world.member.history.order_by("-history_id").first()
    assert row.history_user == world.staff and "chuyển công tác" in row.history_change_reason
    assert not _logs_in(client, "thanhvien", "matkhau-2025")
    client.force_login(world.staff)
    client.post(url, {"reason": "Trở lại"})
    world.member.refresh_from_db()
    assert world.member.is_active


def test_staff_send_the_link_again(client, world, django_capture_on_commit_callbacks):
    world.member.email = "hiephoa@bacgiang.gov.vn"
    world.member.save()
    client.force_login(world.staff)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_send_link", args=[world.member.pk]))
    assert len(mail.outbox) == 1


def test_staff_accounts_are_not_managed_here(client, world):
    client.force_login(world.staff)
    url = reverse("account_active", args=[world.other_staff.pk])
    assert client.post(url, {"reason": "x"}).status_code == 404


def test_the_list_filters_accounts(client, world):
    client.force_login(world.staff)
    world.member.is_active = False
    world.member.save()
    page = client.get(reverse("accounts"), {"active": "0"}).content.decode()
    assert "thanhvien" in page and "truongcum" not in page
    page = client.get(reverse("accounts"), {"q": "Ngô Quyền"}).content.decode()
    assert "truongkhoi" in page and "truongcum" not in page


@pytest.mark.parametrize("who", ["other_staff", "head", "member"])
def test_only_the_standing_agency_manages_accounts(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse("accounts")).status_code == 403
    assert client.post(reverse("account_create"), _new(world)).status_code == 403
    url = reverse("account_active", args=[world.member.pk])
    assert client.post(url, {"reason": "x"}).status_code == 403
    assert not User.objects.filter(username="langgiang").exists()


def test_anonymous_is_sent_to_login(client, world):
    assert reverse("login") in client.get(reverse("accounts"))["Location"]


def test_the_list_does_not_grow_its_queries_with_the_accounts(
    client, world, django_assert_max_num_queries
):
    from tests.factories import UserFactory

    client.force_login(world.staff)
    for n in range(30):
        UserFactory(username=f"u{n}", unit=world.a_member)
    # The bar's bell counts the unread notifications (#15): one query.
    with django_assert_max_num_queries(11):
        client.get(reverse("accounts"))


@pytest.mark.django_db
def test_logging_in_writes_no_history_row(client):
    """An account's history records what Sở Nội vụ changed, not every login:
    the last login is stamped without a history row (a deadline brings
    hundreds of logins an hour)."""
    from tests.factories import UserFactory

    user = UserFactory(username="dangnhap")
    user.set_password("mat-khau-dai-1")
    user.save()
    rows = user.history.count()

    client.post(reverse("login"), {"username": "dangnhap", "password": "mat-khau-dai-1"})

    user.refresh_from_db()
    assert user.last_login is not None
    assert user.history.count() == rows
