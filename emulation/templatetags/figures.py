"""`{{ points|figure:2 }}`: a figure as emulation.numbers.format_figure shows it."""

from decimal import Decimal

from django import template

from emulation.numbers import format_figure

register = template.Library()


@register.filter
def figure(value: Decimal | int | None, places: int | None = None) -> str:
    """'1.234,50' with `places` 2: what floatformat:"2g" shows in `vi`, at a
    fraction of its cost (its per-call lookups of the language's formats).
    What is not a number (a variable the template could not resolve comes as
    '') is shown as floatformat shows it: nothing."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        return ""
    return format_figure(value, places)
