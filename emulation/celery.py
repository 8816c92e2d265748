import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emulation.settings")

app = Celery("emulation")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Every periodic job of the product, in one place, with when it runs.
app.conf.beat_schedule = {
    # R14 reminders of the year's deadlines: every day at 07:00 Asia/Ho_Chi_Minh
    # (CELERY_TIMEZONE). Servers without beat run `manage.py send_reminders` instead.
    "remind-due": {
        "task": "scoring.tasks.remind_due",
        "schedule": crontab(hour=7, minute=0),
    },
}
