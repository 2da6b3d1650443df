from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.accounts.models import User
from civic.core.db import UTCDateTime, in_list, utcnow
from civic.extensions import db

STANCES = ("for", "against", "neutral")
REPORT_REASONS = ("spam", "personal_attack", "hate_speech", "private_information", "off_topic", "other")
CHANNELS = ("online", "phone", "in_person")



class CommentThread(db.Model):
    """The comments on one thing. Owners point at it, so every comment has a real foreign key."""

    __tablename__ = "comment_thread"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Comment(db.Model):
    __tablename__ = "comment"
    __table_args__ = (
        sa.CheckConstraint(f"stance IS NULL OR {in_list('stance', STANCES)}", name="stance_known"),
        # Replies answer a comment; only top-level comments take a stance.
        sa.CheckConstraint("parent_id IS NULL OR stance IS NULL", name="reply_without_stance"),
        sa.Index("ix_comment_thread_created", "thread_id", "created_at"),
        sa.CheckConstraint(f"hidden_reason IS NULL OR {in_list('hidden_reason', REPORT_REASONS)}", name="hidden_reason_known"),
        sa.CheckConstraint(f"{in_list('channel', CHANNELS)}", name="channel_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(sa.ForeignKey("comment_thread.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("comment.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    body: Mapped[str] = mapped_column(sa.Text)  # sanitized HTML (civic.core.sanitize)
    stance: Mapped[str | None] = mapped_column(sa.String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Moderation: hidden with a public reason (one of REPORT_REASONS), or waiting for approval
    # where the owner's rules ask for pre-moderation.
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_reason: Mapped[str | None] = mapped_column(sa.String(30))
    awaiting_approval: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # The author's choice when posting: changing the profile default later never exposes old comments.
    show_name: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Received by phone or in person and typed in by staff on the resident's behalf.
    channel: Mapped[str] = mapped_column(sa.String(12), default="online", server_default="online")
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))

    thread: Mapped[CommentThread] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    parent: Mapped[Comment | None] = relationship(remote_side=[id])


class CommentReport(db.Model):
    """A signed-in person's report of a comment; the moderation area works through them."""

    __tablename__ = "comment_report"
    __table_args__ = (
        sa.UniqueConstraint("comment_id", "reporter_id"),
        sa.CheckConstraint(in_list("reason", REPORT_REASONS), name="reason_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(sa.ForeignKey("comment.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    reason: Mapped[str] = mapped_column(sa.String(30))

    comment: Mapped[Comment] = relationship()
    details: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when a moderator acts on the item (hide, restore or dismiss); the queue shows open reports.
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
