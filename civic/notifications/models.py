"""In-app notifications and per-person e-mail preferences."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from civic.core.db import UTCDateTime, in_list, utcnow
from civic.extensions import db

EVENTS = ("outcome_status", "outcome_update", "goal_revision", "results_published", "comment_reply",
          "content_moderated", "proposal_status")
EMAIL_FREQUENCIES = ("immediate", "daily", "never")


class Notification(db.Model):
    """One person told about one change. `params` fill the event's sentence in the reader's language."""

    __tablename__ = "notification"
    __table_args__ = (
        sa.CheckConstraint(in_list("event", EVENTS), name="event_known"),
        sa.Index("ix_notification_user_unread", "user_id", "read_at"),
        sa.Index("ix_notification_unsent", "emailed_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(sa.String(24))
    object_kind: Mapped[str] = mapped_column(sa.String(20))
    object_id: Mapped[int]
    params: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    url: Mapped[str] = mapped_column(sa.String(300))
    group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("community_group.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # or skipped: set when settled


class NotificationSettings(db.Model):
    __tablename__ = "notification_settings"
    __table_args__ = (sa.CheckConstraint(in_list("email", EMAIL_FREQUENCIES), name="email_known"),)

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(10), default="immediate")
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
