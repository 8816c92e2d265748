import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from scoring.dataset import dataset_export


class Command(BaseCommand):
    help = "Xuất dữ liệu một năm thành tệp thidua-dataset/1 (spec/DATASET.md)."

    # The system checks load every URL's view module; this command needs none (#17).
    requires_system_checks = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("--year", type=int, required=True, help="năm thi đua, ví dụ 2025")
        parser.add_argument("--output", help="tệp ghi ra (mặc định: màn hình)")

    def handle(self, *args, year: int, output: str | None, **options) -> None:
        document = dataset_export(year=year)
        if not document["clusters"]:
            raise CommandError(f"Năm {year} chưa có dữ liệu cụm, khối nào để xuất.")
        text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
        if output is None:
            self.stdout.write(text, ending="")
            return
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as error:
            raise CommandError(f"Không ghi được tệp {output}: {error.strerror}.") from None
