"""axe-core on every page reachable from the home page, in en and ar, phone and desktop,
with and without JavaScript, including the error states of every form."""

from __future__ import annotations

import pytest

from civic.accounts.services import start_password_reset
from civic.core.db import utcnow
from civic.extensions import db as _db
from tests.browser.conftest import check_axe, sign_in

ANONYMOUS_PAGES = ["/", "/account/register", "/account/sign-in", "/account/reset", "/privacy",
                   "/accessibility", "/no-such-page", "/account/reset/not-a-valid-token"]
SIGNED_IN_PAGES = ["/", "/account/profile", "/account/password", "/account/delete", "/admin/users", "/admin/audit",
                   "/admin/audit?since=not-a-date",
                   "/privacy"]
# Forms submitted empty, to check their error states.
EMPTY_SUBMISSIONS = {"/account/register": "anonymous", "/account/sign-in": "anonymous",
                     "/account/reset": "anonymous", "/account/profile": "admin",
                     "/account/password": "admin", "/account/delete": "admin"}

MATRIX = [(language, viewport, javascript) for language in ("en", "ar")
          for viewport in ("phone", "desktop") for javascript in (True, False)]
IDS = [f"{lang}-{view}-{'js' if js else 'nojs'}" for lang, view, js in MATRIX]
SQLITE_ONLY = pytest.mark.parametrize("live_server", ["sqlite"], indirect=True)


def _open(new_page, language, viewport, javascript):
    return new_page(language, viewport, block_scripts=not javascript)


def _reset_link(live_server) -> str:
    with live_server.app.app_context():
        _, token = start_password_reset("resident@example.org", now=utcnow(), max_age=3600)
        _db.session.commit()
    return f"/account/reset/{token}"


def _audit(page, base, paths, language) -> list[str]:
    failures = []
    for path in paths:
        page.goto(base + path)
        assert page.locator("html").get_attribute("lang") == language
        assert page.locator("h1").count() == 1, f"{path}: one h1 per page"
        try:
            check_axe(page)
        except AssertionError as error:
            failures.append(str(error))
    return failures


@SQLITE_ONLY
@pytest.mark.parametrize("language, viewport, javascript", MATRIX, ids=IDS)
def test_anonymous_pages(live_server, new_page, language, viewport, javascript):
    page = _open(new_page, language, viewport, javascript)
    failures = _audit(page, live_server.url, ANONYMOUS_PAGES + [_reset_link(live_server)], language)
    for path, who in EMPTY_SUBMISSIONS.items():
        if who == "anonymous":
            page.goto(live_server.url + path)
            page.locator("main form button[type=submit]").last.click()
            page.wait_for_selector(".error-summary")
            failures += _audit_current(page)
    assert not failures, "\n\n".join(failures)


@SQLITE_ONLY
@pytest.mark.parametrize("language, viewport, javascript", MATRIX, ids=IDS)
def test_signed_in_pages(live_server, new_page, language, viewport, javascript):
    page = _open(new_page, language, viewport, javascript)
    sign_in(page, live_server.url, "admin@example.org")
    failures = _audit(page, live_server.url, SIGNED_IN_PAGES, language)
    for path, who in EMPTY_SUBMISSIONS.items():
        if who == "admin":
            page.goto(live_server.url + path)
            for field in page.locator("main form input[type=text], main form input[type=password]").all():
                field.fill("")
            page.locator("main form button[type=submit]").last.click()
            page.wait_for_selector(".error-summary")
            failures += _audit_current(page)
    assert not failures, "\n\n".join(failures)


def _audit_current(page) -> list[str]:
    try:
        check_axe(page)
    except AssertionError as error:
        return [str(error)]
    return []


@SQLITE_ONLY
@pytest.mark.parametrize("language", ["en", "ar"])
def test_pages_reflow_at_320_pixels(live_server, browser, language):
    context = browser.new_context(locale=language, viewport={"width": 320, "height": 640})
    page = context.new_page()
    sign_in(page, live_server.url, "admin@example.org")
    for path in ANONYMOUS_PAGES[:6] + SIGNED_IN_PAGES:
        page.goto(live_server.url + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 320px in {language}"
    context.close()
