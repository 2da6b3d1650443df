"""Chromium + Playwright + axe-core against a live server.

Skipped, with the reason printed, when Playwright or a Chromium binary is missing. The server
runs on its own database (SQLite file, and a separate PostgreSQL database when
CIVIC_TEST_DATABASE_URL is set) because it commits for real.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
from pathlib import Path

import pytest
from flask_migrate import upgrade
from werkzeug.serving import make_server

from civic import create_app
from civic.config import for_tests
from civic.demo import load_demo
from civic.extensions import db as _db
from tests.conftest import BACKENDS, separate_database

logging.getLogger("werkzeug").setLevel(logging.WARNING)

DEMO_PASSWORD = "demo-river-lantern-9"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
VIEWPORTS = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 800}}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-quic"]


def _chromium_path() -> str | None:
    candidates = [os.environ.get("CHROMIUM_PATH"), "/usr/bin/chromium", shutil.which("chromium"),
                  shutil.which("chromium-browser")]
    return next((c for c in candidates if c and Path(c).exists()), None)


def pytest_collection_modifyitems(config, items):
    reason = None
    try:
        import playwright  # noqa: F401
        import axe_playwright_python  # noqa: F401
    except ImportError:
        reason = "browser tests skipped: Playwright or axe-playwright-python is not installed (make test installs them)"
    if reason is None and _chromium_path() is None:
        reason = ("browser tests skipped: no Chromium found at /usr/bin/chromium or $CHROMIUM_PATH "
                  "(install it with `apt-get install -y chromium`)")
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session", params=BACKENDS)
def live_server(request, tmp_path_factory):
    """Base URL of a running civic with the demo city loaded."""
    app = create_app({**for_tests(separate_database(request.param, tmp_path_factory.mktemp('browser-db'), 'browser')),
                      "RATELIMIT_ENABLED": False, "MAIL_BACKEND": "locmem"})
    with app.app_context():
        upgrade()
        load_demo(DEMO_PASSWORD)
        _db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # Links in e-mails come only from the configured address: here, this server's.
    app.config["CIVIC_BASE_URL"] = f"http://127.0.0.1:{server.server_port}/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield type("LiveServer", (), {"url": f"http://127.0.0.1:{server.server_port}", "app": app})
    server.shutdown()
    with app.app_context():
        _db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=_chromium_path(), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser):
    """new_page(language, viewport, javascript) -> a page in a fresh browser context."""
    contexts = []

    def make(language="en", viewport="phone", javascript=True, block_scripts=False):
        context = browser.new_context(locale=language, viewport=VIEWPORTS[viewport],
                                      java_script_enabled=javascript)
        context.set_default_timeout(10_000)
        if block_scripts:
            # Same page as with JavaScript off (no script of ours runs), while axe can still be injected.
            context.route("**/*.js", lambda route: route.abort())
        contexts.append(context)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        # Console errors count (CSP violations, script errors), except Chromium's note on every
        # 4xx answer: a form re-shown with 422 is intended.
        page.on("console", lambda message: message.type == "error"
                and not message.text.startswith("Failed to load resource") and errors.append(message.text))
        page.js_errors = errors
        return page

    yield make
    for context in contexts:
        context.close()


SQLITE_ONLY = pytest.mark.parametrize("live_server", ["sqlite"], indirect=True)
MATRIX = [(language, viewport) for language in ("en", "ar") for viewport in ("phone", "desktop")]


def check_axe(page) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS},
                                       "resultTypes": ["violations"]})
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"


def sign_in(page, base_url: str, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{base_url}/account/sign-in")
    page.fill("#email", email)
    page.fill("#password", password)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{base_url}/")


def audit(page, label) -> list[str]:
    """axe on the page; a failure is collected with its label so one test can report every page."""
    try:
        check_axe(page)
    except AssertionError as error:
        return [f"{label}: {error}"]
    return []


def submit_and_wait(page, button) -> None:
    """Click a submit button and wait for the page that answers it, which may have the same address:
    a full page load without JavaScript, an htmx swap of the body with it."""
    page.locator("h1").evaluate("h1 => h1.setAttribute('data-stale', '')")
    button.click()
    page.locator("h1:not([data-stale])").wait_for()
