"""Who sees a cluster's results (issue 13): the seed has the units of the
cluster "bình xét" together and the results announced to all members at the
annual conference, so once the scores are agreed (R11) every member of the
cluster sees the results page, the award review (read only), the ranking and
the minutes, marked "tạm tính" until the Chairman's decision and "chính thức"
after it (R34). Members of other clusters and anonymous visitors never do."""

from datetime import date

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from awards.models import Decision, Proposal
from scoring.models import ScoreAgreement
from tests.awards import test_document_views

# The cluster scored with quotas, and the PDF rendering skipped (fixtures).
scored = test_document_views.scored
fake_render = test_document_views.fake_render

pytestmark = pytest.mark.django_db

PAGES = {
    "results": reverse("results", args=["CUM-A", 2025]),
    "review": reverse("award_review", args=["CUM-A", 2025]),
}
DOCUMENTS = {
    "ranking": reverse("document_ranking", args=["CUM-A", 2025]),
    "minutes": reverse("document_minutes", args=["CUM-A", 2025]),
}
EVERY_URL = [*PAGES.values(), *DOCUMENTS.values()]


def agree(world) -> None:
    ScoreAgreement.objects.create(
        cluster=world.cluster_a, year=world.year, agreed_at=timezone.now(), agreed_by=world.head
    )


def decide(world) -> None:
    proposal = Proposal.objects.create(
        cluster=world.cluster_a, year=world.year, status=Proposal.Status.DECIDED
    )
    Decision.objects.create(
        proposal=proposal, number="123/QĐ-UBND", date=date(2026, 1, 20), signer="Lê Ánh Dương"
    )


# (who, the year reached: none, "agreed" or "decided", the answer)
ACCESS = [
    ("member", (), 403),
    ("member", (agree,), 200),
    ("member", (agree, decide), 200),
    ("other_member", (agree, decide), 403),
    ("anonymous", (agree, decide), "login"),
]


@pytest.mark.parametrize("url", EVERY_URL)
@pytest.mark.parametrize(("who", "steps", "expected"), ACCESS)
def test_who_sees_the_results(client, scored, fake_render, url, who, steps, expected):
    for step in steps:
        step(scored)
    if who != "anonymous":
        client.force_login(getattr(scored, who))
    response = client.get(url)
    if expected == "login":
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    else:
        assert response.status_code == expected


@pytest.mark.parametrize("url", PAGES.values())
def test_pages_are_provisional_until_the_decision(client, scored, url):
    agree(scored)
    client.force_login(scored.member)
    page = client.get(url).content.decode()
    assert "Kết quả tạm tính" in page and "chính thức" not in page
    decide(scored)
    page = client.get(url).content.decode()
    assert "Kết quả chính thức theo Quyết định số 123/QĐ-UBND ngày 20/01/2026" in page
    assert "tạm tính" not in page


@pytest.mark.parametrize("name", DOCUMENTS)
def test_documents_are_provisional_until_the_decision(client, scored, fake_render, name):
    agree(scored)
    client.force_login(scored.member)
    client.get(DOCUMENTS[name])
    decide(scored)
    client.get(DOCUMENTS[name])
    (_, before), (_, after) = fake_render
    assert "Kết quả tạm tính" in render_to_string(f"pdf/{name}.html", before)
    assert "Kết quả chính thức theo Quyết định số 123/QĐ-UBND" in render_to_string(
        f"pdf/{name}.html", after
    )


def test_members_see_the_review_read_only(client, scored):
    """No ballot form, no submit, no quota action for a member (issue 13)."""
    agree(scored)
    client.force_login(scored.member)
    page = client.get(PAGES["review"]).content.decode()
    assert ">HH</span>" in page
    for action in ("Ghi kết quả bỏ phiếu", "Trình hồ sơ đề nghị khen thưởng", "Phân bổ chỉ tiêu"):
        assert action not in page
    for post in ("award_vote", "award_proposal_submit", "award_quotas"):
        assert reverse(post, args=["CUM-A", 2025]) not in page


# The clusters' pages that link to the results: the cluster's page (its header
# and its tabs), a page with the tabs only, and the unit's home.
LINKING = {
    "cluster": reverse("cluster_detail", args=["CUM-A", 2025]),
    "tabs": reverse("pledge", args=["CUM-A", 2025]),
    "home": reverse("home") + "?nam=2025",
}


@pytest.mark.parametrize("page", LINKING)
def test_the_clusters_pages_link_to_the_results_only_for_who_may_open_them(client, scored, page):
    """The same rule as the results page itself (awards.access), read by the
    organisation's templates: the head always, a member once the scores are agreed."""
    results = reverse("results", args=["CUM-A", 2025])
    client.force_login(scored.head)
    assert f'href="{results}"' in client.get(LINKING[page]).content.decode()
    client.force_login(scored.member)
    assert f'href="{results}"' not in client.get(LINKING[page]).content.decode()
    agree(scored)
    assert f'href="{results}"' in client.get(LINKING[page]).content.decode()


def test_a_page_asks_whether_its_viewer_sees_the_results_once(client, scored, monkeypatch):
    """The cluster page shows the link in its header and its tabs: one answer,
    read once (the rule queries the agreement and the announcement)."""
    from awards import access

    asked = []
    rule = access.results_shared
    monkeypatch.setattr(access, "results_shared", lambda *a: asked.append(a) or rule(*a))
    client.force_login(scored.member)
    client.get(LINKING["cluster"])
    assert len(asked) == 1
