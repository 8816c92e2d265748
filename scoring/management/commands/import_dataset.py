from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from scoring.dataset import DatasetError, dataset_import, read_document


class Command(BaseCommand):
    help = (
        "Nhập dữ liệu một năm từ tệp thidua-dataset/1: kiểm tra toàn bộ tệp trước, "
        "rồi lưu trong một giao dịch (spec/DATASET.md)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="tệp JSON thidua-dataset/1")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="thay thế dữ liệu đã có của năm trong tệp (chỉ năm đó)",
        )

    def handle(self, *args, file: str, replace: bool, **options) -> None:
        try:
            summary = dataset_import(document=read_document(file), replace=replace)
        except DatasetError as error:
            raise CommandError(
                f"Không nhập tệp {file}, không có gì được lưu:\n" + "\n".join(error.messages)
            ) from None
        except DatabaseError as error:
            raise CommandError(
                f"Lỗi cơ sở dữ liệu khi lưu tệp {file}, không có gì được lưu: {error}"
            ) from None
        self.stdout.write(str(summary))
