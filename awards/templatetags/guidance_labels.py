"""What people read for a code of the year's guidance (#16): an award named as
the guidance names it, never by a fixed 2022 list."""

from django import template

from scoring.regulation import Regulation

register = template.Library()


@register.filter
def award_of(code: str | None, regulation: Regulation | None) -> str:
    """{{ item.award|award_of:regulation }} → the guidance's label ("" for none)."""
    if not code:
        return ""
    return regulation.award_label(code) if regulation is not None else code
