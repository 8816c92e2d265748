"""emulation.csp: the policy headers are django-csp's own text, built once
per settings; what makes a response's policy its own goes through django-csp
(#17)."""

import pytest
from csp.constants import HEADER, HEADER_REPORT_ONLY, NONCE, SELF
from csp.decorators import csp_exempt, csp_update
from csp.middleware import CSPMiddleware
from csp.utils import build_policy
from django.http import HttpResponse
from django.test import RequestFactory

from emulation import csp

pytestmark = pytest.mark.django_db


def _answer(view=None, middleware=csp.PolicyMiddleware):
    """The headers `middleware` gives a GET answered by `view` (a plain page by default)."""
    view = view or (lambda request: HttpResponse("ok"))
    request = RequestFactory().get("/")
    response = middleware(view)(request)
    return request, response


def test_every_page_gets_django_csps_own_header_built_once(client, world, monkeypatch):
    _, theirs = _answer(middleware=CSPMiddleware)
    _, mine = _answer()
    assert mine[HEADER] == theirs[HEADER] == build_policy()
    assert HEADER_REPORT_ONLY not in mine and HEADER_REPORT_ONLY not in theirs
    built = []

    def counted(**kwargs):
        built.append(kwargs)
        return build_policy(**kwargs)

    monkeypatch.setattr("csp.middleware.build_policy", counted)  # django-csp's own way
    monkeypatch.setattr(csp, "build_policy", counted)
    csp._policies.cache_clear()
    client.force_login(world.staff)
    for _ in range(3):
        assert client.get("/").headers[HEADER] == theirs[HEADER]
    assert built == [{}, {"report_only": True}]  # once for the three pages


def test_a_nonce_asked_for_after_the_header_is_refused(client):
    request, _ = _answer()
    with pytest.raises(Exception, match="csp_nonce"):
        str(request.csp_nonce)


def test_a_views_own_policy_and_exemption_stand():
    _, updated = _answer(csp_update({"img-src": ["https://anh.bacninh.gov.vn"]})(_page))
    assert "https://anh.bacninh.gov.vn" in updated[HEADER]
    _, exempt = _answer(csp_exempt()(_page))
    assert HEADER not in exempt


def test_a_nonce_used_by_the_page_is_in_its_header(settings):
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"script-src": [SELF, NONCE]}}

    def page(request):
        return HttpResponse(f'<script nonce="{request.csp_nonce}"></script>')

    request, response = _answer(page)
    assert f"'nonce-{request._csp_nonce}'" in response[HEADER]


def test_the_headers_follow_the_settings(settings):
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": {"img-src": ["'self'"]}}
    _, response = _answer()
    assert response[HEADER] == "default-src 'none'"
    assert response[HEADER_REPORT_ONLY] == build_policy(report_only=True)
    assert "img-src 'self'" in response[HEADER_REPORT_ONLY]
    settings.CONTENT_SECURITY_POLICY = {
        "DIRECTIVES": {"default-src": ["'self'"]},
        "EXCLUDE_URL_PREFIXES": ["/quan-tri/"],
    }
    _, response = _answer()
    assert response[HEADER] == "default-src 'self'"


def _page(request):
    return HttpResponse("ok")
