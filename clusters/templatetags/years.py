"""The year switch of every page that belongs to a year, and the year's name
the way people say it (#14)."""

from django import template
from django.urls import reverse

from clusters import years
from clusters.models import EmulationYear

register = template.Library()

# Pages whose URL keeps its meaning in another year: the same page is linked.
# Others (a conference, a criterion) link the cluster's page of that year.
PORTABLE = frozenset({"code", "year", "unit"})
# Pages of "the current year" that take the year as ?nam=.
CHOSEN_BY_QUERY = frozenset({"home", "todo"})


def _number(year) -> int:
    return year.year if isinstance(year, EmulationYear) else int(year)


@register.filter
def year_label(year, calendar: str) -> str:
    """{{ year|year_label:cluster.calendar }} → "2025" or "2025–2026"."""
    return years.label(_number(year), calendar)


@register.filter
def year_long(year, calendar: str) -> str:
    """{{ year|year_long:cluster.calendar }} → "năm 2025" or "năm học 2025–2026"."""
    return years.long_label(_number(year), calendar)


@register.inclusion_tag("clusters/_year_switch.html", takes_context=True)
def year_switch(context) -> dict:
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    if match is None or not request.user.is_authenticated:
        return {}
    kwargs, name = match.kwargs, match.view_name
    if "year" in kwargs:
        current = kwargs["year"]
        code = kwargs.get("code")
        if set(kwargs) <= PORTABLE:

            def url(year: int) -> str:
                return reverse(name, kwargs=kwargs | {"year": year})

        elif code is not None:

            def url(year: int) -> str:
                return reverse("cluster_detail", args=[code, year])

        else:
            return {}
        options = years.viewer_years(request.user, code)
        default = None
    elif name in CHOSEN_BY_QUERY:
        chosen = request.GET.get("nam")
        current = int(chosen) if chosen and chosen.isdigit() else None
        base = reverse(name)

        def url(year: int) -> str:
            return f"{base}?nam={year}"

        options = years.viewer_years(request.user)
        default = base
    else:
        return {}
    if len(options) < 2 and default is None:
        return {}
    links = [(label, url(year), year == current) for year, label in options]
    return {"links": links, "default": default, "on_default": default and current is None}
