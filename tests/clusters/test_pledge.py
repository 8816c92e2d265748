"""The pledge (giao ước thi đua): the head publishes it, members sign it online
or the head records signatures made on paper at the conference."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from clusters.models import Pledge, PledgeSignature
from clusters.services import pledge_publish, pledge_save, pledge_sign
from tests.clusters.helpers import membership, pdf

pytestmark = pytest.mark.django_db

PAGE = reverse("pledge", args=["CUM-A", 2025])
EDIT = reverse("pledge_edit", args=["CUM-A", 2025])
SIGN = reverse("pledge_sign", args=["CUM-A", 2025])
# The box that says what signing locks and who is told (#15).
CONFIRM = {"confirm": "on"}
PAPER = reverse("pledge_paper", args=["CUM-A", 2025])
TEXT = "Các đơn vị thành viên cùng giao ước thi đua hoàn thành xuất sắc nhiệm vụ năm 2025."


@pytest.fixture
def published(world):
    pledge = pledge_save(
        revision=None, cluster=world.cluster_a, year=world.year, text=TEXT, file=None, user=None
    )
    return pledge_publish(pledge=pledge, user=None)


def test_head_writes_and_publishes_the_pledge(client, world):
    client.force_login(world.head)
    assert client.get(EDIT).status_code == 200
    response = client.post(EDIT, {"text": TEXT, "publish": "1"})
    assert response.status_code == 302
    pledge = Pledge.objects.get(cluster=world.cluster_a, year=world.year)
    assert pledge.is_published and pledge.published_by == world.head
    assert TEXT in client.get(PAGE).content.decode()


def test_head_may_publish_a_signed_file_instead_of_text(client, world, media_root):
    client.force_login(world.head)
    client.post(EDIT, {"text": "", "file": pdf("giao-uoc.pdf"), "publish": "1"})
    pledge = Pledge.objects.get()
    assert pledge.is_published and pledge.file.name.startswith("pledges/")
    client.force_login(world.member)
    assert client.get(reverse("upload_download", args=["giao-uoc", pledge.pk])).status_code == 200


def test_an_empty_pledge_cannot_be_published(client, world):
    client.force_login(world.head)
    response = client.post(EDIT, {"text": "", "publish": "1"})
    assert response.status_code == 200
    assert "Cần nội dung hoặc tệp giao ước" in response.content.decode()
    assert not Pledge.objects.filter(published_at__isnull=False).exists()


def test_a_published_pledge_is_frozen(world, published):
    with pytest.raises(ValidationError, match="đã công bố"):
        pledge_save(
            revision=published.revision,
            cluster=world.cluster_a,
            year=world.year,
            text="Khác",
            file=None,
            user=None,
        )


@pytest.mark.parametrize("who", ["member", "deputy", "other_head", "staff", "other_staff"])
def test_only_the_head_edits_the_pledge(client, world, who):
    client.force_login(getattr(world, who))
    assert client.post(EDIT, {"text": TEXT, "publish": "1"}).status_code == 403
    assert not Pledge.objects.exists()


def test_member_signs_online_and_who_and_when_are_kept(client, world, published):
    client.force_login(world.member)
    response = client.post(SIGN, CONFIRM)
    assert response.status_code == 302
    signature = PledgeSignature.objects.get()
    assert signature.membership.unit == world.a_member
    assert signature.method == PledgeSignature.Method.ONLINE
    assert signature.signed_by == world.member and signature.signed_on is not None
    assert signature.history.get().history_user == world.member
    client.post(SIGN, CONFIRM)
    assert PledgeSignature.objects.count() == 1


def test_an_unpublished_pledge_cannot_be_signed(client, world):
    pledge_save(
        revision=None, cluster=world.cluster_a, year=world.year, text=TEXT, file=None, user=None
    )
    client.force_login(world.member)
    client.post(SIGN, CONFIRM)
    assert not PledgeSignature.objects.exists()


@pytest.mark.parametrize("who", ["other_member", "other_head", "staff", "other_staff"])
def test_others_cannot_sign_for_the_cluster(client, world, published, who):
    client.force_login(getattr(world, who))
    assert client.post(SIGN, CONFIRM).status_code == 403
    assert not PledgeSignature.objects.exists()


def test_signing_needs_login(client, world, published):
    response = client.post(SIGN, CONFIRM)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert not PledgeSignature.objects.exists()


def test_head_records_paper_signatures_keeping_online_ones(client, world, published):
    online = pledge_sign(
        pledge=published, membership=membership(world, world.a_member), user=world.member
    )
    members = [membership(world, u) for u in (world.a_member, world.a_member2, world.a_deputy)]
    client.force_login(world.head)
    response = client.post(PAPER, {"members": [m.pk for m in members], "signed_on": "20/12/2025"})
    assert response.status_code == 302
    by_unit = {s.membership.unit.code: s for s in PledgeSignature.objects.all()}
    assert set(by_unit) == {"HH", "LG", "VY"}
    assert by_unit["HH"] == online and by_unit["HH"].method == "online"
    assert by_unit["LG"].method == "paper" and by_unit["LG"].signed_on == date(2025, 12, 20)
    assert by_unit["LG"].signed_by == world.head


def test_member_cannot_record_paper_signatures(client, world, published):
    client.force_login(world.member)
    pk = membership(world, world.a_member2).pk
    assert client.post(PAPER, {"members": [pk], "signed_on": "20/12/2025"}).status_code == 403
    assert not PledgeSignature.objects.exists()


@pytest.mark.parametrize("who", ["member", "head", "staff", "admin"])
def test_members_and_staff_see_who_signed(client, world, published, who):
    pledge_sign(pledge=published, membership=membership(world, world.a_member), user=world.member)
    client.force_login(getattr(world, who))
    response = client.get(PAGE)
    assert response.status_code == 200
    assert response.content.decode().count("Chưa ký") == 3


@pytest.mark.parametrize("who", ["other_member", "other_head", "other_staff"])
def test_others_cannot_see_the_pledge(client, world, published, who):
    client.force_login(getattr(world, who))
    assert client.get(PAGE).status_code == 403


def test_a_signature_whose_signer_was_removed_still_shows(client, world, published):
    pledge_sign(pledge=published, membership=membership(world, world.a_member), user=None)
    client.force_login(world.head)
    response = client.get(PAGE)
    assert response.status_code == 200
    assert response.content.decode().count("Chưa ký") == 3


def test_second_pledge_draft_from_the_same_page_is_refused(client, world):
    """#11.8: the head and the deputy acting for it edit the draft at once;
    the later save is refused naming the stored text, nothing overwritten."""
    client.force_login(world.head)
    assert client.post(EDIT, {"text": "Bản của trưởng khối"}).status_code == 302
    response = client.post(EDIT, {"text": "Bản của phó khối"})  # same page: no revision
    assert response.status_code == 200
    page = response.content.decode()
    assert "vừa được người khác" in page and "Bản của trưởng khối" in page
    pledge = Pledge.objects.get()
    assert pledge.text == "Bản của trưởng khối"
    assert f'name="revision" value="{pledge.revision}"' in page
    again = {"text": "Bản của phó khối", "revision": str(pledge.revision)}
    assert client.post(EDIT, again).status_code == 302
    assert Pledge.objects.get().text == "Bản của phó khối"
    assert client.post(EDIT, again | {"text": "Lần ba"}).status_code == 200
    assert Pledge.objects.get().text == "Bản của phó khối"


def test_signing_without_the_confirmation_signs_nothing_and_says_why(client, world, published):
    client.force_login(world.member)
    page = client.get(reverse("pledge", args=["CUM-A", 2025])).content.decode()
    assert "Tôi xác nhận ký giao ước thi đua thay mặt đơn vị" in page
    response = client.post(SIGN, follow=True)
    assert "Chưa ký được: Hãy đánh dấu ô xác nhận" in response.content.decode()
    assert not PledgeSignature.objects.exists()
