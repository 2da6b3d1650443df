"""Outcomes and accountability in the browser: axe on every page of the area, the chain from a vote
to what was delivered (with JavaScript on and off), following an outcome and being told of its
progress on the site and by e-mail, following a goal, the monitoring page, the CSV import of
updates, the open data downloads and what a department tracker may do.

The live server's database is shared by every test of the session, in any order: each test that
needs a resident registers a new account with its own address (`_email`), and no test relies on
what another one changed.
"""

from __future__ import annotations

import re
import time
import uuid
from datetime import timedelta
from itertools import count

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from civic.core.db import utcnow
from civic.extensions import db as _db
from civic.outcomes.models import Outcome
from civic.processes.services import local_date
from tests.browser.conftest import MATRIX, SQLITE_ONLY, audit, sign_in, submit_and_wait

PASSWORD = "outcome-harbour-lantern-4"

PUBLIC = ["/outcomes/", "/outcomes/1", "/outcomes/3", "/outcomes/4", "/outcomes/7", "/plans/1/goals/1",
          "/processes/3/you-said-we-did", "/processes/1/you-said-we-did", "/open-data", "/groups/",
          "/groups/riverside-residents"]
RESIDENT = ["/notifications", "/notifications/settings", "/groups/new", "/groups/riverside-residents"]
STAFF = ["/outcomes/3", "/staff/outcomes/monitoring", "/staff/outcomes/new", "/staff/outcomes/3/edit",
         "/staff/outcomes/3/updates/new", "/staff/outcomes/import"]

_serial = count(1)


def _email(prefix: str) -> str:
    return f"{prefix}{next(_serial)}-{uuid.uuid4().hex[:10]}@example.org"


def _register(page, base: str, prefix: str, name: str = "Outcome watcher") -> str:
    """Signed out first; then a new account, which is signed in on the home page."""
    page.context.clear_cookies()
    email = _email(prefix)
    page.goto(base + "/account/register")
    page.fill("#email", email)
    page.fill("#display_name", name)
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(base + "/")
    return email


def _sign_out(page, base: str) -> None:
    page.locator("nav.site-nav form[action='/account/sign-out'] button").click()
    expect(page.locator("nav.site-nav a[href^='/account/sign-in']")).to_have_count(1)


def _today(live_server):
    """The date the server calls today (the city's time zone)."""
    with live_server.app.test_request_context():
        return local_date(utcnow())


def _main_link(page, href: str):
    return page.locator(f"main a[href='{href}']")


# 1. axe ---------------------------------------------------------------------------------------

@SQLITE_ONLY
@pytest.mark.parametrize("language, viewport", MATRIX, ids=[f"{l}-{v}" for l, v in MATRIX])
def test_outcome_pages_have_no_axe_violations(live_server, new_page, language, viewport):
    base = live_server.url
    page = new_page(language, viewport)
    failures: list[str] = []

    def look(label: str) -> None:
        assert page.locator("html").get_attribute("lang") == language, label
        assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr"), label
        assert page.locator("h1").count() == 1, f"{label}: one h1 per page"
        failures.extend(audit(page, label))

    def visit(path: str, label: str = "") -> None:
        response = page.goto(base + path)
        assert response.status == 200, f"{path}: {response.status}"
        look(label or path)

    for path in PUBLIC:
        visit(path)

    # A member of the group, who is its organiser: notifications, settings, a new group, the
    # group page with the form to follow something for the group.
    page.context.clear_cookies()
    sign_in(page, base, "yusuf@example.org")
    for path in RESIDENT:
        visit(path, f"{path} (Yusuf, organiser)")
    expect(page.locator("main form[action$='/follows']")).to_have_count(1)

    # Staff pages; the update form sent empty shows its error summary.
    page.context.clear_cookies()
    sign_in(page, base, "staff@example.org")
    for path in STAFF:
        visit(path, f"{path} (staff)")
    page.goto(base + "/staff/outcomes/3/updates/new")
    page.fill("#on", "")
    submit_and_wait(page, page.locator("main form.stack button[type=submit]"))
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary.locator("a")).to_have_count(2)  # the date and the text
    if language == "en":
        expect(summary).to_contain_text("Say what happened.")
        expect(summary).to_contain_text("Enter the date of the update.")
    assert page.url == base + "/staff/outcomes/3/updates/new"
    look("/staff/outcomes/3/updates/new (sent empty)")
    assert not failures, "\n\n".join(failures)
    assert page.js_errors == [], page.js_errors


# 2. From the vote to what was delivered; following an outcome, with JavaScript ------------------

def test_resident_follows_the_chain_and_hears_about_an_update_with_javascript(live_server, new_page):
    base = live_server.url
    page = new_page("en", "phone", javascript=True)

    # The vote's results -> a funded project.
    page.goto(base + "/budgets/6/results")
    row = page.locator("table.results-table tbody tr", has_text="Library opening on Sundays")
    expect(row).to_contain_text("Funded")
    row.get_by_role("link", name="Library opening on Sundays").click()
    page.wait_for_url(re.compile(re.escape(base) + r"/budgets/projects/\d+$"))
    project_path = page.url[len(base):]
    expect(page.locator("h1")).to_have_text("Library opening on Sundays")

    # The project -> its outcome, found on the list of what the city is delivering.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="What the city did").click()
    page.wait_for_url(base + "/outcomes/")
    expect(page.locator("h1")).to_have_text("What the city is delivering")
    page.locator("main .card-list").get_by_role("link", name="Library opening on Sundays", exact=True).click()
    page.wait_for_url(re.compile(re.escape(base) + r"/outcomes/\d+$"))
    outcome_path = page.url[len(base):]
    expect(page.locator("h1")).to_have_text("Library opening on Sundays")
    main = page.locator("main")
    expect(main.locator(".outcome-status")).to_have_text("Status: Completed")
    expect(main.locator(".progress-line")).to_contain_text("100% done")
    expect(main.locator("dl.summary")).to_contain_text("€138,500.00")  # the actual cost
    expect(main.locator("dl.summary")).to_contain_text("Libraries Department")

    # Its updates, newest first.
    updates = main.locator("ol.updates > li")
    opened = updates.filter(has_text="The library has opened every Sunday since July.")
    expect(opened).to_contain_text("100% done")
    expect(opened).to_contain_text("Status: Completed")
    expect(updates.filter(has_text="The library hired two librarians for Sundays.")).to_contain_text("30% done")
    texts = updates.all_inner_texts()
    assert [i for i, t in enumerate(texts) if "opened every Sunday" in t] < \
        [i for i, t in enumerate(texts) if "hired two librarians" in t], texts  # newest first

    # "Where this comes from": the resident's proposal (same title), the project and the vote results.
    chain = page.get_by_role("region", name="Where this comes from")
    expect(chain).to_contain_text("Proposed by Yusuf Demir:")
    expect(chain.locator('a[href^="/proposals/"]')).to_have_text("Library opening on Sundays")
    expect(chain.locator('a[href^="/budgets/projects/"]')).to_have_attribute("href", project_path)
    expect(chain).to_contain_text(re.compile(r"funded, \d+ votes"))
    chain.get_by_role("link", name="vote results").click()
    page.wait_for_url(base + "/budgets/6/results")
    expect(page.locator("h1")).to_have_text("Results: Riverford 2025 budget")
    page.go_back()
    page.wait_for_url(base + outcome_path)
    expect(page.locator("h1")).to_have_text("Library opening on Sundays")
    chain = page.get_by_role("region", name="Where this comes from")
    chain.locator('a[href^="/budgets/projects/"]').click()
    page.wait_for_url(base + project_path)
    expect(page.locator("h1")).to_have_text("Library opening on Sundays")
    page.go_back()
    page.wait_for_url(base + outcome_path)

    # The parent outcome, whose parts include this one, then back to the list.
    breadcrumb = page.get_by_role("navigation", name="Breadcrumb")
    breadcrumb.get_by_role("link", name="Riverford 2025 budget: every funded project").click()
    page.wait_for_url(base + "/outcomes/1")
    expect(page.locator("h1")).to_have_text("Riverford 2025 budget: every funded project")
    parts = page.get_by_role("region", name="Its parts")
    expect(parts).to_contain_text("Its progress is the weighted progress of its parts.")
    expect(parts.get_by_role("link", name="Library opening on Sundays")).to_have_attribute("href", outcome_path)
    for number in range(2, 7):  # the five funded projects
        expect(parts.locator(f"li.card a[href='/outcomes/{number}']")).to_have_count(1)
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="What the city is delivering").click()
    page.wait_for_url(base + "/outcomes/")
    expect(page.locator("h1")).to_have_text("What the city is delivering")

    # A new resident follows outcome 2.
    email = _register(page, base, "outcome-follower", "Nadia")
    page.goto(base + "/outcomes/2")
    expect(page.locator("h1")).to_have_text("New trees in Eastgate park")
    page.get_by_role("button", name="Follow this outcome").click()
    expect(page.locator(".flash--success")).to_contain_text("You follow this outcome.")
    assert page.url == base + "/outcomes/2"
    expect(page.get_by_role("button", name="Stop following")).to_have_count(1)
    expect(page.get_by_role("button", name="Follow this outcome")).to_have_count(0)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Notifications", exact=True)).to_have_count(1)  # nothing unread
    _sign_out(page, base)

    # Staff post a progress update; the date of today is filled in.
    mailbox = live_server.app.extensions["mailman"]
    sent_before = len(getattr(mailbox, "outbox", []))
    text = f"32 of the 40 trees are planted ({uuid.uuid4().hex[:6]})."
    sign_in(page, base, "staff@example.org")
    page.goto(base + "/outcomes/2")
    page.get_by_role("link", name="Post a progress update").click()
    page.wait_for_url(base + "/staff/outcomes/2/updates/new")
    expect(page.get_by_label("Date")).to_have_value(_today(live_server).isoformat())
    page.get_by_label("What happened").fill(text)
    page.get_by_label("New progress (%) (optional)").fill("70")
    page.get_by_role("button", name="Publish the update").click()
    page.wait_for_url(base + "/outcomes/2")
    expect(page.locator(".flash--success")).to_contain_text("The update is published. Followers are told.")
    newest = page.locator("main ol.updates > li").first
    expect(newest).to_contain_text(text)
    expect(newest.locator("h3")).to_contain_text("70% done")
    expect(page.locator("main .progress-line")).to_contain_text("70% done")
    _sign_out(page, base)

    # The resident sees the unread count in the navigation and the update as a sentence.
    sign_in(page, base, email, PASSWORD)
    nav = page.get_by_role("navigation", name="Main")
    unread = nav.get_by_role("link", name=re.compile(r"^Notifications \(1 unread\)$"))
    expect(unread).to_have_count(1)
    expect(unread).to_contain_text("(1)")
    unread.click()
    page.wait_for_url(base + "/notifications")
    expect(page.locator("main .lead")).to_have_text("You have 1 unread notification.")
    items = page.locator("main .notification-list > li")
    expect(items).to_have_count(1)
    sentence = "“New trees in Eastgate park” has a new progress update: 70% done."
    expect(items.first).to_contain_text("Unread:")
    link = items.first.get_by_role("link", name=sentence)
    expect(link).to_have_count(1)
    link.click()
    page.wait_for_url(base + "/outcomes/2")
    expect(page.locator("main ol.updates > li").first).to_contain_text(text)
    # Opening it marked it read.
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Notifications", exact=True)) \
        .to_have_count(1)

    # The e-mail: to the resident, linking to the outcome, with a one-click unsubscribe link.
    deadline, mails = time.monotonic() + 5, []
    while time.monotonic() < deadline:
        mails = [m for m in getattr(mailbox, "outbox", [])[sent_before:] if email in m.to]
        if mails:
            break
        time.sleep(0.1)
    assert len(mails) == 1, [m.to for m in getattr(mailbox, "outbox", [])[sent_before:]]
    mail = mails[0]
    assert mail.subject == sentence
    assert f"{base}/outcomes/2" in mail.body, mail.body
    assert "Hello Nadia," in mail.body
    unsubscribe = re.search(re.escape(base) + r"/notifications/unsubscribe/[\w.\-]+", mail.body)
    assert unsubscribe, mail.body
    assert mail.extra_headers["List-Unsubscribe"] == f"<{unsubscribe.group()}>"
    assert mail.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = mail.alternatives[0][0]
    assert f'href="{base}/outcomes/2"' in html and f'href="{unsubscribe.group()}"' in html
    # The link works without signing in.
    page.context.clear_cookies()
    page.goto(unsubscribe.group())
    expect(page.locator("h1")).to_have_text("Stop e-mail about changes")
    expect(page.locator("main")).to_contain_text(email)
    page.get_by_role("button", name="Stop these e-mails").click()
    expect(page.locator("h1")).to_have_text("You will get no more e-mail about changes")
    assert page.js_errors == [], page.js_errors


# 3. The same chain in Arabic without JavaScript; following a goal --------------------------------

@SQLITE_ONLY
def test_chain_and_following_a_goal_without_javascript_in_arabic(live_server, new_page):
    base = live_server.url
    page = new_page("ar", "phone", javascript=False)

    page.goto(base + "/processes/3/you-said-we-did")
    assert page.locator("html").get_attribute("dir") == "rtl"
    expect(page.locator("nav.breadcrumb a[href='/processes/3']")).to_have_count(1)
    # Process 3's winning projects were proposed by the city, not by residents: the "you said, we
    # did" page has no proposal to follow, so the outcomes are reached through the main navigation.
    page.locator("nav.site-nav a[href='/outcomes/']").click()
    page.wait_for_url(base + "/outcomes/")
    _main_link(page, "/outcomes/3").click()
    page.wait_for_url(base + "/outcomes/3")
    expect(page.locator("h1")).to_have_text("Bus shelter benches")
    expect(page.locator("h1 [lang='en'], h1[lang='en']")).to_have_count(1)  # no Arabic title: marked English
    main = page.locator("main")
    expect(main.locator("p.late")).to_have_count(1)  # late, said in words
    expect(main.locator("ol.updates > li").filter(
        has_text="The supplier is late: benches now expected in the autumn.")).to_have_count(1)

    # Outcome -> project -> results.
    project = main.locator("section[aria-labelledby=chain] a[href^='/budgets/projects/']")
    expect(project).to_have_count(1)
    project_path = project.get_attribute("href")
    project.click()
    page.wait_for_url(base + project_path)
    expect(page.locator("h1")).to_have_text("Bus shelter benches")
    _main_link(page, "/budgets/6/results").first.click()
    page.wait_for_url(base + "/budgets/6/results")
    expect(page.locator("table.results-table tbody tr").filter(
        has=page.locator(f"a[href='{project_path}']"))).to_have_count(1)
    # And back from the results to the outcome's parent, through the outcome page's breadcrumb.
    page.goto(base + "/outcomes/3")
    page.locator("nav.breadcrumb a[href='/outcomes/1']").click()
    page.wait_for_url(base + "/outcomes/1")
    expect(page.locator("section[aria-labelledby=parts] a[href='/outcomes/3']")).to_have_count(1)

    # A new resident follows goal 1 with the plain form, and stops following it.
    _register(page, base, "goal-follower", "فرح")
    page.goto(base + "/plans/1/goals/1")
    form = page.locator("main form[action='/follow/goal/1']")
    button = form.locator("button[type=submit]")
    expect(form.locator("input[name=wanted]")).to_have_value("1")
    label = button.inner_text().strip()
    assert label, "the follow button has a label"
    button.click()
    page.wait_for_url(base + "/plans/1/goals/1")
    expect(page.locator(".flash--success")).to_have_count(1)
    expect(form.locator("input[name=wanted]")).to_have_value("0")
    expect(button).not_to_have_text(label)
    # The goal page lists outcomes 7 and 8, and reached targets of its score card.
    outcomes = page.locator("section[aria-labelledby=goal-outcomes]")
    expect(outcomes.locator("a[href='/outcomes/7'], a[href='/outcomes/8']")).to_have_count(2)
    expect(page.locator("ol.score-card li.reached")).not_to_have_count(0)
    button.click()
    page.wait_for_url(base + "/plans/1/goals/1")
    expect(form.locator("input[name=wanted]")).to_have_value("1")
    expect(button).to_have_text(label)
    assert page.js_errors == [], page.js_errors


# 4. Staff: what is late, and progress imported from a spreadsheet --------------------------------

@SQLITE_ONLY
def test_staff_see_what_is_late_and_import_updates(live_server, new_page):
    base = live_server.url
    page = new_page("en", "desktop")
    today = _today(live_server)
    with live_server.app.app_context():
        ends_on = _db.session.get(Outcome, 3).ends_on
    sign_in(page, base, "staff@example.org")

    page.goto(base + "/staff/outcomes/monitoring")
    expect(page.locator("h1")).to_have_text("What is late")
    late = page.get_by_role("table", name="Late outcomes, most overdue first")
    row = late.locator("tbody tr").filter(has=page.get_by_role("link", name="Bus shelter benches", exact=True))
    expect(row).to_have_count(1)
    cells = row.locator("td")
    expect(cells.nth(1)).to_have_text(f"{(today - ends_on).days:,}")
    expect(cells.nth(2)).to_have_text("Transport Department")
    expect(cells.nth(3)).to_have_text(re.compile(r"^\d+%$"))
    # Completed outcomes are never late.
    expect(late.get_by_role("link", name="Library opening on Sundays")).to_have_count(0)
    failures = audit(page, "monitoring")

    # One good line and one with an impossible date.
    text = f"Gardeners built a tool shed ({uuid.uuid4().hex[:6]})."
    on = (today - timedelta(days=1)).isoformat()
    csv = ("outcome_id,date,progress,status,text,actual_cost\n"
           f"5,{on},,,\"{text}\",\n"
           "5,2026-02-30,,,Should not be published,\n").encode()
    page.goto(base + "/staff/outcomes/import")
    page.get_by_label("Updates (CSV)").set_input_files(
        files=[{"name": "updates.csv", "mimeType": "text/csv", "buffer": csv}])
    submit_and_wait(page, page.get_by_role("button", name="Import the updates"))
    report = page.locator("main .notice[role=status]")
    expect(report).to_contain_text("1 update published. 1 line rejected.")
    expect(report.locator("li")).to_have_count(1)
    expect(report.locator("li")).to_have_text(
        "Line 3: The date must be written as YYYY-MM-DD, for example 2026-03-31.")
    expect(page.locator(".error-summary")).to_have_count(0)
    failures += audit(page, "import report")

    page.goto(base + "/outcomes/5")
    updates = page.locator("main ol.updates")
    expect(updates).to_contain_text(text)
    expect(updates).not_to_contain_text("Should not be published")
    expect(page.locator("main .outcome-status")).to_have_text("Status: Completed")  # no progress given: kept

    # A file that is not a CSV of updates is refused as a whole.
    page.goto(base + "/staff/outcomes/import")
    page.get_by_label("Updates (CSV)").set_input_files(
        files=[{"name": "notes.csv", "mimeType": "text/csv", "buffer": b"name,notes\nx,y\n"}])
    submit_and_wait(page, page.get_by_role("button", name="Import the updates"))
    expect(page.locator(".error-summary")).to_contain_text("The first line must name the columns")
    expect(page.locator("main .notice[role=status]")).to_have_count(0)
    failures += audit(page, "import with a wrong file")
    assert not failures, "\n\n".join(failures)


# 5. Open data: every dataset as CSV and JSON, downloads counted ----------------------------------

def _downloads(page, name: str) -> tuple[int, int]:
    text = page.locator(f"section[aria-labelledby='dataset-{name}'] dl").inner_text()
    found = re.search(r"([\d,]+) as CSV, ([\d,]+) as JSON", text)
    assert found, text
    return int(found.group(1).replace(",", "")), int(found.group(2).replace(",", ""))


@SQLITE_ONLY
def test_open_data_links_and_download_counts(live_server, new_page):
    base = live_server.url
    page = new_page("en", "desktop")
    page.goto(base + "/open-data")
    datasets = page.locator("main section.dataset")
    total = datasets.count()
    assert total >= 8, total
    expect(page.locator("main")).to_contain_text(f"{total} datasets, each as CSV and as JSON.")
    names = []
    for index in range(total):
        section = datasets.nth(index)
        name = section.get_attribute("aria-labelledby").removeprefix("dataset-")
        names.append(name)
        expect(section.locator(f"a[href='/open-data/{name}.csv']")).to_have_attribute("type", "text/csv")
        expect(section.locator(f"a[href='/open-data/{name}.json']")).to_have_attribute("type", "application/json")
    assert {"outcomes", "outcome_updates"} <= set(names), names

    csv_before, json_before = _downloads(page, "outcomes")
    response = page.request.get(base + "/open-data/outcomes.csv")
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="outcomes.csv"' in response.headers["content-disposition"]
    lines = response.text().splitlines()
    assert lines[0].startswith("id,title,description,status,progress"), lines[0]
    assert any("Bus shelter benches" in line for line in lines[1:])
    page.reload()
    assert _downloads(page, "outcomes") == (csv_before + 1, json_before)

    response = page.request.get(base + "/open-data/outcomes.json")
    assert response.status == 200
    data = response.json()
    assert data["dataset"] == "outcomes" and data["licence"]["id"] == "CC-BY-4.0"
    assert {row["id"] for row in data["rows"]} >= set(range(1, 9))
    page.reload()
    assert _downloads(page, "outcomes") == (csv_before + 1, json_before + 1)
    # Only a HEAD request: not a download.
    assert page.request.head(base + "/open-data/outcomes.csv").status == 200
    page.reload()
    assert _downloads(page, "outcomes") == (csv_before + 1, json_before + 1)
    assert page.request.get(base + "/open-data/no-such-dataset.csv").status == 404


# 6. A department tracker posts updates but does not manage outcomes ------------------------------

@SQLITE_ONLY
def test_a_department_tracker_posts_updates_only(live_server, new_page):
    base = live_server.url
    page = new_page("en", "desktop")
    email = _register(page, base, "tracker", "Parks tracker")
    page.context.clear_cookies()
    sign_in(page, base, "admin@example.org")
    page.goto(f"{base}/admin/users?q={email}")
    card = page.locator("main li.card", has_text=email)
    expect(card).to_have_count(1)
    card.locator("select").select_option("tracker")
    card.get_by_role("button").click()
    expect(page.locator(".flash--success")).to_contain_text("is now: Department tracker")

    page.context.clear_cookies()
    sign_in(page, base, email, PASSWORD)
    page.goto(base + "/outcomes/6")
    staff_actions = page.get_by_role("list", name="Staff actions")
    expect(staff_actions.get_by_role("link", name="Post a progress update")).to_have_count(1)
    expect(staff_actions.get_by_role("link", name="Edit the outcome")).to_have_count(0)
    for path, status in (("/staff/outcomes/6/updates/new", 200), ("/staff/outcomes/import", 200),
                         ("/staff/outcomes/monitoring", 200), ("/staff/outcomes/new", 403),
                         ("/staff/outcomes/6/edit", 403)):
        assert page.goto(base + path).status == status, path

    page.goto(base + "/staff/outcomes/6/updates/new")
    text = f"Kerbs lowered on both sides ({uuid.uuid4().hex[:6]})."
    page.get_by_label("What happened").fill(text)
    page.get_by_label("New progress (%) (optional)").fill("150")
    submit_and_wait(page, page.get_by_role("button", name="Publish the update"))
    expect(page.locator(".error-summary")).to_contain_text("Progress is a percentage from 0 to 100.")
    expect(page.get_by_label("New progress (%) (optional)")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("What happened")).to_have_value(text)
    page.get_by_label("New progress (%) (optional)").fill("25")
    page.get_by_role("button", name="Publish the update").click()
    page.wait_for_url(base + "/outcomes/6")
    expect(page.locator("main ol.updates > li").first).to_contain_text(text)
    expect(page.locator("main ol.updates > li").first.locator("h3")).to_contain_text("25% done")
    with live_server.app.app_context():
        assert _db.session.scalar(sa.select(Outcome.progress).where(Outcome.id == 6)) == 25
    assert page.js_errors == [], page.js_errors
