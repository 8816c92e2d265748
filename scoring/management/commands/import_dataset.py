from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from scoring.dataset import DatasetError, dataset_import, read_document


class Command(BaseCommand):
    help = (
        "Nhập dữ liệu một năm từ tệp thidua-dataset/1: kiểm tra toàn bộ tệp trước, "
        "rồi lưu trong một giao dịch (spec/DATASET.md). Chỉ ghi dữ liệu của năm trong "
        "tệp; không bao giờ cấp hay đổi quyền của cơ quan nào."
    )

    # The system checks load every URL's view module; this command needs none (#17).
    requires_system_checks = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="tệp JSON thidua-dataset/1")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="thay thế dữ liệu đã có của năm trong tệp (chỉ năm đó)",
        )
        parser.add_argument(
            "--discard-online-records",
            action="store_true",
            help=(
                "cùng --replace: chấp nhận xóa dữ liệu làm trực tuyến của năm (phiếu tự chấm, "
                "minh chứng, đăng ký, báo cáo, hội nghị, thống nhất điểm, hồ sơ, điểm đã "
                "điều chỉnh…); số lượng được in ra và ghi vào lịch sử"
            ),
        )
        parser.add_argument(
            "--update-shared",
            action="store_true",
            help=(
                "cập nhật cơ quan, đơn vị, cụm, khối đã có (dùng chung cho mọi năm) theo tệp, "
                "ghi vào lịch sử; không có tùy chọn này thì khác biệt bị từ chối"
            ),
        )

    def handle(
        self,
        *args,
        file: str,
        replace: bool,
        discard_online_records: bool,
        update_shared: bool,
        **options,
    ) -> None:
        refused = f"Không nhập tệp {file}, không có gì được lưu:"
        if discard_online_records and not replace:
            raise CommandError(f"{refused} --discard-online-records chỉ dùng cùng --replace.")
        try:
            summary = dataset_import(
                document=read_document(file),
                replace=replace,
                update_shared=update_shared,
                discard_online_records=discard_online_records,
            )
        except DatasetError as error:
            # One error, one line (a script greps it); several, one per line.
            separator = " " if len(error.messages) == 1 else "\n"
            raise CommandError(refused + separator + "\n".join(error.messages)) from None
        except DatabaseError as error:
            raise CommandError(
                f"Lỗi cơ sở dữ liệu khi lưu tệp {file}, không có gì được lưu: {error}"
            ) from None
        self.stdout.write(str(summary))
