"""Deduction and Participation (with their histories) now belong to the
organisation (#16): clusters' 0022_deductions_participation_from_scoring took
them into its state, with the foreign keys that point to a deduction. Here
scoring forgets them. Their tables stay as they are, the models keep using
them, so nothing happens in the database.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("scoring", "0021_guidance_labels"),
        ("clusters", "0022_deductions_participation_from_scoring"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="HistoricalDeduction"),
                migrations.DeleteModel(name="HistoricalParticipation"),
                migrations.DeleteModel(name="Deduction"),
                migrations.DeleteModel(name="Participation"),
            ],
            database_operations=[],
        ),
    ]
