"""Community groups, their members and what the group follows."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.accounts.models import User
from civic.core.db import UTCDateTime, in_list, utcnow
from civic.extensions import db
from civic.follows.models import FOLLOWABLE

MEMBER_ROLES = ("member", "organiser")


class CommunityGroup(db.Model):
    __tablename__ = "community_group"
    __table_args__ = (sa.UniqueConstraint("slug"), sa.CheckConstraint("length(name) > 0", name="name_present"))

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80))
    name: Mapped[str] = mapped_column(sa.String(120))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    language: Mapped[str] = mapped_column(sa.String(8), default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    memberships: Mapped[list[GroupMembership]] = relationship(back_populates="group", cascade="all, delete-orphan",
                                                              order_by="GroupMembership.id")


class GroupMembership(db.Model):
    __tablename__ = "group_membership"
    __table_args__ = (sa.UniqueConstraint("group_id", "user_id"),
                      sa.CheckConstraint(in_list("role", MEMBER_ROLES), name="role_known"))

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("community_group.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(sa.String(12), default="member")
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped[CommunityGroup] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship()


class GroupFollow(db.Model):
    """The group follows an item: every member is told when it changes."""

    __tablename__ = "group_follow"
    __table_args__ = (sa.UniqueConstraint("group_id", "kind", "object_id"),
                      sa.CheckConstraint(in_list("kind", FOLLOWABLE), name="kind_known"),
                      sa.Index("ix_group_follow_object", "kind", "object_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("community_group.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(20))
    object_id: Mapped[int]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
