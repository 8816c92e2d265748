from datetime import date
from smtplib import SMTPException

from django.core.management.base import BaseCommand
from django.utils import timezone

from scoring import reminders


class Command(BaseCommand):
    help = (
        "Gửi ngay các thư nhắc việc đến hạn, không qua Celery: "
        "dùng trên máy chủ không chạy Celery beat, mỗi ngày một lần."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--date",
            type=date.fromisoformat,
            help="Ngày chạy theo dạng YYYY-MM-DD (mặc định: hôm nay).",
        )

    def handle(self, *args, **options) -> None:
        today = options["date"] or timezone.localdate()
        sent = failed = 0
        # Each claim is committed when reminders_due returns: the sends follow here.
        for reminder_id in reminders.reminders_due(today=today):
            try:
                if reminders.reminder_send(reminder_id=reminder_id, today=today):
                    sent += 1
            except (SMTPException, OSError) as error:
                failed += 1
                self.stderr.write(f"Chưa gửi được thư nhắc số {reminder_id}: {error}")
        self.stdout.write(f"Ngày {today:%d/%m/%Y}: đã gửi {sent} thư nhắc việc.")
        if failed:
            self.stderr.write(f"{failed} thư chưa gửi được; lần chạy sau sẽ gửi lại.")
