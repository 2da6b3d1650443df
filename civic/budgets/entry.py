"""Ballots that staff enter: at a desk, by phone, and paper ballots entered twice, blind.

Each service here owns its transaction, as `voting.cast_ballot` does: the ballot and its audit
entry commit together, and a lost race is rolled back and tried again.

Paper ballots (PAPER_DOUBLE_ENTRY, on by default) are cast only when two staff members have
entered the same choices for the same document. The first entry waits, sealed like a ballot
(nothing in the row says what was chosen), and nobody is shown it: the second person types what
they read on the paper. Entries that differ are flagged for reconciliation; anyone then reads the
paper again and enters it, and the ballot is cast as soon as an entry agrees with one by someone
else. Waiting entries are not ballots: they are never counted, and they are removed when the
results are published.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import selectinload

from civic.accounts.models import User
from civic.budgets import rules, sealing, voting
from civic.budgets.eligibility import may_vote_in
from civic.budgets.models import Budget, PaperBallot, PaperEntry, Participation, Voter
from civic.budgets.services import require_staff
from civic.core.audit import record, register_actions
from civic.core.errors import DomainError
from civic.core.messages import lazy_gettext as _l
from civic.extensions import db

ATTEMPTS = 8
T = TypeVar("T")

register_actions({
    "ballot.entered_assisted": _l("Entered a ballot received at a desk, by phone or on paper"),
    "ballot.paper_entry": _l("Entered a paper ballot (one of two entries)"),
    "ballot.paper_reconciled": _l("Reconciled a paper ballot whose two entries differed"),
})


def double_entry() -> bool:
    return bool(current_app.config.get("PAPER_DOUBLE_ENTRY", True))


def _committed(action: Callable[[], T]) -> T:
    for attempt in range(ATTEMPTS):
        try:
            result = action()
            db.session.commit()
            return result
        except (IntegrityError, OperationalError):
            db.session.rollback()
            if attempt == ATTEMPTS - 1:
                raise
            time.sleep(random.uniform(0.002, 0.02) * (attempt + 1))
    raise AssertionError("unreachable")


def enter_assisted(actor: User, budget: Budget, voter: Voter, choices: rules.Choices, now: datetime,
                   how: voting.Cast) -> Participation:
    """Cast a ballot entered by staff in one go (desk, phone; paper when double entry is off)."""
    require_staff(actor)
    budget_id, voter_id = budget.id, voter.id

    def once() -> Participation:
        participation = voting.cast_ballot(voter_id, budget_id, choices, now, how, commit=False)
        record(actor, "ballot.entered_assisted", subject_type="participation", subject_id=participation.id,
               now=now, details={"budget_id": budget_id, "channel": how.channel})
        return participation

    return _committed(once)


@dataclass
class PaperOutcome:
    status: str  # "waiting": first entry kept; "mismatch": entries differ; "cast": two entries agreed
    participation: Participation | None = None
    reconciled: bool = False


def _context(budget_id: int, voter_id: int) -> str:
    return f"paper:{budget_id}:{voter_id}"


def _locked_paper(budget_id: int, voter_id: int, now: datetime) -> PaperBallot:
    """The paper ballot of this voter, created if need be, with a write lock so that two entries of
    the same paper are compared one after the other."""
    query = sa.select(PaperBallot).where(PaperBallot.budget_id == budget_id, PaperBallot.voter_id == voter_id)
    for _attempt in range(ATTEMPTS):
        paper = db.session.scalars(query).first()
        if paper is None:
            try:
                with db.session.begin_nested():
                    paper = PaperBallot(budget_id=budget_id, voter_id=voter_id, opened_at=now)
                    db.session.add(paper)
            except IntegrityError:
                continue
        locked = db.session.execute(sa.update(PaperBallot).where(PaperBallot.id == paper.id)
                                    .values(opened_at=PaperBallot.opened_at)).rowcount
        if locked:
            return db.session.scalars(query.options(selectinload(PaperBallot.entries))
                                      .execution_options(populate_existing=True)).one()
        db.session.expunge(paper)  # cast and removed by a colleague meanwhile: start again
    raise DomainError(_l("A colleague is entering this paper ballot at this very moment. Try again."))


def enter_paper(actor: User, budget: Budget, voter: Voter, choices: rules.Choices, now: datetime,
                replace: bool = False) -> PaperOutcome:
    """One staff member's entry of a paper ballot; the ballot is cast when it agrees with an entry
    by someone else."""
    require_staff(actor)
    if voting.state(budget, now) != "open":
        raise DomainError(_l("Voting is not open, so ballots cannot be entered."))
    if not may_vote_in(voter, budget):
        raise DomainError(_l("This budget is only for residents of %(district)s.",
                             district=budget.district.name.text if budget.district else ""))
    check = rules.check(budget, choices)
    if not check.valid:
        raise voting.BallotRejected(check)
    if voting.participation_of(budget, voter) is not None and not replace:
        raise DomainError(_l("This resident has already voted. Tick “Replace their ballot” only if they asked "
                             "to change it."), "replace")
    budget_id, voter_id, project_count = budget.id, voter.id, len(budget.projects)
    return _committed(lambda: _enter_once(actor, budget_id, voter_id, project_count, dict(choices), now, replace))


def _enter_once(actor: User, budget_id: int, voter_id: int, project_count: int, choices: dict[int, int],
                now: datetime, replace: bool) -> PaperOutcome:
    paper = _locked_paper(budget_id, voter_id, now)
    context = _context(budget_id, voter_id)
    others = [entry for entry in paper.entries if entry.entered_by_id != actor.id]
    agreeing = next((entry for entry in others if sealing.unseal(context, entry.sealed) == choices), None)
    if agreeing is not None:
        reconciled = len(paper.entries) >= 2  # two people had already disagreed
        participation = voting.cast_ballot(voter_id, budget_id, choices, now,
                                           voting.Cast(channel="paper", entered_by=actor, replace=replace),
                                           commit=False)
        record(actor, "ballot.paper_reconciled" if reconciled else "ballot.paper_entry",
               subject_type="participation", subject_id=participation.id, now=now,
               details={"budget_id": budget_id, "channel": "paper", "agreed_with": agreeing.entered_by_id,
                        "entered_by": sorted({entry.entered_by_id for entry in paper.entries} | {actor.id})})
        db.session.delete(paper)
        db.session.flush()
        return PaperOutcome("cast", participation, reconciled)
    sealed = sealing.seal(context, choices, project_count)
    own = next((entry for entry in paper.entries if entry.entered_by_id == actor.id), None)
    if own is not None:  # reading the paper again replaces one's own earlier entry
        own.sealed, own.entered_at = sealed, now
    else:
        paper.entries.append(PaperEntry(entered_by_id=actor.id, entered_at=now, sealed=sealed))
    db.session.flush()
    record(actor, "ballot.paper_entry", subject_type="paper_ballot", subject_id=paper.id, now=now,
           details={"budget_id": budget_id, "channel": "paper", "agreed": False, "differs": bool(others)})
    return PaperOutcome("mismatch" if others else "waiting")


@dataclass
class PendingPaper:
    paper: PaperBallot
    entries: list[PaperEntry]

    @property
    def mismatch(self) -> bool:
        return len(self.entries) >= 2


def pending_paper(budget: Budget) -> list[PendingPaper]:
    """Paper ballots entered once, or whose entries differ, oldest first."""
    papers = db.session.scalars(sa.select(PaperBallot).where(PaperBallot.budget_id == budget.id)
                                .options(selectinload(PaperBallot.entries).selectinload(PaperEntry.entered_by))
                                .order_by(PaperBallot.opened_at, PaperBallot.id))
    return [PendingPaper(paper, list(paper.entries)) for paper in papers]


def pending_paper_count(budget: Budget) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(PaperBallot)
                             .where(PaperBallot.budget_id == budget.id))


def discard_unresolved(budget: Budget) -> int:
    """When the results are published: entries still waiting can never count; remove them, say how many."""
    left = pending_paper_count(budget)
    if left:
        db.session.execute(sa.delete(PaperEntry).where(PaperEntry.paper_ballot_id.in_(
            sa.select(PaperBallot.id).where(PaperBallot.budget_id == budget.id))))
        db.session.execute(sa.delete(PaperBallot).where(PaperBallot.budget_id == budget.id))
    return left
