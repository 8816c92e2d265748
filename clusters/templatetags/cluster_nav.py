"""The tabs of a cluster's year, showing only the pages their viewer may open."""

from django import template

from clusters.access import seat_of

register = template.Library()


@register.inclusion_tag("clusters/_activity_nav.html", takes_context=True)
def activity_nav(context, cluster, year, active: str = "") -> dict:
    seat = context.get("seat")
    if seat is None or seat.cluster.pk != cluster.pk or seat.year.pk != year.pk:
        seat = seat_of(context["request"].user, cluster, year)
    return {"cluster": cluster, "year": year, "active": active, "seat": seat}
