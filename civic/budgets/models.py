"""Budgets, projects, voter verification, participation and secret ballots.

Ballot secrecy is a property of this schema (docs/ballot-secrecy.md). While a vote is open, what a
voter chose exists only in `sealed_ballot`, encrypted under `VOTING_KEY` and found through a keyed
hash of (voter, budget). `participation` says who voted (and how) but never what. The counted
tables `ballot` and `ballot_choice` are written once, when the vote closes, in a fresh random order
and in one transaction, with random ids and nothing that points back to a voter.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from civic.accounts.models import User
from civic.city.models import District
from civic.core.db import UTCDateTime, in_list, utcnow
from civic.core.i18n import LocalizedText, localized
from civic.core.inputs import MAX_COUNT, MAX_MONEY
from civic.extensions import db
from civic.processes.models import Process

BALLOT_KINDS = ("approval", "knapsack", "choose_one", "cumulative", "ranked")
COUNTING_RULES = ("greedy", "greedy-no-skip", "greedy-threshold", "equalshares/add1")
# Equal shares needs approval-style ballots (cost satisfaction).
EQUAL_SHARES_KINDS = ("approval", "knapsack", "choose_one")
VOTE_CHANNELS = ("online", "desk", "paper", "phone")
VERIFICATION_METHODS = ("list", "in_person")
AGE_BANDS = ("16-24", "25-34", "35-49", "50-64", "65+")
GENDERS = ("woman", "man", "another")
Texts = dict[str, str]

project_proposal = sa.Table(
    "project_proposal",
    db.metadata,
    sa.Column("project_id", sa.ForeignKey("project.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("proposal_id", sa.ForeignKey("proposal.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Budget(db.Model):
    __tablename__ = "budget"
    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint(in_list("ballot_kind", BALLOT_KINDS), name="ballot_kind_known"),
        sa.CheckConstraint(in_list("counting_rule", COUNTING_RULES), name="counting_rule_known"),
        sa.CheckConstraint(f"counting_rule != 'equalshares/add1' OR {in_list('ballot_kind', EQUAL_SHARES_KINDS)}",
                           name="equal_shares_needs_approval"),
        sa.CheckConstraint("closes_at IS NULL OR opens_at IS NULL OR closes_at > opens_at", name="window_in_order"),
        sa.CheckConstraint("min_projects IS NULL OR min_projects >= 1", name="min_projects_positive"),
        sa.CheckConstraint("max_projects IS NULL OR max_projects >= coalesce(min_projects, 1)",
                           name="max_projects_above_min"),
        sa.CheckConstraint("min_spend IS NULL OR (min_spend > 0 AND min_spend <= amount)", name="min_spend_range"),
        sa.CheckConstraint("ballot_kind != 'cumulative' OR (max_points_total >= 1 AND max_points_per_project >= 1)",
                           name="cumulative_has_points"),
        sa.CheckConstraint("ballot_kind != 'ranked' OR max_ranks >= 1", name="ranked_has_length"),
        sa.CheckConstraint("threshold >= 0", name="threshold_positive"),
        sa.CheckConstraint("length(currency) = 3", name="currency_code"),
        # Upper bounds (migration 0010; triggers on SQLite): the forms refuse the same values.
        sa.CheckConstraint(f"amount <= {MAX_MONEY}", name="amount_bounded"),
        sa.CheckConstraint(" AND ".join(f"coalesce({column}, 0) <= {MAX_COUNT}" for column in (
            "min_projects", "max_projects", "max_points_total", "max_points_per_project", "max_ranks", "threshold")),
            name="counts_bounded"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(sa.ForeignKey("process.id", ondelete="CASCADE"), index=True)
    titles: Mapped[Texts] = mapped_column(sa.JSON, default=dict)
    descriptions: Mapped[Texts] = mapped_column(sa.JSON, default=dict)
    original_language: Mapped[str] = mapped_column(sa.String(8), default="en")
    amount: Mapped[int] = mapped_column(sa.BigInteger)  # whole currency units
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    # None: every verified resident of the city may vote.
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("district.id", ondelete="SET NULL"))
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # staff closed the vote for counting
    ballot_kind: Mapped[str] = mapped_column(sa.String(12), default="approval")
    min_projects: Mapped[int | None]
    max_projects: Mapped[int | None]
    min_spend: Mapped[int | None] = mapped_column(sa.BigInteger)
    max_points_per_project: Mapped[int | None]
    max_points_total: Mapped[int | None]
    max_ranks: Mapped[int | None]
    counting_rule: Mapped[str] = mapped_column(sa.String(20), default="greedy")
    threshold: Mapped[int] = mapped_column(default=0)  # minimum score for greedy-threshold
    # Pabulib imports keep the file's META so an export can give it back.
    source_meta: Mapped[dict | None] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    process: Mapped[Process] = relationship()
    district: Mapped[District | None] = relationship()
    projects: Mapped[list[Project]] = relationship(back_populates="budget", order_by="Project.position, Project.id",
                                                   cascade="all, delete-orphan")
    publication: Mapped[ResultPublication | None] = relationship(back_populates="budget", uselist=False)

    def text(self, field: str) -> LocalizedText:
        return localized(getattr(self, field), self.original_language)

    @property
    def imported(self) -> bool:
        return self.source_meta is not None


class Project(db.Model):
    __tablename__ = "project"
    __table_args__ = (
        sa.CheckConstraint("cost > 0", name="cost_positive"),
        sa.CheckConstraint(f"cost <= {MAX_MONEY}", name="cost_bounded"),
        sa.CheckConstraint("photo_type IS NULL OR length(photo_alt) > 0", name="photo_has_alt"),
        sa.UniqueConstraint("budget_id", "external_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int] = mapped_column(sa.ForeignKey("budget.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str | None] = mapped_column(sa.String(64))  # the Pabulib project id of an import
    titles: Mapped[Texts] = mapped_column(sa.JSON, default=dict)
    descriptions: Mapped[Texts] = mapped_column(sa.JSON, default=dict)
    feasibility: Mapped[Texts] = mapped_column(sa.JSON, default=dict)
    original_language: Mapped[str] = mapped_column(sa.String(8), default="en")
    cost: Mapped[int] = mapped_column(sa.BigInteger)
    position: Mapped[int] = mapped_column(default=0)
    photo: Mapped[bytes | None] = deferred(mapped_column(sa.LargeBinary))
    photo_type: Mapped[str | None] = mapped_column(sa.String(20))
    photo_alt: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    budget: Mapped[Budget] = relationship(back_populates="projects")
    proposals = relationship("Proposal", secondary=project_proposal, order_by="Proposal.id")

    def text(self, field: str) -> LocalizedText:
        return localized(getattr(self, field), self.original_language)

    @property
    def public_id(self) -> str:
        """The id in open data and Pabulib files: the file's own for imports, ours otherwise."""
        return self.external_id or str(self.id)


class EligibleDocument(db.Model):
    """One row of the eligibility list: a keyed hash of the document number, never the number."""

    __tablename__ = "eligible_document"

    document_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("district.id", ondelete="SET NULL"))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Voter(db.Model):
    """A verified person. One document, one voter; one voter, at most one account.

    A person verified at a desk may have no account; verifying the same document online later
    attaches the account, so the one-ballot rule holds across channels.
    """

    __tablename__ = "voter"
    __table_args__ = (
        sa.UniqueConstraint("document_hash"),
        sa.UniqueConstraint("user_id"),
        sa.CheckConstraint(in_list("method", VERIFICATION_METHODS), name="method_known"),
        sa.CheckConstraint("method != 'in_person' OR verified_by_id IS NOT NULL", name="in_person_has_staff"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_hash: Mapped[str] = mapped_column(sa.String(64))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("district.id", ondelete="SET NULL"))
    method: Mapped[str] = mapped_column(sa.String(12))
    verified_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    verified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    district: Mapped[District | None] = relationship()


class Participation(db.Model):
    """Who voted in a budget, when and through which channel; never what they chose."""

    __tablename__ = "participation"
    __table_args__ = (
        sa.UniqueConstraint("budget_id", "voter_id"),
        sa.CheckConstraint(in_list("channel", VOTE_CHANNELS), name="channel_known"),
        sa.CheckConstraint("channel = 'online' OR entered_by_id IS NOT NULL", name="assisted_has_staff"),
        sa.CheckConstraint(f"age_band IS NULL OR {in_list('age_band', AGE_BANDS)}", name="age_band_known"),
        sa.CheckConstraint(f"gender IS NULL OR {in_list('gender', GENDERS)}", name="gender_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int] = mapped_column(sa.ForeignKey("budget.id", ondelete="CASCADE"), index=True)
    # RESTRICT: deleting a voter must never leave a counted ballot without its participation record.
    voter_id: Mapped[int] = mapped_column(sa.ForeignKey("voter.id", ondelete="RESTRICT"), index=True)
    channel: Mapped[str] = mapped_column(sa.String(10), default="online")
    entered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    receipt: Mapped[str] = mapped_column(sa.String(20))
    first_voted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Cast before the current account took over the document (a deleted account's, or a desk voter's):
    # that account may see that the document voted here, never what, the receipt or the answers.
    inherited: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Voluntary, for the representativeness report only (shown aggregated, small groups hidden).
    age_band: Mapped[str | None] = mapped_column(sa.String(8))
    gender: Mapped[str | None] = mapped_column(sa.String(10))

    budget: Mapped[Budget] = relationship()
    voter: Mapped[Voter] = relationship()
    entered_by: Mapped[User | None] = relationship(foreign_keys=[entered_by_id])


class SealedBallot(db.Model):
    """A ballot of an open vote: AES-GCM ciphertext of the choices, padded to one size per budget.

    `voter_key` = HMAC(voting key, voter id + budget id): without the key it names no one, and the
    contents cannot be read. No timestamp, channel or size that differs between ballots. Database
    triggers refuse new or changed rows once the vote is closed.
    """

    __tablename__ = "sealed_ballot"

    budget_id: Mapped[int] = mapped_column(sa.ForeignKey("budget.id", ondelete="CASCADE"), primary_key=True)
    voter_key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    sealed: Mapped[bytes] = mapped_column(sa.LargeBinary)


class Ballot(db.Model):
    """A counted ballot: written when the vote closes (or by an import), linked to no voter.

    Database triggers refuse rows for a budget whose vote is still open.
    """

    __tablename__ = "ballot"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)  # random, so not in voting order
    budget_id: Mapped[int] = mapped_column(sa.ForeignKey("budget.id", ondelete="CASCADE"), index=True)

    choices: Mapped[list[BallotChoice]] = relationship(cascade="all, delete-orphan", order_by="BallotChoice.rank")


class BallotChoice(db.Model):
    __tablename__ = "ballot_choice"
    __table_args__ = (
        sa.CheckConstraint("points >= 1", name="points_positive"),
        sa.CheckConstraint("rank IS NULL OR rank >= 1", name="rank_positive"),
        sa.UniqueConstraint("ballot_id", "rank"),
    )

    ballot_id: Mapped[str] = mapped_column(sa.ForeignKey("ballot.id", ondelete="CASCADE"), primary_key=True)
    # RESTRICT: removing a project must never silently take choices out of cast ballots.
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("project.id", ondelete="RESTRICT"), primary_key=True,
                                            index=True)
    points: Mapped[int] = mapped_column(default=1)  # 1 for approval ballots, the points given for cumulative
    rank: Mapped[int | None]  # 1 = first choice, for ranked ballots


class ResultPublication(db.Model):
    """Published results: written once, never changed (database triggers refuse UPDATE and DELETE)."""

    __tablename__ = "result_publication"
    __table_args__ = (sa.UniqueConstraint("budget_id"), sa.CheckConstraint("length(ballots_sha256) = 64",
                                                                           name="sha256_length"))

    id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int] = mapped_column(sa.ForeignKey("budget.id"))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    rule: Mapped[str] = mapped_column(sa.String(20))
    results: Mapped[dict] = mapped_column(sa.JSON)  # the tally, as counted
    voters: Mapped[int]
    eligible: Mapped[int | None]
    # The anonymous ballots as a Pabulib file, and its SHA-256, so anyone can recount.
    ballots_file: Mapped[str] = deferred(mapped_column(sa.Text, nullable=False))
    ballots_sha256: Mapped[str] = mapped_column(sa.String(64))

    budget: Mapped[Budget] = relationship(back_populates="publication")


# Four eyes on the vote ---------------------------------------------------------------------------

REQUEST_STATUSES = ("pending", "approved", "refused", "withdrawn")


class VerificationRequest(db.Model):
    """A document that is not on the eligibility list, seen by one staff member at a desk.

    It verifies no one until a different staff member types the same document number again and
    approves it (a CHECK refuses an approval or refusal by the requester, who may only withdraw it). Only the keyed hash of the number is
    kept. A database trigger (migration 0011) refuses an in-person voter whose document is neither on
    the list nor approved here.
    """

    __tablename__ = "verification_request"
    __table_args__ = (
        sa.CheckConstraint(in_list("status", REQUEST_STATUSES), name="status_known"),
        # Only the requester may withdraw; only someone else may approve or refuse.
        sa.CheckConstraint("decided_by_id IS NULL OR (decided_by_id = requested_by_id) = (status = 'withdrawn')",
                           name="second_staff"),
        sa.CheckConstraint("status = 'pending' OR (decided_by_id IS NOT NULL AND decided_at IS NOT NULL)",
                           name="decision_has_staff"),
        sa.Index("ix_verification_request_pending_document", "document_hash", unique=True,
                 sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_hash: Mapped[str] = mapped_column(sa.String(64))
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("district.id", ondelete="SET NULL"))
    # The account to attach once approved, if the resident has one.
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voter_id: Mapped[int | None] = mapped_column(sa.ForeignKey("voter.id", ondelete="SET NULL"), index=True)

    district: Mapped[District | None] = relationship()
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class PaperBallot(db.Model):
    """A paper ballot being entered twice, blind, by two staff members. Not a ballot: nothing here is
    counted. It is cast (and deleted) when two entries by different people agree."""

    __tablename__ = "paper_ballot"
    __table_args__ = (sa.UniqueConstraint("budget_id", "voter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int] = mapped_column(sa.ForeignKey("budget.id", ondelete="CASCADE"), index=True)
    voter_id: Mapped[int] = mapped_column(sa.ForeignKey("voter.id", ondelete="CASCADE"), index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    entries: Mapped[list[PaperEntry]] = relationship(cascade="all, delete-orphan", order_by="PaperEntry.id")


class PaperEntry(db.Model):
    """One staff member's reading of a paper ballot, sealed like a ballot: no column says what was chosen."""

    __tablename__ = "paper_entry"
    __table_args__ = (sa.UniqueConstraint("paper_ballot_id", "entered_by_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    paper_ballot_id: Mapped[int] = mapped_column(sa.ForeignKey("paper_ballot.id", ondelete="CASCADE"), index=True)
    entered_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sealed: Mapped[bytes] = mapped_column(sa.LargeBinary)

    entered_by: Mapped[User] = relationship()
