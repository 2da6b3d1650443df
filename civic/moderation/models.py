from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.accounts.models import User
from civic.core.db import UTCDateTime, utcnow
from civic.extensions import db

ACTIONS = ("hide", "restore", "dismiss", "approve", "block", "unblock")
TARGETS = ("proposal", "comment", "user")


class ModerationAction(db.Model):
    """Who did what to which item, when and why. Rows are never changed or removed: database
    triggers (see the migration) refuse UPDATE and DELETE."""

    __tablename__ = "moderation_action"
    __table_args__ = (
        sa.CheckConstraint("action IN ('hide', 'restore', 'dismiss', 'approve', 'block', 'unblock')",
                           name="action_known"),
        sa.CheckConstraint("target_kind IN ('proposal', 'comment', 'user')", name="target_known"),
        sa.Index("ix_moderation_action_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    moderator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(sa.String(12))
    target_kind: Mapped[str] = mapped_column(sa.String(12))
    target_id: Mapped[int]
    reason: Mapped[str] = mapped_column(sa.String(30), default="")  # a REPORT_REASONS code, or "" for none
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    moderator: Mapped[User | None] = relationship()
