"""E-mail for notifications, sent after the transaction that created them commits, never inside it.

The page only records which notifications are new (`schedule`). When the session commits, they are
handed to an RQ queue (with REDIS_URL), else to a short-lived thread with its own app context; in
tests they are sent at once so the outbox can be checked. A rollback forgets them. Whatever goes
wrong later, `civic notify send` (cron) picks up what is still unsent.

Each notification is claimed with `UPDATE ... WHERE emailed_at IS NULL` and committed before its
mail leaves, so two workers never send the same one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context, render_template
from flask_babel import force_locale
from flask_mailman import EmailMultiAlternatives
from sqlalchemy.orm import Session

from civic.accounts.models import User
from civic.core.db import utcnow
from civic.core.i18n import format_when, text_direction
from civic.core.links import base_url, external_url
from civic.extensions import db
from civic.groups.models import CommunityGroup
from civic.notifications.models import Notification, NotificationSettings

log = logging.getLogger(__name__)

_PENDING = "civic.notifications.pending"
DIGEST_INTERVAL = timedelta(hours=20)  # "daily", even when cron runs a little early


# After commit --------------------------------------------------------------------------------

def schedule(ids: Sequence[int]) -> None:
    """Remember new notifications; they are dispatched when this session's transaction commits."""
    # No address is taken from the request: its Host is whatever the sender wrote (see civic.core.links).
    pending = db.session.info.setdefault(_PENDING, {"ids": [], "app": None})
    pending["ids"].extend(ids)
    if has_app_context():
        pending["app"] = current_app._get_current_object()


@sa.event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the outer transaction may still roll back
    pending = session.info.pop(_PENDING, None)
    if pending and pending["ids"]:
        app = pending["app"] or (current_app._get_current_object() if has_app_context() else None)
        if app is None:
            log.info("notifications committed outside an app; `civic notify send` will send them")
            return
        dispatch(app, pending["ids"])


@sa.event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_PENDING, None)  # rolled back (a commit has already taken them)


def _queued(app: Flask) -> bool:
    # The test suite may run with REDIS_URL for its rate-limit checks; a test opts in by naming a queue.
    return bool(app.config.get("REDIS_URL")) and (not app.testing or bool(app.config.get("NOTIFY_QUEUE")))


def dispatch(app: Flask, ids: list[int]) -> None:
    """Hand committed notifications to whatever sends them. Never raises outside tests."""
    if _queued(app):
        try:
            enqueue(app, ids)
            return
        except Exception:  # Redis down: the page must not notice; a thread (or cron) sends instead
            log.exception("could not queue notification e-mail; sending from a thread")
    if app.testing:
        deliver_now(app, ids)
        return
    try:
        threading.Thread(target=_deliver_safely, args=(app, ids), name="civic-notify", daemon=True).start()
    except Exception:
        log.exception("could not start the notification thread; `civic notify send` will send them")


def _deliver_safely(app: Flask, ids: list[int]) -> None:
    try:
        deliver_now(app, ids)
    except Exception:
        log.exception("notification e-mail failed; `civic notify send` will retry what is unsent")


def enqueue(app: Flask, ids: list[int]):
    from redis import Redis
    from rq import Queue

    # Short timeouts: a Redis that does not answer must not hold the page.
    connection = Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=1, socket_timeout=2)
    queue = Queue(app.config.get("NOTIFY_QUEUE") or "default", connection=connection)
    return queue.enqueue(run_job, list(ids), job_timeout=300, result_ttl=0)


_worker_app: Flask | None = None


def run_job(ids: list[int], _legacy_base_url: str | None = None) -> int:
    """The RQ job: send these notifications' immediate e-mail (`rq worker` imports it by name).

    Jobs queued before an upgrade still carry the address of the request that queued them; it is
    ignored, links come from CIVIC_BASE_URL."""
    global _worker_app
    if has_app_context():
        app = current_app._get_current_object()
    else:
        if _worker_app is None:
            from civic import create_app

            _worker_app = create_app()
        app = _worker_app
    return deliver_now(app, ids)


def deliver_now(app: Flask, ids: list[int] | None) -> int:
    # A fresh app context: its own database session, apart from the one that just committed.
    with app.app_context():
        return deliver_pending(ids, now=utcnow())


# Sending -------------------------------------------------------------------------------------

def _claim(notification_id: int, now: datetime) -> bool:
    result = db.session.execute(sa.update(Notification)
                                .where(Notification.id == notification_id, Notification.emailed_at.is_(None))
                                .values(emailed_at=now).execution_options(synchronize_session=False))
    return result.rowcount == 1


def _release(ids: list[int]) -> None:
    # The mail did not leave: let a later run try again.
    db.session.execute(sa.update(Notification).where(Notification.id.in_(ids)).values(emailed_at=None)
                       .execution_options(synchronize_session=False))
    db.session.commit()


def _settle(ids: list[int], now: datetime) -> None:
    """Nothing to send (e-mail off, account deleted or blocked): mark them done."""
    if ids:
        db.session.execute(sa.update(Notification)
                           .where(Notification.id.in_(ids), Notification.emailed_at.is_(None))
                           .values(emailed_at=now).execution_options(synchronize_session=False))


def _silenced(user: User) -> bool:
    return user.deleted_at is not None or user.blocked_at is not None


def deliver_pending(ids: list[int] | None = None, *, now: datetime) -> int:
    """Send the immediate e-mail of these notifications (all unsent ones when `ids` is None).

    "daily" people are left for the digest. Returns the number of e-mails sent."""
    query = (sa.select(Notification.id, User, NotificationSettings.email)
             .join(User, User.id == Notification.user_id)
             .outerjoin(NotificationSettings, NotificationSettings.user_id == Notification.user_id)
             .where(Notification.emailed_at.is_(None)).order_by(Notification.id))
    if ids is not None:
        query = query.where(Notification.id.in_(ids))
    rows = db.session.execute(query).all()
    silent = {nid for nid, user, frequency in rows if _silenced(user) or frequency == "never"}
    _settle(list(silent), now)
    db.session.commit()
    sent = 0
    for notification_id, user, frequency in rows:
        if notification_id in silent or (frequency or "immediate") != "immediate":
            continue
        if not _claim(notification_id, now):
            continue  # another worker has it
        db.session.commit()
        if _send_safely(user, [notification_id], digest=False):
            sent += 1
    return sent


def send_digests(*, now: datetime) -> int:
    """One e-mail per "daily" person listing what is unsent, at most once per DIGEST_INTERVAL."""
    due = db.session.scalars(
        sa.select(NotificationSettings.user_id)
        .where(NotificationSettings.email == "daily",
               sa.or_(NotificationSettings.last_digest_at.is_(None),
                      NotificationSettings.last_digest_at <= now - DIGEST_INTERVAL),
               sa.exists().where(Notification.user_id == NotificationSettings.user_id,
                                 Notification.emailed_at.is_(None)))
        .order_by(NotificationSettings.user_id)).all()
    sent = 0
    for user_id in due:
        user = db.session.get(User, user_id)
        ids = db.session.scalars(sa.select(Notification.id)
                                 .where(Notification.user_id == user_id, Notification.emailed_at.is_(None),
                                        Notification.created_at <= now)
                                 .order_by(Notification.created_at, Notification.id)).all()
        if _silenced(user):
            _settle(list(ids), now)
            db.session.commit()
            continue
        claimed = [nid for nid in ids if _claim(nid, now)]
        db.session.get(NotificationSettings, user_id).last_digest_at = now
        db.session.commit()
        if claimed and _send_safely(user, claimed, digest=True):
            sent += 1
    return sent


def _send_safely(user: User, ids: list[int], *, digest: bool) -> bool:
    try:
        send_mail(user, ids, digest=digest)
    except Exception:
        log.exception("could not send notification e-mail to user %s", user.id)
        db.session.rollback()
        _release(ids)
        return False
    return True


def send_mail(user: User, ids: list[int], *, digest: bool) -> None:
    """Render the mail in the recipient's language, with a one-click unsubscribe (RFC 8058), and send it."""
    from civic.notifications import services

    rows = db.session.execute(
        sa.select(Notification, CommunityGroup.name)
        .outerjoin(CommunityGroup, CommunityGroup.id == Notification.group_id)
        .where(Notification.id.in_(ids)).order_by(Notification.created_at, Notification.id)).all()
    language = user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    root = base_url()
    # A request context of its own at the configured address, so the templates render alike from a
    # page, cron or the RQ worker; every link comes from external_url, never from a request Host.
    with current_app.test_request_context(base_url=root), force_locale(language):
        unsubscribe = external_url("notifications.unsubscribe", token=services.unsubscribe_token(user.id))
        items = [{"sentence": services.describe(n.event, n.params or {}), "link": root.rstrip("/") + n.url,
                  "when": format_when(n.created_at), "group": group, "personal": n.event not in services.PUBLIC_EVENTS}
                 for n, group in rows]
        context = {"user": user, "items": items, "unsubscribe": unsubscribe, "lang": language,
                   "dir": text_direction(language),
                   "settings": external_url("notifications.settings")}
        name = "notifications/mail/" + ("digest" if digest else "notification")
        subject = " ".join(render_template(f"{name}.subject.txt", **context).splitlines()).strip()
        text = render_template(f"{name}.body.txt", **context)
        html = render_template(f"{name}.body.html", **context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[user.email], headers={
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Content-Language": language,
        "Auto-Submitted": "auto-generated",
    })
    message.attach_alternative(html, "text/html")
    message.send()
