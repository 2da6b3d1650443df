"""Who entered which ballot, and who verified whom: the record staff check, by channel, person and day.

Only participation rows (channel, staff member, time) and verification rows are read here, never
what anyone chose. Days are the city's calendar days.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from civic.accounts.models import User
from civic.budgets.models import VOTE_CHANNELS, Budget, Participation, VerificationRequest, Voter
from civic.extensions import db

ASSISTED_CHANNELS = tuple(channel for channel in VOTE_CHANNELS if channel != "online")
LISTED_ROWS = 200  # rows listed one by one; the counts always cover everything


def channel_counts(budget: Budget) -> dict[str, int]:
    """Ballots per channel, for the published results ({} for an imported budget: unknown)."""
    if budget.imported:
        return {}
    rows = dict(db.session.execute(sa.select(Participation.channel, sa.func.count())
                                   .where(Participation.budget_id == budget.id)
                                   .group_by(Participation.channel)).all())
    return {channel: rows.get(channel, 0) for channel in VOTE_CHANNELS}


@dataclass(frozen=True)
class Filters:
    channel: str | None = None
    staff_id: int | None = None
    day: date | None = None


@dataclass(frozen=True)
class Row:
    at: datetime
    day: date
    kind: str  # a channel for ballots; "listed" or "off_list" for verifications
    staff_id: int | None
    staff_name: str
    second_name: str = ""  # who approved an off-list verification


@dataclass
class Record:
    rows: list[Row]  # filtered, newest first, at most LISTED_ROWS
    total: int  # filtered
    groups: list[tuple[date, str, str, int]]  # (day, kind, staff name, count), filtered
    by_kind: dict[str, int]  # filtered
    staff: list[tuple[int, str]] = field(default_factory=list)  # everyone who appears, for the filter
    days: list[date] = field(default_factory=list)


def _summarise(rows: list[Row], filters: Filters) -> Record:
    chosen = [row for row in rows if (filters.channel is None or row.kind == filters.channel)
              and (filters.staff_id is None or row.staff_id == filters.staff_id)
              and (filters.day is None or row.day == filters.day)]
    names = {row.staff_id: row.staff_name for row in rows if row.staff_id is not None}
    counted = Counter((row.day, row.kind, row.staff_id) for row in chosen)
    groups = sorted(((day, kind, names.get(staff_id, ""), number) for (day, kind, staff_id), number in counted.items()),
                    key=lambda group: (-group[0].toordinal(), group[1], group[2]))
    return Record(rows=chosen[:LISTED_ROWS], total=len(chosen), groups=groups,
                  by_kind=dict(Counter(row.kind for row in chosen)),
                  staff=sorted(names.items(), key=lambda item: item[1].casefold()),
                  days=sorted({row.day for row in rows}, reverse=True))


def assisted_ballots(budget: Budget, filters: Filters, zone: tzinfo) -> Record:
    """Every ballot of the budget last entered by staff, with its channel, staff member and time."""
    rows = db.session.execute(
        sa.select(Participation.changed_at, Participation.channel, Participation.entered_by_id, User.display_name)
        .outerjoin(User, User.id == Participation.entered_by_id)
        .where(Participation.budget_id == budget.id, Participation.channel != "online")
        .order_by(Participation.changed_at.desc(), Participation.id.desc()))
    return _summarise([Row(at=at, day=at.astimezone(zone).date(), kind=channel, staff_id=staff_id,
                           staff_name=name or "") for at, channel, staff_id, name in rows], filters)


def verifications(filters: Filters, zone: tzinfo) -> Record:
    """Every in-person verification: of a listed document by one staff member, or of one that is not
    on the list, by the staff member who saw it and the colleague who approved it."""
    verifier, approver = aliased(User), aliased(User)
    rows = db.session.execute(
        sa.select(Voter.verified_at, Voter.verified_by_id, verifier.display_name, approver.display_name,
                  VerificationRequest.id)
        .outerjoin(verifier, verifier.id == Voter.verified_by_id)
        .outerjoin(VerificationRequest, sa.and_(VerificationRequest.voter_id == Voter.id,
                                                VerificationRequest.status == "approved"))
        .outerjoin(approver, approver.id == VerificationRequest.decided_by_id)
        .where(Voter.method == "in_person")
        .order_by(Voter.verified_at.desc(), Voter.id.desc()))
    return _summarise([Row(at=at, day=at.astimezone(zone).date(), kind="off_list" if request_id else "listed",
                           staff_id=staff_id, staff_name=name or "", second_name=second or "")
                       for at, staff_id, name, second, request_id in rows], filters)


def decided_requests(limit: int = LISTED_ROWS) -> list[VerificationRequest]:
    """Requests refused or withdrawn, newest first (approved ones are listed as verifications)."""
    return list(db.session.scalars(
        sa.select(VerificationRequest).where(VerificationRequest.status.in_(("refused", "withdrawn")))
        .order_by(VerificationRequest.decided_at.desc(), VerificationRequest.id.desc()).limit(limit)))
