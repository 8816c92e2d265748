"""Which units a unit continues (#16): the unit, then the units it succeeds
(merged from, split from, renamed from), then theirs, and so on.

The succession links of a province are few (a reorganisation every few
years): they are read in one query and walked here, so a record over the
years costs the same whatever the length of the chain. A chain that loops
(a unit recorded as its own predecessor's predecessor) ends where it would
come back.
"""

from collections import defaultdict
from collections.abc import Iterable

from clusters.models import Succession, Unit


def predecessor_ids(unit_ids: Iterable[int]) -> dict[int, list[int]]:
    """For each of `unit_ids`, its own id first, then every unit it succeeds,
    nearest first, each once."""
    links: dict[int, list[int]] = defaultdict(list)
    for successor, predecessor in Succession.objects.order_by(
        "effective_on", "predecessor__code"
    ).values_list("successor_id", "predecessor_id"):
        links[successor].append(predecessor)
    chains = {}
    for unit_id in unit_ids:
        chain, queue = [unit_id], [unit_id]
        while queue:
            for predecessor in links.get(queue.pop(0), ()):
                if predecessor not in chain:
                    chain.append(predecessor)
                    queue.append(predecessor)
        chains[unit_id] = chain
    return chains


def lineage(unit: Unit) -> list[Unit]:
    """`unit` and the units it succeeds, nearest first (two queries)."""
    chain = predecessor_ids([unit.pk])[unit.pk]
    units = Unit.objects.in_bulk(chain[1:])
    return [unit, *(units[pk] for pk in chain[1:])]
