from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from civic.accounts.models import User
from civic.city.models import District
from civic.comments.models import CHANNELS, REPORT_REASONS, CommentThread
from civic.core.db import UTCDateTime, in_list, utcnow
from civic.extensions import db
from civic.plans.models import DIMENSIONS, Goal
from civic.processes.models import Process

STATUSES = ("published", "under_review", "accepted", "rejected", "merged", "withdrawn")
PROPOSAL_THREAD_KIND = "proposal"



class Proposal(db.Model):
    __tablename__ = "proposal"
    __table_args__ = (
        sa.CheckConstraint(in_list("status", STATUSES), name="status_known"),
        sa.CheckConstraint(in_list("channel", CHANNELS), name="channel_known"),
        sa.CheckConstraint(f"dimension IS NULL OR {in_list('dimension', DIMENSIONS)}", name="dimension_known"),
        sa.CheckConstraint("status != 'rejected' OR length(status_reason) > 0", name="rejection_has_reason"),
        sa.CheckConstraint("status != 'merged' OR merged_into_id IS NOT NULL", name="merge_has_target"),
        sa.CheckConstraint("support_count >= 0", name="support_count_positive"),
        sa.CheckConstraint("(latitude IS NULL) = (longitude IS NULL)", name="coordinates_paired"),
        sa.CheckConstraint("latitude IS NULL OR (latitude BETWEEN -90 AND 90 AND longitude BETWEEN -180 AND 180)",
                           name="coordinates_range"),
        sa.CheckConstraint("photo_type IS NULL OR length(photo_alt) > 0", name="photo_has_alt"),
        sa.CheckConstraint(f"hidden_reason IS NULL OR {in_list('hidden_reason', REPORT_REASONS)}",
                           name="hidden_reason_known"),
        sa.UniqueConstraint("thread_id"),
        sa.Index("ix_proposal_process_status", "process_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(sa.ForeignKey("process.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(150))
    body: Mapped[str] = mapped_column(sa.Text)  # sanitized HTML (civic.core.sanitize)
    language: Mapped[str] = mapped_column(sa.String(8))  # the language it is written in, for `lang`
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("district.id", ondelete="SET NULL"), index=True)
    goal_id: Mapped[int | None] = mapped_column(sa.ForeignKey("goal.id", ondelete="SET NULL"), index=True)
    dimension: Mapped[str | None] = mapped_column(sa.String(20))
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    latitude: Mapped[Decimal | None] = mapped_column(sa.Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(sa.Numeric(9, 6))
    # The photo lives in the database (re-encoded, metadata stripped), so app servers stay stateless.
    photo: Mapped[bytes | None] = deferred(mapped_column(sa.LargeBinary))
    photo_type: Mapped[str | None] = mapped_column(sa.String(20))
    photo_alt: Mapped[str] = mapped_column(sa.String(300), default="")
    show_name: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(sa.String(20), default="published")
    status_reason: Mapped[str] = mapped_column(sa.Text, default="")
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("proposal.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(sa.String(12), default="online")
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    thread_id: Mapped[int] = mapped_column(sa.ForeignKey("comment_thread.id"))
    support_count: Mapped[int] = mapped_column(default=0)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_reason: Mapped[str | None] = mapped_column(sa.String(30))
    awaiting_approval: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    process: Mapped[Process] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    district: Mapped[District | None] = relationship()
    goal: Mapped[Goal | None] = relationship()
    thread: Mapped[CommentThread] = relationship()
    merged_into: Mapped[Proposal | None] = relationship(remote_side=[id])


class Support(db.Model):
    """One per person per proposal: the unique constraint, not the code, guarantees it."""

    __tablename__ = "proposal_support"
    __table_args__ = (sa.UniqueConstraint("proposal_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposal.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProposalReport(db.Model):
    __tablename__ = "proposal_report"
    __table_args__ = (
        sa.UniqueConstraint("proposal_id", "reporter_id"),
        sa.CheckConstraint(in_list("reason", REPORT_REASONS), name="reason_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    reason: Mapped[str] = mapped_column(sa.String(30))
    details: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))

    proposal: Mapped[Proposal] = relationship()
