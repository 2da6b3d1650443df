"""Community groups: creating, joining and leaving, what a group follows, and its public page.

Members appear by name only when they show their name publicly; what members follow is shown as
counts, never as who follows what.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from civic.core.messages import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from civic.accounts.models import User
from civic.accounts.personal_data import register_eraser, register_exporter
from civic.config import LANGUAGES
from civic.core.errors import DomainError, NotAllowed
from civic.core.i18n import LocalizedText, localized
from civic.extensions import db
from civic.follows.models import FOLLOWABLE, Follow
from civic.groups.models import CommunityGroup, GroupFollow, GroupMembership
from civic.notifications.models import Notification
from civic.notifications.services import PUBLIC_EVENTS, describe
from civic.outcomes.models import Outcome
from civic.plans.models import Goal, Plan
from civic.processes.models import Process
from civic.proposals.models import Proposal

NAME_MAX_LENGTH = 120
DESCRIPTION_MAX_LENGTH = 2000
RECENT_DAYS = 30
RECENT_LIMIT = 20
LIST_LIMIT = 50
RESERVED_SLUGS = frozenset({"new"})


def _signed_in(user: User | None) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.deleted_at is None


def _require_signed_in(actor: User | None) -> User:
    if not _signed_in(actor):
        raise NotAllowed(_l("Sign in to take part in community groups."))
    return actor


# Creating, joining, leaving ------------------------------------------------------------------

def slugify(name: str) -> str:
    # Letters of every script stay: an Arabic or Chinese name keeps a readable address.
    text = unicodedata.normalize("NFKC", name).casefold()
    return re.sub(r"[\W_]+", "-", text).strip("-")[:60].strip("-") or "group"


def _free_slug(name: str) -> str:
    base = slugify(name)
    taken = set(db.session.scalars(sa.select(CommunityGroup.slug).where(
        sa.or_(CommunityGroup.slug == base, CommunityGroup.slug.like(f"{base}-%")))))
    taken |= RESERVED_SLUGS
    if base not in taken:
        return base
    return next(f"{base}-{n}" for n in range(2, len(taken) + 3) if f"{base}-{n}" not in taken)


def create_group(actor: User | None, *, name: str, description: str, language: str, now: datetime) -> CommunityGroup:
    """Any signed-in resident may start a group; they become its organiser."""
    actor = _require_signed_in(actor)
    if actor.is_blocked:
        raise DomainError(_l("Your account has been blocked by a moderator, so you cannot start a group."))
    name, description = (name or "").strip(), (description or "").strip()
    if not name:
        raise DomainError(_l("Enter the group’s name."), "name")
    if len(name) > NAME_MAX_LENGTH:
        raise DomainError(_l("Use at most %(max)d characters.", max=NAME_MAX_LENGTH), "name")
    if len(description) > DESCRIPTION_MAX_LENGTH:
        raise DomainError(_l("Use at most %(max)d characters.", max=DESCRIPTION_MAX_LENGTH), "description")
    if language not in LANGUAGES:
        raise DomainError(_l("Choose a language from the list."), "language")
    slug = _free_slug(name)
    for _attempt in range(3):
        group = CommunityGroup(slug=slug, name=name, description=description, language=language, created_at=now)
        try:
            with db.session.begin_nested():
                db.session.add(group)
                db.session.flush()
                break
        except IntegrityError:  # someone took the same address a moment ago
            slug = f"{slugify(name)[:50]}-{secrets.token_hex(3)}"
    else:
        raise DomainError(_l("Please try again."))
    db.session.add(GroupMembership(group=group, user_id=actor.id, role="organiser", joined_at=now))
    db.session.flush()
    return group


def membership_of(user: User | None, group: CommunityGroup) -> GroupMembership | None:
    if not _signed_in(user):
        return None
    return db.session.scalars(sa.select(GroupMembership).where(GroupMembership.group_id == group.id,
                                                               GroupMembership.user_id == user.id)).first()


def is_organiser(user: User | None, group: CommunityGroup) -> bool:
    membership = membership_of(user, group)
    return membership is not None and membership.role == "organiser"


def join_group(actor: User | None, group: CommunityGroup, now: datetime) -> None:
    actor = _require_signed_in(actor)
    if membership_of(actor, group) is not None:
        return
    try:
        with db.session.begin_nested():
            db.session.add(GroupMembership(group_id=group.id, user_id=actor.id, role="member", joined_at=now))
            db.session.flush()
    except IntegrityError:
        pass  # a second click arrived first: they are a member, as they asked


def leave_group(actor: User | None, group: CommunityGroup) -> None:
    actor = _require_signed_in(actor)
    membership = membership_of(actor, group)
    if membership is not None:
        _leave(membership)


def _leave(membership: GroupMembership) -> None:
    """The last organiser to leave hands the group to its longest-standing member."""
    group_id, was_organiser = membership.group_id, membership.role == "organiser"
    db.session.delete(membership)
    db.session.flush()
    if not was_organiser or db.session.scalar(sa.select(GroupMembership.id).where(
            GroupMembership.group_id == group_id, GroupMembership.role == "organiser").limit(1)):
        return
    heir = db.session.scalars(sa.select(GroupMembership).join(User, User.id == GroupMembership.user_id)
                              .where(GroupMembership.group_id == group_id, User.deleted_at.is_(None))
                              .order_by(GroupMembership.joined_at, GroupMembership.id).limit(1)).first()
    if heir is not None:
        heir.role = "organiser"


# The items a group can follow ----------------------------------------------------------------

KIND_LABELS = {"process": _l("Participatory process"), "proposal": _l("Proposal"),
               "goal": _l("Goal of the action plan"), "outcome": _l("Outcome")}


@dataclass(frozen=True)
class Item:
    kind: str
    object_id: int
    title: LocalizedText
    url: str
    label: str  # what it is, in words: "Proposal", "Goal 3 of the action plan"

    @property
    def key(self) -> tuple[str, int]:
        return self.kind, self.object_id


def resolve(keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], Item]:
    """Titles and links of followed items, one query per kind. Missing or hidden items are left out."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for kind, object_id in keys:
        wanted[kind].add(object_id)
    found: list[Item] = []
    if wanted["process"]:
        found += [Item("process", pid, localized(titles, original), f"/processes/{pid}", str(KIND_LABELS["process"]))
                  for pid, titles, original in db.session.execute(
                      sa.select(Process.id, Process.titles, Process.original_language)
                      .where(Process.id.in_(wanted["process"])))]
    if wanted["proposal"]:
        found += [Item("proposal", pid, LocalizedText(title, language), f"/proposals/{pid}",
                       str(KIND_LABELS["proposal"]))
                  for pid, title, language in db.session.execute(
                      sa.select(Proposal.id, Proposal.title, Proposal.language)
                      .where(Proposal.id.in_(wanted["proposal"]), Proposal.hidden_at.is_(None),
                             Proposal.awaiting_approval.is_(False)))]
    if wanted["goal"]:
        found += [Item("goal", gid, localized(statements, original), f"/plans/{plan_id}/goals/{number}",
                       _("Goal %(number)d of the action plan", number=number))
                  for gid, plan_id, number, statements, original in db.session.execute(
                      sa.select(Goal.id, Goal.plan_id, Goal.number, Goal.statements, Plan.original_language)
                      .join(Plan, Plan.id == Goal.plan_id).where(Goal.id.in_(wanted["goal"])))]
    if wanted["outcome"]:
        found += [Item("outcome", oid, localized(titles, original), f"/outcomes/{oid}", str(KIND_LABELS["outcome"]))
                  for oid, titles, original in db.session.execute(
                      sa.select(Outcome.id, Outcome.titles, Outcome.original_language)
                      .where(Outcome.id.in_(wanted["outcome"])))]
    return {item.key: item for item in found}


def _from_endpoint(endpoint: str, values: dict) -> tuple[str, int] | None:
    simple = {"processes.process": ("process", "process_id"), "proposals.detail": ("proposal", "proposal_id"),
              "outcomes.outcome": ("outcome", "outcome_id")}
    if endpoint in simple:
        kind, key = simple[endpoint]
        return kind, values[key]
    if endpoint == "plans.goal":
        goal_id = db.session.scalar(sa.select(Goal.id).where(Goal.plan_id == values["plan_id"],
                                                             Goal.number == values["number"]))
        return ("goal", goal_id) if goal_id else None
    return None


# What the group follows ----------------------------------------------------------------------

def _require_organiser(actor: User | None, group: CommunityGroup) -> User:
    actor = _require_signed_in(actor)
    if not is_organiser(actor, group):
        raise NotAllowed(_l("Only the group’s organisers can choose what it follows."))
    return actor


def item_from_address(address: str) -> tuple[str, int] | None:
    """The item a page address (full or a path) shows, e.g. /outcomes/5 -> ("outcome", 5)."""
    path = urlsplit((address or "").strip()).path
    if not path:
        return None
    try:
        endpoint, values = current_app.url_map.bind("localhost").match(path, method="GET")
    except HTTPException:
        return None
    return _from_endpoint(endpoint, values)


def chosen_item(choice: str | None, address: str | None) -> tuple[str, int]:
    """The item an organiser picked from their follows ("kind:id") or gave by address."""
    if choice:
        kind, _sep, object_id = choice.partition(":")
        if kind in FOLLOWABLE and object_id.isdigit():
            return kind, int(object_id)
        raise DomainError(_l("Choose something from the list."), "item")
    if not (address or "").strip():
        raise DomainError(_l("Choose something you follow, or paste the address of its page."), "item")
    found = item_from_address(address)
    if found is None:
        raise DomainError(_l("This is not the address of a process, proposal, goal or outcome on this site."),
                          "address")
    return found


def follow_for_group(actor: User | None, group: CommunityGroup, kind: str, object_id: int, now: datetime) -> Item:
    actor = _require_organiser(actor, group)
    item = resolve([(kind, object_id)]).get((kind, object_id)) if kind in FOLLOWABLE else None
    if item is None:
        raise DomainError(_l("We could not find that page. Choose something you follow, or paste the address "
                             "of a process, proposal, goal or outcome."), "item")
    try:
        with db.session.begin_nested():
            db.session.add(GroupFollow(group_id=group.id, kind=kind, object_id=object_id, created_by_id=actor.id,
                                       created_at=now))
            db.session.flush()
    except IntegrityError:
        pass  # the group already follows it, which is what was asked
    return item


def unfollow_for_group(actor: User | None, group: CommunityGroup, kind: str, object_id: int) -> None:
    _require_organiser(actor, group)
    db.session.execute(sa.delete(GroupFollow).where(GroupFollow.group_id == group.id, GroupFollow.kind == kind,
                                                    GroupFollow.object_id == object_id))


def choices_to_follow(actor: User, group: CommunityGroup) -> list[Item]:
    """What the organiser follows themselves and the group does not yet: the easy way to add items."""
    own = db.session.execute(
        sa.select(Follow.kind, Follow.object_id).where(Follow.user_id == actor.id)
        .where(~sa.exists().where(GroupFollow.group_id == group.id, GroupFollow.kind == Follow.kind,
                                  GroupFollow.object_id == Follow.object_id))
        .order_by(Follow.created_at.desc()).limit(LIST_LIMIT)).all()
    found = resolve([tuple(row) for row in own])
    return [found[tuple(row)] for row in own if tuple(row) in found]


# Lists and the group page --------------------------------------------------------------------

def list_groups() -> list[tuple[CommunityGroup, int]]:
    counts = (sa.select(GroupMembership.group_id, sa.func.count(GroupMembership.id).label("members"))
              .group_by(GroupMembership.group_id).subquery())
    rows = db.session.execute(sa.select(CommunityGroup, sa.func.coalesce(counts.c.members, 0))
                              .outerjoin(counts, counts.c.group_id == CommunityGroup.id)
                              .order_by(sa.func.lower(CommunityGroup.name), CommunityGroup.id))
    return [(group, members) for group, members in rows]


def find_group(slug: str) -> CommunityGroup | None:
    return db.session.scalars(sa.select(CommunityGroup).where(CommunityGroup.slug == slug)).first()


@dataclass
class Change:
    sentence: str
    created_at: datetime
    item: Item


@dataclass
class GroupPage:
    group: CommunityGroup
    members: int
    named_members: list[tuple[str, bool]]  # (display name, organiser) of those who show their name
    unnamed: int  # members who do not show their name publicly: counted, never named
    follows: list[Item]  # what the group follows
    member_follows: list[tuple[Item, int]]  # what members follow themselves, with how many
    recent: list[Change] = field(default_factory=list)
    recent_days: int = RECENT_DAYS


def _member_rows(group: CommunityGroup) -> tuple[int, int, list[tuple[str, bool]]]:
    rows = db.session.execute(
        sa.select(User.display_name, User.show_name_publicly, GroupMembership.role)
        .join(GroupMembership, GroupMembership.user_id == User.id)
        .where(GroupMembership.group_id == group.id, User.deleted_at.is_(None))
        .order_by(GroupMembership.role.desc(), GroupMembership.joined_at, GroupMembership.id)).all()
    named = [(name, role == "organiser") for name, shown, role in rows if shown]
    return len(rows), len(rows) - len(named), named[:LIST_LIMIT]


def _followed_by_group_or_members(group_id: int):
    return sa.union(
        sa.select(GroupFollow.kind, GroupFollow.object_id).where(GroupFollow.group_id == group_id),
        sa.select(Follow.kind, Follow.object_id).join(GroupMembership, GroupMembership.user_id == Follow.user_id)
        .where(GroupMembership.group_id == group_id)).subquery()


def _recent_rows(group_id: int, now: datetime) -> list[Notification]:
    """The latest public changes to what the group and its members follow: one row per change
    (every follower got a copy; the copies share event, item and time)."""
    followed = _followed_by_group_or_members(group_id)
    first_copies = (
        sa.select(sa.func.min(Notification.id))
        .join(followed, sa.and_(followed.c.kind == Notification.object_kind,
                                followed.c.object_id == Notification.object_id))
        .where(Notification.event.in_(PUBLIC_EVENTS), Notification.created_at >= now - timedelta(days=RECENT_DAYS))
        .group_by(Notification.event, Notification.object_kind, Notification.object_id, Notification.created_at))
    return list(db.session.scalars(sa.select(Notification).where(Notification.id.in_(first_copies))
                                   .order_by(Notification.created_at.desc(), Notification.id.desc())
                                   .limit(RECENT_LIMIT)))


def group_page(group: CommunityGroup, now: datetime) -> GroupPage:
    """Everything the group page shows, in a fixed number of queries."""
    members, unnamed, named = _member_rows(group)
    own = [tuple(row) for row in db.session.execute(
        sa.select(GroupFollow.kind, GroupFollow.object_id).where(GroupFollow.group_id == group.id)
        .order_by(GroupFollow.created_at.desc(), GroupFollow.id.desc()))]
    by_members = [(kind, object_id, count) for kind, object_id, count in db.session.execute(
        sa.select(Follow.kind, Follow.object_id, sa.func.count(sa.distinct(Follow.user_id)).label("people"))
        .join(GroupMembership, GroupMembership.user_id == Follow.user_id)
        .join(User, User.id == Follow.user_id)
        .where(GroupMembership.group_id == group.id, User.deleted_at.is_(None))
        .group_by(Follow.kind, Follow.object_id)
        .order_by(sa.desc("people"), Follow.kind, Follow.object_id).limit(LIST_LIMIT))]
    recent = _recent_rows(group.id, now)
    keys = own + [(kind, object_id) for kind, object_id, _count in by_members]
    keys += [(n.object_kind, n.object_id) for n in recent]
    found = resolve(keys)
    return GroupPage(
        group=group, members=members, named_members=named, unnamed=unnamed,
        follows=[found[key] for key in own if key in found],
        member_follows=[(found[(kind, oid)], count) for kind, oid, count in by_members if (kind, oid) in found],
        # Changes to items no longer shown (a hidden proposal) are left out with them.
        recent=[Change(describe(n.event, n.params or {}), n.created_at, found[(n.object_kind, n.object_id)])
                for n in recent if (n.object_kind, n.object_id) in found])


def name_text(group: CommunityGroup) -> LocalizedText:
    """The group's name with its language, for `lang` on pages in another language."""
    return LocalizedText(group.name, group.language)


# Personal data -------------------------------------------------------------------------------

def export_memberships(user: User) -> list[dict]:
    rows = db.session.execute(sa.select(GroupMembership, CommunityGroup.slug, CommunityGroup.name)
                              .join(CommunityGroup, CommunityGroup.id == GroupMembership.group_id)
                              .where(GroupMembership.user_id == user.id).order_by(GroupMembership.id))
    return [{"group": slug, "name": name, "role": m.role, "joined_at": m.joined_at.isoformat()}
            for m, slug, name in rows]


def erase_memberships(user: User) -> None:
    for membership in db.session.scalars(sa.select(GroupMembership).where(GroupMembership.user_id == user.id)).all():
        _leave(membership)


register_exporter("group_memberships", export_memberships)
register_eraser("group_memberships", erase_memberships)
