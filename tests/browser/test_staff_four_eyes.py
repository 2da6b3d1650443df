"""Four eyes in the browser: two staff members verify a document that is not on the list, then enter
one paper ballot twice, disagree, and reconcile; the approval and reconciliation pages pass axe in
English and Arabic, on a phone and a desktop.

The live server's demo city is shared by the session: each run uses a document number of its own.
"""

from __future__ import annotations

import re
import secrets

from playwright.sync_api import expect

from tests.browser.conftest import SQLITE_ONLY, audit, sign_in, submit_and_wait

YOUTH = 5  # the demo's city-wide "Youth choice" budget: choose one project


def _audit_as_admin(new_page, base: str, path: str, label: str) -> list[str]:
    problems = []
    for language, viewport in (("ar", "phone"), ("en", "desktop")):
        page = new_page(language, viewport)
        sign_in(page, base, "admin@example.org")
        page.goto(base + path)
        problems += audit(page, f"{label} {language}/{viewport}")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), (label, viewport)
    return problems


def _enter_paper(page, base: str, number: str, project: str) -> None:
    page.goto(f"{base}/staff/budgets/{YOUTH}/assisted")
    page.get_by_label("The resident's document number").fill(number)
    page.get_by_role("radio", name=re.compile("Paper ballot")).check()
    page.get_by_role("radio", name=re.compile(project)).check()
    submit_and_wait(page, page.get_by_role("button", name="Record the ballot"))


@SQLITE_ONLY
def test_two_staff_members_verify_an_unlisted_document_and_agree_on_a_paper_ballot(live_server, new_page):
    base = live_server.url
    number = f"OFF-{secrets.token_hex(3).upper()}"
    staff = new_page("en", "desktop")
    sign_in(staff, base, "staff@example.org")

    # One staff member alone: the resident is not verified, and no ballot can be entered for them.
    staff.goto(base + "/staff/voters/")
    staff.get_by_label("Document number").fill(number)
    submit_and_wait(staff, staff.get_by_role("button", name="Verify the resident"))
    expect(staff.locator(".flash--error")).to_contain_text("A second staff member must check the document")
    _enter_paper(staff, base, number, "Music studio at the youth centre")
    expect(staff.locator(".error-summary")).to_contain_text("second staff member")
    expect(staff.get_by_label("The resident's document number")).to_have_value(number)

    # The colleague checks the document and approves.
    admin = new_page("en", "desktop")
    sign_in(admin, base, "admin@example.org")
    admin.goto(base + "/staff/voters/record")
    link = admin.get_by_role("link", name=re.compile("Check the document and decide")).first
    request_path = link.get_attribute("href")
    problems = _audit_as_admin(new_page, base, request_path, "approval page")
    admin.goto(base + request_path)
    admin.get_by_label("Document number").fill(number)
    submit_and_wait(admin, admin.get_by_role("button", name="Approve: the resident can vote"))
    expect(admin.locator(".flash--success")).to_contain_text("Approved. The resident is verified and can vote.")

    # Paper, blind double entry: the two readings differ, so nothing counts yet.
    _enter_paper(staff, base, number, "Music studio at the youth centre")
    expect(staff.locator(".flash--success")).to_contain_text("First entry saved. It does not count yet")
    _enter_paper(admin, base, number, "Skate park in North Hills")
    expect(admin.locator(".flash--error")).to_contain_text("Your entry differs from a colleague's entry")

    admin.goto(f"{base}/staff/budgets/{YOUTH}/channels")
    reconcile = admin.get_by_role("link", name=re.compile("Reconcile")).first
    reconcile_path = reconcile.get_attribute("href")
    problems += _audit_as_admin(new_page, base, reconcile_path, "reconciliation page")
    problems += _audit_as_admin(new_page, base, f"/staff/budgets/{YOUTH}/channels", "channels page")
    assert not problems, "\n".join(problems)

    # The admin reads the paper again; the new reading agrees with the colleague's, so it counts once.
    admin.goto(base + reconcile_path)
    expect(admin.locator("main")).not_to_contain_text("Music studio at the youth centre, ")  # no earlier choices
    admin.get_by_label("The resident's document number").fill(number)
    admin.get_by_role("radio", name=re.compile("Music studio at the youth centre")).check()
    submit_and_wait(admin, admin.get_by_role("button", name="Enter the paper ballot"))
    expect(admin.locator(".flash--success")).to_contain_text("The two entries agree: the paper ballot is recorded.")
