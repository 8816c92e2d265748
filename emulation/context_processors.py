"""What every page's navigation bar shows about its viewer."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from emulation import notifications


def notification_count(request: HttpRequest) -> dict:
    """The bell's unread count: one query, only when a page draws the bar."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"notification_count": SimpleLazyObject(lambda: notifications.unread_count(user))}
