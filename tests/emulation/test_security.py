import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_login_is_throttled_after_five_failures(client, world, settings):
    settings.AXES_ENABLED = True
    for _ in range(5):
        client.post(reverse("login"), {"username": "thanhvien", "password": "sai-mat-khau"})
    response = client.post(reverse("login"), {"username": "thanhvien", "password": "matkhau-2025"})
    assert response.status_code == 429
    assert "tạm thời bị khóa" in response.content.decode()


def test_correct_password_logs_in_before_the_limit(client, world):
    client.post(reverse("login"), {"username": "thanhvien", "password": "sai"})
    response = client.post(reverse("login"), {"username": "thanhvien", "password": "matkhau-2025"})
    assert response.status_code == 302 and response.url == reverse("home")


def test_pages_send_a_content_security_policy_without_inline_script(client, world):
    client.force_login(world.staff)
    response = client.get(reverse("home"))
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert "<script>" not in response.content.decode()


def test_session_expires(settings):
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert 0 < settings.SESSION_COOKIE_AGE <= 12 * 60 * 60


def test_password_validators_refuse_weak_passwords(world):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_password("12345678", world.member)
    validate_password("Cụm-thi-đua-2025!", world.member)


def test_names_with_markup_are_escaped_and_diacritics_intact(client, world):
    world.a_member2.name = "<script>alert('x')</script> UBND huyện Lạng Giang"
    world.a_member2.save()
    client.force_login(world.member)
    page = client.get(reverse("home")).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; UBND huyện Lạng Giang" in page


def test_full_names_read_in_vietnamese_order(world):
    world.member.last_name, world.member.first_name = "Phạm Thu", "Hà"
    assert world.member.get_full_name() == "Phạm Thu Hà"
