"""The audit trail: an append-only record of every staff and administrator action.

A service that changes something on behalf of the city calls `record(...)` next to the change. The
row is added to the current session and is not committed here, so the trail commits or rolls back
together with the action it describes: there is never a trail entry for an action that did not
happen, nor an action without its entry. Database triggers (migration 0009) refuse UPDATE and
DELETE on `audit_entry`, on SQLite and PostgreSQL alike.

Each area registers its action codes ("area.verb", for example "outcome.saved") with a translated
label when its services module is imported, so the administrators' page can say every row in words.

What a row keeps of the actor. Staff and administrators act for a public body, so who did what must
stay answerable after the person leaves: the row keeps the account id and a snapshot of the display
name, e-mail address and role at the time of the action. Deleting an account anonymises the
account row (see `civic.accounts.services.delete_account`) but leaves the trail as it was; accounts
are never removed outright, and the foreign key refuses to remove one that appears in the trail.

What a row never keeps: ballot contents, identity document numbers or their hashes, passwords or
tokens. `record` refuses details whose keys look like those, so a careless caller fails in tests
rather than leaking into a table nobody can clean.

Moderation (hide, restore, dismiss, approve, block) is not recorded here: it has its own append-only
log, `moderation_action`, with its reason and public note, shown on the public transparency page.
Copying it here would make two sources of truth for the same act.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.core.db import UTCDateTime
from civic.extensions import db

if TYPE_CHECKING:
    from flask_babel import LazyString

    from civic.accounts.models import User

# Keys a caller must never put in `details` (checked on every key, case-insensitively, as substrings).
FORBIDDEN_DETAIL_KEYS = ("password", "token", "document", "ballot", "choice", "secret", "hash")
MAX_DETAILS_LENGTH = 4000


class AuditEntry(db.Model):
    """One staff or administrator action. Rows are never changed or removed (database triggers)."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        sa.CheckConstraint("length(action) > 0", name="action_present"),
        sa.CheckConstraint("length(subject_type) > 0", name="subject_type_present"),
        sa.Index("ix_audit_entry_at", "at"),
        sa.Index("ix_audit_entry_subject", "subject_type", "subject_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    # No ON DELETE action: an account that appears in the trail cannot be removed outright.
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    actor_name: Mapped[str] = mapped_column(sa.String(120), default="")
    actor_email: Mapped[str] = mapped_column(sa.String(254), default="")
    actor_role: Mapped[str] = mapped_column(sa.String(20), default="")
    action: Mapped[str] = mapped_column(sa.String(60), index=True)
    subject_type: Mapped[str] = mapped_column(sa.String(40))
    subject_id: Mapped[int | None]
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    actor: Mapped[User | None] = relationship("User")


_LABELS: dict[str, LazyString] = {}
_SUBJECTS: dict[str, LazyString] = {}


def register_actions(labels: Mapping[str, LazyString]) -> None:
    """Each area registers its action codes with a translated label, at import time."""
    for code, label in labels.items():
        if "." not in code or code != code.strip().lower():
            raise ValueError(f"audit action codes look like 'area.verb': {code!r}")
        _LABELS[code] = label


def register_subject_types(labels: Mapping[str, LazyString]) -> None:
    """Optional: a translated name for each `subject_type` an area uses ("outcome": "outcome")."""
    _SUBJECTS.update(labels)


def subject_label(subject_type: str):
    return _SUBJECTS.get(subject_type, subject_type)


def action_labels() -> dict[str, LazyString]:
    """Every registered action code and its label, sorted by code."""
    return dict(sorted(_LABELS.items()))


def label_for(action: str):
    """The translated label of an action, or its code when no area registered it (an old code)."""
    return _LABELS.get(action, action)


def snapshot(row) -> dict | None:
    """The column values of `row` before a service changes it (None for a new row), for `changed_since`.
    Take it first: queries made while the service works flush the session, and with it SQLAlchemy's
    own record of what changed."""
    if row is None or sa.inspect(row).transient:
        return None
    return {attr.key: getattr(row, attr.key) for attr in sa.inspect(row).mapper.column_attrs}


def changed_since(before: dict | None, row, *, ignore: tuple[str, ...] = ("updated_at",)) -> list[str]:
    """The names of the columns whose value differs from the snapshot, sorted; for `details`, so the
    trail says what an edit changed without copying the texts."""
    if before is None:
        return []
    return sorted(key for key, value in before.items() if key not in ignore and getattr(row, key) != value)


def _check_details(details: dict) -> dict:
    for key in details:
        lowered = str(key).lower()
        if any(word in lowered for word in FORBIDDEN_DETAIL_KEYS):
            raise ValueError(f"the audit trail must not keep {key!r}")
    encoded = json.dumps(details, default=str, sort_keys=True)
    if len(encoded) > MAX_DETAILS_LENGTH:
        raise ValueError("audit details are too long; keep what changed, not whole documents")
    return json.loads(encoded)


def record(actor: User | None, action: str, *, subject_type: str, subject_id: int | None,
           now: datetime, details: dict | None = None) -> None:
    """Add one trail entry to the current transaction (not committed here).

    `actor` is None for actions not taken by a person (the command line, scheduled jobs).
    `details` holds what changed, JSON-ready (dates become ISO text); never personal documents,
    ballots or secrets.
    """
    db.session.add(AuditEntry(
        at=now,
        actor_id=actor.id if actor is not None else None,
        actor_name=actor.display_name if actor is not None else "",
        actor_email=actor.email if actor is not None else "",
        actor_role=actor.role if actor is not None else "",
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        details=_check_details(details or {}),
    ))
