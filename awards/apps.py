from django.apps import AppConfig


class AwardsConfig(AppConfig):
    name = "awards"
    verbose_name = "Khen thưởng"

    def ready(self) -> None:
        from awards.models import Proposal
        from scoring import replaced

        # A replaced year's proposals go with it, counted as online work (#11.4).
        replaced.replaced_with_the_year("hồ sơ đề nghị khen thưởng", Proposal)
