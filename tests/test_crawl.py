"""Every page as every demo role (issue 15): starting from a role's home, follow
each link of the site a page shows and fail on one that answers 403, 404 or
500, or on a page whose text shows a rule's code ("(R11)") to its reader.

The demo province (seed_demo) is loaded once for the module and rolled back
at its end; the pages are read with Django's test client.
"""

import re
from collections import deque
from html.parser import HTMLParser
from io import StringIO
from urllib.parse import urldefrag, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import Resolver404, resolve

from clusters.models import Unit

# (role, username): the demo's accounts, and a deputy of the demo's cluster made here.
ROLES = [
    ("standing staff", "sonoivu"),
    ("guiding staff", "sogiaoduc"),
    ("head", "truongcum"),
    ("deputy", "photruong"),
    ("member", "thanhvien"),
    ("admin", "admin"),
    # The new Bắc Ninh in 2026, under its own guidance (#16).
    ("2026 head", "truongcumxa"),
    ("2026 member", "xatanthinh"),
]
DEPUTY_UNIT = "VY"

# Links checked for their answer but not read further: files, and the admin's
# pages beyond its index (Django's own, one per record).
NOT_FOLLOWED = re.compile(r"(\.(pdf|xlsx|csv|json)$)|^/van-ban/|^/tep/|^/minh-chung/|^/quan-tri/.")
SKIPPED = re.compile(r"^/(static|media)/|^/dang-xuat/")
RULE_CODE = re.compile(r"\(R\d+|R\d+\)")
# Pages that differ only by one of these (a unit, a criterion, a record) are
# the same page for the crawl: a few of each are read, which keeps it fast.
INSTANCE_ARGS = {"unit", "criterion_id", "pk", "section"}
SAMPLES = 3


def _shape(path: str) -> tuple:
    """A page's view and its arguments other than the instance it shows."""
    try:
        match = resolve(path)
    except Resolver404:
        return (path,)
    kept = sorted((k, v) for k, v in match.kwargs.items() if k not in INSTANCE_ARGS)
    return (match.view_name, *kept)


class _Page(HTMLParser):
    """The links and the visible text of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.text: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.text.append(data)


def _in_site(href: str, base: str) -> str | None:
    """The path (and query) of an in-site link, None for another site's or a mailto."""
    href, _ = urldefrag(href)
    parts = urlsplit(href)
    if not href or parts.scheme not in ("", "http", "https"):
        return None
    if parts.netloc not in ("", "testserver"):
        return None
    if not parts.path.startswith("/"):
        base_dir = base.rsplit("/", 1)[0]
        path = f"{base_dir}/{parts.path}"
    else:
        path = parts.path
    return path + (f"?{parts.query}" if parts.query else "")


def crawl(client: Client, start: str = "/") -> tuple[dict[str, int], dict[str, str], list[str]]:
    """Every page reachable from `start`: the status of each link (with the
    page it was found on) and the pages that show a rule code."""
    status: dict[str, int] = {}
    found_on: dict[str, str] = {start: "(trang chủ)"}
    coded: list[str] = []
    seen_shapes: dict[tuple, int] = {}
    queue = deque([start])
    while queue:
        url = queue.popleft()
        shape = _shape(urlsplit(url).path)
        seen_shapes[shape] = seen_shapes.get(shape, 0) + 1
        if seen_shapes[shape] > SAMPLES:
            continue
        response = client.get(url)
        status[url] = response.status_code
        if response.status_code in (301, 302):
            target = _in_site(response["Location"], url)
            if target and target not in found_on and not SKIPPED.search(target):
                found_on[target] = url
                queue.append(target)
            continue
        kind = response.get("Content-Type", "")
        if response.status_code != 200 or not kind.startswith("text/html"):
            continue
        if NOT_FOLLOWED.search(urlsplit(url).path):
            continue
        page = _Page()
        page.feed(response.content.decode())
        text = " ".join(" ".join(page.text).split())
        for match in RULE_CODE.finditer(text):
            coded.append(f"{url}: …{text[max(0, match.start() - 60) : match.end() + 20]}…")
        for href in page.links:
            target = _in_site(href, url)
            if target is None or SKIPPED.search(target) or target in found_on:
                continue
            found_on[target] = url
            queue.append(target)
    return status, found_on, coded


@pytest.fixture(scope="module")
def demo_site(django_db_setup, django_db_blocker):
    """The demo province with a deputy's account, kept for the module's tests."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            call_command("seed_demo", stdout=StringIO())
            get_user_model().objects.create_user(
                "photruong",
                first_name="Hải",
                last_name="Vũ Thanh",
                unit=Unit.objects.get(code=DEPUTY_UNIT),
            )
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture(scope="module")
def crawled(demo_site):
    """Each role's crawl, made once for the module's tests."""
    done: dict[str, tuple] = {}

    def crawl_as(username: str) -> tuple[dict[str, int], dict[str, str], list[str]]:
        if username not in done:
            client = Client()
            client.force_login(get_user_model().objects.get(username=username))
            done[username] = crawl(client)
        return done[username]

    return crawl_as


@pytest.mark.parametrize(("role", "username"), ROLES, ids=[role for role, _ in ROLES])
def test_every_link_a_role_is_shown_opens(crawled, db, role, username):
    status, found_on, _ = crawled(username)

    broken = [
        f"{code} {url} (liên kết trên {found_on[url]})"
        for url, code in status.items()
        if code in (403, 404) or code >= 500
    ]
    assert len(status) > 5, status
    assert broken == [], "\n".join(broken)


@pytest.mark.parametrize(("role", "username"), ROLES, ids=[role for role, _ in ROLES])
def test_no_page_shows_a_rule_code(crawled, db, role, username):
    _, _, coded = crawled(username)

    assert coded == [], "\n".join(coded)
