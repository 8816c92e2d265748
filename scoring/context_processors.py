"""What every page's navigation bar shows about its viewer."""

from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from clusters.models import EmulationYear
from scoring import progress


def todo_count(request: HttpRequest) -> dict:
    """The number beside "Việc cần làm", counted only when a page draws the bar."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def count() -> int:
        year = EmulationYear.objects.current()
        return progress.open_count(user, year, timezone.localdate())

    return {"todo_count": SimpleLazyObject(count)}
