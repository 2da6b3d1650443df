"""The one place that uses bleach. User rich text is cleaned on save and again on display."""

from __future__ import annotations

import html
from functools import partial

import bleach
from bleach.linkifier import LinkifyFilter
from markupsafe import Markup

# The limited rich text residents may write: paragraphs, emphasis, lists, quotes and links.
ALLOWED_TAGS = frozenset({"p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "blockquote", "a"})
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})


def _mark_user_link(attrs, new=False):
    # Links in user content must not pass on ranking or the opener to the target.
    attrs[(None, "rel")] = "nofollow ugc noopener noreferrer"
    return attrs


_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[partial(LinkifyFilter, callbacks=[_mark_user_link])],
)


def clean_rich_text(value: str | None) -> str:
    """Return HTML that only contains the allow-listed tags, attributes and link protocols."""
    if not value:
        return ""
    return _cleaner.clean(value).strip()


def to_plain_text(value: str | None) -> str:
    """Drop every tag; for places that show user text without markup (titles, mail subjects)."""
    if not value:
        return ""
    # bleach escapes what it keeps; unescape so templates escape it exactly once.
    return html.unescape(bleach.clean(value, tags=set(), strip=True, strip_comments=True)).strip()


def rich_text_filter(value: str | None) -> Markup:
    """Jinja filter: the only sanctioned way to mark user HTML as safe."""
    return Markup(clean_rich_text(value))
