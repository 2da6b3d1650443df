import pytest
from tests.browser.conftest import sign_in

@pytest.mark.parametrize("live_server", ["sqlite"], indirect=True)
@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_probe(live_server, new_page, viewport):
    base = live_server.url
    page = new_page("en", viewport)
    sign_in(page, base, "yusuf@example.org")
    for path in ["/budgets/1/ballot", "/budgets/2/ballot"]:
        page.goto(base + path)
        page.locator("#main").focus() if page.locator("#main").count() else None
        bar = page.locator(".ballot-summary").bounding_box()
        print(path, viewport, "bar", bar, "viewport", page.viewport_size)
        for i in range(40):
            page.keyboard.press("Tab")
            info = page.evaluate("""() => { const e = document.activeElement; const r = e.getBoundingClientRect();
              const b = document.querySelector('.ballot-summary').getBoundingClientRect();
              return [e.tagName, e.id || e.textContent.trim().slice(0,30), Math.round(r.top), Math.round(r.bottom), Math.round(b.top), Math.round(b.bottom), innerHeight]; }""")
            hidden = info[2] >= info[4] and info[3] <= info[5] and not (info[1] == "" ) 
            inbar = page.evaluate("() => !!document.activeElement.closest('.ballot-summary')"); print(i, info, "HIDDEN" if (not inbar and info[2] >= info[4] - 1 and info[3] <= info[5] + 1) else "")
        page.screenshot(path=f"/tmp/probe/{viewport}{path.replace('/','_')}.png")
