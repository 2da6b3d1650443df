"""Processes, proposals and moderation in the browser: axe, a resident's journey, and stored XSS
checked in the rendered page, not only in the HTML source."""

from __future__ import annotations

import io
import re
from itertools import count

import pytest
from PIL import Image

from tests.browser.conftest import MATRIX, SQLITE_ONLY, audit, sign_in

PUBLIC = ["/processes/", "/processes/1", "/proposals/", "/proposals/?status=rejected", "/proposals/?q=zzqqxx",
          "/proposals/1", "/proposals/5", "/proposals/6", "/transparency"]
MODERATOR = ["/moderation/queue", "/moderation/log", "/moderation/proposals/2/report"]
STAFF = ["/staff/processes/new", "/staff/processes/1/edit", "/staff/proposals/2/status",
         "/staff/processes/1/proposals/record"]
_serial = count(1)


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 120, 60)).save(out, format="JPEG")
    return out.getvalue()


@SQLITE_ONLY
@pytest.mark.parametrize("language, viewport", MATRIX, ids=[f"{l}-{v}" for l, v in MATRIX])
def test_process_proposal_and_moderation_pages_have_no_axe_violations(live_server, new_page, language, viewport):
    base = live_server.url
    page = new_page(language, viewport)
    failures = []
    for path in PUBLIC:
        page.goto(base + path)
        assert page.locator("h1").count() == 1, path
        failures += audit(page, path)
    sign_in(page, base, "moderator@example.org")
    page.goto(base + "/processes/1/proposals/new")
    failures += audit(page, "proposal form")
    page.locator("main form.stack button[type=submit]").last.click()
    page.wait_for_selector(".error-summary")
    failures += audit(page, "proposal form with errors")
    for path in MODERATOR:
        page.goto(base + path)
        failures += audit(page, path)
    page.context.clear_cookies()
    sign_in(page, base, "staff@example.org")
    for path in STAFF:
        page.goto(base + path)
        failures += audit(page, path)
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("language, javascript", [("en", True), ("ar", False), ("en", False)],
                         ids=["en-js", "ar-nojs", "en-nojs"])
def test_resident_proposes_supports_discusses_and_a_moderator_hides_a_comment(live_server, new_page, language,
                                                                               javascript):
    base, n = live_server.url, next(_serial)
    page = new_page(language, "phone", javascript=javascript)
    sign_in(page, base, "resident@example.org")

    # Find the open process and submit a proposal; the first try has an error and keeps the text.
    page.goto(base + "/processes/")
    page.locator("main a[href='/processes/1']").first.click()
    page.wait_for_url(base + "/processes/1")
    page.locator("main a[href='/processes/1/proposals/new']").first.click()
    page.wait_for_url(base + "/processes/1/proposals/new")
    title = f"Water fountain at the bus station {n}"
    page.fill("#title", title)
    page.fill("#body", "People wait there in the heat. A fountain would help.")
    page.set_input_files("#photo", files=[{"name": "station.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()}])
    page.locator("main form.stack button[type=submit]").last.click()  # no alt text: an error
    page.wait_for_selector(".error-summary")
    assert page.input_value("#title") == title
    assert "heat" in page.input_value("#body")
    page.fill("#photo_alt", "The bus station square at noon, with no shade")
    page.select_option("#category", index=1)
    page.set_input_files("#photo", files=[{"name": "station.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()}])
    page.locator("main form.stack button[type=submit]").last.click()
    page.wait_for_url(re.compile(r".*/proposals/\d+$"))
    assert page.locator("h1").inner_text() == title
    assert page.locator("main img[alt='The bus station square at noon, with no shade']").count() == 1

    # Support another proposal: the count goes up, with or without JavaScript.
    page.goto(base + "/proposals/2")
    if page.locator(".support-button").get_attribute("aria-pressed") == "true":  # from an earlier run
        page.locator(".support-button").click()
        page.locator(".support-button[aria-pressed=false]").wait_for()
    # After a swap the live region is emptied and refilled so screen readers announce it: wait for it.
    page.locator(".support-count strong").wait_for()
    before = int(re.search(r"\d+", page.locator(".support-count strong").inner_text()).group())
    page.locator(".support-button").click()
    page.locator(".support-count", has_text=str(before + 1)).wait_for()
    assert page.locator(".support-button").get_attribute("aria-pressed") == "true"

    # Comment, reply, and report the reply.
    text, reply = f"Comment {n}: yes, near the school too.", f"Reply {n}: and at the market."
    page.locator("#comments textarea, .comment-thread textarea").last.fill(text)
    page.locator(".comment-thread > form button[type=submit], .comment-thread form.comment-form button[type=submit]").last.click()
    article = page.locator("article", has_text=text)
    article.wait_for()
    article.locator("summary").click()
    article.locator("textarea").fill(reply)
    article.locator("form button[type=submit]").click()
    page.locator("article", has_text=reply).wait_for()
    # Report a neighbour's comment (one's own cannot be reported).
    reported = page.locator("article:has(a[href$='/report'])").first
    comment_id = reported.get_attribute("id").split("-")[1]
    reported_text = reported.locator(".comment-body").inner_text()
    reported.locator("a[href$='/report']").first.click()
    page.locator("input[name=reason][value=off_topic]").check()
    page.locator("main form.stack button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/proposals/2.*"))

    # A moderator hides it with a public reason; everyone sees the reason, and the count shows publicly.
    page.context.clear_cookies()
    sign_in(page, base, "moderator@example.org")
    page.goto(base + "/moderation/queue")
    form = page.locator(f"form[action$='/comments/{comment_id}/hide']")
    form.locator("select[name=reason]").select_option("off_topic")
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".flash--success")
    page.context.clear_cookies()
    page.goto(base + "/proposals/2")
    hidden = page.locator(f"#comment-{comment_id}")
    assert reported_text not in hidden.inner_text()
    assert page.locator("article", has_text=reply).count() == 1
    page.goto(base + "/transparency")
    assert page.locator("main table").count() >= 1
    if javascript:
        assert page.js_errors == [], page.js_errors


XSS = ['<img src=x onerror="window.__xss=1">', '<script>window.__xss=1</script>', '"><svg onload="window.__xss=1">']


def test_stored_xss_is_inert_in_the_browser(live_server, new_page):
    base, n = live_server.url, next(_serial)
    page = new_page("en", "desktop")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    payload = " ".join(XSS)

    # A new resident whose display name is an attack.
    email = f"xss{n}-{id(page)}@example.org"
    page.goto(base + "/account/register")
    page.fill("#email", email)
    page.fill("#display_name", '<img src=x onerror="window.__xss=1">')
    page.fill("#password", "inert-payload-passphrase")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(base + "/")
    # Proposals count only from a confirmed address: follow the link the confirmation mail carries.
    outbox = live_server.app.extensions["mailman"].__dict__.setdefault("outbox", [])
    mail = next(m for m in reversed(outbox) if m.to == [email])
    page.goto(re.search(r"https?://\S+/account/confirm/\S+", mail.body).group(0))
    page.goto(base + "/account/profile")
    page.locator("input[name=show_name_publicly][value=yes]").check()
    page.locator("main form.stack button[type=submit]").click()
    page.wait_for_selector(".flash--success")

    # Every text field of a proposal, with a photo and its alt text.
    page.goto(base + "/processes/1/proposals/new")
    page.fill("#title", f"XSS {n} " + XSS[0])
    page.fill("#body", payload)
    page.fill("#address", payload[:190])
    page.set_input_files("#photo", files=[{"name": "x.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()}])
    page.fill("#photo_alt", XSS[0])
    page.select_option("#category", index=1)
    page.locator("input[name=show_name][value=yes]").check()
    page.locator("main form.stack button[type=submit]").last.click()
    page.wait_for_url(re.compile(r".*/proposals/\d+$"))
    proposal_url = page.url

    # A comment and a report with attacks in them.
    page.locator(".comment-thread textarea").last.fill(payload)
    page.locator(".comment-thread form.comment-form button[type=submit]").last.click()
    page.locator("article .comment-body").last.wait_for()
    page.context.clear_cookies()
    sign_in(page, base, "yusuf@example.org")  # a neighbour reports it (authors cannot report themselves)
    page.goto(proposal_url.replace("/proposals/", "/moderation/proposals/") + "/report")
    page.locator("input[name=reason][value=other]").check()
    page.fill("#details", payload)
    page.locator("main form.stack button[type=submit]").click()
    page.wait_for_url(proposal_url)

    # A moderator hides it with an attack in the note; then everything is looked at in the browser.
    page.context.clear_cookies()
    sign_in(page, base, "moderator@example.org")
    page.goto(base + "/moderation/queue")
    proposal_id = proposal_url.rsplit("/", 1)[1]
    form = page.locator(f"form[action$='/proposals/{proposal_id}/hide']")
    form.locator("select[name=reason]").select_option("spam")
    form.locator("textarea[name=note]").fill(payload)
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".flash--success")
    for url in [proposal_url, base + "/proposals/", base + "/moderation/queue", base + "/moderation/log",
                base + "/transparency", base + "/processes/1", base + "/"]:
        page.goto(url)
        assert page.evaluate("window.__xss") is None, url
        assert page.locator("main img[src='x'], main svg[onload]").count() == 0, url
    assert dialogs == []
