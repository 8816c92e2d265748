"""Every user changes their own password, and resets a forgotten one by e-mail
(Django's auth views, Vietnamese templates; issue #12)."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Cụm-thi-đua-2026!"


def test_the_login_page_offers_the_reset_link(client):
    page = client.get(reverse("login")).content.decode()
    assert reverse("password_reset") in page
    assert "Quên mật khẩu?" in page


def test_the_user_menu_offers_the_password_change(client, world):
    client.force_login(world.member)
    page = client.get(reverse("home")).content.decode()
    assert reverse("password_change") in page
    assert "Đổi mật khẩu" in page


@pytest.mark.parametrize("who", ["member", "staff"])
def test_every_user_changes_their_own_password(client, world, who):
    user = getattr(world, who)
    client.force_login(user)
    page = client.get(reverse("password_change"))
    assert page.status_code == 200 and "Mật khẩu cũ" in page.content.decode()
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "matkhau-2025",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302 and response.url == reverse("password_change_done")
    assert "Đã đổi mật khẩu" in client.get(response.url).content.decode()
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_a_wrong_current_password_changes_nothing(client, world):
    client.force_login(world.member)
    response = client.post(
        reverse("password_change"),
        {"old_password": "sai", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    world.member.refresh_from_db()
    assert world.member.check_password("matkhau-2025")


def test_anonymous_cannot_change_a_password(client):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    response = client.post(
        reverse("password_change"),
        {"old_password": "x", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_reset_sends_an_email_whose_link_sets_a_new_password(client, world):
    world.member.email = "hiephoa@bacgiang.gov.vn"
    world.member.save()
    response = client.post(reverse("password_reset"), {"email": "hiephoa@bacgiang.gov.vn"})
    assert response.status_code == 302 and response.url == reverse("password_reset_done")
    assert "Đã gửi" in client.get(response.url).content.decode()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["hiephoa@bacgiang.gov.vn"]
    assert "Đặt lại mật khẩu" in message.subject
    assert world.member.username in message.body
    link = re.search(r"https?://[^/\s]+(/\S+/)", message.body).group(1)

    form = client.get(link, follow=True)
    assert form.status_code == 200 and "Mật khẩu mới" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link,
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done.status_code == 302 and done.url == reverse("password_reset_complete")
    assert "Đăng nhập" in client.get(done.url).content.decode()
    world.member.refresh_from_db()
    assert world.member.check_password(NEW_PASSWORD)
    # The link works once.
    again = client.get(link, follow=True).content.decode()
    assert "không còn hiệu lực" in again


def test_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client, world):
    response = client.post(reverse("password_reset"), {"email": "khong-co@bacgiang.gov.vn"})
    assert response.status_code == 302 and response.url == reverse("password_reset_done")
    assert mail.outbox == []


def test_reset_pages_are_vietnamese(client):
    page = client.get(reverse("password_reset")).content.decode()
    assert "Quên mật khẩu" in page and 'lang="vi"' in page
    assert "Địa chỉ thư điện tử" in page and ">Email<" not in page
    assert get_user_model().objects.count() == 0
