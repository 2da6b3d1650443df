from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.accounts.models import User
from civic.core.db import UTCDateTime, utcnow
from civic.extensions import db

STANCES = ("for", "against", "neutral")
REPORT_REASONS = ("spam", "personal_attack", "hate_speech", "private_information", "off_topic", "other")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class CommentThread(db.Model):
    """The comments on one thing. Owners point at it, so every comment has a real foreign key."""

    __tablename__ = "comment_thread"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Comment(db.Model):
    __tablename__ = "comment"
    __table_args__ = (
        sa.CheckConstraint(f"stance IS NULL OR {_in('stance', STANCES)}", name="stance_known"),
        # Replies answer a comment; only top-level comments take a stance.
        sa.CheckConstraint("parent_id IS NULL OR stance IS NULL", name="reply_without_stance"),
        sa.Index("ix_comment_thread_created", "thread_id", "created_at"),
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

    thread: Mapped[CommentThread] = relationship()
    author: Mapped[User] = relationship()
    parent: Mapped[Comment | None] = relationship(remote_side=[id])


class CommentReport(db.Model):
    """A signed-in person's report of a comment; the moderation area works through them."""

    __tablename__ = "comment_report"
    __table_args__ = (
        sa.UniqueConstraint("comment_id", "reporter_id"),
        sa.CheckConstraint(_in("reason", REPORT_REASONS), name="reason_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(sa.ForeignKey("comment.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    reason: Mapped[str] = mapped_column(sa.String(30))
    details: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
