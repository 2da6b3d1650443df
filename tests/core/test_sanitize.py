"""The bleach wrapper against well-known XSS payloads (OWASP cheat sheet and friends)."""

import re

import pytest

from civic.core.sanitize import clean_rich_text, rich_text_filter, to_plain_text

PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//xss.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<svg/onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<body onload=alert(1)>",
    "<iframe src=\"javascript:alert(1)\"></iframe>",
    "<a href=\"javascript:alert(1)\">click</a>",
    "<a href=\"JaVaScRiPt:alert(1)\">click</a>",
    "<a href=\"jav&#x09;ascript:alert(1)\">click</a>",
    "<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)\">x</a>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
    "<a href=\"vbscript:msgbox(1)\">x</a>",
    "<p style=\"background:url(javascript:alert(1))\">x</p>",
    "<div onmouseover=\"alert(1)\">hover</div>",
    "<input autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
    "<object data=\"javascript:alert(1)\"></object>",
    "<embed src=\"javascript:alert(1)\">",
    "<form action=\"javascript:alert(1)\"><button>x</button></form>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<link rel=stylesheet href=\"javascript:alert(1)\">",
    "<style>@import 'javascript:alert(1)';</style>",
    "<base href=\"javascript:alert(1)//\">",
    "<!--<img src=x onerror=alert(1)>-->",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "\"><script>alert(1)</script>",
    "<a href=\"https://example.org\" onclick=\"alert(1)\">ok</a>",
    "<strong onmouseover=alert(1)>bold</strong>",
    "<video><source onerror=\"alert(1)\"></video>",
    "<a href=\"  javascript:alert(1)\">x</a>",
]

DANGEROUS = re.compile(r"<\s*(script|img|svg|iframe|object|embed|form|input|meta|link|style|base|body|video|details|math)"
                       r"|\son\w+\s*=|\w+\s*=\s*[\"']?\s*(javascript|vbscript|data):|style\s*=", re.IGNORECASE)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_is_rendered_inert(payload):
    cleaned = clean_rich_text(payload)
    assert not DANGEROUS.search(cleaned), cleaned
    # Cleaning is stable: what is stored cleans to itself on display.
    assert clean_rich_text(cleaned) == cleaned


def test_allowed_rich_text_survives():
    text = ("<p>Shade trees on <strong>Market Street</strong>, <em>please</em>.</p>"
            "<ul><li>one</li><li>two</li></ul><blockquote>quoted</blockquote>")
    assert clean_rich_text(text) == text


def test_links_are_kept_safe_and_marked_as_user_content():
    cleaned = clean_rich_text('<a href="https://example.org/plan">plan</a> and www.example.org')
    assert cleaned.count('rel="nofollow ugc noopener noreferrer"') == 2
    assert 'href="https://example.org/plan"' in cleaned


def test_filter_returns_markup_only_for_clean_html():
    assert str(rich_text_filter("<b>x</b><script>y</script>")) == "<b>x</b>y"


def test_plain_text_drops_all_tags_and_does_not_double_escape():
    assert to_plain_text("<b>Fish &amp; chips</b><script>x</script>") == "Fish & chips" + "x"


def test_names_are_isolated_and_escaped_in_sentences(client, db, login_as):
    login_as(display_name="<script>alert(1)</script>مريم")
    page = client.get("/").get_data(as_text=True)
    assert "<bdi>&lt;script&gt;alert(1)&lt;/script&gt;مريم</bdi>" in page


def test_csv_cells_that_look_like_formulas_are_defused():
    from civic.core.csvsafe import cell

    assert [cell(v) for v in ("=HYPERLINK(\"x\")", "+1", "-2 trees", "@SUM(A1)", "Plain", 5, -3, None)] == [
        "'=HYPERLINK(\"x\")", "'+1", "'-2 trees", "'@SUM(A1)", "Plain", 5, -3, None]
