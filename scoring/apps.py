from django.apps import AppConfig


class ScoringConfig(AppConfig):
    name = "scoring"
    verbose_name = "Chấm điểm"

    def ready(self) -> None:
        from clusters import deduction_kinds
        from scoring import revisions

        revisions.connect()
        # R39: the organisation's deductions follow the year's guidance.
        deduction_kinds.deduction_kinds_from(_deduction_kinds)


def _deduction_kinds(cluster, year):
    from scoring.guidances import stored_regulation

    return stored_regulation(year, cluster).deductions
