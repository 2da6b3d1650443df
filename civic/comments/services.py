"""Comment rules: who may post, edit, delete and report, and when. Views pass `actor` and `now`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from civic.core.messages import lazy_gettext as _l
from markupsafe import escape
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from civic.accounts.confirmation import require_confirmed
from civic.accounts.models import User
from civic.accounts.personal_data import register_exporter
from civic.comments.models import CHANNELS, REPORT_REASONS, STANCES, Comment, CommentReport, CommentThread
from civic.comments.policy import ThreadRules, rules_for
from civic.core import audit
from civic.core.errors import DomainError, NotAllowed
from civic.core.sanitize import clean_rich_text, to_plain_text
from civic.extensions import db
from civic.notifications.services import comment_path, notify_user

BODY_MAX_LENGTH = 5000
DETAILS_MAX_LENGTH = 2000
EDIT_WINDOW = timedelta(minutes=15)
audit.register_actions({"comment.recorded_on_behalf": _l("Recorded a comment received by phone or in person")})
audit.register_subject_types({"comment": _l("comment")})
BLOCKED_MESSAGE = _l("Your account has been blocked by a moderator, so you cannot post. You can still read everything.")


# Reading ---------------------------------------------------------------------------------------

@dataclass
class CommentView:
    """One comment as a given viewer sees it, with what that viewer may do to it now."""

    comment: Comment
    replies: list[CommentView] = field(default_factory=list)
    can_reply: bool = False
    can_edit: bool = False
    can_delete: bool = False
    can_report: bool = False
    show_body: bool = True  # False for a hidden comment seen by someone who does not moderate

    @property
    def id(self) -> int:
        return self.comment.id

    @property
    def deleted(self) -> bool:
        return self.comment.deleted_at is not None

    @property
    def hidden(self) -> bool:
        return self.comment.hidden_at is not None

    @property
    def awaiting(self) -> bool:
        return self.comment.awaiting_approval

    @property
    def on_behalf(self) -> bool:
        """Typed in by staff for a resident who commented by phone or in person."""
        return self.comment.channel != "online"


@dataclass
class ThreadView:
    thread: CommentThread
    rules: ThreadRules
    comments: list[CommentView]  # top-level, oldest first; each with .replies, oldest first
    counts: dict[str, int]  # stance -> shown top-level comments (not deleted, hidden or awaiting approval)
    total: int  # shown comments, replies included
    viewer_blocked: bool = False  # the viewer is blocked: the page says so instead of showing the form


def create_thread(kind: str) -> CommentThread:
    thread = CommentThread(kind=kind)
    db.session.add(thread)
    db.session.flush()
    return thread


def _signed_in(user: User | None) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.deleted_at is None


def _is_author(user: User | None, comment: Comment) -> bool:
    return _signed_in(user) and comment.author_id == user.id


def _moderates(user: User | None) -> bool:
    return _signed_in(user) and user.can_moderate


def _blocked(user: User | None) -> bool:
    return _signed_in(user) and user.is_blocked


def _counted(comment: Comment) -> bool:
    """Comments everyone sees count; deleted, hidden and not-yet-approved ones do not."""
    return comment.deleted_at is None and comment.hidden_at is None and not comment.awaiting_approval


def within_edit_window(comment: Comment, now: datetime) -> bool:
    return now - comment.created_at <= EDIT_WINDOW


def _view(comment: Comment, viewer: User | None, rules: ThreadRules, now: datetime) -> CommentView:
    may_post = _signed_in(viewer) and not viewer.is_blocked and viewer.email_confirmed
    alive = comment.deleted_at is None
    shown = alive and comment.hidden_at is None and not comment.awaiting_approval
    own = _is_author(viewer, comment)
    return CommentView(
        comment=comment,
        can_reply=may_post and shown and rules.open,
        can_edit=own and may_post and alive and comment.hidden_at is None and rules.open
        and within_edit_window(comment, now),
        can_delete=own and alive,
        can_report=_signed_in(viewer) and shown and not own,
        show_body=comment.hidden_at is None or _moderates(viewer),
    )


def thread_views(threads: list[CommentThread], viewer: User | None, now: datetime) -> dict[int, ThreadView]:
    """Everything needed to show these threads, with one query for all their comments.

    Comments waiting for approval are shown only to their author and to moderators."""
    views = {
        thread.id: ThreadView(thread=thread, rules=rules_for(thread, now), comments=[],
                              counts=dict.fromkeys(STANCES, 0), total=0, viewer_blocked=_blocked(viewer))
        for thread in threads
    }
    if not views:
        return views
    query = (
        sa.select(Comment)
        .where(Comment.thread_id.in_(views))
        .options(joinedload(Comment.author))
        .order_by(Comment.created_at, Comment.id)
    )
    if not _moderates(viewer):
        visible = Comment.awaiting_approval.is_(False)
        if _signed_in(viewer):
            visible = sa.or_(visible, Comment.author_id == viewer.id)
        query = query.where(visible)
    comments = db.session.scalars(query).all()
    top: dict[int, CommentView] = {}
    for comment in comments:
        view = views[comment.thread_id]
        item = _view(comment, viewer, view.rules, now)
        counted = _counted(comment)
        view.total += counted
        if comment.parent_id is None:
            top[comment.id] = item
            view.comments.append(item)
            if counted and comment.stance in view.counts:
                view.counts[comment.stance] += 1
        elif comment.parent_id in top:
            top[comment.parent_id].replies.append(item)
    return views


def thread_view(thread: CommentThread, viewer: User | None, now: datetime) -> ThreadView:
    return thread_views([thread], viewer, now)[thread.id]


def stance_counts(thread_ids: list[int]) -> dict[str, int]:
    """For pages that only show counts: stances of shown top-level comments (see `_counted`), summed."""
    counts = dict.fromkeys(STANCES, 0)
    if not thread_ids:
        return counts
    rows = db.session.execute(
        sa.select(Comment.stance, sa.func.count())
        .where(Comment.thread_id.in_(thread_ids), Comment.parent_id.is_(None),
               Comment.deleted_at.is_(None), Comment.stance.is_not(None),
               Comment.hidden_at.is_(None), Comment.awaiting_approval.is_(False))
        .group_by(Comment.stance)
    )
    for stance, number in rows:
        counts[stance] = number
    return counts


# Body text -------------------------------------------------------------------------------------

_BLANK_LINE = re.compile(r"\n[ \t]*\n+")


def body_to_html(text: str) -> str:
    """Plain text as residents type it -> paragraphs and line breaks, escaped, then sanitized."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    paragraphs = [p.strip() for p in _BLANK_LINE.split(text) if p.strip()]
    html = "".join(f"<p>{'<br>'.join(str(escape(line)) for line in p.split(chr(10)))}</p>" for p in paragraphs)
    return clean_rich_text(html)


def body_to_text(html: str) -> str:
    """The stored body back as the plain text its author typed (for the edit form)."""
    html = re.sub(r"</p>\s*<p>", "\n\n", html)
    html = re.sub(r"<br\s*/?>", "\n", html)
    return to_plain_text(html)


def _checked_body(body: str | None) -> str:
    body = (body or "").strip()
    if not body:
        raise DomainError(_l("Write your comment."), "body")
    if len(body) > BODY_MAX_LENGTH:
        raise DomainError(_l("Use at most %(max)d characters.", max=BODY_MAX_LENGTH), "body")
    return body_to_html(body)


# Writing ---------------------------------------------------------------------------------------

def _require_signed_in(actor: User | None) -> User:
    if not _signed_in(actor):
        raise NotAllowed(_l("Sign in to comment."))
    return actor


def _require_not_blocked(actor: User) -> None:
    if actor.is_blocked:
        raise DomainError(BLOCKED_MESSAGE)


def _parent(thread: CommentThread, parent_id: int | None) -> Comment | None:
    if parent_id is None:
        return None
    parent = db.session.get(Comment, parent_id)
    if parent is None or parent.thread_id != thread.id:
        raise DomainError(_l("The comment you are replying to is not part of this discussion."))
    if parent.deleted_at is not None:
        raise DomainError(_l("The comment you are replying to has been deleted."))
    if parent.hidden_at is not None or parent.awaiting_approval:
        raise DomainError(_l("You cannot reply to this comment now."))
    # Replies are one level deep: an answer to a reply joins the conversation under its top comment.
    if parent.parent_id is not None:
        parent = parent.parent
    return parent


def _checked_channel(actor: User, channel: str) -> str:
    if channel == "online":
        return channel
    if not actor.is_staff:
        raise NotAllowed(_l("Only city staff can record a comment received by phone or in person."))
    if channel not in CHANNELS:
        raise DomainError(_l("Choose how the comment reached us."), "channel")
    return channel


def post_comment(actor: User | None, thread: CommentThread, *, body: str, stance: str | None,
                 parent_id: int | None, now: datetime, channel: str = "online") -> Comment:
    """Post a comment or reply. Staff may record one a resident gave by phone or in person
    (`channel`): it is shown as from "A resident", with the channel, and notes who typed it in."""
    actor = _require_signed_in(actor)
    _require_not_blocked(actor)
    require_confirmed(actor)
    channel = _checked_channel(actor, channel or "online")
    rules = rules_for(thread, now)
    if not rules.open:
        raise DomainError(rules.closed_message or _l("This discussion is closed."))
    parent = _parent(thread, parent_id)
    html = _checked_body(body)
    if parent is not None or not rules.stance:
        stance = None  # only top-level comments carry a stance, and only where one is asked
    elif stance not in STANCES:
        raise DomainError(_l("Choose whether you are for, against or neutral."), "stance")
    comment = Comment(thread=thread, parent=parent, author=actor, body=html, stance=stance, created_at=now,
                      channel=channel, recorded_by_id=actor.id if channel != "online" else None,
                      show_name=actor.show_name_publicly and channel == "online",
                      # Moderators' own comments need no approval.
                      awaiting_approval=rules.premoderated and not actor.can_moderate)
    db.session.add(comment)
    db.session.flush()
    if channel != "online":
        audit.record(actor, "comment.recorded_on_behalf", subject_type="comment", subject_id=comment.id, now=now,
                     details={"channel": channel, "thread_id": thread.id})
    _tell_replied_to(actor, comment, parent_id, now)
    return comment


def _tell_replied_to(actor: User, comment: Comment, parent_id: int | None, now: datetime) -> None:
    """The author of the comment answered hears about it once others can read the reply (notifications area)."""
    replied_to = db.session.get(Comment, parent_id) if parent_id is not None else None
    if replied_to is None or comment.awaiting_approval or replied_to.author_id in (None, actor.id):
        return
    notify_user(replied_to.author_id, "comment_reply", object_kind="comment", object_id=comment.id, params={},
                url=comment_path(comment.id), now=now)


def check_can_edit(actor: User | None, comment: Comment, now: datetime) -> None:
    if not _is_author(actor, comment):
        raise NotAllowed(_l("Only the author can change a comment."))
    if comment.deleted_at is not None:
        raise DomainError(_l("This comment has been deleted."))
    _require_not_blocked(actor)
    if comment.hidden_at is not None:
        raise DomainError(_l("A moderator has hidden this comment, so it cannot be changed."))
    if not within_edit_window(comment, now):
        raise DomainError(_l("Comments can only be changed in the first %(minutes)d minutes after posting.",
                             minutes=EDIT_WINDOW.seconds // 60))
    rules = rules_for(comment.thread, now)
    if not rules.open:
        raise DomainError(rules.closed_message or _l("This discussion is closed."))


def edit_comment(actor: User | None, comment: Comment, *, body: str, now: datetime) -> None:
    check_can_edit(actor, comment, now)
    comment.body = _checked_body(body)
    comment.edited_at = now


def check_can_delete(actor: User | None, comment: Comment) -> None:
    if not _is_author(actor, comment):
        raise NotAllowed(_l("Only the author can delete a comment."))
    if comment.deleted_at is not None:
        raise DomainError(_l("This comment has been deleted."))


def delete_comment(actor: User | None, comment: Comment, now: datetime) -> None:
    """Soft delete: the comment leaves a placeholder and its replies stay."""
    check_can_delete(actor, comment)
    comment.deleted_at = now


def check_can_report(actor: User | None, comment: Comment) -> None:
    if not _signed_in(actor):
        raise NotAllowed(_l("Sign in to report a comment."))
    if comment.author_id == actor.id:
        raise NotAllowed(_l("You cannot report your own comment."))
    if comment.deleted_at is not None:
        raise DomainError(_l("This comment has been deleted."))
    if comment.hidden_at is not None:
        raise DomainError(_l("A moderator has already hidden this comment."))


def file_report(report, *, already_reported):
    """Check a report's reason and details, then store it once per person: the unique constraint
    decides, so a double click cannot file two; the savepoint keeps the transaction usable."""
    if report.reason not in REPORT_REASONS:
        raise DomainError(_l("Choose a reason from the list."), "reason")
    report.details = (report.details or "").strip()
    if len(report.details) > DETAILS_MAX_LENGTH:
        raise DomainError(_l("Use at most %(max)d characters.", max=DETAILS_MAX_LENGTH), "details")
    try:
        with db.session.begin_nested():
            db.session.add(report)
            db.session.flush()
    except IntegrityError as exc:
        raise DomainError(already_reported) from exc
    return report


def report_comment(actor: User | None, comment: Comment, *, reason: str, details: str,
                   now: datetime) -> CommentReport:
    check_can_report(actor, comment)
    return file_report(
        CommentReport(comment_id=comment.id, reporter_id=actor.id, reason=reason, details=details, created_at=now),
        already_reported=_l("You have already reported this comment. Thank you: a moderator will look at it."))


def _when(value):
    return value.isoformat() if value else None


def export_comments(user: User) -> list[dict]:
    comments = db.session.scalars(sa.select(Comment).where(Comment.author_id == user.id).order_by(Comment.id))
    return [{"id": c.id, "text": body_to_text(c.body), "stance": c.stance, "reply_to": c.parent_id,
             "channel": c.channel, "created_at": _when(c.created_at), "edited_at": _when(c.edited_at),
             "deleted_at": _when(c.deleted_at), "hidden_reason": c.hidden_reason} for c in comments]


def export_comment_reports(user: User) -> list[dict]:
    reports = db.session.scalars(sa.select(CommentReport).where(CommentReport.reporter_id == user.id))
    return [{"comment_id": r.comment_id, "reason": r.reason, "details": r.details,
             "created_at": _when(r.created_at)} for r in reports]


register_exporter("comments", export_comments)
register_exporter("comment_reports", export_comment_reports)
