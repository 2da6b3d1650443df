"""What each area holds about a person, gathered for "Download my data".

Areas register an exporter when their services module is imported; the accounts area does not
need to know them, and a new area's data cannot be forgotten in the download.
"""

from __future__ import annotations

from collections.abc import Callable

_EXPORTERS: dict[str, Callable] = {}
_ERASERS: dict[str, Callable] = {}


def register_exporter(name: str, exporter: Callable) -> None:
    """`exporter(user)` returns JSON-ready data about that user (a list or a dict)."""
    _EXPORTERS[name] = exporter


def collect(user) -> dict:
    return {name: exporter(user) for name, exporter in sorted(_EXPORTERS.items())}


def register_eraser(name: str, eraser: Callable) -> None:
    """`eraser(user)` removes what links that area's records to the person when they delete their account."""
    _ERASERS[name] = eraser


def erase(user) -> None:
    for _name, eraser in sorted(_ERASERS.items()):
        eraser(user)
