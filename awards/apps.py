from django.apps import AppConfig


class AwardsConfig(AppConfig):
    name = "awards"
    verbose_name = "Khen thưởng"

    def ready(self) -> None:
        from awards.models import Flag, Quota, Vote
        from scoring import revisions

        revisions.connect_membership_records(Flag, Vote)
        revisions.connect_cluster_year_records(Quota)
