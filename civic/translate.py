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
            "--omit-header", "-o", str(pot)]
    for keyword in KEYWORDS:
        args += ["-k", keyword]
    _pybabel(*args, str(ROOT))


def update() -> None:
    for language in LANGUAGES:
        po = ROOT / "translations" / language / "LC_MESSAGES" / "messages.po"
        command = "update" if po.exists() else "init"
        extra = ["--no-fuzzy-matching", "--ignore-obsolete"] if command == "update" else []
        _pybabel(command, "-i", str(POT), "-d", str(ROOT / "translations"), "-l", language, *extra)


def compile_catalogs() -> None:
    # --statistics off, no --use-fuzzy: a fuzzy entry never reaches users.
    _pybabel("compile", "-d", str(ROOT / "translations"))
