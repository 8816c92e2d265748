"""Lost updates refused (issue #11.8): two saves made from the same loaded
page, the second is refused with the current value and nothing is
overwritten; a save without the revision the page was loaded with is refused
too. The quota page, the sheet and the tie ballot already work so; here the
staff's exclusion / deferral flags (R27, R28) and the scorecard builder's
criterion edits (R17, R19)."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from clusters.models import Membership
from scoring.models import Flag
from tests.clusters.helpers import pdf
from tests.scoring.test_builder_views import crit, html, make_draft, row_data, text
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


# ---------------------------------------------------------------------------
# The scorecard builder's criterion edits (R17, R19): the head and the deputy
# acting for it edit the same draft criterion.


def test_second_criterion_edit_from_the_same_page_is_refused(client, world):
    make_draft(world)
    Membership.objects.filter(unit=world.a_deputy).update(acts_for_head=True)
    loaded = crit(world, "I.1")  # both load the page: same revision
    client.force_login(world.head)
    response = client.post(url("criterion_save", loaded.pk), row_data(loaded, points="30.08"))
    assert response.status_code == 302
    client.force_login(world.deputy)
    response = client.post(url("criterion_save", loaded.pk), row_data(loaded, points="29.5"))
    assert response.status_code == 200
    assert "vừa được người khác" in text(response) and "30,08" in text(response)
    assert crit(world, "I.1").points == D("30.08")
    # The row shown again carries the current revision: saving it now wins.
    current = crit(world, "I.1")
    assert f'name="c{loaded.pk}-revision" value="{current.revision}"' in html(response)
    response = client.post(url("criterion_save", loaded.pk), row_data(current, points="29.5"))
    assert response.status_code == 302
    assert crit(world, "I.1").points == D("29.5")


def test_criterion_edit_without_the_revision_is_refused(client, world):
    make_draft(world)
    client.force_login(world.head)
    i1 = crit(world, "I.1")
    data = row_data(i1, points="30.08")
    del data[f"c{i1.pk}-revision"]
    assert client.post(url("criterion_save", i1.pk), data).status_code == 200
    assert crit(world, "I.1").points == i1.points
