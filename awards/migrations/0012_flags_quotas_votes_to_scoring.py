"""Flag, Quota and Vote (with their histories) now belong to scoring (#16):
scoring's 0023_flags_quotas_votes_from_awards took them into its state. Here
awards forgets them. Their tables stay as they are, the models keep using them,
so nothing happens to them in the database.

Their content types follow them (awards.flag becomes scoring.flag, and so on),
so that the admin's log of past changes still links to them and a permission
given on them is kept.
"""

from django.db import migrations

MOVED = ("flag", "quota", "vote", "historicalflag", "historicalquota", "historicalvote")


def _move_content_types(apps, source: str, target: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    taken = set(
        ContentType.objects.filter(app_label=target, model__in=MOVED).values_list(
            "model", flat=True
        )
    )
    # A type already made under the target (by a migrate that stopped between
    # the two apps' migrations) is left as it is; the old one stays stale.
    ContentType.objects.filter(app_label=source, model__in=set(MOVED) - taken).update(
        app_label=target
    )


def forwards(apps, schema_editor) -> None:
    _move_content_types(apps, "awards", "scoring")


def backwards(apps, schema_editor) -> None:
    _move_content_types(apps, "scoring", "awards")


class Migration(migrations.Migration):
    dependencies = [
        ("awards", "0011_decisions_council_and_dossier"),
        ("scoring", "0023_flags_quotas_votes_from_awards"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="HistoricalFlag"),
                migrations.DeleteModel(name="HistoricalQuota"),
                migrations.DeleteModel(name="HistoricalVote"),
                migrations.DeleteModel(name="Flag"),
                migrations.DeleteModel(name="Quota"),
                migrations.DeleteModel(name="Vote"),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]
