"""Following: one row per person and thing, guaranteed by the unique constraint."""

from __future__ import annotations

import sqlalchemy as sa
from civic.core.messages import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from civic.accounts.models import User
from civic.accounts.personal_data import register_exporter
from civic.core.errors import DomainError, NotAllowed
from civic.extensions import db
from civic.follows.models import FOLLOWABLE, Follow


def _signed_in(user: User | None) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.deleted_at is None


def is_following(user: User | None, kind: str, object_id: int) -> bool:
    if not _signed_in(user):
        return False
    return db.session.scalar(sa.select(Follow.id).where(Follow.user_id == user.id, Follow.kind == kind,
                                                        Follow.object_id == object_id)) is not None


def toggle_follow(user: User | None, kind: str, object_id: int, wanted: bool | None = None) -> bool:
    """Follow or unfollow; `wanted` makes a repeated submission harmless. Returns whether they follow now."""
    if not _signed_in(user):
        raise NotAllowed(_l("Sign in to follow."))
    if kind not in FOLLOWABLE:
        raise DomainError(_l("This cannot be followed."))
    following = is_following(user, kind, object_id)
    if wanted is None:
        wanted = not following
    if wanted and not following:
        try:
            with db.session.begin_nested():
                db.session.add(Follow(user_id=user.id, kind=kind, object_id=object_id))
                db.session.flush()
        except IntegrityError:
            pass  # a second click arrived first: they follow, which is what they asked for
    elif not wanted and following:
        db.session.execute(sa.delete(Follow).where(Follow.user_id == user.id, Follow.kind == kind,
                                                   Follow.object_id == object_id))
    return wanted


def export_follows(user: User) -> list[dict]:
    rows = db.session.scalars(sa.select(Follow).where(Follow.user_id == user.id).order_by(Follow.id))
    return [{"kind": f.kind, "object_id": f.object_id, "created_at": f.created_at.isoformat()} for f in rows]


register_exporter("follows", export_follows)
