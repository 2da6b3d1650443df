"""What changed between two revisions, word by word, for a page that does not rely on colour."""

from __future__ import annotations

import difflib
import re

_TOKENS = re.compile(r"\s+|[^\s]+")


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """[(op, text)] with op in equal / removed / added; whitespace stays with the words."""
    a, b = _TOKENS.findall(old or ""), _TOKENS.findall(new or "")
    parts: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append(("equal", "".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            parts.append(("removed", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            parts.append(("added", "".join(b[j1:j2])))
    return parts
