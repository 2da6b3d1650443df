"""Outcomes and their dated progress updates."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from civic.accounts.models import User
from civic.city.models import District
from civic.core.db import UTCDateTime, in_list, utcnow
from civic.core.i18n import LocalizedText, localized
from civic.core.inputs import MAX_COUNT, MAX_DECIMAL_MONEY
from civic.extensions import db

STATUSES = ("planned", "in_progress", "completed", "delayed", "cancelled")
CLOSED_STATUSES = ("completed", "cancelled")
UPDATE_SOURCES = ("web", "csv")
Texts = dict[str, str]

outcome_project = sa.Table(
    "outcome_project",
    db.metadata,
    sa.Column("outcome_id", sa.ForeignKey("outcome.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("project_id", sa.ForeignKey("project.id", ondelete="CASCADE"), primary_key=True, index=True),
)

outcome_proposal = sa.Table(
    "outcome_proposal",
    db.metadata,
    sa.Column("outcome_id", sa.ForeignKey("outcome.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("proposal_id", sa.ForeignKey("proposal.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Outcome(db.Model):
    __tablename__ = "outcome"
    __table_args__ = (
        sa.CheckConstraint(in_list("status", STATUSES), name="status_known"),
        sa.CheckConstraint("progress BETWEEN 0 AND 100", name="progress_range"),
        sa.CheckConstraint("status != 'completed' OR progress = 100", name="completed_is_done"),
        sa.CheckConstraint("ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on", name="dates_in_order"),
        sa.CheckConstraint("estimated_cost IS NULL OR estimated_cost >= 0", name="estimate_positive"),
        sa.CheckConstraint("actual_cost IS NULL OR actual_cost >= 0", name="actual_positive"),
        sa.CheckConstraint("weight >= 1", name="weight_positive"),
        sa.CheckConstraint(f"coalesce(estimated_cost, 0) <= {MAX_DECIMAL_MONEY} AND "
                           f"coalesce(actual_cost, 0) <= {MAX_DECIMAL_MONEY}", name="costs_bounded"),
        sa.CheckConstraint(f"weight <= {MAX_COUNT}", name="weight_bounded"),
        sa.CheckConstraint("parent_id IS NULL OR parent_id != id", name="not_own_parent"),
        sa.CheckConstraint("length(currency) = 3", name="currency_code"),
        sa.UniqueConstraint("action_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    titles: Mapped[Texts] = mapped_column(sa.JSON, default=dict)
    descriptions: Mapped[Texts] = mapped_column(sa.JSON, default=dict)
    original_language: Mapped[str] = mapped_column(sa.String(8), default="en")
    status: Mapped[str] = mapped_column(sa.String(12), default="planned")
    progress: Mapped[int] = mapped_column(default=0)  # percent; parents roll up from their children
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    estimated_cost: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))
    actual_cost: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    responsible: Mapped[str] = mapped_column(sa.String(200), default="")
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("district.id", ondelete="SET NULL"))
    goal_id: Mapped[int | None] = mapped_column(sa.ForeignKey("goal.id", ondelete="SET NULL"), index=True)
    action_id: Mapped[int | None] = mapped_column(sa.ForeignKey("plan_action.id", ondelete="SET NULL"))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("outcome.id", ondelete="SET NULL"), index=True)
    weight: Mapped[int] = mapped_column(default=1)  # share of the parent's progress
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    district: Mapped[District | None] = relationship()
    goal = relationship("Goal")
    action = relationship("Action")
    parent: Mapped[Outcome | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Outcome]] = relationship(back_populates="parent", order_by="Outcome.id")
    projects = relationship("Project", secondary=outcome_project, order_by="Project.id")
    proposals = relationship("Proposal", secondary=outcome_proposal, order_by="Proposal.id")
    updates: Mapped[list[OutcomeUpdate]] = relationship(
        back_populates="outcome", order_by="(OutcomeUpdate.on.desc(), OutcomeUpdate.id.desc())",
        cascade="all, delete-orphan")

    def text(self, field: str) -> LocalizedText:
        return localized(getattr(self, field), self.original_language)


class OutcomeUpdate(db.Model):
    """A dated progress report. Kept forever: updates are the public record of what happened."""

    __tablename__ = "outcome_update"
    __table_args__ = (
        sa.CheckConstraint("progress IS NULL OR progress BETWEEN 0 AND 100", name="progress_range"),
        sa.CheckConstraint(f"status IS NULL OR {in_list('status', STATUSES)}", name="status_known"),
        sa.CheckConstraint(in_list("source", UPDATE_SOURCES), name="source_known"),
        sa.CheckConstraint("photo_type IS NULL OR length(photo_alt) > 0", name="photo_has_alt"),
        sa.CheckConstraint("length(text) > 0", name="text_present"),
        sa.CheckConstraint(f"actual_cost IS NULL OR actual_cost BETWEEN 0 AND {MAX_DECIMAL_MONEY}",
                           name="actual_cost_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    outcome_id: Mapped[int] = mapped_column(sa.ForeignKey("outcome.id", ondelete="CASCADE"), index=True)
    on: Mapped[date]
    text: Mapped[str] = mapped_column(sa.Text)  # plain text, written by staff
    language: Mapped[str] = mapped_column(sa.String(8), default="en")
    progress: Mapped[int | None]
    status: Mapped[str | None] = mapped_column(sa.String(12))
    actual_cost: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))
    photo: Mapped[bytes | None] = deferred(mapped_column(sa.LargeBinary))
    photo_type: Mapped[str | None] = mapped_column(sa.String(20))
    photo_alt: Mapped[str] = mapped_column(sa.String(300), default="")
    source: Mapped[str] = mapped_column(sa.String(8), default="web")
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    outcome: Mapped[Outcome] = relationship(back_populates="updates")
    author: Mapped[User | None] = relationship()
