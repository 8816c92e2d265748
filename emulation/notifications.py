"""In-app notifications (#15): what a user must act on or know, with the
page where to do it. Each is the recipient's own; the bar counts the unread
ones in one query; an e-mail goes to the recipients that have an address once
the transaction that made them commits."""

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import Truncator

from emulation import limits
from emulation.models import Notification, User


def unit_users(unit_ids: Iterable[int]) -> QuerySet[User]:
    """The active users of these units: who is told of what concerns a unit."""
    return User.objects.filter(unit_id__in=list(unit_ids), is_active=True).order_by("pk")


def authority_users(authority_ids: Iterable[int]) -> QuerySet[User]:
    return User.objects.filter(authority_id__in=list(authority_ids), is_active=True).order_by("pk")


def notify(
    *, recipients: Iterable[User], text: str, link: str = "", email: bool = True
) -> list[Notification]:
    """Tell each recipient once (a user named twice is told once). With
    `email`, each recipient with an address gets the same words by e-mail,
    after the transaction commits."""
    text = Truncator(" ".join(text.split())).chars(limits.NOTIFICATION_TEXT)
    users = {user.pk: user for user in recipients}
    created = Notification.objects.bulk_create(
        [Notification(recipient_id=pk, text=text, link=link) for pk in users]
    )
    addresses = sorted({user.email for user in users.values() if user.email})
    if email and addresses:
        transaction.on_commit(lambda: _email(text, link, addresses), robust=True)
    return created


def _email(text: str, link: str, addresses: list[str]) -> None:
    context = {
        "text": text,
        "url": f"{settings.SITE_URL.rstrip('/')}{link}" if link else "",
    }
    subject = " ".join(render_to_string("emails/notification_subject.txt", context).split())
    for address in addresses:  # one per person: recipients do not see each other
        message = EmailMultiAlternatives(
            subject, render_to_string("emails/notification.txt", context), to=[address]
        )
        message.attach_alternative(
            render_to_string("emails/notification.html", context), "text/html"
        )
        message.send()


def notification_read(*, notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])


def notifications_read_all(*, user: User) -> int:
    return Notification.objects.filter(recipient=user).unread().update(read_at=timezone.now())


def unread_count(user: User) -> int:
    """The bar's count: one query."""
    return Notification.objects.filter(recipient=user).unread().count()
