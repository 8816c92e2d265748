"""A cluster's year's records of the apps above scoring (awards' proposals)
that a replaced year loses with the rest (scoring.dataset): each app names
them from its AppConfig.ready, so that the dataset does not import upwards
(#16). Its own module, so that naming them at start-up does not load the
dataset's code (#17)."""

from django.db import models

ABOVE: list[tuple[str, type[models.Model]]] = []


def replaced_with_the_year(label: str, model: type[models.Model]) -> None:
    """`model` (with `cluster` and `year` foreign keys) holds what people did
    online in a cluster's year: a replacement counts its rows under `label` and
    deletes them, as it does the scoring's and the organisation's own."""
    if (label, model) not in ABOVE:
        ABOVE.append((label, model))
