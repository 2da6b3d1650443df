"""The open data page: structure that assistive technology relies on, without JavaScript.

The browser tests run axe on it; these checks run everywhere and say exactly what broke.
"""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

import pytest

from civic.opendata.datasets import DATASETS


class Outline(HTMLParser):
    """Headings, ids, tables with their captions and header cells, and links with their text."""

    def __init__(self):
        super().__init__()
        self.headings: list[tuple[int, str]] = []
        self.ids: list[str] = []
        self.tables: list[dict] = []
        self.links: list[dict] = []
        self.html_attrs: dict = {}
        self._text: list[str] | None = None
        self._open: list[str] = []
        self._boost: list[str | None] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.append(attrs["id"])
        if tag == "html":
            self.html_attrs = attrs
        if tag in ("h1", "h2", "h3", "h4", "caption", "a", "th"):
            self._open.append(tag)
            self._text = []
            if tag == "a":
                boosted = next((value for value in reversed(self._boost) if value is not None), None)
                self.links.append({"href": attrs.get("href"), "boost": boosted, "text": ""})
            if tag == "th":
                self.tables[-1]["th"].append(attrs.get("scope"))
        if tag == "table":
            self.tables.append({"caption": None, "th": []})
        if tag not in ("meta", "link", "input", "br", "img"):
            self._boost.append(attrs.get("hx-boost"))

    def handle_endtag(self, tag):
        if self._open and tag == self._open[-1]:
            self._open.pop()
            text = " ".join("".join(self._text or []).split())
            if tag.startswith("h") and tag[1:].isdigit():
                self.headings.append((int(tag[1]), text))
            elif tag == "caption":
                self.tables[-1]["caption"] = text
            elif tag == "a":
                self.links[-1]["text"] = text
        if tag not in ("meta", "link", "input", "br", "img") and self._boost:
            self._boost.pop()

    def handle_data(self, data):
        if self._text is not None:
            self._text.append(data)


def _outline(client, url="/open-data", language="en") -> Outline:
    response = client.get(url, headers={"Accept-Language": language})
    assert response.status_code == 200
    outline = Outline()
    outline.feed(response.get_data(as_text=True))
    return outline


@pytest.mark.parametrize("language", ["en", "ar"])
def test_page_structure(client, db, city, language):
    page = _outline(client, language=language)
    assert page.html_attrs == {"lang": language, "dir": "rtl" if language == "ar" else "ltr"}
    levels = [level for level, _text in page.headings]
    assert levels.count(1) == 1 and levels[0] == 1
    assert all(later - earlier <= 1 for earlier, later in zip(levels, levels[1:])), page.headings
    assert all(text for _level, text in page.headings)
    assert not [name for name, times in Counter(page.ids).items() if times > 1]

    assert len(page.tables) == len(DATASETS)
    for table in page.tables:
        assert table["caption"], table
        assert set(table["th"]) <= {"col", "row"} and None not in table["th"]

    links = {link["href"]: link for link in page.links}
    assert all(link["text"] for link in page.links), [link for link in page.links if not link["text"]]
    for name, dataset in DATASETS.items():
        for fmt in ("csv", "json"):
            link = links[f"/open-data/{name}.{fmt}"]
            assert link["boost"] == "false"  # a download, never swapped into the page by htmx
            if language == "en":
                assert link["text"] == f"Download “{dataset.title}” as {fmt.upper()}"
    for href in ("/api/v1/openapi.json", "/api/v1/outcomes", "/processes/phases.ics",
                 "https://creativecommons.org/licenses/by/4.0/"):
        assert href in links
    texts = [link["text"] for link in page.links]
    assert len(texts) == len(set(texts)) or language != "en", Counter(texts).most_common(3)


def test_page_shows_licence_dates_descriptions_and_download_counts(client, db, city):
    client.get("/open-data/ballots.csv")
    client.get("/open-data/ballots.csv")
    client.get("/open-data/ballots.json")
    page = client.get("/open-data").get_data(as_text=True)
    assert "Creative Commons Attribution 4.0 International" in page and "CC-BY-4.0" in page
    assert "2 as CSV, 1 as JSON" in page and "0 as CSV, 0 as JSON" in page
    assert '<time datetime="' in page
    for dataset in DATASETS.values():
        assert str(dataset.title) in page
        for column in dataset.columns:
            assert f">{column.name}</code>" in page
    assert "Random identifier of the ballot" in page


def test_page_works_on_an_empty_site(client, db):
    page = client.get("/open-data").get_data(as_text=True)
    assert page.count("No data yet") == len(DATASETS)


def test_every_page_links_to_open_data_in_the_footer(client, db):
    footer = _outline(client, "/accessibility")
    assert any(link["href"] == "/open-data" and link["text"] == "Open data" for link in footer.links)
