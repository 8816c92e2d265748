"""Lost updates refused (issue #11.8): two saves made from the same loaded
page, the second is refused with the current value and nothing is
overwritten; a save without the revision the page was loaded with is refused
too. The quota page, the sheet and the tie ballot already work so; here the
staff's exclusion / deferral flags (R27, R28) and the scorecard builder's
criterion edits (R17, R19)."""

import pytest
from django.urls import reverse

from awards.models import Flag
from tests.clusters.helpers import pdf
from tests.scoring.test_sheets_services import make_scorecard, member

pytestmark = pytest.mark.django_db

CODE, YEAR = "CUM-A", 2025


def url(name, *args):
    return reverse(name, args=[CODE, YEAR, *args])


@pytest.fixture(autouse=True)
def _media(media_root):
    return media_root


# ---------------------------------------------------------------------------
# Flags (R27, R28)


def flag_post(client, hh, note, revision=""):
    data = {"flag-member": hh.pk, "flag-kind": "exclude", "flag-reason": "security"}
    data |= {"flag-note": note, "flag-revision": revision, "flag-evidence": pdf()}
    return client.post(url("adjustment_flag_set"), data)


def test_second_flag_from_the_same_page_is_refused_with_the_current_note(client, world):
    make_scorecard(world.cluster_a, world.year)
    hh = member(world, world.a_member)
    client.force_login(world.staff)
    assert flag_post(client, hh, "Kết luận thanh tra số 1").status_code == 302
    # A colleague, from the same page (no flag yet), sets the same flag.
    response = flag_post(client, hh, "Ghi chú khác")
    assert response.status_code == 200
    page = response.content.decode()
    assert "vừa được người khác" in page and "Kết luận thanh tra số 1" in page
    stored = Flag.objects.get()
    assert stored.note == "Kết luận thanh tra số 1"
    assert stored.revision == 1
    # The page shown again carries the current revision: saving it replaces.
    assert 'name="flag-revision" value="1"' in page
    assert flag_post(client, hh, "Ghi chú khác", revision="1").status_code == 302
    assert Flag.objects.get().note == "Ghi chú khác"
    # From that page again (revision 1, now 2): refused.
    response = flag_post(client, hh, "Lần ba", revision="1")
    assert response.status_code == 200
    assert "Ghi chú khác" in response.content.decode()
    assert Flag.objects.get().note == "Ghi chú khác"
