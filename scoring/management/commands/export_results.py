import json
from io import StringIO
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from clusters.models import Cluster, EmulationYear
from scoring import tables
from scoring.results import results_document, year_results

FORMATS = ("json", "csv", "xlsx")


class Command(BaseCommand):
    help = (
        "Tính và xuất kết quả xếp hạng, khen thưởng của một năm "
        "(thidua-results/1, hoặc bảng CSV/xlsx)."
    )

    # The system checks load every URL's view module; this command needs none (#17).
    requires_system_checks = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("--year", type=int, required=True, help="năm thi đua, ví dụ 2025")
        parser.add_argument("--cluster", metavar="CODE", help="chỉ một cụm, khối (theo mã)")
        parser.add_argument("--format", choices=FORMATS, default="json", help="mặc định: json")
        parser.add_argument("--output", metavar="FILE", help="tệp ghi ra (mặc định: màn hình)")

    def handle(self, *args, year: int, cluster: str | None, output: str | None, **options) -> None:
        kind = options["format"]
        if kind == "xlsx" and output is None:
            raise CommandError("Định dạng xlsx là tệp nhị phân: hãy chỉ tệp ghi ra bằng --output.")
        clusters = None
        if cluster is not None:
            found = Cluster.objects.filter(code=cluster).first()
            if found is None:
                raise CommandError(f"Không có cụm, khối mã “{cluster}”.")
            clusters = [found]
        # A year nobody imported has no results, which is a valid, empty answer.
        emulation_year = EmulationYear.objects.filter(year=year).first()
        results = year_results(emulation_year, clusters, details=False) if emulation_year else []

        if kind == "xlsx":
            self._write(output, tables.xlsx_bytes(results))
            return
        if kind == "csv":
            stream = StringIO()
            tables.write_csv(results, stream)
            text = stream.getvalue()
        else:
            document = results_document(emulation_year or EmulationYear(year=year), results)
            text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
        if output is None:
            self.stdout.write(text, ending="")
        else:
            self._write(output, text.encode("utf-8"))

    def _write(self, output: str, content: bytes) -> None:
        try:
            Path(output).write_bytes(content)
        except OSError as error:
            raise CommandError(f"Không ghi được tệp {output}: {error.strerror}.") from None
