from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.city.models import District
from civic.core.db import UTCDateTime, utcnow
from civic.core.i18n import LocalizedText, localized
from civic.extensions import db

PHASES = ("information", "proposals", "deliberation", "voting", "implementation")
Texts = dict[str, str]

process_goal = sa.Table(
    "process_goal",
    db.metadata,
    sa.Column("process_id", sa.ForeignKey("process.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("goal_id", sa.ForeignKey("goal.id", ondelete="CASCADE"), primary_key=True),
)


class Process(db.Model):
    __tablename__ = "process"
    __table_args__ = (
        sa.CheckConstraint("channel_online OR channel_phone OR channel_in_person", name="some_channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    titles: Mapped[Texts] = mapped_column(sa.JSON, default=dict)
    descriptions: Mapped[Texts] = mapped_column(sa.JSON, default=dict)
    decides: Mapped[Texts] = mapped_column(sa.JSON, default=dict)  # what residents decide
    impacts: Mapped[Texts] = mapped_column(sa.JSON, default=dict)  # how the outcome will affect them
    original_language: Mapped[str] = mapped_column(sa.String(8), default="en")
    # None: the whole city.
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("district.id", ondelete="SET NULL"))
    channel_online: Mapped[bool] = mapped_column(default=True)
    channel_phone: Mapped[bool] = mapped_column(default=False)
    channel_in_person: Mapped[bool] = mapped_column(default=False)
    # New proposals and comments wait for a moderator before others see them.
    premoderation: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    district: Mapped[District | None] = relationship()
    phases: Mapped[list[ProcessPhase]] = relationship(order_by="ProcessPhase.starts_on",
                                                      cascade="all, delete-orphan", back_populates="process")
    goals = relationship("Goal", secondary=process_goal, order_by="Goal.number")

    def text(self, field: str) -> LocalizedText:
        return localized(getattr(self, field), self.original_language)

    def phase(self, kind: str) -> ProcessPhase | None:
        return next((phase for phase in self.phases if phase.kind == kind), None)

    def current_phase(self, today: date) -> ProcessPhase | None:
        return next((p for p in self.phases if p.starts_on <= today <= p.ends_on), None)

    def accepts_proposals(self, today: date) -> bool:
        phase = self.phase("proposals")
        return bool(phase and phase.starts_on <= today <= phase.ends_on)


class ProcessPhase(db.Model):
    __tablename__ = "process_phase"
    __table_args__ = (
        sa.UniqueConstraint("process_id", "kind"),
        sa.CheckConstraint("kind IN ('information', 'proposals', 'deliberation', 'voting', 'implementation')",
                           name="kind_known"),
        sa.CheckConstraint("ends_on >= starts_on", name="dates_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(sa.ForeignKey("process.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    starts_on: Mapped[date]
    ends_on: Mapped[date]

    process: Mapped[Process] = relationship(back_populates="phases")
