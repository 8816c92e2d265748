"""The records the results are computed from, at the bottom of the layers
(#16): their queryset lives here so that the organisation's own records of
them (deductions, participation) and scoring's and awards' can share it.

A bulk write tells `results_written` which clusters' years it touched; the
results' revisions (scoring/revisions.py, #17) listen and renew their tokens
in the same transaction, as a single save or delete does through Django's
own signals. The organisation does not know who listens.
"""

from django.db import models
from django.dispatch import Signal

# Sent with `cluster_years`: a set of (cluster_id, year_id) a bulk write touched.
results_written = Signal()


class ResultsQuerySet(models.QuerySet):
    """The records the results are computed from: a bulk write renews the
    results' revision of every cluster's year it touches, as a single save or
    delete does through its signal (scoring/revisions.py, #17). The model
    names its way to the cluster and year in `RESULTS_PATH`."""

    def update(self, **kwargs) -> int:
        pks = list(self.values_list("pk", flat=True))
        touched = self._cluster_years(pks)
        count = super().update(**kwargs)
        if any(self.model._meta.get_field(name).is_relation for name in kwargs):
            touched |= self._cluster_years(pks)  # moved to another cluster or year
        self._bump(touched)
        return count

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        known = [self._cluster_year(o) for o in created]
        if None in known:
            self._bump(self._cluster_years([o.pk for o in created if o.pk is not None]))
        else:
            self._bump(set(known))
        return created

    def _cluster_year(self, obj) -> tuple[int, int] | None:
        """From the objects themselves when their relations are loaded."""
        for name in self.model.RESULTS_PATH.split("__")[:-1]:
            field = obj._meta.get_field(name)
            if not field.is_cached(obj):
                return None
            obj = getattr(obj, name)
        return (obj.cluster_id, obj.year_id)

    def _cluster_years(self, pks: list) -> set[tuple[int, int]]:
        path = self.model.RESULTS_PATH
        found: set[tuple[int, int]] = set()
        for start in range(0, len(pks), 900):  # SQLite's bound on query parameters
            found.update(
                self.model._base_manager.filter(pk__in=pks[start : start + 900])
                .order_by()
                .values_list(f"{path}cluster_id", f"{path}year_id")
                .distinct()
            )
        return found

    def _bump(self, cluster_years: set[tuple[int, int]]) -> None:
        if cluster_years:
            results_written.send(sender=self.model, cluster_years=cluster_years)
