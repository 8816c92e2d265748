"""The official documents as PDF downloads: who may fetch each one, what the
response is, and the links to them from the pages."""

from io import BytesIO

import pytest
from django.urls import reverse
from pypdf import PdfReader

from awards import documents, services
from awards.models import Proposal
from clusters.models import Membership, Registration, Unit
from tests.awards.test_review_views import member_of, page_of, score_cluster, set_quotas
from tests.factories import hold_annual_conference

pytestmark = pytest.mark.django_db

FAKE_PDF = b"%PDF-1.7 fake"


@pytest.fixture
def scored(world):
    score_cluster(world, world.cluster_a, {"TPBG": "964.40", "VY": "945", "HH": "930", "LG": "880"})
    set_quotas(world.cluster_a, world.year, flag=1, merit=1)
    return world


@pytest.fixture
def fake_render(monkeypatch):
    """Who may fetch a document does not depend on WeasyPrint: skip the rendering."""
    rendered = []

    def render(template: str, context: dict) -> bytes:
        rendered.append((template, context))
        return FAKE_PDF

    monkeypatch.setattr(documents, "render_pdf", render)
    return rendered


def url(name: str, *args) -> str:
    return reverse(f"document_{name}", args=args)


OWN_REGISTRATION = url("registration", 2025)
OWN_SHEET = url("sheet", 2025)
HH_REGISTRATION = url("registration_member", "CUM-A", 2025, "HH")
HH_SHEET = url("sheet_member", "CUM-A", 2025, "HH")
RANKING = url("ranking", "CUM-A", 2025)
MINUTES = url("minutes", "CUM-A", 2025)
PROPOSAL = url("proposal", "CUM-A", 2025)

# The unit itself (member = HH), its head and the staff guiding the cluster;
# not another member of the cluster (the deputy VY, not delegated), another
# cluster's head or member, nor another authority's staff.
MEMBER_RECORD = {
    "member": 200,
    "head": 200,
    "staff": 200,
    "admin": 200,
    "deputy": 403,
    "other_head": 403,
    "other_member": 403,
    "other_staff": 403,
}
# The head (or delegated deputy) and the staff guiding the cluster.
CLUSTER_RECORD = {
    "head": 200,
    "staff": 200,
    "admin": 200,
    "member": 403,
    "deputy": 403,
    "other_head": 403,
    "other_member": 403,
    "other_staff": 403,
}
# One's own records: any unit's user of a cluster of the year; not staff.
OWN_RECORD = {"member": 200, "head": 200, "other_member": 200, "staff": 403, "admin": 403}

ACCESS = [
    (target, who, status)
    for target, table in (
        (OWN_REGISTRATION, OWN_RECORD),
        (OWN_SHEET, OWN_RECORD),
        (HH_REGISTRATION, MEMBER_RECORD),
        (HH_SHEET, MEMBER_RECORD),
        (RANKING, CLUSTER_RECORD),
        (MINUTES, CLUSTER_RECORD),
        (PROPOSAL, CLUSTER_RECORD),
    )
    for who, status in table.items()
]


@pytest.mark.parametrize(("target", "who", "status"), ACCESS)
def test_who_may_fetch_each_document(client, scored, fake_render, target, who, status):
    # Cluster B scored too, so its member's own sheet has something to print.
    score_cluster(scored, scored.cluster_b, {"NQ": "950", "GH": "940"})
    client.force_login(getattr(scored, who))
    response = client.get(target)
    assert response.status_code == status
    assert len(fake_render) == (1 if status == 200 else 0)


@pytest.mark.parametrize(
    "target",
    [OWN_REGISTRATION, OWN_SHEET, HH_REGISTRATION, HH_SHEET, RANKING, MINUTES, PROPOSAL],
)
def test_anonymous_visitor_is_sent_to_login(client, scored, fake_render, target):
    response = client.get(target)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert fake_render == []


def test_members_fetch_the_ranking_once_announced(client, scored, fake_render):
    client.force_login(scored.member)
    assert client.get(RANKING).status_code == 403
    Proposal.objects.create(
        cluster=scored.cluster_a, year=scored.year, announced_at="2026-01-10T08:00Z"
    )
    assert client.get(RANKING).status_code == 200
    # The minutes too, since issue 13 (tests/awards/test_results_visibility.py); not the tờ trình.
    assert client.get(MINUTES).status_code == 200
    assert client.get(PROPOSAL).status_code == 403


def test_delegated_deputy_fetches_the_cluster_documents(client, scored, fake_render):
    Membership.objects.filter(unit__code="VY").update(acts_for_head=True)
    client.force_login(scored.deputy)
    for target in (RANKING, MINUTES, PROPOSAL):
        assert client.get(target).status_code == 200


@pytest.mark.parametrize(
    "target", [RANKING, MINUTES, PROPOSAL, OWN_SHEET, HH_SHEET], ids=lambda t: t.split("/")[2]
)
def test_nothing_to_print_without_an_issued_scorecard(client, world, fake_render, target):
    client.force_login(world.head if "phieu-cham" not in target else world.member)
    assert client.get(target).status_code == 404


def test_unknown_unit_or_year_is_not_found(client, scored, fake_render):
    client.force_login(scored.head)
    assert client.get(url("sheet_member", "CUM-A", 2025, "NQ")).status_code == 404
    assert client.get(url("ranking", "CUM-A", 2030)).status_code == 404


def test_documents_get_the_right_records(client, scored, fake_render):
    client.force_login(scored.head)
    client.get(HH_SHEET)
    client.get(OWN_REGISTRATION)
    client.get(PROPOSAL)
    (sheet, sheet_context), (form, form_context), (proposal, proposal_context) = fake_render
    assert sheet == "pdf/scoring_sheet.html" and sheet_context["unit"].code == "HH"
    assert form == "pdf/registration.html" and form_context["unit"].code == "TPBG"
    assert proposal == "pdf/proposal.html" and proposal_context["cluster"] == scored.cluster_a


def test_proposal_is_served_inline_as_a_pdf(client, scored):
    hold_annual_conference(scored.cluster_a, scored.year)
    services.proposal_submit(cluster=scored.cluster_a, year=scored.year, user=scored.head)
    client.force_login(scored.head)
    response = client.get(PROPOSAL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="to-trinh-CUM-A-2025.pdf"'
    text = " ".join(PdfReader(BytesIO(response.content)).pages[0].extract_text().split())
    assert "TỜ TRÌNH" in text and "UBND THÀNH PHỐ BẮC GIANG" in text


def test_own_registration_gets_an_ascii_file_name(client, scored, fake_render):
    Unit.objects.filter(code="HH").update(code="HÒA-ĐỨC 1")
    client.force_login(scored.member)
    response = client.get(OWN_REGISTRATION)
    assert response["Content-Disposition"] == 'inline; filename="dang-ky-HOA-DUC-1-2025.pdf"'
    assert response.content == FAKE_PDF


# --- Links from the pages ---------------------------------------------------------------


def test_proposal_page_links_the_dossier(client, scored):
    page = page_of(client, scored.head, reverse("award_proposal", args=["CUM-A", 2025]))
    assert PROPOSAL in page and MINUTES in page and RANKING in page


def test_members_see_only_the_ranking_link_once_announced(client, scored):
    Proposal.objects.create(
        cluster=scored.cluster_a, year=scored.year, announced_at="2026-01-10T08:00Z"
    )
    page = page_of(client, scored.member, reverse("award_proposal", args=["CUM-A", 2025]))
    assert RANKING in page and PROPOSAL not in page and MINUTES not in page


def test_results_page_links_the_ranking_pdf(client, scored):
    page = page_of(client, scored.staff, reverse("results", args=["CUM-A", 2025]))
    assert RANKING in page


def test_sheet_page_links_the_own_sheet_pdf(client, scored):
    page = page_of(client, scored.member, reverse("sheet", args=[2025]))
    assert OWN_SHEET in page


def test_registration_pages_link_the_form(client, scored):
    assert OWN_REGISTRATION in page_of(
        client, scored.member, reverse("registration_edit", args=[2025])
    )
    Registration.objects.create(membership=member_of(scored, "HH"))
    detail = reverse("registration_detail", args=["CUM-A", 2025, "HH"])
    assert HH_REGISTRATION in page_of(client, scored.head, detail)
