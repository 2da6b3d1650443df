"""Domain errors raised by services; views show `message` (a lazy, translated string)."""

from __future__ import annotations


class DomainError(Exception):
    def __init__(self, message, field: str | None = None):
        # Keep the lazy string lazy: it is rendered later, in the reader's language.
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(DomainError):
    """The acting user may not do this; views answer 403."""
