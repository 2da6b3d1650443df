"""What a new resident does on a phone, with JavaScript on and off, as a person would."""

from __future__ import annotations

import re
from itertools import count

import pytest

from tests.browser.conftest import DEMO_PASSWORD, sign_in

_serial = count(1)


def _outbox(live_server):
    return live_server.app.extensions["mailman"].__dict__.setdefault("outbox", [])


def _new_email() -> str:
    return f"journey{next(_serial)}-{id(_serial)}@example.org"


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_register_switch_language_change_district_sign_out_and_reset(live_server, new_page, javascript):
    base, email = live_server.url, _new_email()
    page = new_page("en", "phone", javascript=javascript)

    # Register, with a mistake first: nothing typed is lost.
    page.goto(base + "/")
    page.get_by_role("link", name="Create an account").first.click()
    page.fill("#email", email)
    page.fill("#display_name", "Yara")
    page.fill("#password", "password")
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_selector(".error-summary")
    assert page.title().startswith("Error:")
    assert page.input_value("#email") == email and page.input_value("#display_name") == "Yara"
    if javascript:
        assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    page.fill("#password", "lantern-over-the-bay")
    page.select_option("#district", label="Harbour")
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_url(base + "/")
    assert "Yara" in page.inner_text("main")

    # Switch to Arabic: the page turns right-to-left.
    page.select_option("#language-select", "ar")
    page.locator(".language-switcher button").click()
    page.wait_for_function("document.documentElement.dir === 'rtl'") if javascript else page.wait_for_load_state()
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("html").get_attribute("lang") == "ar"

    # Change district in the profile (still in Arabic).
    page.goto(base + "/account/profile")
    page.select_option("#district", label="البلدة القديمة")
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector(".flash--success")
    assert page.locator("#district option:checked").inner_text() == "البلدة القديمة"
    assert page.locator("html").get_attribute("dir") == "rtl"

    # Sign out, then reset the password from the e-mailed link.
    page.locator(".site-nav form button").click()
    page.wait_for_selector(".site-nav a[href='/account/sign-in']")
    page.goto(base + "/account/reset")
    page.fill("#email", email)
    page.locator("main form button[type=submit]").click()
    page.locator("main p", has_text=email).wait_for()
    message = next(m for m in reversed(_outbox(live_server)) if m.to == [email])
    link = re.search(r"(/account/reset/\S+)", message.body).group(1)
    assert "إعادة" in message.subject or message.subject != "Reset your password"  # sent in Arabic
    page.goto(base + link)
    page.fill("#password", "new-tide-at-midnight")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/account/sign-in.*"))
    sign_in(page, base, email, "new-tide-at-midnight")
    assert page.locator("html").get_attribute("dir") == "rtl"
    if javascript:
        assert page.js_errors == [], page.js_errors


def _tab_to(page, selector: str, limit: int = 40) -> None:
    """Press Tab until `selector` has focus; fail if the keyboard cannot reach it."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} cannot be reached with the keyboard")


def _fill_in_order(page, first: str, values: list[str]) -> None:
    """Tab to the first field, then type each value, moving on with Tab as a person would."""
    _tab_to(page, first)
    for position, value in enumerate(values):
        if position:
            page.keyboard.press("Tab")
        page.keyboard.type(value)


def test_register_and_sign_in_with_the_keyboard_only(live_server, new_page):
    base, email = live_server.url, _new_email()
    page = new_page("en", "desktop")
    page.goto(base + "/")

    _tab_to(page, "a.skip-link")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    _tab_to(page, "main a[href='/account/register']")
    page.keyboard.press("Enter")
    page.wait_for_url(base + "/account/register")

    _fill_in_order(page, "#email", [email, "Keyboard Kim", "tabs-and-arrows-only"])
    _tab_to(page, "button[type=submit]:not(.link-button):not(.button--secondary)")
    page.keyboard.press("Enter")
    page.wait_for_url(base + "/")
    assert "Keyboard Kim" in page.inner_text("main")

    _tab_to(page, ".site-nav button")  # sign out
    page.keyboard.press("Enter")
    page.wait_for_selector(".site-nav a[href='/account/sign-in']")

    _tab_to(page, ".site-nav a[href='/account/sign-in']")
    page.keyboard.press("Enter")
    page.wait_for_url(base + "/account/sign-in")
    _fill_in_order(page, "#email", [email, "tabs-and-arrows-only"])
    page.keyboard.press("Enter")
    page.wait_for_url(base + "/")
    assert "Keyboard Kim" in page.inner_text("main")


def test_focus_is_visible(live_server, new_page):
    page = new_page("en", "desktop")
    page.goto(live_server.url + "/account/sign-in")
    _tab_to(page, "#email")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


def test_demo_accounts_sign_in(live_server, new_page):
    page = new_page("en", "phone")
    sign_in(page, live_server.url, "staff@example.org", DEMO_PASSWORD)
    assert "Mei Chen" in page.inner_text("main")
