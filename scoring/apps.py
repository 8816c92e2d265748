from django.apps import AppConfig


class ScoringConfig(AppConfig):
    name = "scoring"
    verbose_name = "Chấm điểm"

    def ready(self) -> None:
        from scoring import revisions

        revisions.connect()
