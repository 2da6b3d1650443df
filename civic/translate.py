"""Catalog upkeep with Babel: extract strings, update the six catalogs, compile them."""

from __future__ import annotations

from pathlib import Path

from babel.messages.frontend import CommandLineInterface

from civic import ROOT
from civic.config import LANGUAGES

POT = ROOT / "translations" / "messages.pot"
KEYWORDS = ["_l", "lazy_gettext", "lazy_ngettext:1,2", "ngettext:1,2", "gettext", "_"]


def _pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def extract(pot: Path = POT) -> None:
    args = ["extract", "-F", str(ROOT / "babel.cfg"), "--no-location", "--sort-output",
            "--project", "civic", "--version", "1", "--copyright-holder", "civic contributors",
            "-o", str(pot)]
    for keyword in KEYWORDS:
        args += ["-k", keyword]
    _pybabel(*args, str(ROOT))


SOURCE_LANGUAGE = "en"


def catalog_path(language: str) -> Path:
    return ROOT / "translations" / language / "LC_MESSAGES" / "messages.po"


def update() -> None:
    for language in LANGUAGES:
        command = "update" if catalog_path(language).exists() else "init"
        extra = ["--no-fuzzy-matching", "--ignore-obsolete"] if command == "update" else []
        _pybabel(command, "-i", str(POT), "-d", str(ROOT / "translations"), "-l", language, *extra)
    _fill_source_catalog()


def _fill_source_catalog() -> None:
    """The strings are written in English, so the English catalog repeats them word for word."""
    from babel.messages.pofile import read_po, write_po

    path = catalog_path(SOURCE_LANGUAGE)
    with path.open("rb") as handle:
        catalog = read_po(handle)
    for message in catalog:
        if message.id and not message.string or (isinstance(message.string, tuple) and not all(message.string)):
            message.string = message.id
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100)


def compile_catalogs() -> None:
    # --statistics off, no --use-fuzzy: a fuzzy entry never reaches users.
    _pybabel("compile", "-d", str(ROOT / "translations"))
