"""The audit trail as administrators read it: filters, pages, and the CSV and JSON exports.

The trail itself lives in `civic.core.audit`; this module only reads it, for administrators.
A person's own entries are part of "Download my data". Deleting an account erases nothing here:
staff and administrators act for a public body, so the snapshot of name, e-mail and role taken at
each action stays (see the `civic.core.audit` docstring).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

import sqlalchemy as sa

from civic.accounts.models import User
from civic.accounts.personal_data import register_exporter
from civic.core import audit
from civic.core.audit import AuditEntry
from civic.core.csvsafe import cell
from civic.core.errors import NotAllowed
from civic.core.messages import lazy_gettext as _l
from civic.extensions import db

ENTRIES_PER_PAGE = 50
CSV_COLUMNS = ("id", "at", "actor_id", "actor_name", "actor_email", "actor_role", "action", "action_label",
               "subject_type", "subject_id", "details")

audit.register_subject_types({"user": _l("account")})


@dataclass(frozen=True)
class AuditFilter:
    """What an administrator asked to see. Dates are calendar days in the city's time zone."""

    action: str = ""
    actor: str = ""  # part of the name or e-mail address at the time, or an account number
    subject_type: str = ""
    subject_id: int | None = None
    since: date | None = None
    until: date | None = None

    def args(self) -> dict:
        """The filter as query-string arguments, for links to other pages and to the exports."""
        values = {"action": self.action, "actor": self.actor, "subject_type": self.subject_type,
                  "subject_id": self.subject_id, "since": self.since.isoformat() if self.since else None,
                  "until": self.until.isoformat() if self.until else None}
        return {key: value for key, value in values.items() if value not in (None, "")}


def require_admin(actor: User | None) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_admin:
        raise NotAllowed(_l("Only administrators can read the audit trail."))


def _start_of(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


def _query(where: AuditFilter, zone: tzinfo) -> sa.Select:
    query = sa.select(AuditEntry)
    if where.action:
        query = query.where(AuditEntry.action == where.action)
    actor = where.actor.strip().lower()
    if actor.lstrip("#").isdigit():
        query = query.where(AuditEntry.actor_id == int(actor.lstrip("#")))
    elif actor:
        pattern = f"%{actor}%"
        query = query.where(sa.or_(sa.func.lower(AuditEntry.actor_name).like(pattern),
                                   sa.func.lower(AuditEntry.actor_email).like(pattern)))
    if where.subject_type:
        query = query.where(AuditEntry.subject_type == where.subject_type)
    if where.subject_id is not None:
        query = query.where(AuditEntry.subject_id == where.subject_id)
    if where.since is not None:
        query = query.where(AuditEntry.at >= _start_of(where.since, zone))
    if where.until is not None:
        query = query.where(AuditEntry.at < _start_of(where.until + timedelta(days=1), zone))
    return query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


def list_entries(actor: User | None, where: AuditFilter, *, zone: tzinfo, page: int = 1):
    """One page of matching entries, newest first."""
    require_admin(actor)
    return db.paginate(_query(where, zone), page=page, per_page=ENTRIES_PER_PAGE, error_out=False)


def subject_types() -> list[str]:
    """Every kind of subject the trail mentions, for the filter."""
    return list(db.session.scalars(sa.select(AuditEntry.subject_type).distinct().order_by(AuditEntry.subject_type)))


def _row(entry: AuditEntry) -> dict:
    return {"id": entry.id, "at": entry.at.isoformat(), "actor_id": entry.actor_id, "actor_name": entry.actor_name,
            "actor_email": entry.actor_email, "actor_role": entry.actor_role, "action": entry.action,
            "action_label": str(audit.label_for(entry.action)), "subject_type": entry.subject_type,
            "subject_id": entry.subject_id, "details": entry.details}


def _entries(where: AuditFilter, zone: tzinfo) -> Iterator[AuditEntry]:
    # Run when the response is written (not when the view returns), in batches.
    yield from db.session.scalars(_query(where, zone).execution_options(yield_per=500))


def export_csv(actor: User | None, where: AuditFilter, *, zone: tzinfo) -> Iterator[str]:
    """The matching entries as CSV lines; text cells are spreadsheet-safe (no formulas)."""
    require_admin(actor)
    entries = _entries(where, zone)

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        for entry in entries:
            row = _row(entry)
            row["details"] = json.dumps(row["details"], ensure_ascii=False, sort_keys=True)
            writer.writerow([cell(row[column]) for column in CSV_COLUMNS])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue()

    return lines()


def export_json(actor: User | None, where: AuditFilter, *, zone: tzinfo) -> Iterator[str]:
    """The matching entries as one JSON array, written piece by piece."""
    require_admin(actor)
    entries = _entries(where, zone)

    def pieces() -> Iterator[str]:
        yield "["
        for number, entry in enumerate(entries):
            yield ("," if number else "") + json.dumps(_row(entry), ensure_ascii=False, sort_keys=True)
        yield "]\n"

    return pieces()


def export_own_entries(user: User) -> list[dict]:
    """For "Download my data": what this person did as staff or administrator."""
    query = sa.select(AuditEntry).where(AuditEntry.actor_id == user.id).order_by(AuditEntry.at, AuditEntry.id)
    return [{"at": entry.at.isoformat(), "action": entry.action, "subject_type": entry.subject_type,
             "subject_id": entry.subject_id, "details": entry.details} for entry in db.session.scalars(query)]


register_exporter("audit_trail", export_own_entries)
