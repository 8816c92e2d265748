"""A request larger than any accepted upload is refused from its Content-Length,
before a byte of its body is read or spooled to disk (issue #12)."""

import io

import pytest
from django.urls import reverse

from emulation.limits import MAX_REQUEST_BYTES, MAX_UPLOAD_BYTES
from tests.scoring.test_sheets_services import make_scorecard, member

pytestmark = pytest.mark.django_db


class UnreadableBody(io.RawIOBase):
    """A request body that records whether anyone read it."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        self.read_bytes += 1 if size != 0 else 0
        return b"x" * (size if size and size > 0 else 1024)

    def readline(self, size: int = -1) -> bytes:
        return self.read(size)


def test_an_80_mb_upload_is_refused_before_its_body_is_read(client, world):
    criterion = make_scorecard(world.cluster_a, world.year)["II.1"]
    member(world, world.a_member)
    client.force_login(world.member)
    body = UnreadableBody()
    response = client.generic(
        "POST",
        reverse("evidence_upload", args=[2025, criterion.pk]),
        b"",
        content_type="multipart/form-data; boundary=thidua",
        CONTENT_LENGTH=str(80 * 1024 * 1024),
        **{"wsgi.input": body},
    )
    assert response.status_code == 413
    assert "Dữ liệu gửi lên quá lớn" in response.content.decode()
    assert body.read_bytes == 0


def test_a_bad_content_length_is_refused(client):
    response = client.generic("POST", reverse("login"), b"", CONTENT_LENGTH="-5")
    assert response.status_code == 400


def test_django_limits_fit_the_request_limit(settings):
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= MAX_REQUEST_BYTES
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= MAX_REQUEST_BYTES
    # The largest accepted file, with its form around it, passes.
    assert MAX_UPLOAD_BYTES < MAX_REQUEST_BYTES <= MAX_UPLOAD_BYTES + 2 * 1024 * 1024
