"""Casting a ballot: one per voter per budget, never lost, never counted twice, never readable.

The database enforces it: `participation` is unique per (budget, voter) and `sealed_ballot` per
(budget, voter_key). A ballot is stored sealed (see `sealing`): only the key opens it. A change
overwrites the voter's one sealed row in a single UPDATE, which also takes its write lock, so two
submissions of the same voter are serialised on PostgreSQL and SQLite alike and the second one
replaces the first completely. A first ballot racing another first ballot loses on the unique
constraint and is retried as a change. Every cast holds a share lock on the budget row, which
closing the vote takes exclusively: no ballot can slip in while the sealed ballots are opened.
"""

from __future__ import annotations

import random
import secrets
import time
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from civic.core.messages import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError, OperationalError

from civic.accounts.models import User
from civic.budgets import rules, sealing
from civic.budgets.eligibility import keyed_hash, may_vote_in
from civic.budgets.models import AGE_BANDS, GENDERS, VOTE_CHANNELS, Budget, Participation, SealedBallot, Voter
from civic.core.errors import DomainError, NotAllowed
from civic.core.i18n import format_when
from civic.extensions import db

ATTEMPTS = 40
_RECEIPT_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L to misread on the phone


class BallotRejected(DomainError):
    """The ballot breaks the rule; `check.errors` lists every problem for the error summary."""

    def __init__(self, check: rules.BallotCheck):
        super().__init__(check.errors[0].message, check.errors[0].field)
        self.check = check


def state(budget: Budget, now: datetime) -> str:
    """draft, upcoming, open, ended (window over, not yet closed by staff), closed or published."""
    if budget.publication is not None:
        return "published"
    if budget.closed_at is not None:
        return "closed"
    if budget.opens_at is None or budget.closes_at is None:
        return "draft"
    if now < budget.opens_at:
        return "upcoming"
    if now >= budget.closes_at:
        return "ended"
    return "open"


def voting_closes_at(budget: Budget) -> datetime | None:
    return budget.closed_at or budget.closes_at


def voter_key(voter_id: int, budget_id: int) -> str:
    return keyed_hash("ballot", f"{voter_id}:{budget_id}")


def refusal(budget: Budget, user: User | None, voter: Voter | None, now: datetime) -> str | None:
    """Why this person cannot vote here now, as a code the page turns into a full sentence; None if they can."""
    current = state(budget, now)
    if current in ("draft", "upcoming"):
        return current
    if current != "open":
        return "closed"
    if user is None or not getattr(user, "is_authenticated", False):
        return "sign_in"
    if voter is None:
        return "verify"
    if not may_vote_in(voter, budget):
        return "district"
    participation = participation_of(budget, voter)
    if participation is not None and participation.inherited:
        return "inherited"
    return None


def own_participation(budget: Budget, voter: Voter | None) -> Participation | None:
    """The participation the signed-in account may see: not one cast before it took over the document."""
    participation = participation_of(budget, voter)
    return None if participation is None or participation.inherited else participation


def participation_of(budget: Budget, voter: Voter | None) -> Participation | None:
    if voter is None:
        return None
    return db.session.scalars(sa.select(Participation).where(Participation.budget_id == budget.id,
                                                             Participation.voter_id == voter.id)).first()


def choices_of(budget: Budget, voter: Voter | None) -> rules.Choices:
    """The voter's current ballot while the vote is open, found and opened only with the voting key.

    Empty once the vote is closed: the counted ballot no longer names its voter, not even to them.
    """
    if voter is None:
        return {}
    key = voter_key(voter.id, budget.id)
    sealed = db.session.scalar(sa.select(SealedBallot.sealed).where(SealedBallot.budget_id == budget.id,
                                                                    SealedBallot.voter_key == key))
    return {} if sealed is None else sealing.unseal(sealing.ballot_context(budget.id, key), sealed)


def _new_receipt() -> str:
    code = "".join(secrets.choice(_RECEIPT_ALPHABET) for _ in range(12))
    return "-".join(code[i:i + 4] for i in range(0, 12, 4))


@dataclass
class Cast:
    channel: str = "online"
    entered_by: User | None = None
    replace: bool = True  # staff must confirm before replacing a ballot already cast
    age_band: str | None = None
    gender: str | None = None


def _retryable(error: Exception) -> bool:
    orig = getattr(error, "orig", None)
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate in {"23505", "40001", "40P01", "55P03"}:
        return True
    message = str(orig or error).lower()
    return "unique constraint failed" in message or "database is locked" in message


def cast_ballot(voter_id: int, budget_id: int, choices: rules.Choices, now: datetime,
                how: Cast | None = None, *, commit: bool = True) -> Participation:
    """Store or replace the voter's ballot and commit. The service owns this transaction because
    losing a race means rolling back and trying again, which a view must not have to know.

    `commit=False` (demo data, imports inside a larger transaction): one attempt, no commit.
    """
    how = how or Cast()
    if not commit:
        return _cast_once(voter_id, budget_id, choices, now, how)
    for attempt in range(ATTEMPTS):
        try:
            participation = _cast_once(voter_id, budget_id, choices, now, how)
            db.session.commit()
            return participation
        except (IntegrityError, OperationalError) as error:
            db.session.rollback()
            if attempt == ATTEMPTS - 1 or not _retryable(error):
                raise
            time.sleep(random.uniform(0.002, 0.02) * min(attempt + 1, 10))
    raise AssertionError("unreachable")


def _locked_budget(budget_id: int) -> Budget | None:
    # FOR SHARE: voters do not wait for each other, only for (or instead of) closing the vote.
    return db.session.scalars(sa.select(Budget).where(Budget.id == budget_id).with_for_update(read=True)
                              .execution_options(populate_existing=True)).first()


def _cast_once(voter_id: int, budget_id: int, choices: rules.Choices, now: datetime, how: Cast) -> Participation:
    budget = _locked_budget(budget_id)
    voter = db.session.get(Voter, voter_id)
    if budget is None or voter is None:
        raise DomainError(_l("This budget or voter no longer exists."))
    if how.channel not in VOTE_CHANNELS:
        raise DomainError(_l("Choose how the ballot was received."), "channel")
    if how.channel != "online" and (how.entered_by is None or not how.entered_by.is_staff):
        raise NotAllowed(_l("Only city staff can enter ballots received on paper, at a desk or by phone."))
    current = state(budget, now)
    if current in ("draft", "upcoming"):
        raise DomainError(_l("Voting has not started yet."))
    if current != "open":
        raise DomainError(_l("Voting has closed; ballots can no longer be cast or changed."))
    if not may_vote_in(voter, budget):
        raise DomainError(_l("This budget is only for residents of %(district)s.",
                             district=budget.district.name.text if budget.district else ""))
    if how.age_band not in (None, *AGE_BANDS) or how.gender not in (None, *GENDERS):
        raise DomainError(_l("Choose an answer from the list, or leave it empty."))
    check = rules.check(budget, choices)
    if not check.valid:
        raise BallotRejected(check)

    key = voter_key(voter.id, budget.id)
    sealed = sealing.seal(sealing.ballot_context(budget.id, key),
                          {project.id: value for project, value in check.chosen}, len(budget.projects))
    # The write lock comes first: everything below sees the one current ballot or none.
    replaced = db.session.execute(sa.update(SealedBallot).where(SealedBallot.budget_id == budget.id,
                                                                SealedBallot.voter_key == key)
                                  .values(sealed=sealed)).rowcount
    if replaced:
        participation = participation_of(budget, voter)
        if participation is not None and participation.inherited and how.channel == "online":
            raise DomainError(_l("A ballot was already cast with this document before this account was "
                                 "verified. It stays counted; only city staff can change it, with the document "
                                 "in hand."))
        if not how.replace:
            raise DomainError(_l("This resident has already voted (%(when)s). Tick “Replace their ballot” "
                                 "only if they asked to change it.", when=format_when(participation.changed_at)
                                 if participation else ""), "replace")
    else:
        participation = Participation(budget_id=budget.id, voter_id=voter.id, receipt=_new_receipt(),
                                      first_voted_at=now)
        db.session.add(participation)
        db.session.flush()  # loses here, on the unique constraint, if another first ballot won
        db.session.execute(sa.insert(SealedBallot).values(budget_id=budget.id, voter_key=key, sealed=sealed))
    participation.changed_at = now
    participation.channel = how.channel
    participation.entered_by_id = how.entered_by.id if how.channel != "online" and how.entered_by else None
    if how.channel == "online":  # the resident's own answers, shown in their form, may also be withdrawn
        participation.age_band, participation.gender = how.age_band, how.gender
    db.session.flush()
    return participation
