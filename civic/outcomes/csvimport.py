"""The CSV import of outcome progress updates: good rows are posted, bad rows reported by line."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from civic.accounts.models import User
from civic.core import audit
from civic.core.csvimport import read_csv
from civic.core.errors import DomainError
from civic.core.inputs import bounded_int
from civic.core.messages import lazy_gettext as _l
from civic.extensions import db
from civic.outcomes.models import Outcome
from civic.outcomes.services import UpdateData, post_update, require_tracker

MAX_IMPORT_BYTES = 5 * 1024 * 1024


@dataclass
class ImportReport:
    added: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)


CSV_COLUMNS = ("outcome_id", "date", "progress", "status", "text", "actual_cost")


def import_updates(actor: User | None, raw: bytes, now: datetime, language: str = "en") -> ImportReport:
    """Rows of `outcome_id,date,progress,status,text,actual_cost`. Good rows are posted as updates;
    each bad row is reported by line with the reason and changes nothing."""
    require_tracker(actor)
    if len(raw) > MAX_IMPORT_BYTES:
        raise DomainError(_l("The file is larger than 5 MB. Split it into smaller files."), "file")
    _, records = read_csv(raw, required=("outcome_id", "date", "text"), header_error=_l(
        "The first line must name the columns: outcome_id,date,progress,status,text,actual_cost."))
    report = ImportReport()
    for record in records:
        line, row = record.line, record.values
        if row is None:
            report.rejected.append((line, record.problem))
            continue
        try:
            outcome, data = _parse_row(row, language)
            with db.session.begin_nested():
                post_update(actor, outcome, data, now, source="csv")
        except DomainError as error:
            report.rejected.append((line, error.message))
            continue
        report.added += 1
    audit.record(actor, "outcome.updates_imported", subject_type="outcome", subject_id=None, now=now,
                 details={"added": report.added, "rejected_lines": [line for line, _message in report.rejected]})
    return report


def _parse_row(row: dict[str, str], language: str) -> tuple[Outcome, UpdateData]:
    try:
        outcome = db.session.get(Outcome, bounded_int(row.get("outcome_id", "")))
    except ValueError:
        outcome = None
    if outcome is None:
        raise DomainError(_l("No outcome has the number %(value)s.", value=row.get("outcome_id", "")))
    try:
        on = date.fromisoformat(row.get("date", ""))
    except ValueError:
        raise DomainError(_l("The date must be written as YYYY-MM-DD, for example 2026-03-31.")) from None
    progress = None
    if row.get("progress"):
        try:
            progress = bounded_int(row["progress"].rstrip("%").strip())
        except ValueError:
            raise DomainError(_l("Progress must be a whole number from 0 to 100.")) from None
    cost = None
    if row.get("actual_cost"):
        try:
            cost = Decimal(row["actual_cost"].replace(",", ""))
        except InvalidOperation:
            raise DomainError(_l("The actual cost must be a number, such as 125000.50.")) from None
        if not cost.is_finite():  # "NaN" and "Infinity" are Decimals too
            raise DomainError(_l("The actual cost must be a number, such as 125000.50."))
    status = row.get("status") or None
    return outcome, UpdateData(on=on, text=row.get("text", ""), progress=progress, status=status, actual_cost=cost,
                               language=language)


# Monitoring -------------------------------------------------------------------------------------
