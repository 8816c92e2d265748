from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from emulation import limits


def full_name(first_name: str | None, last_name: str | None) -> str:
    """The one way a person is named (#15): Vietnamese order, family and middle
    names (`last_name`) before the given name (`first_name`): "Lê Minh Tuấn"."""
    return " ".join(part for part in (last_name or "", first_name or "") if part).strip()


class User(AbstractUser):
    """A person who logs in: staff of an authority, or a user of a member unit.

    Superusers may have neither; they administer through the Django admin.
    """

    authority = models.ForeignKey(
        "clusters.Authority",
        verbose_name="cơ quan hướng dẫn",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    unit = models.ForeignKey(
        "clusters.Unit",
        verbose_name="đơn vị",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    # Accounts created, deactivated and reactivated by Sở Nội vụ, with who and
    # why (#14); the password and the last login are no part of it.
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = "người dùng"
        verbose_name_plural = "người dùng"
        constraints = [
            models.CheckConstraint(
                condition=Q(authority__isnull=True) | Q(unit__isnull=True),
                name="user_authority_or_unit",
                violation_error_message=(
                    "Người dùng chỉ thuộc một cơ quan hướng dẫn hoặc một đơn vị."
                ),
            )
        ]

    def get_full_name(self) -> str:
        return full_name(self.first_name, self.last_name)

    def get_short_name(self) -> str:
        # An office addresses people by their full name; the admin's greeting uses this.
        return self.get_full_name()

    @property
    def is_authority_staff(self) -> bool:
        return self.authority_id is not None

    @property
    def is_provincial_staff(self) -> bool:
        """Staff of the council's standing agency (Sở Nội vụ), as an administrator
        marked their authority: they see the whole province (R1) and hold its
        powers (clusters.access)."""
        return self.authority_id is not None and self.authority.is_standing_agency


class NotificationQuerySet(models.QuerySet):
    def unread(self) -> "NotificationQuerySet":
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """Something a user must act on or know (#15): a reminder, a sheet
    returned, a scorecard approved or returned, scores agreed, a proposal
    submitted or decided. Seen only by its recipient (emulation.notifications)."""

    recipient = models.ForeignKey(
        User, verbose_name="người nhận", on_delete=models.CASCADE, related_name="notifications"
    )
    text = models.CharField("nội dung", max_length=limits.NOTIFICATION_TEXT)
    link = models.CharField("trang", max_length=limits.NOTIFICATION_LINK, blank=True)
    created_at = models.DateTimeField("lúc", default=timezone.now)
    read_at = models.DateTimeField("đã đọc lúc", null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = "thông báo"
        verbose_name_plural = "thông báo"
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The bar's unread count, on every page.
            models.Index(fields=["recipient", "read_at"], name="notification_recipient_read"),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
