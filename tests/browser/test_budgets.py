"""Participatory budgets in the browser: axe on every budget page, a resident's vote from
registration to the receipt (with JavaScript on and off), each ballot rule, assisted ballots,
closing and publishing a vote, and what a screen reader gets on the ballot.

The live server's database is shared by every test of the session, in any order: each test that
verifies a resident registers a new account and takes its own document number from the demo
eligibility list (RF-0002 .. RF-0040; RF-0001 is Yusuf's), through `_document`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from itertools import count

import pytest
from playwright.sync_api import expect

from civic.budgets.demo import DISTRICT_OF_DOCUMENT, OPEN_BUDGETS, demo_document
from civic.budgets.voting import _RECEIPT_ALPHABET
from tests.browser.conftest import MATRIX, SQLITE_ONLY, audit, sign_in, submit_and_wait

PASSWORD = "ballot-lantern-harbour-7"
_LETTER = "[" + re.escape(_RECEIPT_ALPHABET) + "]"
RECEIPT = re.compile(rf"\b{_LETTER}{{4}}-{_LETTER}{{4}}-{_LETTER}{{4}}\b")
CITY_PROJECTS = [title for title, *_ in OPEN_BUDGETS[0]["projects"]]  # budget 1, projects 1-6

PUBLIC = ["/budgets/1", "/budgets/2", "/budgets/3", "/budgets/4", "/budgets/5", "/budgets/6",
          "/budgets/projects/1", "/budgets/projects/12", "/budgets/6/results"]
STAFF = ["/staff/budgets/1", "/staff/budgets/1/edit", "/staff/budgets/new?process=2", "/staff/budgets/1/assisted",
         "/staff/voters/", "/staff/budgets/1/close", "/staff/budgets/projects/1/edit",
         "/staff/budgets/1/from-proposals", "/staff/budgets/1/channels", "/staff/voters/record"]

_serial = count(1)
_taken: dict[str, set[int]] = defaultdict(set)  # document numbers used, per live server


def _document(live_server, district: str | None = None) -> str:
    """A demo document number no other test uses, of `district` (any district but Old Town if None)."""
    taken = _taken[live_server.url]
    wanted = [district] if district else ["riverside", "north-hills", "harbour", "eastgate"]
    free = [n for n in range(2, 41) if DISTRICT_OF_DOCUMENT[(n - 1) % 5] in wanted and n not in taken]
    assert free, f"no demo document left for {wanted}: add documents to the demo list or use fewer"
    # Spread "any district" over the districts with the most numbers left.
    number = min(free, key=lambda n: (-sum(1 for m in free if (m - 1) % 5 == (n - 1) % 5), n))
    taken.add(number)
    return demo_document(number)


def _register(page, base: str, name: str = "Budget voter") -> str:
    email = f"budget{next(_serial)}-{id(page)}@example.org"
    page.goto(base + "/account/register")
    page.fill("#email", email)
    page.fill("#display_name", name)
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(base + "/")
    return email


def _verify(page, base: str, document: str, next_path: str) -> None:
    page.goto(f"{base}/budgets/verify?next={next_path}")
    page.fill("#document_number", document)
    page.locator("main form.stack button[type=submit]").click()
    page.wait_for_url(base + next_path)


def _new_voter(page, live_server, district: str | None, next_path: str) -> None:
    """Signed out first; then a new account, verified with its own document, on `next_path`."""
    page.context.clear_cookies()
    _register(page, live_server.url)
    _verify(page, live_server.url, _document(live_server, district), next_path)


def _cast(page):
    submit_and_wait(page, page.locator("button[name=action][value=vote]"))


def _check(page):
    submit_and_wait(page, page.locator("button[name=action][value=check]"))


def _error_summary(page):
    summary = page.locator(".error-summary")
    summary.wait_for()
    return summary


def _receipt(page) -> str:
    text = page.locator("main .receipt").inner_text().strip()
    assert RECEIPT.fullmatch(text), text
    return text


def _ballot_items(page):
    """The list of choices on the confirmation page."""
    return page.locator("main h2 + ul > li, main h2 + ol > li")


def _checkbox(page, title: str):
    return page.get_by_role("checkbox", name=title)


# 1. axe ---------------------------------------------------------------------------------------

@SQLITE_ONLY
@pytest.mark.parametrize("language, viewport", MATRIX, ids=[f"{l}-{v}" for l, v in MATRIX])
def test_budget_pages_have_no_axe_violations(live_server, new_page, language, viewport):
    base = live_server.url
    page = new_page(language, viewport)
    failures: list[str] = []

    def look(label: str) -> None:
        assert page.locator("html").get_attribute("lang") == language, label
        assert page.locator("h1").count() == 1, f"{label}: one h1 per page"
        failures.extend(audit(page, label))

    def visit(path: str) -> None:
        page.goto(base + path)
        look(path)

    for path in PUBLIC:
        visit(path)

    # A resident of Old Town: the verification page, empty and with an unknown document.
    page.context.clear_cookies()
    _register(page, base)
    visit("/budgets/verify?next=/budgets/2/ballot")
    page.fill("#document_number", "ZZ-0000-UNKNOWN")
    submit_and_wait(page, page.locator("main form.stack button[type=submit]"))
    summary = _error_summary(page)
    if language == "en":
        expect(summary).to_contain_text("This document number is not on the list")
    look("verify with an unknown document")
    page.fill("#document_number", _document(live_server, "old-town"))
    page.locator("main form.stack button[type=submit]").click()
    page.wait_for_url(base + "/budgets/2/ballot")
    look("empty approval ballot (budget 2)")

    visit("/budgets/1/ballot")
    # Over the budget: 480k + 150k + 350k + 260k = 1,240,000 > 1,200,000.
    for project_id in (1, 2, 4, 5):
        page.check(f"#project-{project_id}")
    _cast(page)
    expect(_error_summary(page)).to_contain_text("1,240,000")
    look("knapsack ballot over the budget")
    visit("/budgets/1/ballot")
    page.check("#project-1")
    _check(page)
    expect(page.locator("#ballot-summary")).to_contain_text("720,000")
    assert page.locator("#project-1").is_checked()
    look("partial knapsack ballot after 'Check my ballot'")

    visit("/budgets/5/ballot")
    page.check("#project-1")  # the second option: Music studio
    _cast(page)
    page.wait_for_url(base + "/budgets/5/voted")
    look("confirmation (budget 5)")
    visit("/budgets/5")  # the budget page of someone who has voted

    # A resident of the Harbour: ranked ballot, empty and with a place given twice.
    _new_voter(page, live_server, "harbour", "/budgets/3/ballot")
    look("empty ranked ballot (budget 3)")
    page.select_option("#rank-12", "1")
    page.select_option("#rank-13", "1")
    _cast(page)
    _error_summary(page)
    look("ranked ballot with a place given twice")

    # A resident of Eastgate: cumulative ballot, empty and with too many points on one project.
    _new_voter(page, live_server, "eastgate", "/budgets/4/ballot")
    look("empty cumulative ballot (budget 4)")
    page.fill("#points-16", "5")
    _cast(page)
    _error_summary(page)
    assert page.locator("#points-16").get_attribute("aria-invalid") == "true"
    look("cumulative ballot with 5 points on one project")

    # Staff pages, and two staff forms sent empty.
    page.context.clear_cookies()
    sign_in(page, base, "staff@example.org")
    for path in STAFF:
        visit(path)
    page.goto(base + "/staff/budgets/new?process=2")
    submit_and_wait(page, page.locator("main form.stack button[type=submit]").last)
    _error_summary(page)
    look("new budget form with errors")
    page.goto(base + "/staff/budgets/1/assisted")
    _cast(page)
    _error_summary(page)
    look("assisted ballot with errors")
    assert not failures, "\n\n".join(failures)
    assert page.js_errors == [], page.js_errors


# 2. and 3. A resident's vote, with JavaScript and without --------------------------------------

def test_resident_registers_verifies_votes_and_changes_the_ballot_with_javascript(live_server, new_page):
    base = live_server.url
    page = new_page("en", "phone", javascript=True)
    posts: list[str] = []
    page.on("request", lambda request: request.method == "POST" and posts.append(request.url))

    page.goto(base + "/budgets/1")
    page.get_by_role("link", name="Create one", exact=True).click()
    page.wait_for_url(base + "/account/register")
    page.fill("#email", f"budget-journey{next(_serial)}-{id(page)}@example.org")
    page.fill("#display_name", "Farah")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_url(base + "/")

    page.goto(base + "/budgets/1")
    page.get_by_role("link", name="Verify that you can vote").click()
    page.wait_for_url(re.compile(re.escape(base) + r"/budgets/verify\?next=.*"))
    page.get_by_label("Document number").fill(_document(live_server))
    page.get_by_role("button", name="Verify", exact=True).click()
    page.wait_for_url(base + "/budgets/1/ballot")
    expect(page.locator(".flash--success")).to_contain_text("your account is verified")
    expect(page.locator("h1")).to_have_text("Your ballot")

    # The live summary follows each tick; nothing is sent but the summary requests.
    summary = page.locator("#ballot-summary")
    expect(summary).to_contain_text("€1,200,000 of €1,200,000 left")
    posts.clear()
    _checkbox(page, CITY_PROJECTS[0]).check()  # 480,000
    expect(summary).to_contain_text("1 project chosen.")
    expect(summary).to_contain_text("€720,000 of €1,200,000 left.")
    _checkbox(page, CITY_PROJECTS[1]).check()  # 150,000
    expect(summary).to_contain_text("2 projects chosen.")
    expect(summary).to_contain_text("€570,000 of €1,200,000 left.")
    _checkbox(page, CITY_PROJECTS[3]).check()  # 350,000
    expect(summary).to_contain_text("€220,000 of €1,200,000 left.")
    _checkbox(page, CITY_PROJECTS[4]).check()  # 260,000: over
    expect(summary).to_contain_text("€40,000 over the budget of €1,200,000.")
    _checkbox(page, CITY_PROJECTS[4]).uncheck()
    expect(summary).to_contain_text("€220,000 of €1,200,000 left.")
    assert posts and all(url.endswith("/budgets/1/ballot/summary") for url in posts), posts
    assert page.url == base + "/budgets/1/ballot"
    expect(page.locator("h1")).to_have_text("Your ballot")

    # Cast: the confirmation has the date, the receipt and the ballot.
    _cast(page)
    page.wait_for_url(base + "/budgets/1/voted")
    main = page.locator("main")
    expect(main).to_contain_text("You voted on")
    receipt = _receipt(page)
    for title in (CITY_PROJECTS[0], CITY_PROJECTS[1], CITY_PROJECTS[3]):
        expect(_ballot_items(page).filter(has_text=title)).to_have_count(1)
    expect(_ballot_items(page).filter(has_text=CITY_PROJECTS[4])).to_have_count(0)

    # Change the ballot: the form shows the current choice.
    page.get_by_role("link", name="Change your ballot", exact=True).click()
    page.wait_for_url(base + "/budgets/1/ballot")
    expect(page.locator("h1")).to_have_text("Change your ballot")
    for index, title in enumerate(CITY_PROJECTS):
        expect(_checkbox(page, title)).to_be_checked(checked=index in (0, 1, 3))
    expect(summary).to_contain_text("€220,000 of €1,200,000 left.")
    _checkbox(page, CITY_PROJECTS[3]).uncheck()
    _checkbox(page, CITY_PROJECTS[2]).check()  # 90,000
    expect(summary).to_contain_text("€480,000 of €1,200,000 left.")
    page.get_by_role("button", name="Save my changed ballot").click()
    page.wait_for_url(base + "/budgets/1/voted")
    assert _receipt(page) == receipt  # the same participation, changed
    expect(_ballot_items(page).filter(has_text=CITY_PROJECTS[2])).to_have_count(1)
    expect(_ballot_items(page).filter(has_text=CITY_PROJECTS[3])).to_have_count(0)

    page.get_by_role("link", name="Back to the budget").click()
    page.wait_for_url(base + "/budgets/1")
    expect(page.locator("#vote-status")).to_contain_text(
        re.compile(r"You voted on .+; you can change your ballot until .+\."))
    assert page.locator("#vote-status .receipt").inner_text() == receipt
    assert page.js_errors == [], page.js_errors


@SQLITE_ONLY
def test_resident_votes_without_javascript_in_arabic(live_server, new_page):
    base = live_server.url
    page = new_page("ar", "phone", javascript=False)
    _register(page, base, "فرح")
    page.goto(base + "/budgets/1")
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.locator("#vote-status a[href^='/budgets/verify']").click()
    page.wait_for_url(re.compile(re.escape(base) + r"/budgets/verify\?next=.*"))
    page.fill("#document_number", _document(live_server))
    page.locator("main form.stack button[type=submit]").click()
    page.wait_for_url(base + "/budgets/1/ballot")

    # "Check my ballot" shows the summary and keeps the ticks, but stores nothing.
    summary = page.locator("#ballot-summary")
    page.check("#project-1")
    page.check("#project-2")
    expect(summary).not_to_contain_text("570,000")  # no live summary without JavaScript
    _check(page)
    expect(summary).to_contain_text("570,000")
    expect(page.locator("#project-1")).to_be_checked()
    expect(page.locator("#project-2")).to_be_checked()
    expect(page.locator(".error-summary")).to_have_count(0)
    page.goto(base + "/budgets/1/voted")  # no ballot yet: back to the budget page
    page.wait_for_url(base + "/budgets/1")
    expect(page.locator("#vote-status .receipt")).to_have_count(0)

    # Over the budget: an error, and the ticks are kept.
    page.goto(base + "/budgets/1/ballot")
    for project_id in (1, 2, 4, 5):
        page.check(f"#project-{project_id}")
    _cast(page)
    expect(_error_summary(page)).to_contain_text("1,240,000")
    expect(page.locator(".error-summary a[href='#projects']")).to_have_count(1)
    assert page.url == base + "/budgets/1/ballot"
    for project_id in (1, 2, 4, 5):
        expect(page.locator(f"#project-{project_id}")).to_be_checked()

    # A valid ballot is saved.
    page.uncheck("#project-5")
    _cast(page)
    page.wait_for_url(base + "/budgets/1/voted")
    _receipt(page)
    items = _ballot_items(page)
    for title in (CITY_PROJECTS[0], CITY_PROJECTS[1], CITY_PROJECTS[3]):
        expect(items.filter(has_text=title)).to_have_count(1)
    expect(items.filter(has_text=CITY_PROJECTS[4])).to_have_count(0)


# 4. Each ballot rule --------------------------------------------------------------------------

@SQLITE_ONLY
def test_ranked_ballot(live_server, new_page):
    base = live_server.url
    page = new_page("en", "desktop")
    _new_voter(page, live_server, "harbour", "/budgets/3/ballot")
    place = lambda title: page.get_by_role("combobox", name=re.compile(re.escape(title)))  # noqa: E731
    expect(page.locator("#ballot-summary")).to_contain_text("0 of 3 places filled.")

    place("Fish market roof repair").select_option(label="Place 1")
    place("Harbour walk benches").select_option(label="Place 1")
    _cast(page)
    expect(_error_summary(page)).to_contain_text("place 1 is already given to another project")
    expect(place("Harbour walk benches")).to_have_attribute("aria-invalid", "true")
    assert page.url == base + "/budgets/3/ballot"

    # A gap in the places is an error too.
    place("Fish market roof repair").select_option(label="Place 1")
    place("Harbour walk benches").select_option(label="Place 3")
    _cast(page)
    expect(_error_summary(page)).to_contain_text("Place 2 is empty")

    place("Kayak storage for the youth club").select_option(label="Place 1")
    place("Fish market roof repair").select_option(label="Place 2")
    place("Harbour walk benches").select_option(label="Place 3")
    expect(page.locator("#ballot-summary")).to_contain_text("3 of 3 places filled.")
    _cast(page)
    page.wait_for_url(base + "/budgets/3/voted")
    _receipt(page)
    assert _ballot_items(page).all_inner_texts() == [
        "Kayak storage for the youth club (€45,000)", "Fish market roof repair (€120,000)",
        "Harbour walk benches (€30,000)"]


@SQLITE_ONLY
def test_cumulative_ballot(live_server, new_page):
    base = live_server.url
    page = new_page("en", "phone")
    _new_voter(page, live_server, "eastgate", "/budgets/4/ballot")
    points = lambda title: page.get_by_role("spinbutton", name=re.compile(re.escape(title)))  # noqa: E731
    summary = page.locator("#ballot-summary")
    expect(summary).to_contain_text("0 of 10 points given; 10 left.")

    points("Safer crossing at Eastgate school").fill("3")
    expect(summary).to_contain_text("3 of 10 points given; 7 left.")
    points("Safer crossing at Eastgate school").fill("5")
    _cast(page)
    expect(_error_summary(page)).to_contain_text("Give from 0 to 4 points.")
    expect(points("Safer crossing at Eastgate school")).to_have_attribute("aria-invalid", "true")

    # Four projects at 4, 4, 2, 1 points: 11 of 10.
    for title, value in (("Safer crossing", "4"), ("Community fridge", "4"), ("table tennis", "2"),
                         ("Rain garden", "1")):
        points(title).fill(value)
    _cast(page)
    expect(_error_summary(page)).to_contain_text("You gave 11 points; you have 10 in total.")

    points("Rain garden").fill("0")
    _cast(page)
    page.wait_for_url(base + "/budgets/4/voted")
    _receipt(page)
    items = _ballot_items(page)
    expect(items.filter(has_text="Safer crossing at Eastgate school")).to_contain_text("4 points")
    expect(items.filter(has_text="Community fridge at the market")).to_contain_text("4 points")
    expect(items.filter(has_text="Outdoor table tennis in Eastgate park")).to_contain_text("2 points")
    expect(items.filter(has_text="Rain garden")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("10 of 10 points given; 0 left.")


@SQLITE_ONLY
def test_choose_one_ballot(live_server, new_page):
    base = live_server.url
    page = new_page("en", "phone", javascript=False)
    _new_voter(page, live_server, None, "/budgets/5/ballot")
    expect(page.locator("#ballot-summary")).to_contain_text("No project chosen yet.")
    _cast(page)
    expect(_error_summary(page)).to_contain_text("Choose one project.")
    page.get_by_role("radio", name=re.compile("Outdoor gym in Eastgate park")).check()
    _check(page)
    expect(page.locator("#ballot-summary")).to_contain_text("Chosen: Outdoor gym in Eastgate park.")
    _cast(page)
    page.wait_for_url(base + "/budgets/5/voted")
    _receipt(page)
    assert _ballot_items(page).all_inner_texts() == ["Outdoor gym in Eastgate park (€40,000)"]


@SQLITE_ONLY
def test_approval_ballot(live_server, new_page):
    base = live_server.url
    page = new_page("en", "desktop")
    _new_voter(page, live_server, "old-town", "/budgets/2/ballot")
    summary = page.locator("#ballot-summary")
    expect(summary).to_contain_text("You can choose 3 more.")
    titles = [title for title, *_ in OPEN_BUDGETS[1]["projects"]]
    for title in titles[:4]:
        _checkbox(page, title).check()
    expect(summary).to_contain_text("Choose at most 3 projects.")
    _cast(page)
    expect(_error_summary(page)).to_contain_text("Choose at most 3 projects.")
    _checkbox(page, titles[0]).uncheck()
    expect(summary).to_contain_text("You can choose 0 more.")
    _cast(page)
    page.wait_for_url(base + "/budgets/2/voted")
    _receipt(page)
    assert _ballot_items(page).all_inner_texts() == [
        "Drinking fountain at the Old Market (€25,000)", "Repair the steps to the castle (€140,000)",
        "Bicycle racks at the library (€15,000)"]

    # Old Town residents cannot vote in the Harbour.
    page.goto(base + "/budgets/3/ballot")
    expect(page.locator("#vote-status")).to_contain_text("This budget is for residents of")
    expect(page.locator("button[name=action][value=vote]")).to_have_count(0)


# 5. Staff: assisted ballots; a new budget from creation to published results ---------------------

@SQLITE_ONLY
def test_staff_enter_a_telephone_ballot_and_replace_it_only_when_asked(live_server, new_page):
    base = live_server.url
    page = new_page("en", "desktop")
    sign_in(page, base, "staff@example.org")
    document = _document(live_server)  # on the list: one staff member may verify it (four eyes otherwise)

    page.goto(base + "/staff/budgets/5/assisted")
    page.get_by_label("The resident's document number").fill(document)
    page.get_by_role("radio", name=re.compile("By phone")).check()
    page.get_by_role("radio", name=re.compile("Music studio at the youth centre")).check()
    submit_and_wait(page, page.get_by_role("button", name="Record the ballot"))
    flash = page.locator(".flash--success")
    expect(flash).to_contain_text("Ballot recorded. Read this receipt to the resident:")
    receipt = RECEIPT.search(flash.inner_text())
    assert receipt, flash.inner_text()

    # The same document again: refused unless staff tick "Replace their ballot".
    page.get_by_label("The resident's document number").fill(document)
    page.get_by_role("radio", name=re.compile("By phone")).check()
    page.get_by_role("radio", name=re.compile("Skate park in North Hills")).check()
    submit_and_wait(page, page.get_by_role("button", name="Record the ballot"))
    expect(_error_summary(page)).to_contain_text("This resident has already voted")
    expect(page.locator(".flash--success")).to_have_count(0)
    expect(page.get_by_label("The resident's document number")).to_have_value(document)
    page.get_by_label("Replace their ballot if they have already voted").check()
    submit_and_wait(page, page.get_by_role("button", name="Record the ballot"))
    expect(flash).to_contain_text("Ballot recorded.")
    assert receipt.group() in flash.inner_text()  # the same participation, its ballot replaced
    expect(page.locator(".error-summary")).to_have_count(0)


@SQLITE_ONLY
def test_staff_create_a_budget_close_it_and_publish_the_results(live_server, new_page):
    base, n = live_server.url, next(_serial)
    page = new_page("en", "desktop")
    sign_in(page, base, "staff@example.org")

    # A budget without dates, so projects can still be added.
    title = f"Pocket parks {n}-{id(page) % 100000}"
    page.goto(base + "/staff/budgets/new?process=2")
    page.fill("#title", title)
    page.fill("#amount", "100000")
    page.get_by_role("radio", name=re.compile("^Approval")).check()
    page.get_by_role("radio", name=re.compile("^Greedy: most votes first")).check()
    page.get_by_role("button", name="Save the budget").click()
    page.wait_for_url(re.compile(re.escape(base) + r"/staff/budgets/\d+$"))
    budget_id = int(page.url.rsplit("/", 1)[1])
    expect(page.locator(".flash--success")).to_contain_text("The budget has been created")
    projects = [(f"Pocket park on Elm Row {n}", "70000"), (f"Pocket park by the station {n}", "50000")]
    for project_title, cost in projects:
        page.get_by_role("link", name="Add a project").click()
        page.wait_for_url(f"{base}/staff/budgets/{budget_id}/projects/new")
        page.fill("#title", project_title)
        page.fill("#cost", cost)
        page.get_by_role("button", name="Save the project").click()
        page.wait_for_url(f"{base}/staff/budgets/{budget_id}")
    expect(page.locator("main table tbody tr")).to_have_count(2)

    # Open the vote: from yesterday to three days from now.
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    page.get_by_role("link", name="Edit the budget").click()
    page.wait_for_url(f"{base}/staff/budgets/{budget_id}/edit")
    page.fill("#opens_at", (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#closes_at", (now + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Save the budget").click()
    page.wait_for_url(f"{base}/staff/budgets/{budget_id}")
    expect(page.locator("main")).to_contain_text("Voting is open until")

    # One resident votes for the first project.
    _new_voter(page, live_server, None, f"/budgets/{budget_id}/ballot")
    _checkbox(page, projects[0][0]).check()
    _cast(page)
    page.wait_for_url(f"{base}/budgets/{budget_id}/voted")
    _receipt(page)

    # Staff close the vote (the box must be ticked) and see the draft count.
    page.context.clear_cookies()
    sign_in(page, base, "staff@example.org")
    page.goto(f"{base}/staff/budgets/{budget_id}")
    page.get_by_role("link", name="Close the vote").click()
    page.wait_for_url(f"{base}/staff/budgets/{budget_id}/close")
    submit_and_wait(page, page.get_by_role("button", name="Close the vote"))
    expect(_error_summary(page)).to_contain_text("Tick the box to confirm.")
    page.get_by_label("I understand").check()
    submit_and_wait(page, page.get_by_role("button", name="Close the vote"))
    page.wait_for_url(f"{base}/budgets/{budget_id}/results")
    expect(page.locator("main .notice")).to_contain_text("Draft count for review: not published yet.")
    failures = audit(page, "draft results")
    page.get_by_label("I understand").check()
    submit_and_wait(page, page.get_by_role("button", name="Publish the results"))
    expect(page.locator(".flash--success")).to_contain_text("The results are published.")

    # A signed-out visitor reads the results.
    page.context.clear_cookies()
    page.goto(f"{base}/budgets/{budget_id}/results")
    assert page.locator("h1").count() == 1
    expect(page.locator("h1")).to_contain_text(title)
    expect(page.locator("main .notice")).to_have_count(0)
    rows = page.locator("table.results-table tbody tr")
    expect(rows).to_have_count(2)
    first, second = rows.filter(has_text=projects[0][0]), rows.filter(has_text=projects[1][0])
    assert first.locator("td").all_inner_texts() == ["1", "1", "1", "€70,000", "Funded"]
    assert second.locator("td").all_inner_texts() == ["2", "0", "0", "€50,000", "Not funded"]
    expect(page.locator("main")).to_contain_text("1 project, costing €70,000 of €100,000.")
    assert re.fullmatch(r"[0-9a-f]{64}", page.locator("code.hash").inner_text().strip())
    chart = page.get_by_role("img", name=re.compile("Bar chart of each project"))
    expect(chart).to_be_visible()
    assert chart.evaluate("element => element.tagName.toLowerCase()") == "svg"
    expect(page.locator("form[action$='/publish']")).to_have_count(0)
    failures += audit(page, "published results")
    assert not failures, "\n\n".join(failures)


# 6. What a screen reader gets on the ballot -------------------------------------------------------

@SQLITE_ONLY
def test_ballot_for_screen_readers(live_server, new_page):
    page = new_page("en", "desktop")
    _new_voter(page, live_server, None, "/budgets/1/ballot")

    for title in CITY_PROJECTS:
        expect(_checkbox(page, title)).to_have_count(1)
    expect(page.get_by_role("checkbox")).to_have_count(len(CITY_PROJECTS))
    expect(page.get_by_role("group", name="Projects")).to_have_count(1)
    # The "About this project" toggles say which project they are about.
    for title in CITY_PROJECTS:
        expect(page.locator("summary", has_text=title)).to_have_count(1)

    summary = page.locator("#ballot-summary")
    expect(page.get_by_role("status").and_(summary)).to_have_count(1)
    expect(summary).to_have_attribute("aria-live", "polite")
    expect(summary).to_contain_text("0 projects chosen.")

    # A ballot sent empty: the error summary is announced and takes the focus.
    _cast(page)
    error_summary = _error_summary(page)
    expect(error_summary).to_have_attribute("data-focus-on-load", "")
    expect(error_summary).to_have_attribute("role", "alert")
    expect(error_summary).to_be_focused()
    expect(error_summary).to_contain_text("Choose at least one project.")
    expect(page.get_by_role("group", name="Projects")).to_have_attribute("aria-describedby", "projects-error")
    expect(page.locator("#projects-error")).to_contain_text("Choose at least one project.")
    assert page.title().startswith("Error:")

    # The link in the error summary leads to the projects.
    error_summary.get_by_role("link", name="Choose at least one project.").click()
    expect(page.locator("#projects")).to_be_focused()

    # The summary changes after a change event, inside the same live region (a region replaced as a
    # whole is not announced).
    before = summary.inner_text()
    summary.evaluate("region => region.setAttribute('data-kept', '')")
    _checkbox(page, CITY_PROJECTS[5]).check()  # 120,000
    expect(summary).not_to_have_text(before)
    expect(page.locator("#ballot-summary[data-kept]")).to_have_count(1)
    expect(summary).to_contain_text("1 project chosen.")
    expect(summary).to_contain_text("€1,080,000 of €1,200,000 left.")
    expect(summary).to_have_attribute("role", "status")
    assert page.js_errors == [], page.js_errors


_FOCUS_AND_BAR = """() => {
  const focused = document.activeElement, bar = document.querySelector('.ballot-summary');
  const f = focused.getBoundingClientRect(), b = bar.getBoundingClientRect();
  return {name: focused.id || focused.textContent.trim().slice(0, 40), inBar: bar.contains(focused),
          isVote: focused.matches('button[name=action][value=vote]'),
          hidden: f.top >= b.top - 0.5 && f.bottom <= b.bottom + 0.5 && f.left >= b.left - 0.5
                  && f.right <= b.right + 0.5};
}"""


@SQLITE_ONLY
@pytest.mark.parametrize("language, viewport", [("en", "phone"), ("ar", "phone"), ("en", "desktop")],
                         ids=["en-phone", "ar-phone", "en-desktop"])
def test_keyboard_focus_is_never_hidden_behind_the_sticky_ballot_summary(live_server, new_page, language, viewport):
    """WCAG 2.2, 2.4.11: the summary sticks to the bottom of the screen; Tab must never land behind it."""
    base = live_server.url
    page = new_page(language, viewport)
    sign_in(page, base, "yusuf@example.org")  # verified in Old Town; only looks at ballots here
    for path in ("/budgets/1/ballot", "/budgets/2/ballot"):
        page.goto(base + path)
        page.locator("#main").focus()
        hidden = []
        for _ in range(80):
            page.keyboard.press("Tab")
            state = page.evaluate(_FOCUS_AND_BAR)
            if state["hidden"] and not state["inBar"]:
                hidden.append(state["name"])
            if state["isVote"]:
                break
        else:
            pytest.fail(f"{path}: the vote button was never reached with Tab")
        assert not hidden, f"{path} ({language}, {viewport}): focus hidden behind the summary on {hidden}"


_CHART_OVERLAPS = """svg => {
  const bars = [...svg.querySelectorAll('rect.bar')], values = [...svg.querySelectorAll('text.chart-value')];
  const box = element => element.getBoundingClientRect();
  return values.map((value, i) => {
    const v = box(value), b = box(bars[i]), w = svg.getBoundingClientRect();
    return {value: value.textContent, overlaps: v.left < b.right - 0.5 && v.right > b.left + 0.5,
            outside: v.left < w.left - 0.5 || v.right > w.right + 0.5};
  }).filter(row => row.overlaps || row.outside);
}"""


@SQLITE_ONLY
@pytest.mark.parametrize("language", ["en", "ar"])
def test_results_chart_values_sit_beside_their_bars(live_server, new_page, language):
    """Each score is written next to its bar, never over it (dark text on a dark bar), in both directions."""
    page = new_page(language, "desktop")
    page.goto(live_server.url + "/budgets/6/results")
    # By role, in any language: the chart is one image named by its (translated) caption.
    chart = page.locator("figure.results-chart").get_by_role("img")
    expect(chart).to_have_accessible_name(page.locator("#chart-caption").inner_text())
    expect(chart.locator("rect.bar")).to_have_count(7)  # the seven projects of 2025
    assert chart.evaluate(_CHART_OVERLAPS) == []
