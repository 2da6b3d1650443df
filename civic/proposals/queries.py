"""Read side of proposals: every list in a fixed number of queries, whatever its length."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, undefer

from civic.accounts.models import User
from civic.comments.models import Comment
from civic.core.inputs import bounded_int
from civic.extensions import db
from civic.plans.models import DIMENSIONS, Goal
from civic.processes.models import Process
from civic.proposals.models import STATUSES, Proposal

PER_PAGE = 20
SORTS = ("newest", "supported", "commented")
MAX_SEARCH_WORDS = 8


@dataclass
class Filters:
    process: int | None = None
    district: int | None = None
    category: str = ""
    status: str = ""
    q: str = ""
    sort: str = "newest"


@dataclass
class Item:
    """A proposal with its comment count, as lists show it."""

    proposal: Proposal
    comments: int


def _int(value) -> int | None:
    try:
        return bounded_int(value) if value not in (None, "") else None
    except (TypeError, ValueError):  # not a number, or past any id: no filter
        return None


def parse_filters(args) -> Filters:
    category = args.get("category", "")
    kind, _sep, code = category.partition(":")
    if not ((kind == "dimension" and code in DIMENSIONS) or (kind == "goal" and code.isdigit())):
        category = ""
    status = args.get("status", "")
    sort = args.get("sort", "newest")
    return Filters(process=_int(args.get("process")), district=_int(args.get("district")), category=category,
                   status=status if status in STATUSES else "", q=(args.get("q") or "").strip()[:200],
                   sort=sort if sort in SORTS else "newest")


def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _comment_counts():
    """One grouped subquery: the visible comments of every thread."""
    return (sa.select(Comment.thread_id, sa.func.count(Comment.id).label("total"))
            .where(Comment.deleted_at.is_(None), Comment.hidden_at.is_(None))
            .group_by(Comment.thread_id).subquery())


def visible(query, viewer: User | None):
    """Hidden proposals are left out; ones awaiting approval only for their author and moderators."""
    query = query.where(Proposal.hidden_at.is_(None))
    signed_in = viewer is not None and getattr(viewer, "is_authenticated", False)
    if signed_in and viewer.can_moderate:
        return query
    if signed_in:
        return query.where(sa.or_(Proposal.awaiting_approval.is_(False), Proposal.author_id == viewer.id))
    return query.where(Proposal.awaiting_approval.is_(False))


def _with_relations(query):
    return query.options(joinedload(Proposal.district), joinedload(Proposal.goal).joinedload(Goal.plan),
                         joinedload(Proposal.author), joinedload(Proposal.process))


def filtered(filters: Filters, viewer: User | None = None, *, public: bool = False):
    """The select for a list; `public` (open data) leaves out everything not shown to everyone."""
    query = sa.select(Proposal)
    query = visible(query, None if public else viewer)
    if filters.process:
        query = query.where(Proposal.process_id == filters.process)
    if filters.district:
        query = query.where(Proposal.district_id == filters.district)
    if filters.status:
        query = query.where(Proposal.status == filters.status)
    kind, _sep, code = filters.category.partition(":")
    if kind == "goal":
        query = query.where(Proposal.goal_id == int(code))
    elif kind == "dimension":
        query = query.where(Proposal.dimension == code)
    for word in filters.q.split()[:MAX_SEARCH_WORDS]:
        pattern = _like(word)
        query = query.where(sa.or_(Proposal.title.ilike(pattern, escape="\\"),
                                   Proposal.body.ilike(pattern, escape="\\")))
    newest = (Proposal.created_at.desc(), Proposal.id.desc())
    if filters.sort == "supported":
        query = query.order_by(Proposal.support_count.desc(), *newest)
    elif filters.sort == "commented":
        counts = _comment_counts()
        query = query.outerjoin(counts, counts.c.thread_id == Proposal.thread_id).order_by(
            sa.func.coalesce(counts.c.total, 0).desc(), *newest)
    else:
        query = query.order_by(*newest)
    return _with_relations(query)


def comment_counts(proposals: list[Proposal]) -> dict[int, int]:
    """Visible comments per proposal id, in one grouped query."""
    if not proposals:
        return {}
    by_thread = {p.thread_id: p.id for p in proposals}
    rows = db.session.execute(sa.select(Comment.thread_id, sa.func.count(Comment.id))
                              .where(Comment.thread_id.in_(by_thread), Comment.deleted_at.is_(None),
                                     Comment.hidden_at.is_(None))
                              .group_by(Comment.thread_id))
    counts = dict.fromkeys(by_thread.values(), 0)
    for thread_id, total in rows:
        counts[by_thread[thread_id]] = total
    return counts


def items(proposals: list[Proposal]) -> list[Item]:
    counts = comment_counts(proposals)
    return [Item(proposal, counts[proposal.id]) for proposal in proposals]


def paginate(filters: Filters, viewer: User | None, page: int, per_page: int = PER_PAGE, *, public: bool = False):
    return db.paginate(filtered(filters, viewer, public=public), page=page, per_page=per_page, error_out=False,
                       max_per_page=100)


def latest_for_process(process: Process, viewer: User | None, limit: int = 5) -> list[Item]:
    query = filtered(Filters(process=process.id), viewer).limit(limit)
    return items(list(db.session.scalars(query)))


def load(proposal_id: int, *, with_photo: bool = False) -> Proposal | None:
    query = _with_relations(sa.select(Proposal).where(Proposal.id == proposal_id)).options(
        joinedload(Proposal.merged_into), joinedload(Proposal.thread))
    if with_photo:
        query = query.options(undefer(Proposal.photo))
    return db.session.scalars(query).first()


def same_process(proposal: Proposal) -> list[Proposal]:
    """Targets for a merge, newest first."""
    return list(db.session.scalars(sa.select(Proposal).where(Proposal.process_id == proposal.process_id,
                                                             Proposal.id != proposal.id,
                                                             Proposal.hidden_at.is_(None))
                                   .order_by(Proposal.created_at.desc())))
