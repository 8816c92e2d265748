"""The dossier (hồ sơ đề nghị, #14, R34): the head uploads the signed and sealed
scans of the tờ trình, the minutes and the ranking table; Sở Nội vụ sees which
pieces are missing and returns the dossier with a reason, which reopens it."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from awards import services
from awards.models import DossierFile, Proposal
from tests.awards.test_proposals import url
from tests.awards.test_review_views import page_of, score_cluster, set_quotas
from tests.factories import MembershipFactory, UnitFactory, hold_annual_conference
from tests.permission_data import PDF_BYTES

pytestmark = pytest.mark.django_db

KINDS = ("to_trinh", "bien_ban", "xep_hang")


@pytest.fixture
def ready(world, media_root):
    score_cluster(world, world.cluster_a, {"TPBG": "945", "VY": "930", "HH": "920", "LG": "880"})
    set_quotas(world.cluster_a, world.year, flag=1, merit=2)
    hold_annual_conference(world.cluster_a, world.year, user=world.head)
    return world


def pdf(name: str = "to-trinh.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def upload(client, kind: str, file=None, revision="") -> object:
    data = {"kind": kind, "file": file or pdf(), "revision": revision}
    return client.post(url("dossier_upload"), data, follow=True)


def test_the_head_uploads_each_piece_and_the_checklist_follows(client, ready):
    client.force_login(ready.head)
    page = client.get(url("proposal")).content.decode()
    assert page.count("dossier-missing") == 3
    assert "Tờ trình đề nghị khen thưởng — còn thiếu" in page
    response = upload(client, "to_trinh")
    assert "Đã tải lên Tờ trình đề nghị khen thưởng." in response.content.decode()
    page = client.get(url("proposal")).content.decode()
    assert page.count("dossier-missing") == 2 and page.count("dossier-present") == 1
    stored = DossierFile.objects.get()
    assert stored.file.name.startswith("ho-so/") and stored.uploaded_by == ready.head
    record = stored.history.get()
    assert (record.history_user, record.history_change_reason) == (
        ready.head,
        "Tải lên Tờ trình đề nghị khen thưởng (bản đã ký, đóng dấu).",
    )
    download = client.get(url("dossier_file", "to_trinh"))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF_BYTES


def test_a_new_upload_replaces_the_piece_with_its_history(client, ready):
    client.force_login(ready.head)
    upload(client, "bien_ban")
    stored = DossierFile.objects.get()
    upload(client, "bien_ban", revision=stored.revision)
    stored.refresh_from_db()
    assert stored.revision == 2
    assert [h.history_change_reason for h in stored.history.order_by("history_id")] == [
        "Tải lên Biên bản hội nghị tổng kết, bình xét thi đua (bản đã ký, đóng dấu).",
        "Thay Biên bản hội nghị tổng kết, bình xét thi đua bằng bản mới.",
    ]


def test_an_upload_from_an_older_page_is_refused(client, ready):
    client.force_login(ready.head)
    upload(client, "xep_hang")
    page = upload(client, "xep_hang", revision="").content.decode()  # loaded before the first
    assert "vừa được người khác tải lên hoặc thay" in page
    assert DossierFile.objects.get().revision == 1


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (pdf("to-trinh.docx"), "Chỉ nhận bản scan dạng tệp PDF."),
        (pdf(content=b"GIF89a"), "Nội dung tệp không đúng định dạng .pdf"),
        (pdf(content=b""), "Chưa tải lên:"),
    ],
)
def test_only_a_pdf_is_taken(client, ready, file, message):
    client.force_login(ready.head)
    assert message in upload(client, "to_trinh", file).content.decode()
    assert not DossierFile.objects.exists()


def test_the_scan_is_size_limited(ready):
    big = pdf()
    big.size = 20 * 1024 * 1024 + 1
    with pytest.raises(ValidationError, match="Tệp lớn hơn 20 MB"):
        services.dossier_upload(
            cluster=ready.cluster_a,
            year=ready.year,
            kind="to_trinh",
            file=big,
            revision=None,
            user=ready.head,
        )


UPLOADERS = {"staff": 403, "other_staff": 403, "member": 403, "other_head": 403, "deputy": 403}


@pytest.mark.parametrize(("who", "status"), UPLOADERS.items())
def test_only_the_head_uploads(client, ready, who, status):
    client.force_login(getattr(ready, who))
    response = client.post(url("dossier_upload"), {"kind": "to_trinh", "file": pdf()})
    assert response.status_code == status
    assert not DossierFile.objects.exists()


def test_another_clusters_head_cannot_upload_through_the_service(ready):
    with pytest.raises(PermissionDenied):
        services.dossier_upload(
            cluster=ready.cluster_a,
            year=ready.year,
            kind="to_trinh",
            file=pdf(),
            revision=None,
            user=ready.other_head,
        )


READERS = {
    "head": 200,
    "staff": 200,
    "other_staff": 403,  # guides cluster_b, not cluster_a
    "member": 403,
    "other_head": 403,
    "anonymous": 302,
}


@pytest.mark.parametrize(("who", "status"), READERS.items())
def test_who_downloads_a_piece(client, ready, who, status):
    client.force_login(ready.head)
    upload(client, "to_trinh")
    client.logout()
    if who != "anonymous":
        client.force_login(getattr(ready, who))
    assert client.get(url("dossier_file", "to_trinh")).status_code == status


def test_staff_see_the_missing_pieces_and_return_the_dossier_which_reopens_it(client, ready):
    client.force_login(ready.head)
    upload(client, "to_trinh")
    services.proposal_submit(cluster=ready.cluster_a, year=ready.year, user=ready.head)
    page = client.get(url("proposal")).content.decode()
    assert url("dossier_upload") not in page  # submitted: the head waits

    page = page_of(client, ready.staff, url("proposal"))
    assert "Biên bản hội nghị tổng kết, bình xét thi đua — còn thiếu" in page
    assert "Bảng tổng hợp kết quả chấm điểm, xếp hạng — còn thiếu" in page
    assert url("dossier_upload") not in page
    response = client.post(url("proposal_return"), {"reason": "Thiếu biên bản và bảng xếp hạng"})
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    assert proposal.status == Proposal.Status.RETURNED
    last = proposal.history.order_by("history_date", "history_id").last()
    assert (last.history_user, last.history_change_reason) == (
        ready.staff,
        "Sở Nội vụ trả lại hồ sơ. Lý do: Thiếu biên bản và bảng xếp hạng",
    )

    client.force_login(ready.head)
    page = client.get(url("proposal")).content.decode()
    assert "Thiếu biên bản và bảng xếp hạng" in page and url("dossier_upload") in page
    assert "Đã tải lên Biên bản" in upload(client, "bien_ban").content.decode()


def test_no_upload_once_submitted(ready):
    services.proposal_submit(cluster=ready.cluster_a, year=ready.year, user=ready.head)
    with pytest.raises(ValidationError, match="chỉ tải lên khi hồ sơ"):
        services.dossier_upload(
            cluster=ready.cluster_a,
            year=ready.year,
            kind="to_trinh",
            file=pdf(),
            revision=None,
            user=ready.head,
        )


def test_the_proposal_page_with_the_dossier_does_not_grow_with_the_units(client, ready):
    client.force_login(ready.head)
    for kind in KINDS:
        upload(client, kind)
    services.proposal_submit(cluster=ready.cluster_a, year=ready.year, user=ready.head)
    client.force_login(ready.staff)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url("proposal")).status_code == 200
        return len(queries)

    before = count()
    for i in range(5):
        MembershipFactory(cluster=ready.cluster_a, year=ready.year, unit=UnitFactory(code=f"X{i}"))
    assert count() == before
