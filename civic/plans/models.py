from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.accounts.models import User
from civic.comments.models import CommentThread
from civic.core.db import UTCDateTime, in_list, utcnow
from civic.core.i18n import LocalizedText, localized
from civic.core.inputs import MAX_DECIMAL_MONEY, MAX_MEASURE
from civic.extensions import db

PLAN_STATUSES = ("draft", "adopted", "archived")
DIMENSIONS = ("economy", "environment", "society", "governance")
TIMEFRAMES = ("short", "medium", "long")
ACTION_STATUSES = ("planned", "in_progress", "completed", "delayed", "cancelled")
MAX_TARGETS = 5
COMPLETE_POSITION = MAX_TARGETS + 1  # the score card's final "complete" step
GOAL_THREAD_KIND = "goal_revision"

Texts = dict[str, str]  # official text per language code



class Plan(db.Model):
    __tablename__ = "plan"
    __table_args__ = (
        sa.CheckConstraint(in_list("status", PLAN_STATUSES), name="status_known"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
        sa.CheckConstraint("consultation_opens_at IS NULL OR consultation_closes_at IS NULL "
                           "OR consultation_closes_at > consultation_opens_at", name="consultation_window"),
        sa.CheckConstraint("period_end IS NULL OR period_end >= period_start", name="period_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    titles: Mapped[Texts] = mapped_column(sa.JSON, default=dict)
    visions: Mapped[Texts] = mapped_column(sa.JSON, default=dict)
    principles: Mapped[Texts] = mapped_column(sa.JSON, default=dict)  # one principle per line
    status: Mapped[str] = mapped_column(sa.String(20), default="draft")
    version: Mapped[int] = mapped_column(default=1)
    original_language: Mapped[str] = mapped_column(sa.String(8), default="en")
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    period_start: Mapped[date]
    period_end: Mapped[date | None]
    adopted_on: Mapped[date | None]
    consultation_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consultation_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    goals: Mapped[list[Goal]] = relationship(back_populates="plan", order_by="Goal.number",
                                             cascade="all, delete-orphan")

    def text(self, field: str) -> LocalizedText:
        return localized(getattr(self, field), self.original_language)

    def consultation_open(self, now: datetime) -> bool:
        return bool(self.consultation_opens_at and self.consultation_closes_at
                    and self.consultation_opens_at <= now < self.consultation_closes_at)

    def consultation_over(self, now: datetime) -> bool:
        return bool(self.consultation_closes_at and self.consultation_closes_at <= now)


class Goal(db.Model):
    __tablename__ = "goal"
    __table_args__ = (
        sa.UniqueConstraint("plan_id", "number"),
        sa.CheckConstraint("number >= 1", name="number_positive"),
        sa.CheckConstraint(in_list("dimension", DIMENSIONS), name="dimension_known"),
        sa.CheckConstraint(in_list("timeframe", TIMEFRAMES), name="timeframe_known"),
        sa.CheckConstraint("priority BETWEEN 1 AND 3", name="priority_range"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
        sa.CheckConstraint(f"kpi_baseline BETWEEN -{MAX_MEASURE} AND {MAX_MEASURE} AND "
                           f"kpi_target BETWEEN -{MAX_MEASURE} AND {MAX_MEASURE}", name="kpi_bounded"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plan.id", ondelete="CASCADE"))
    number: Mapped[int]
    dimension: Mapped[str] = mapped_column(sa.String(20))
    statements: Mapped[Texts] = mapped_column(sa.JSON, default=dict)  # the current revision's text
    kpi_names: Mapped[Texts] = mapped_column(sa.JSON, default=dict)
    kpi_unit: Mapped[str] = mapped_column(sa.String(30), default="")
    kpi_baseline: Mapped[Decimal] = mapped_column(sa.Numeric(18, 4))
    kpi_baseline_year: Mapped[int]
    kpi_target: Mapped[Decimal] = mapped_column(sa.Numeric(18, 4))
    kpi_target_date: Mapped[date]
    kpi_reference: Mapped[str] = mapped_column(sa.String(120), default="")
    ismart_notes: Mapped[Texts] = mapped_column(sa.JSON, default=dict)
    timeframe: Mapped[str] = mapped_column(sa.String(10))
    priority: Mapped[int]
    champion: Mapped[str] = mapped_column(sa.String(200), default="")
    outcomes: Mapped[Texts] = mapped_column(sa.JSON, default=dict)  # the desired outcome
    version: Mapped[int] = mapped_column(default=1)

    plan: Mapped[Plan] = relationship(back_populates="goals")
    actions: Mapped[list[Action]] = relationship(back_populates="goal", order_by="Action.position",
                                                 cascade="all, delete-orphan")
    targets: Mapped[list[GoalTarget]] = relationship(back_populates="goal", order_by="GoalTarget.position",
                                                     cascade="all, delete-orphan")
    revisions: Mapped[list[GoalRevision]] = relationship(back_populates="goal", order_by="GoalRevision.version",
                                                         cascade="all, delete-orphan")

    def text(self, field: str) -> LocalizedText:
        return localized(getattr(self, field), self.plan.original_language)


class GoalRevision(db.Model):
    """Each published text of a goal. Comments are made on, and stay with, one revision."""

    __tablename__ = "goal_revision"
    __table_args__ = (
        sa.UniqueConstraint("goal_id", "version"),
        sa.UniqueConstraint("thread_id"),
        sa.CheckConstraint("version = 1 OR notes IS NOT NULL", name="revision_has_note"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(sa.ForeignKey("goal.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    statements: Mapped[Texts] = mapped_column(sa.JSON, default=dict)
    notes: Mapped[Texts | None] = mapped_column(sa.JSON(none_as_null=True))  # how the comments were used
    thread_id: Mapped[int] = mapped_column(sa.ForeignKey("comment_thread.id"))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))

    goal: Mapped[Goal] = relationship(back_populates="revisions")
    thread: Mapped[CommentThread] = relationship()
    published_by: Mapped[User | None] = relationship()

    def text(self, field: str) -> LocalizedText:
        return localized(getattr(self, field), self.goal.plan.original_language)


class Action(db.Model):
    """A workplan row."""

    __tablename__ = "plan_action"
    __table_args__ = (
        sa.UniqueConstraint("goal_id", "number"),
        sa.CheckConstraint(in_list("status", ACTION_STATUSES), name="status_known"),
        sa.CheckConstraint("end_date >= start_date", name="dates_in_order"),
        sa.CheckConstraint("estimated_cost >= 0 AND (actual_cost IS NULL OR actual_cost >= 0)", name="costs_positive"),
        sa.CheckConstraint(f"estimated_cost <= {MAX_DECIMAL_MONEY} AND coalesce(actual_cost, 0) <= {MAX_DECIMAL_MONEY}",
                           name="costs_bounded"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(sa.ForeignKey("goal.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(sa.String(12))  # "1.1", "1.2" ...
    position: Mapped[int] = mapped_column(default=0)
    descriptions: Mapped[Texts] = mapped_column(sa.JSON, default=dict)
    responsible: Mapped[str] = mapped_column(sa.String(200))
    start_date: Mapped[date]
    end_date: Mapped[date]
    resources: Mapped[Texts] = mapped_column(sa.JSON, default=dict)
    estimated_cost: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2))
    actual_cost: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))
    funding_source: Mapped[str] = mapped_column(sa.String(200), default="")
    status: Mapped[str] = mapped_column(sa.String(20), default="planned")

    goal: Mapped[Goal] = relationship(back_populates="actions")
    check_ins: Mapped[list[ActionCheckIn]] = relationship(order_by="ActionCheckIn.due_on",
                                                          cascade="all, delete-orphan")

    def text(self, field: str) -> LocalizedText:
        return localized(getattr(self, field), self.goal.plan.original_language)


class ActionCheckIn(db.Model):
    __tablename__ = "action_check_in"
    __table_args__ = (sa.UniqueConstraint("action_id", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(sa.ForeignKey("plan_action.id", ondelete="CASCADE"), index=True)
    due_on: Mapped[date]


class GoalTarget(db.Model):
    """A score-card step: targets 1 to 5, then "complete"."""

    __tablename__ = "goal_target"
    __table_args__ = (
        sa.UniqueConstraint("goal_id", "position"),
        sa.CheckConstraint(f"position BETWEEN 1 AND {COMPLETE_POSITION}", name="position_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(sa.ForeignKey("goal.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    descriptions: Mapped[Texts] = mapped_column(sa.JSON, default=dict)
    reached_on: Mapped[date | None]

    goal: Mapped[Goal] = relationship(back_populates="targets")

    @property
    def is_complete_step(self) -> bool:
        return self.position == COMPLETE_POSITION

    def text(self, field: str) -> LocalizedText:
        return localized(getattr(self, field), self.goal.plan.original_language)
