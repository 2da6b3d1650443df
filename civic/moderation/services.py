"""Moderation rules: who may moderate, reports of proposals, the queue, actions and their log.

Every action checks the actor here (views check too, for a clean 403) and appends exactly one
`ModerationAction` row in the caller's transaction. Views pass `actor` and `now`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import sqlalchemy as sa
from civic.core.messages import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from civic.accounts.models import User
from civic.accounts.personal_data import register_exporter
from civic.comments.models import REPORT_REASONS, Comment, CommentReport
from civic.comments.services import file_report
from civic.core.errors import DomainError, NotAllowed
from civic.core.sanitize import to_plain_text
from civic.extensions import db
from civic.moderation.models import ACTIONS, ModerationAction
from civic.notifications.services import comment_path, notify_user
from civic.proposals.models import Proposal, ProposalReport

DETAILS_MAX_LENGTH = 2000
NOTE_MAX_LENGTH = 2000
EXCERPT_LENGTH = 240
ITEM_KINDS = ("proposal", "comment")
_REPORTS = {"proposal": ProposalReport, "comment": CommentReport}
_MODELS = {"proposal": Proposal, "comment": Comment}


class Missing(DomainError):
    """The item does not exist; views answer 404."""


# Who ------------------------------------------------------------------------------------------

def _signed_in(user: User | None) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.deleted_at is None


def can_moderate(actor: User | None) -> bool:
    return _signed_in(actor) and actor.can_moderate


def require_moderator(actor: User | None) -> User:
    if not can_moderate(actor):
        raise NotAllowed(_l("Only moderators can do this."))
    return actor


# Reporting a proposal ---------------------------------------------------------------------------

def check_can_report_proposal(actor: User | None, proposal: Proposal) -> None:
    if not _signed_in(actor):
        raise NotAllowed(_l("Sign in to report a proposal."))
    if proposal.author_id == actor.id:
        raise NotAllowed(_l("You cannot report your own proposal."))
    if proposal.hidden_at is not None:
        raise DomainError(_l("A moderator has already hidden this proposal."))


def report_proposal(actor: User | None, proposal: Proposal, reason: str, details: str,
                    now: datetime) -> ProposalReport:
    check_can_report_proposal(actor, proposal)
    return file_report(
        ProposalReport(proposal_id=proposal.id, reporter_id=actor.id, reason=reason, details=details, created_at=now),
        already_reported=_l("You have already reported this proposal. Thank you: a moderator will look at it."))


# The queue ------------------------------------------------------------------------------------

@dataclass
class QueueItem:
    """One proposal or comment that needs a moderator, with its open reports."""

    kind: str  # "proposal" or "comment"
    item: Proposal | Comment
    reports: list = field(default_factory=list)  # open reports, oldest first

    @property
    def id(self) -> int:
        return self.item.id

    @property
    def author(self) -> User:
        return self.item.author

    @property
    def title(self) -> str:
        return to_plain_text(self.item.title) if self.kind == "proposal" else ""

    @property
    def excerpt(self) -> str:
        text = " ".join(to_plain_text(self.item.body).split())
        return text if len(text) <= EXCERPT_LENGTH else text[:EXCERPT_LENGTH].rstrip() + "…"

    @property
    def reasons(self) -> list[tuple[str, int]]:
        """(reason code, number of open reports), most reported first."""
        counts: dict[str, int] = {}
        for report in self.reports:
            counts[report.reason] = counts.get(report.reason, 0) + 1
        return sorted(counts.items(), key=lambda pair: (-pair[1], REPORT_REASONS.index(pair[0])))

    @property
    def oldest_report(self) -> datetime | None:
        return self.reports[0].created_at if self.reports else None

    @property
    def hidden(self) -> bool:
        return self.item.hidden_at is not None

    @property
    def awaiting(self) -> bool:
        return bool(self.item.awaiting_approval)


@dataclass
class Queue:
    reported: list[QueueItem]  # items with open reports, the longest-waiting report first
    awaiting: list[QueueItem]  # items waiting for approval and not reported, oldest first

    def __len__(self) -> int:
        return len(self.reported) + len(self.awaiting)


def _item_loads(relation, kind: str) -> list:
    """Load the item's author (and a comment's thread, for its link) with the rows themselves."""
    model = _MODELS[kind]
    paths = [model.author] + ([Comment.thread] if kind == "comment" else [])
    return [joinedload(relation).joinedload(path) if relation is not None else joinedload(path) for path in paths]


def queue(actor: User | None) -> Queue:
    """Open reports grouped by item, and items awaiting approval, in four queries whatever the size."""
    require_moderator(actor)
    groups: dict[tuple[str, int], QueueItem] = {}
    for kind, report_model, relation in (("proposal", ProposalReport, ProposalReport.proposal),
                                         ("comment", CommentReport, CommentReport.comment)):
        model = _MODELS[kind]
        reports = db.session.scalars(
            sa.select(report_model)
            .where(report_model.resolved_at.is_(None))
            .options(*_item_loads(relation, kind))
            .order_by(report_model.created_at, report_model.id)
        ).all()
        for report in reports:
            item = getattr(report, kind)
            groups.setdefault((kind, item.id), QueueItem(kind=kind, item=item)).reports.append(report)
    reported = sorted(groups.values(), key=lambda group: (group.oldest_report, group.kind, group.id))

    awaiting = []
    for kind, model in _MODELS.items():
        query = (sa.select(model).where(model.awaiting_approval.is_(True), model.hidden_at.is_(None))
                 .options(*_item_loads(None, kind)).order_by(model.created_at, model.id))
        if kind == "comment":
            query = query.where(Comment.deleted_at.is_(None))
        awaiting += [QueueItem(kind=kind, item=item) for item in db.session.scalars(query)
                     if (kind, item.id) not in groups]
    awaiting.sort(key=lambda group: (group.item.created_at, group.kind, group.id))
    return Queue(reported=reported, awaiting=awaiting)


# Acting on items ------------------------------------------------------------------------------

def load_item(kind: str, item_id: int) -> Proposal | Comment:
    model = _MODELS.get(kind)
    item = db.session.get(model, item_id) if model else None
    if item is None:
        raise Missing(_l("There is nothing to moderate here."))
    return item


def _log(actor: User, action: str, kind: str, target_id: int, reason: str, note: str,
         now: datetime) -> ModerationAction:
    assert action in ACTIONS
    entry = ModerationAction(moderator_id=actor.id, action=action, target_kind=kind, target_id=target_id,
                             reason=reason, note=note, created_at=now)
    db.session.add(entry)
    db.session.flush()
    return entry


def _checked_note(note: str | None) -> str:
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise DomainError(_l("Use at most %(max)d characters.", max=NOTE_MAX_LENGTH), "note")
    return note


def _checked_reason(reason: str | None) -> str:
    if reason not in REPORT_REASONS:
        raise DomainError(_l("Choose the public reason from the list."), "reason")
    return reason


def _resolve_reports(actor: User, kind: str, item_id: int, now: datetime) -> int:
    """Close the item's open reports; returns how many there were."""
    model = _REPORTS[kind]
    target = model.proposal_id if kind == "proposal" else model.comment_id
    result = db.session.execute(
        sa.update(model).where(target == item_id, model.resolved_at.is_(None))
        .values(resolved_at=now, resolved_by_id=actor.id)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def hide(actor: User | None, kind: str, item_id: int, reason: str, note: str, now: datetime) -> ModerationAction:
    """Hide a proposal or comment behind a placeholder that gives the public reason."""
    actor = require_moderator(actor)
    item = load_item(kind, item_id)
    reason = _checked_reason(reason)
    note = _checked_note(note)
    if item.hidden_at is not None:
        raise DomainError(_l("This is already hidden."))
    item.hidden_at, item.hidden_reason = now, reason
    _resolve_reports(actor, kind, item.id, now)
    _tell_author(actor, kind, item, "hidden", now)
    return _log(actor, "hide", kind, item.id, reason, note, now)


def restore(actor: User | None, kind: str, item_id: int, note: str, now: datetime) -> ModerationAction:
    actor = require_moderator(actor)
    item = load_item(kind, item_id)
    note = _checked_note(note)
    if item.hidden_at is None:
        raise DomainError(_l("This is not hidden."))
    item.hidden_at, item.hidden_reason = None, None
    _resolve_reports(actor, kind, item.id, now)
    _tell_author(actor, kind, item, "restored", now)
    return _log(actor, "restore", kind, item.id, "", note, now)


def _tell_author(actor: User, kind: str, item: Proposal | Comment, action: str, now: datetime) -> None:
    """The author hears that their proposal or comment was hidden or restored (notifications area)."""
    if item.author_id is None or item.author_id == actor.id:
        return
    params = {"kind": kind, "action": action, "reason": item.hidden_reason or ""}
    if kind == "proposal":
        params["title"] = item.title
    notify_user(item.author_id, "content_moderated", object_kind=kind, object_id=item.id, params=params,
                url=f"/proposals/{item.id}" if kind == "proposal" else comment_path(item.id), now=now)


def dismiss(actor: User | None, kind: str, item_id: int, note: str, now: datetime) -> ModerationAction:
    """Close the open reports and leave the item as it is."""
    actor = require_moderator(actor)
    item = load_item(kind, item_id)
    note = _checked_note(note)
    if not _resolve_reports(actor, kind, item.id, now):
        raise DomainError(_l("There are no open reports about this."))
    return _log(actor, "dismiss", kind, item.id, "", note, now)


def approve(actor: User | None, kind: str, item_id: int, note: str, now: datetime) -> ModerationAction:
    """Publish an item that was waiting for approval."""
    actor = require_moderator(actor)
    item = load_item(kind, item_id)
    note = _checked_note(note)
    if not item.awaiting_approval:
        raise DomainError(_l("This is not waiting for approval."))
    item.awaiting_approval = False
    return _log(actor, "approve", kind, item.id, "", note, now)


ITEM_ACTIONS = {"hide": hide, "restore": restore, "dismiss": dismiss, "approve": approve}


# Blocking people ------------------------------------------------------------------------------

def check_can_block(actor: User | None, user: User) -> None:
    actor = require_moderator(actor)
    if user.id == actor.id:
        raise NotAllowed(_l("You cannot block yourself."))
    if user.is_staff or user.is_admin:
        raise NotAllowed(_l("Staff and administrators cannot be blocked."))


def block_user(actor: User | None, user: User, reason: str, note: str, now: datetime) -> ModerationAction:
    """A blocked person can still sign in and read, but not post, reply or edit."""
    check_can_block(actor, user)
    reason = _checked_reason(reason)
    note = _checked_note(note)
    if user.blocked_at is not None:
        raise DomainError(_l("This account is already blocked."))
    user.blocked_at = now
    return _log(actor, "block", "user", user.id, reason, note, now)


def unblock_user(actor: User | None, user: User, note: str, now: datetime) -> ModerationAction:
    actor = require_moderator(actor)
    note = _checked_note(note)
    if user.blocked_at is None:
        raise DomainError(_l("This account is not blocked."))
    user.blocked_at = None
    return _log(actor, "unblock", "user", user.id, "", note, now)


# The log --------------------------------------------------------------------------------------

LOG_PAGE_SIZE = 50


@dataclass
class LogPage:
    actions: list[ModerationAction]
    page: int
    pages: int
    total: int
    blocked_ids: set[int]  # accounts among this page's targets that are blocked now


def log_page(actor: User | None, page: int = 1, per_page: int = LOG_PAGE_SIZE) -> LogPage:
    """The append-only log, newest first (three queries)."""
    require_moderator(actor)
    total = db.session.scalar(sa.select(sa.func.count(ModerationAction.id))) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    actions = db.session.scalars(
        sa.select(ModerationAction).options(joinedload(ModerationAction.moderator))
        .order_by(ModerationAction.created_at.desc(), ModerationAction.id.desc())
        .limit(per_page).offset((page - 1) * per_page)
    ).all()
    user_ids = {a.target_id for a in actions if a.target_kind == "user"}
    blocked = set(db.session.scalars(
        sa.select(User.id).where(User.id.in_(user_ids), User.blocked_at.is_not(None)))) if user_ids else set()
    return LogPage(actions=actions, page=page, pages=pages, total=total, blocked_ids=blocked)


# Transparency ---------------------------------------------------------------------------------

@dataclass
class Transparency:
    """Counts only: no names, no ids, no texts."""

    since: date  # first day of the earliest month counted
    months: list[tuple[date, dict[str, int]]]  # (first day of month, action -> count), oldest first
    actions_by_reason: list[tuple[str, dict[str, int]]]  # (reason, {"hide": n, "block": n})
    reports_by_reason: list[tuple[str, int]]  # (reason, reports of proposals and comments)
    total_actions: int
    total_reports: int


def _month_start(day: date, back: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - back, 12)
    return date(year, month + 1, 1)


def transparency(now: datetime) -> Transparency:
    """What moderators did in the last 12 months (this one included), and why: four grouped queries.

    Months are bucketed by comparing with their UTC start, which works the same on every database."""
    firsts = [_month_start(now.date(), back) for back in range(11, -1, -1)]
    starts = [datetime(day.year, day.month, 1, tzinfo=UTC) for day in firsts]
    start = starts[0]
    months = {day: dict.fromkeys(ACTIONS, 0) for day in firsts}
    created = ModerationAction.created_at
    window = sa.and_(created >= start, created <= now)
    bucket = sa.case(*[(created >= starts[i], i) for i in range(11, -1, -1)], else_=0).label("bucket")
    recent = sa.select(bucket, ModerationAction.action).where(window).subquery()
    rows = db.session.execute(
        sa.select(recent.c.bucket, recent.c.action, sa.func.count())
        .group_by(recent.c.bucket, recent.c.action)
    )
    for index, action, number in rows:
        months[firsts[int(index)]][action] += number

    by_reason = {reason: {"hide": 0, "block": 0} for reason in REPORT_REASONS}
    rows = db.session.execute(
        sa.select(ModerationAction.action, ModerationAction.reason, sa.func.count())
        .where(window, ModerationAction.action.in_(("hide", "block")))
        .group_by(ModerationAction.action, ModerationAction.reason)
    )
    for action, reason, number in rows:
        if reason in by_reason:
            by_reason[reason][action] += number

    reports = dict.fromkeys(REPORT_REASONS, 0)
    for model in (ProposalReport, CommentReport):
        rows = db.session.execute(
            sa.select(model.reason, sa.func.count())
            .where(model.created_at >= start, model.created_at <= now).group_by(model.reason)
        )
        for reason, number in rows:
            reports[reason] = reports.get(reason, 0) + number

    return Transparency(
        since=firsts[0],
        months=list(months.items()),
        actions_by_reason=list(by_reason.items()),
        reports_by_reason=list(reports.items()),
        total_actions=sum(sum(counts.values()) for counts in months.values()),
        total_reports=sum(reports.values()),
    )


def export_proposal_reports(user: User) -> list[dict]:
    rows = db.session.scalars(sa.select(ProposalReport).where(ProposalReport.reporter_id == user.id))
    return [{"proposal_id": r.proposal_id, "reason": r.reason, "details": r.details,
             "created_at": r.created_at.isoformat()} for r in rows]


register_exporter("proposal_reports", export_proposal_reports)
