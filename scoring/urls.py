from django.urls import path, register_converter

from scoring.views import results


class DownloadFormatConverter:
    regex = "xlsx|csv|json"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(DownloadFormatConverter, "download_format")

urlpatterns = [
    path("ket-qua/<str:code>/<int:year>/", results.results, name="results"),
    path(
        "ket-qua/<str:code>/<int:year>/tai-ve.<download_format:fmt>",
        results.results_download,
        name="results_download",
    ),
]
