"""How an area tells the comment component its rules, without the component importing the area."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from civic.comments.models import CommentThread


@dataclass(frozen=True)
class ThreadRules:
    """What holds for one thread at one moment."""

    open: bool  # new comments and replies accepted now
    closed_message: str = ""  # shown instead of the form when not open (translated)
    stance: bool = False  # top-level comments carry a stance (for / against / neutral)
    return_url: str = "/"  # the page that shows this thread (comment anchors are added to it)
    premoderated: bool = False  # new comments wait for a moderator before others see them


# kind -> function(thread, now) -> ThreadRules
_POLICIES: dict[str, Callable[[CommentThread, datetime], ThreadRules]] = {}


def register_policy(kind: str, policy: Callable[[CommentThread, datetime], ThreadRules]) -> None:
    _POLICIES[kind] = policy


def rules_for(thread: CommentThread, now: datetime) -> ThreadRules:
    return _POLICIES[thread.kind](thread, now)
