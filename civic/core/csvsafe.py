"""CSV cells that spreadsheets will not run as formulas (OWASP "CSV injection")."""

from __future__ import annotations

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value):
    """Text typed by people that starts like a formula gets a leading apostrophe; numbers are untouched."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value
