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


# ---------------------------------------------------------------------------
# Behind the reverse proxy every request comes from the proxy's address: the
# lockout must follow the client's address from X-Forwarded-For (issue #12).

PROXY = "10.0.0.2"
ATTACKER = "203.0.113.9"
REAL_USER = "198.51.100.7"


@pytest.fixture
def behind_proxy(settings):
    settings.AXES_ENABLED = True
    settings.TRUSTED_PROXY_COUNT = 1


def _login(client, client_address, password, *, spoofed=""):
    # The proxy appends the address it saw to whatever the client sent.
    forwarded = f"{spoofed}, {client_address}" if spoofed else client_address
    return client.post(
        reverse("login"),
        {"username": "thanhvien", "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def test_an_attacker_behind_the_proxy_does_not_lock_the_real_user_out(client, world, behind_proxy):
    for _ in range(5):
        _login(client, ATTACKER, "sai-mat-khau")
    assert _login(client, ATTACKER, "matkhau-2025").status_code == 429
    response = _login(client, REAL_USER, "matkhau-2025")
    assert response.status_code == 302 and response.url == reverse("home")


def test_a_spoofed_forwarded_for_does_not_free_the_attacker(client, world, behind_proxy):
    for number in range(5):
        _login(client, ATTACKER, "sai-mat-khau", spoofed=f"192.0.2.{number}")
    assert _login(client, ATTACKER, "matkhau-2025", spoofed="192.0.2.77").status_code == 429


def test_the_proxy_count_follows_behind_https_proxy():
    from tests.emulation.test_settings import _manage

    code = "from django.conf import settings; print(settings.TRUSTED_PROXY_COUNT)"
    assert _manage("shell", "-c", code).stdout.split()[-1] == "0"
    assert _manage("shell", "-c", code, BEHIND_HTTPS_PROXY="true").stdout.split()[-1] == "1"
    assert (
        _manage(
            "shell", "-c", code, BEHIND_HTTPS_PROXY="true", TRUSTED_PROXY_COUNT="2"
        ).stdout.split()[-1]
        == "2"
    )


def test_failures_during_the_lockout_do_not_restart_it(client, world, settings):
    import datetime as dt

    import time_machine
    from django.utils import timezone

    settings.AXES_ENABLED = True
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(5):
            client.post(reverse("login"), {"username": "thanhvien", "password": "sai"})
        clock.shift(dt.timedelta(minutes=10))
        locked = client.post(reverse("login"), {"username": "thanhvien", "password": "sai"})
        assert locked.status_code == 429
        clock.shift(dt.timedelta(minutes=5, seconds=1))
        response = client.post(
            reverse("login"), {"username": "thanhvien", "password": "matkhau-2025"}
        )
    assert response.status_code == 302
