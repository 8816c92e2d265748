"""Writes recorded in their simple-history table with who and why (R35).

simple-history reads `_change_reason` and `_history_user` off the instance on
every save and delete; these helpers set them for one write and clear them
after, so they never leak into the next write of the same instance.
"""

from collections.abc import Callable, Iterable

from django.db import models


def save(instance: models.Model, *, user: models.Model | None, reason: str) -> None:
    """Save; the history row says who and why."""
    _recorded(instance, instance.save, user=user, reason=reason)


def delete(instance: models.Model, *, user: models.Model | None, reason: str) -> None:
    """Delete; the history row of the deletion says who and why."""
    _recorded(instance, instance.delete, user=user, reason=reason)


def delete_all(rows: Iterable[models.Model], *, user: models.Model | None, reason: str) -> None:
    """Delete row by row, so each deletion is recorded with who and why (a
    cascade would record its rows without either)."""
    for row in rows:
        delete(row, user=user, reason=reason)


def _recorded(
    instance: models.Model, write: Callable[[], object], *, user: models.Model | None, reason: str
) -> None:
    instance._change_reason = reason
    if user is not None:
        instance._history_user = user
    try:
        write()
    finally:
        del instance._change_reason
        instance.__dict__.pop("_history_user", None)
