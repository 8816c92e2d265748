"""Accessibility (issue #15): every kind of page the crawl finds, as every demo
role, passes axe-core's WCAG 2.1 A and AA rules in Chromium.

The pages are found as tests/test_crawl.py finds them (Django's test client,
following each link a role is shown); a page is checked in the browser once per
view and template, by the first role that reaches it, so the test stays well
under three minutes: one browser, one login per role.
"""

from collections import deque
from urllib.parse import urlsplit

import pytest

from tests.test_crawl import DEPUTY_UNIT, NOT_FOLLOWED, ROLES, SKIPPED, _in_site, _Page, _shape

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


def pages_of(username: str) -> dict[tuple, str]:
    """The HTML pages `username` reaches from its home, following links as
    the crawl does but reading one address of each view (another cluster's
    page is the same page): one address for each view and template."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    pages: dict[tuple, str] = {}
    seen_views: set[str] = set()
    found, queue = {"/"}, deque(["/"])
    while queue:
        url = queue.popleft()
        path = urlsplit(url).path
        view = _shape(path)[0]
        if view in seen_views or NOT_FOLLOWED.search(path):
            continue
        seen_views.add(view)
        response = client.get(url, follow=True)
        kind = response.get("Content-Type", "")
        if response.status_code != 200 or not kind.startswith("text/html"):
            continue
        template = response.templates[0].name if response.templates else ""
        pages.setdefault((view, template), response.request["PATH_INFO"])
        page = _Page()
        page.feed(response.content.decode())
        for href in page.links:
            target = _in_site(href, url)
            if target and target not in found and not SKIPPED.search(target):
                found.add(target)
                queue.append(target)
    return pages


def violations_on(page, url: str, who: str) -> list[str]:
    page.goto(url)
    return axe_violations(page, who)


def axe_violations(page, who: str) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=AXE_OPTIONS)
    return [
        f"{who} {page.url}: {v['id']} ({v['impact']}) {v['help']} — "
        + "; ".join(" ".join(node["target"]) for node in v["nodes"][:8])
        for v in results.response["violations"]
    ]


def test_every_page_passes_wcag_21_aa(browser, served, demo):
    from django.contrib.auth import get_user_model

    from clusters.demo import DEMO_PASSWORD
    from clusters.models import Unit
    from tests.e2e.conftest import Browse

    get_user_model().objects.create_user(
        "photruong",
        password=DEMO_PASSWORD,
        first_name="Hải",
        last_name="Vũ Thanh",
        unit=Unit.objects.get(code=DEPUTY_UNIT),
    )
    found: list[str] = []
    checked: set[tuple] = set()
    for role, username in [("anonymous", None), *ROLES]:
        context = browser.new_context(
            base_url=served.url, locale="vi-VN", viewport={"width": 1366, "height": 900}
        )
        context.route("**/favicon.ico", lambda route: route.fulfill(status=204))
        tab = Browse(context.new_page(), "accessibility")
        page = tab.page
        if username is None:
            found += violations_on(page, "/dang-nhap/", role)
            found += wrong_password_is_announced(page)
        else:
            page.goto("/dang-nhap/")
            page.get_by_label("Tên đăng nhập").fill(username)
            page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
            page.get_by_role("button", name="Đăng nhập").click()
            page.wait_for_url(lambda url: "/dang-nhap/" not in url)
            for key, url in pages_of(username).items():
                if key not in checked:
                    checked.add(key)
                    found += violations_on(page, url, role)
            if username == "truongcum":
                found += field_errors_are_described(page)
        context.close()
        tab.check()
    assert len(checked) > 30, checked
    assert found == [], "\n".join(found)


def wrong_password_is_announced(page) -> list[str]:
    """A refused login says so in an alert, which a screen reader reads at once."""
    from playwright.sync_api import expect

    page.get_by_label("Tên đăng nhập").fill("thanhvien")
    page.get_by_label("Mật khẩu").fill("sai-mat-khau")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("alert")).to_contain_text("Tên đăng nhập hoặc mật khẩu không đúng")
    return axe_violations(page, "anonymous, wrong password")


def field_errors_are_described(page) -> list[str]:
    """A form sent with a mistake: the field is marked invalid and described by
    its message, and an error about the whole form is an alert."""
    from playwright.sync_api import expect

    page.goto("/dang-ky/2025/")
    page.locator('[name="targets-0-title"]').fill("Tốc độ tăng trưởng GRDP")
    page.locator('[name="targets-0-planned_value"]').fill("1.000")
    page.get_by_role("button", name="Lưu dự thảo").click()
    invalid = page.locator('[name="targets-0-planned_value"]')
    expect(invalid).to_have_attribute("aria-invalid", "true")
    described = invalid.get_attribute("aria-describedby") or ""
    messages = [page.locator(f"#{id}").inner_text() for id in described.split()]
    assert any("không rõ là số thập phân" in m for m in messages), messages
    return axe_violations(page, "head, form with errors")
