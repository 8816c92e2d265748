"""Accounts of units' officers, created and deactivated by Sở Nội vụ (#14).

No password is typed by staff or shared: a new account has an unusable
password and its owner gets a link to set one, made by Django's password
reset machinery (the token dies once used, or when the password changes)
and sent with the Vietnamese password e-mails. Each change is in the
account's history with who and why (R35). Who may call these is checked by
the views (clusters.access); the unit is passed in, so this module needs
nothing of the organisation's apps.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from emulation import audit
from emulation.forms import PasswordResetForm
from emulation.models import User


@transaction.atomic
def account_create(
    *,
    unit,
    username: str,
    last_name: str,
    first_name: str,
    email: str,
    user: User,
) -> User:
    """A unit's account, without a password; the link to set one goes to
    `email` once the transaction commits."""
    username, email = username.strip(), email.strip()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError(f"Đã có tài khoản tên đăng nhập “{username}”.")
    if not email:
        raise ValidationError("Cần địa chỉ thư điện tử để gửi đường dẫn đặt mật khẩu.")
    account = User(
        username=username,
        last_name=last_name.strip(),
        first_name=first_name.strip(),
        email=email,
        unit=unit,
        is_active=True,
    )
    account.set_unusable_password()
    audit.save(account, user=user, reason=f"Tạo tài khoản cho {unit.name}")
    transaction.on_commit(lambda: send_password_link(account, new=True))
    return account


@transaction.atomic
def account_set_active(*, account: User, active: bool, reason: str, user: User) -> User:
    """Deactivate an account (the officer left, the unit merged) or reactivate
    it, with a reason. A deactivated account cannot log in nor reset its password."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Cần ghi lý do.")
    if account.pk == user.pk:
        raise ValidationError("Không tự ngừng tài khoản của chính mình.")
    if account.is_active == active:
        return account
    account.is_active = active
    action = "Mở lại" if active else "Ngừng"
    audit.save(account, user=user, reason=f"{action} tài khoản. Lý do: {reason}")
    return account


def account_send_link(*, account: User, user: User) -> None:
    """Send the link to set a password again (a lost first e-mail)."""
    if not account.is_active or not account.email:
        raise ValidationError("Tài khoản đã ngừng hoặc chưa có địa chỉ thư điện tử.")
    audit.save(account, user=user, reason="Gửi lại đường dẫn đặt mật khẩu")
    transaction.on_commit(lambda: send_password_link(account, new=True))


def send_password_link(account: User, *, new: bool = False) -> None:
    """The e-mail of Django's password reset, for one account."""
    site = urlsplit(settings.SITE_URL)
    context = {
        "email": account.email,
        "domain": site.netloc,
        "site_name": "Thi đua",
        "uid": urlsafe_base64_encode(force_bytes(account.pk)),
        "user": account,
        "token": default_token_generator.make_token(account),
        "protocol": site.scheme or "https",
        "new_account": new,
    }
    PasswordResetForm().send_mail(
        "emails/password_reset_subject.txt",
        "emails/password_reset.txt",
        context,
        None,
        account.email,
        html_email_template_name="emails/password_reset.html",
    )
