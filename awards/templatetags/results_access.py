"""The results link on the clusters' pages: whether their viewer may open the
results is awards' rule (awards.access.sees_results), which the organisation's
views, a layer below, do not import; their templates ask it here."""

from django import template

from awards import access
from clusters.access import Seat

register = template.Library()


@register.filter
def sees_results(seat: Seat | None) -> bool:
    return isinstance(seat, Seat) and access.sees_results(seat)
