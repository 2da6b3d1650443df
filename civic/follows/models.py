from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from civic.core.db import UTCDateTime, utcnow
from civic.extensions import db

FOLLOWABLE = ("process", "proposal", "goal", "outcome")


class Follow(db.Model):
    __tablename__ = "follow"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "kind", "object_id"),
        sa.CheckConstraint("kind IN ('process', 'proposal', 'goal', 'outcome')", name="kind_known"),
        sa.Index("ix_follow_object", "kind", "object_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(20))
    object_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
