"""Middleware that must answer before the rest of the stack looks at a request.

`EarlyRequestMiddleware` is first in MIDDLEWARE, before SecurityMiddleware:

- `/healthz` (the compose healthcheck) is answered here, so it is neither
  redirected to HTTPS (the healthcheck speaks plain HTTP inside the container)
  nor checked against ALLOWED_HOSTS (it calls 127.0.0.1, not the server's
  domain): nothing before this middleware calls `request.get_host()`. It tells
  whether the database answers: 200 "ok", or 503.
- A request whose Content-Length exceeds `MAX_REQUEST_BYTES` is refused with
  413 before any byte of its body is read (Django would otherwise spool an
  80 MB upload to disk before a form refuses it).
"""

from collections.abc import Callable

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template.loader import render_to_string

from emulation.limits import MAX_REQUEST_BYTES, MAX_UPLOAD_BYTES, MB

HEALTH_PATH = "/healthz"


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        return False


def health(request: HttpRequest) -> HttpResponse:
    if _database_answers():
        return HttpResponse("ok", content_type="text/plain")
    return HttpResponse("database unavailable", content_type="text/plain", status=503)


def _too_large() -> HttpResponse:
    page = render_to_string(
        "413.html", {"limit_mb": MAX_REQUEST_BYTES // MB, "file_mb": MAX_UPLOAD_BYTES // MB}
    )
    response = HttpResponse(page, status=413)
    # The body was not read: the connection cannot carry another request.
    response["Connection"] = "close"
    return response


class EarlyRequestMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == HEALTH_PATH:
            return health(request)
        declared = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(declared)
        except ValueError:
            length = -1
        if length < 0:
            return HttpResponseBadRequest("Content-Length không hợp lệ.")
        if length > MAX_REQUEST_BYTES:
            return _too_large()
        return self.get_response(request)
