"""Who is told about a change, the sentence for each event, reading, settings and unsubscribing.

Rows keep the event's code and params, never rendered text, so every reader gets the sentence in
their own language, on the page and by e-mail. E-mail leaves after the commit (see `delivery`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import format_percent
from flask_babel import gettext as _
from civic.core.messages import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.exc import IntegrityError

from civic.accounts.models import User
from civic.accounts.personal_data import register_eraser, register_exporter
from civic.core.errors import DomainError, NotAllowed
from civic.core.i18n import localized
from civic.extensions import db
from civic.follows.models import Follow
from civic.groups.models import CommunityGroup, GroupFollow, GroupMembership
from civic.notifications import delivery
from civic.notifications.models import EMAIL_FREQUENCIES, EVENTS, Notification, NotificationSettings

# Changes to an item anyone can see; the others (a reply to you, moderation of your content) are personal.
PUBLIC_EVENTS = ("outcome_status", "outcome_update", "goal_revision", "results_published", "proposal_status")
PAGE_SIZE = 30
UNSUBSCRIBE_SALT = "unsubscribe"

# Same words as the outcomes and proposals areas use, so each is translated once.
OUTCOME_STATUS_LABELS = {"planned": _l("Planned"), "in_progress": _l("In progress"), "completed": _l("Completed"),
                         "delayed": _l("Delayed"), "cancelled": _l("Cancelled")}
FREQUENCY_LABELS = {"immediate": _l("Immediately, one e-mail for each change"),
                    "daily": _l("Once a day, a digest of the day’s changes"),
                    "never": _l("Never: I read them on this site")}


class Missing(DomainError):
    """The notification does not exist; views answer 404."""


# The sentence for each event -----------------------------------------------------------------

def _title(params: dict) -> str:
    # Official texts come in several languages ("titles"); other areas may pass one "title".
    titles = params.get("titles")
    if isinstance(titles, dict) and titles:
        return localized(titles, params.get("original") or "en").text
    return str(params.get("title") or "")


def _proposal_status(code: str | None) -> str:
    from civic.proposals.display import STATUS_LABELS

    return str(STATUS_LABELS.get(code or "", code or ""))


def describe(event: str, params: dict) -> str:
    """The notification as one sentence in the current language."""
    title = _title(params)
    if event == "outcome_status":
        status = params.get("status")
        return _("“%(title)s” is now: %(status)s.", title=title,
                 status=str(OUTCOME_STATUS_LABELS.get(status, status or "")))
    if event == "outcome_update":
        progress = params.get("progress")
        if isinstance(progress, int | float) and not isinstance(progress, bool):
            return _("“%(title)s” has a new progress update: %(progress)s done.", title=title,
                     progress=format_percent(progress / 100))
        return _("“%(title)s” has a new progress update.", title=title)
    if event == "goal_revision":
        return _("Goal %(number)s of the action plan was revised: “%(title)s”.", number=params.get("number", ""),
                 title=title)
    if event == "results_published":
        return _("The results of the vote “%(title)s” are published.", title=title)
    if event == "proposal_status":
        return _("The proposal “%(title)s” is now: %(status)s.", title=title,
                 status=_proposal_status(params.get("status")))
    if event == "comment_reply":
        return _("Someone replied to your comment.")
    if event == "content_moderated":
        return _moderation_sentence(params, title)
    return _("Something you follow has changed.")


def _moderation_sentence(params: dict, title: str) -> str:
    from civic.moderation.labels import reason_label

    restored = params.get("action") == "restored"
    if params.get("kind") == "proposal":
        if restored:
            return _("A moderator restored your proposal “%(title)s”.", title=title)
        return _("A moderator hid your proposal “%(title)s”: %(reason)s.", title=title,
                 reason=reason_label(params.get("reason")))
    if restored:
        return _("A moderator restored your comment.")
    return _("A moderator hid your comment: %(reason)s.", reason=reason_label(params.get("reason")))


# Creating notifications ----------------------------------------------------------------------

def comment_path(comment_id: int) -> str:
    """A comment's link in a notification: resolved to its page when followed, since only a request
    can ask the thread's area where it is shown (see views.comment)."""
    return f"/notifications/comments/{comment_id}"


def _reachable():
    # Deleted and blocked accounts are told nothing.
    return sa.and_(User.deleted_at.is_(None), User.blocked_at.is_(None))


def _followers(kind: str, object_id: int) -> dict[int, int | None]:
    """user id -> the group they follow it through (None when they follow it themselves)."""
    via_groups = db.session.execute(
        sa.select(GroupMembership.user_id, sa.func.min(GroupFollow.group_id))
        .join(GroupFollow, GroupFollow.group_id == GroupMembership.group_id)
        .join(User, User.id == GroupMembership.user_id)
        .where(GroupFollow.kind == kind, GroupFollow.object_id == object_id, _reachable())
        .group_by(GroupMembership.user_id))
    recipients: dict[int, int | None] = {user_id: group_id for user_id, group_id in via_groups}
    direct = db.session.scalars(
        sa.select(Follow.user_id).join(User, User.id == Follow.user_id)
        .where(Follow.kind == kind, Follow.object_id == object_id, _reachable()))
    recipients.update(dict.fromkeys(direct))  # their own follow wins: one notification, theirs
    return recipients


def _plain(params: dict) -> dict:
    # Lazy strings and other objects would not survive JSON; codes and titles are plain text.
    return {key: value if value is None or isinstance(value, int | float | bool | dict | list) else str(value)
            for key, value in params.items()}


def _store(recipients: dict[int, int | None], event: str, *, kind: str, object_id: int, params: dict, url: str,
           now: datetime) -> int:
    if event not in EVENTS:
        raise ValueError(f"unknown notification event {event!r}")
    if not url.startswith("/") or url.startswith("//"):
        raise ValueError("a notification links to a path on this site")
    rows = [Notification(user_id=user_id, event=event, object_kind=kind, object_id=object_id, params=_plain(params),
                         url=url, group_id=group_id, created_at=now)
            for user_id, group_id in sorted(recipients.items())]
    if rows:
        db.session.add_all(rows)
        db.session.flush()
        delivery.schedule([row.id for row in rows])
    return len(rows)


def notify_followers(kind: str, object_id: int, event: str, *, params: dict, url: str, actor=None,
                     now: datetime) -> int:
    """Notify everyone following (kind, object_id) directly (Follow) or through a community group
    (GroupFollow; group_id set), once per person, never the actor. Rows are created in the current
    transaction; e-mail goes out after commit (see delivery). Returns the number of people notified."""
    return notify_people(kind, object_id, event, params=params, url=url, actor=actor, now=now)


def notify_people(kind: str, object_id: int, event: str, *, params: dict, url: str, actor=None, now: datetime,
                  also: Iterable[int] = ()) -> int:
    """`notify_followers`, plus people who are concerned without following (a proposal's author)."""
    recipients = _followers(kind, object_id)
    extra = [user_id for user_id in also if user_id is not None and user_id not in recipients]
    if extra:
        reachable = db.session.scalars(sa.select(User.id).where(User.id.in_(extra), _reachable()))
        recipients.update(dict.fromkeys(reachable))
    if actor is not None:
        recipients.pop(getattr(actor, "id", None), None)
    return _store(recipients, event, kind=kind, object_id=object_id, params=params, url=url, now=now)


def notify_user(user_id: int, event: str, *, object_kind: str, object_id: int, params: dict, url: str,
                now: datetime) -> None:
    """One person, e.g. a reply to their comment or moderation of their content."""
    user = db.session.get(User, user_id)
    if user is None or user.deleted_at is not None or user.blocked_at is not None:
        return
    _store({user_id: None}, event, kind=object_kind, object_id=object_id, params=params, url=url, now=now)


# Reading -------------------------------------------------------------------------------------

@dataclass
class Item:
    id: int
    sentence: str
    created_at: datetime
    unread: bool
    group_name: str | None
    group_slug: str | None


@dataclass
class Page:
    items: list[Item]
    page: int
    pages: int
    total: int


def item_views(rows) -> list[Item]:
    """(Notification, group name, group slug) rows as sentences in the reader's language."""
    return [Item(id=n.id, sentence=describe(n.event, n.params or {}), created_at=n.created_at,
                 unread=n.read_at is None, group_name=name, group_slug=slug) for n, name, slug in rows]


def page_for(user: User, page: int = 1) -> Page:
    """Newest first, in two queries whatever the number of notifications."""
    total = db.session.scalar(sa.select(sa.func.count(Notification.id)).where(Notification.user_id == user.id)) or 0
    pages = max(math.ceil(total / PAGE_SIZE), 1)
    page = min(max(page, 1), pages)
    rows = db.session.execute(
        sa.select(Notification, CommunityGroup.name, CommunityGroup.slug)
        .outerjoin(CommunityGroup, CommunityGroup.id == Notification.group_id)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return Page(items=item_views(rows), page=page, pages=pages, total=total)


def unread_count(user: User) -> int:
    return db.session.scalar(sa.select(sa.func.count(Notification.id))
                             .where(Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def open_notification(user: User, notification_id: int, now: datetime) -> Notification:
    """Mark it read and return it, for its link. Someone else's notification is refused."""
    notification = db.session.get(Notification, notification_id)
    if notification is None:
        raise Missing(_l("This notification does not exist."))
    if notification.user_id != user.id:
        raise NotAllowed(_l("This notification is for someone else."))
    if notification.read_at is None:
        notification.read_at = now
    return notification


def mark_all_read(user: User, now: datetime) -> int:
    result = db.session.execute(sa.update(Notification)
                                .where(Notification.user_id == user.id, Notification.read_at.is_(None))
                                .values(read_at=now).execution_options(synchronize_session=False))
    return result.rowcount


# E-mail settings and one-click unsubscribe ---------------------------------------------------

def email_frequency(user: User) -> str:
    settings = db.session.get(NotificationSettings, user.id)
    return settings.email if settings else "immediate"


def set_email_frequency(user_id: int, frequency: str) -> None:
    if frequency not in EMAIL_FREQUENCIES:
        raise DomainError(_l("Choose how often we e-mail you."), "email")
    settings = db.session.get(NotificationSettings, user_id)
    if settings is not None:
        settings.email = frequency
        return
    try:
        with db.session.begin_nested():
            db.session.add(NotificationSettings(user_id=user_id, email=frequency))
            db.session.flush()
    except IntegrityError:  # a second tab created the row first: change it instead
        db.session.get(NotificationSettings, user_id, populate_existing=True).email = frequency


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(user_id: int) -> str:
    # No expiry: the link in a year-old e-mail must still stop the e-mails (RFC 8058).
    return _serializer().dumps(user_id)


def user_for_token(token: str) -> User | None:
    """The account a signed unsubscribe token names; None when tampered with or deleted."""
    try:
        user_id = _serializer().loads(token)
    except BadSignature:
        return None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    return user if user is not None and user.deleted_at is None else None


# Personal data -------------------------------------------------------------------------------

def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def export_notifications(user: User) -> list[dict]:
    rows = db.session.scalars(sa.select(Notification).where(Notification.user_id == user.id)
                              .order_by(Notification.id))
    return [{"event": n.event, "object_kind": n.object_kind, "object_id": n.object_id, "params": n.params,
             "url": n.url, "group_id": n.group_id, "created_at": _when(n.created_at), "read_at": _when(n.read_at),
             "emailed_at": _when(n.emailed_at)} for n in rows]


def export_settings(user: User) -> dict:
    settings = db.session.get(NotificationSettings, user.id)
    return {"email": settings.email if settings else "immediate",
            "last_digest_at": _when(settings.last_digest_at) if settings else None}


def erase_notifications(user: User) -> None:
    db.session.execute(sa.delete(Notification).where(Notification.user_id == user.id))
    db.session.execute(sa.delete(NotificationSettings).where(NotificationSettings.user_id == user.id))


register_exporter("notifications", export_notifications)
register_exporter("notification_settings", export_settings)
register_eraser("notifications", erase_notifications)
