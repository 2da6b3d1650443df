from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.city.models import District
from civic.core.db import UTCDateTime, in_list, utcnow
from civic.extensions import db


class Role(enum.StrEnum):
    RESIDENT = "resident"
    MODERATOR = "moderator"
    STAFF = "staff"
    ADMIN = "admin"
    TRACKER = "tracker"  # department staff who only post progress updates on outcomes


ROLE_VALUES = tuple(role.value for role in Role)



class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    __table_args__ = (
        sa.UniqueConstraint("email"),
        sa.CheckConstraint(in_list("role", ROLE_VALUES), name="role_known"),
        sa.CheckConstraint("session_version >= 1", name="session_version_positive"),
        sa.CheckConstraint("length(display_name) > 0", name="display_name_present"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased (see services.normalise_email) so the unique constraint is case-blind.
    email: Mapped[str] = mapped_column(sa.String(254))
    display_name: Mapped[str] = mapped_column(sa.String(80))
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(20), default=Role.RESIDENT.value)
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("district.id", ondelete="SET NULL"))
    show_name_publicly: Mapped[bool] = mapped_column(default=False)
    # Bumped on sign-out and password change: every session cookie carrying an older value dies.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Blocked by a moderator: can still sign in and read, cannot post.
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Until the address is confirmed the person can read and sign in, not support, comment or propose.
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    district: Mapped[District | None] = relationship(lazy="joined")

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.deleted_at is None

    def has_role(self, *roles: Role) -> bool:
        return self.role in {role.value for role in roles}

    @property
    def is_staff(self) -> bool:
        return self.has_role(Role.STAFF, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.has_role(Role.ADMIN)

    @property
    def can_moderate(self) -> bool:
        return self.has_role(Role.MODERATOR, Role.STAFF, Role.ADMIN)

    @property
    def is_blocked(self) -> bool:
        return self.blocked_at is not None

    @property
    def email_confirmed(self) -> bool:
        return self.email_confirmed_at is not None


class PasswordReset(db.Model):
    """A reset link. Only the SHA-256 of the token is kept, so a database leak cannot reset anyone."""

    __tablename__ = "password_reset"
    __table_args__ = (sa.UniqueConstraint("token_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
