"""The action plan in the browser: axe on every page and form, and a keyboard-only comment."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from civic.core.db import utcnow
from civic.extensions import db as _db
from civic.plans.models import Plan
from tests.browser.conftest import check_axe, sign_in
from tests.browser.test_journeys import _tab_to

SQLITE_ONLY = pytest.mark.parametrize("live_server", ["sqlite"], indirect=True)
PUBLIC = ["/plans/", "/plans/1", "/plans/1/goals/2", "/plans/1/goals/1"]
FORMS = ["/staff/plans/new", "/staff/plans/1/edit", "/staff/plans/1/edit?lang=ar", "/staff/plans/1/consultation",
         "/staff/plans/1/goals/new", "/staff/plans/1/goals/2/edit", "/staff/plans/1/goals/2/revise",
         "/staff/plans/1/goals/2/actions/new", "/staff/plans/1/goals/2/score-card"]
MATRIX = [(language, viewport) for language in ("en", "ar") for viewport in ("phone", "desktop")]


def _audit(page, url) -> list[str]:
    try:
        check_axe(page)
    except AssertionError as error:
        return [f"{url}: {error}"]
    return []


@SQLITE_ONLY
@pytest.mark.parametrize("language, viewport", MATRIX, ids=[f"{l}-{v}" for l, v in MATRIX])
def test_plan_pages_and_forms_have_no_axe_violations(live_server, new_page, language, viewport):
    page = new_page(language, viewport)
    failures = []
    for path in PUBLIC:
        page.goto(live_server.url + path)
        assert page.locator("h1").count() == 1
        failures += _audit(page, path)
    sign_in(page, live_server.url, "staff@example.org")
    for path in FORMS:
        page.goto(live_server.url + path)
        failures += _audit(page, path)
        # The same form with errors: empty the text fields and send it.
        for field in page.locator("main form.stack input[type=text], main form.stack textarea").all():
            field.fill("")
        page.locator("main form.stack button[type=submit]").click()
        page.wait_for_selector(".error-summary")
        failures += _audit(page, path + " (with errors)")
    page.goto(live_server.url + "/plans/1/goals/2")  # staff view, with its extra links
    failures += _audit(page, "/plans/1/goals/2 (staff)")
    assert not failures, "\n\n".join(failures)


@SQLITE_ONLY
@pytest.mark.parametrize("language", ["en", "ar"])
def test_plan_pages_reflow_at_320_pixels(live_server, browser, language):
    context = browser.new_context(locale=language, viewport={"width": 320, "height": 640})
    page = context.new_page()
    for path in PUBLIC:
        page.goto(live_server.url + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 320px in {language}"
    context.close()


@pytest.fixture
def open_consultation(live_server):
    with live_server.app.app_context():
        plan = _db.session.scalars(sa.select(Plan)).first()
        saved = (plan.consultation_opens_at, plan.consultation_closes_at)
        plan.consultation_opens_at, plan.consultation_closes_at = utcnow() - timedelta(days=1), utcnow() + timedelta(days=7)
        _db.session.commit()
    yield
    with live_server.app.app_context():
        plan = _db.session.scalars(sa.select(Plan)).first()
        plan.consultation_opens_at, plan.consultation_closes_at = saved
        _db.session.commit()


def test_keyboard_only_from_home_to_a_posted_comment(live_server, new_page, open_consultation):
    page = new_page("en", "desktop")
    sign_in(page, live_server.url, "chen@example.org")
    text = "Keyboard-only comment: more benches along the river, please."
    page.goto(live_server.url + "/")
    _tab_to(page, ".site-nav a[href='/plans/']")
    page.keyboard.press("Enter")
    page.wait_for_url(live_server.url + "/plans/")
    _tab_to(page, "main a[href='/plans/1']")
    page.keyboard.press("Enter")
    page.wait_for_url(live_server.url + "/plans/1")
    _tab_to(page, "main a[href='/plans/1/goals/3']")
    page.keyboard.press("Enter")
    page.wait_for_url(live_server.url + "/plans/1/goals/3")
    _tab_to(page, "#consultation-section input[type=radio]", limit=150)
    page.keyboard.press("Space")  # the first stance: for
    _tab_to(page, "#consultation-section textarea")
    page.keyboard.type(text)
    _tab_to(page, "#consultation-section form button[type=submit]")
    page.keyboard.press("Enter")
    page.locator("article", has_text=text).wait_for()
    assert "For" in page.locator("article", has_text=text).inner_text()
    assert page.js_errors == [], page.js_errors


def test_resident_on_a_phone_in_arabic_without_javascript(live_server, new_page, open_consultation):
    page = new_page("ar", "phone", javascript=False)
    sign_in(page, live_server.url, "yusuf@example.org")
    page.goto(live_server.url + "/plans/1")
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.locator("main h3 a[href='/plans/1/goals/6']").click()
    page.wait_for_url(live_server.url + "/plans/1/goals/6")
    assert page.locator("table.workplan caption").count() == 1
    text = "تعليق من الهاتف: نرجو نشر معايير قائمة الانتظار."
    page.locator("#consultation-section input[type=radio][value=neutral]").check()
    # The new-comment form comes after the comments (reply forms sit folded inside each comment).
    page.locator("#consultation-section textarea").last.fill(text)
    page.locator("#consultation-section form button[type=submit]").last.click()
    page.locator("article", has_text=text).wait_for()
    # Later: the revised goal 2 and the note on how the comments were used.
    page.goto(live_server.url + "/plans/1/goals/2#history")
    history = page.locator("#history-section").inner_text()
    assert "Harbour" in history  # the demo note (English original, shown with lang="en")
    assert page.locator("#history-section [lang=en]").count() >= 1
