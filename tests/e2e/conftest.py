"""Browser journeys: Playwright driving Debian's chromium against the app served
on 127.0.0.1 by a live server thread (pytest-django's), on the test database.

Without chromium or the playwright package the journeys are skipped with a
message saying so; with the environment variable CI set they fail instead, so
CI never passes without having run them. The browser is never downloaded:
Playwright launches /usr/bin/chromium.

Every page a journey opens is watched: a Content Security Policy violation, a
JavaScript error or an answer of 400 and up fails the journey. Screenshots of
the key pages go to $ARTIFACTS_DIR/screenshots/ (./artifacts/, git-ignored, by
default) for people to look at.
"""

import importlib
import importlib.util
import os
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
SKIP_REASON = (
    "Bỏ qua kiểm thử trình duyệt: không tìm thấy chromium (/usr/bin/chromium) hoặc gói "
    "playwright — cài bằng apt-get install chromium và pip install playwright"
)
ARTIFACTS = Path(
    os.environ.get("ARTIFACTS_DIR") or Path(__file__).resolve().parents[2] / "artifacts"
)
SCREENSHOTS = ARTIFACTS / "screenshots"
# Playwright's own waits (locators, expect, navigation), in milliseconds.
TIMEOUT_MS = 15_000


def _missing() -> list[str]:
    missing = []
    if not os.access(CHROMIUM, os.X_OK):
        missing.append(f"chromium ({CHROMIUM})")
    if importlib.util.find_spec("playwright") is None:
        missing.append("gói playwright")
    return missing


MISSING = _missing()


def _require_browser() -> None:
    """Skip a journey without a browser; on CI (CI set) fail instead."""
    if MISSING:
        if os.environ.get("CI"):
            pytest.fail(
                f"Kiểm thử trình duyệt phải chạy trên CI (biến CI đã đặt) nhưng thiếu "
                f"{' và '.join(MISSING)} — cài bằng apt-get install chromium và "
                "pip install playwright",
                pytrace=False,
            )
        pytest.skip(SKIP_REASON)


def pytest_runtest_setup(item) -> None:
    """Before any fixture (the test database is not even made for a skip)."""
    _require_browser()


@pytest.fixture
def browser(monkeypatch):
    """Chromium for one journey. Playwright's sync API keeps an asyncio loop
    marked as running in this thread while it is started, which Django takes
    for an async context; the test's own ORM calls are plain synchronous code,
    so Django's guard is lifted for this test only, and Playwright is stopped
    before the test database is flushed."""
    _require_browser()
    from django.db import connections
    from playwright.sync_api import expect, sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            launched.close()
            # With the loop marked running, Django keeps the connections the
            # test opened per async context, apart from the thread's own:
            # closed here, or PostgreSQL refuses to drop the test database.
            connections.close_all()


@pytest.fixture
def live_server(transactional_db):
    """The app on 127.0.0.1 for one journey (pytest-django's own is shared by
    the session and listens on "localhost"). Stopped at the end of the test,
    before its data is flushed, so no request thread outlives the database."""
    from pytest_django.live_server_helper import LiveServer

    server = LiveServer("127.0.0.1")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def served(live_server, settings, tmp_path):
    """The live server with settings fit for a browser on plain http, and
    uploads stored under the test's own folder."""
    from django.db import connection

    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.MEDIA_ROOT = tmp_path / "media"
    if connection.vendor == "sqlite":
        _one_request_at_a_time(live_server)
    return live_server


def _one_request_at_a_time(live_server) -> None:
    """With in-memory SQLite the server's request threads share one connection
    (pytest-django), so a page and its favicon or an htmx request must not
    interleave their transactions; PostgreSQL gives each thread its own."""
    server = live_server.thread.httpd
    app, lock = server.get_app(), threading.Lock()

    def serial(environ, start_response):
        with lock:
            return app(environ, start_response)

    server.set_app(serial)


class Browse:
    """One journey's browser tab, with what the journey needs around it."""

    def __init__(self, page, journey: str) -> None:
        self.page = page
        self.journey = journey
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"Lỗi JavaScript: {error}"))
        page.on("response", self._response)

    def _console(self, message) -> None:
        text = message.text
        if "Content Security Policy" in text:
            self.problems.append(f"Vi phạm CSP tại {self.page.url}: {text}")
        elif message.type == "error":
            self.problems.append(f"Lỗi trên console tại {self.page.url}: {text}")

    def _response(self, response) -> None:
        if response.status >= 400:
            self.problems.append(f"{response.request.method} {response.url} → {response.status}")

    def login(self, username: str, *, greeting: str) -> None:
        """Log in through the form; `greeting` is what the menu bar then shows."""
        from playwright.sync_api import expect

        from clusters.demo import DEMO_PASSWORD

        page = self.page
        page.goto("/dang-nhap/")
        expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
        # The static files load: Bootstrap colours the bar, htmx is defined.
        expect(page.locator("nav.navbar")).to_have_css("background-color", "rgb(220, 53, 69)")
        assert page.evaluate("() => typeof window.htmx") == "object"
        page.get_by_label("Tên đăng nhập").fill(username)
        page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        expect(page.locator("nav .navbar-text")).to_contain_text(greeting)

    def shot(self, step: str) -> Path:
        """A full-page screenshot for people to look at ($ARTIFACTS_DIR/screenshots/)."""
        path = SCREENSHOTS / f"{self.journey}-{step}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def check(self) -> None:
        """No CSP violation, JavaScript error or failed request so far."""
        problems, self.problems = self.problems, []
        assert not problems, "Trình duyệt báo lỗi:\n" + "\n".join(problems)


@pytest.fixture
def browse(request, browser, served):
    """A fresh browser context (no cookies) on the live server for one journey,
    named after its test module: test_member_journey.py → member."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    journey = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    journey = journey.removesuffix("_journey")
    context = browser.new_context(
        base_url=served.url,
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
        viewport={"width": 1366, "height": 900},
        accept_downloads=True,
    )
    context.set_default_timeout(TIMEOUT_MS)
    # Browsers ask for a favicon the app does not have; answer it here.
    context.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    page = context.new_page()
    tab = Browse(page, journey)
    try:
        yield tab
    finally:
        context.close()
    tab.check()


# ---------------------------------------------------------------------------
# Data: the demo province, as `make run` shows it


def _framework_loaded() -> None:
    """A transactional test before this one may have flushed Phụ lục 02."""
    from tests.conftest import ensure_framework

    ensure_framework()


@pytest.fixture
def demo(transactional_db):
    """`seed_demo`'s province: CUM-HUYEN scored for 2025 from the example
    dataset, its head `truongcum` (TPBG), member `thanhvien` (HH) and Sở Nội
    vụ's `sonoivu`, every password `thidua@2025`."""
    from io import StringIO

    from django.core.management import call_command

    from clusters.models import Cluster, EmulationYear
    from emulation.models import User

    _framework_loaded()
    call_command("seed_demo", stdout=StringIO())
    users = {u.username: u for u in User.objects.select_related("unit", "authority")}
    return SimpleNamespace(
        year=EmulationYear.objects.get(year=2025),
        cluster=Cluster.objects.select_related("authority").get(code="CUM-HUYEN"),
        head=users["truongcum"],
        member=users["thanhvien"],
        staff=users["sonoivu"],
    )


@pytest.fixture
def next_year(demo):
    """2026 with CUM-HUYEN's 2025 members in the same roles and no scorecard.

    Registration and self-scoring are due 30 days from today, whatever today
    is, so the journeys never run into a deadline.
    """
    from datetime import timedelta

    from django.utils import timezone

    from clusters import deadlines
    from clusters.models import Deadline, Membership
    from clusters.services import year_create
    from scoring.guidances import apply_regulation
    from scoring.regulation import DEFAULT

    year = year_create(year=2026)
    # The journeys were written for CUM-HUYEN under the 2022 guidance; the demo's
    # own 2026 guidance (the new Bắc Ninh's cluster of communes, #16) is set
    # aside for the year, and that cluster is not visited.
    apply_regulation(year, DEFAULT)
    Membership.objects.bulk_create(
        Membership(cluster=m.cluster, year=year, unit=m.unit, role=m.role)
        for m in Membership.objects.filter(cluster=demo.cluster, year=demo.year)
    )
    Deadline.objects.filter(
        year=year, kind__in=[deadlines.REGISTRATION, deadlines.ANNUAL_REPORT]
    ).update(due_date=timezone.localdate() + timedelta(days=30))
    return year
