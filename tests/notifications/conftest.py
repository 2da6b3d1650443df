"""Following and notifying through the real services.

Tests that check mail run inside `ctx`, one request context for the whole test, like a view: the
test, the factories and the services share one session, and its commit hands mail to delivery,
which (in tests) sends it at once into `outbox`.
"""

from __future__ import annotations

import pytest

from civic.comments.policy import ThreadRules, register_policy
from civic.core.db import utcnow
from civic.follows.models import Follow
from civic.groups import services as groups
from civic.groups.models import GroupFollow, GroupMembership
from civic.notifications import services
from civic.notifications.models import NotificationSettings


THREAD_KIND = "notify-test"
THREAD_PAGE = "/somewhere"


@pytest.fixture(autouse=True, scope="session")
def _thread_policy():
    register_policy(THREAD_KIND, lambda thread, now: ThreadRules(open=True, stance=False, return_url=THREAD_PAGE))


@pytest.fixture
def follow(db):
    def make(user, kind: str = "outcome", object_id: int = 1) -> None:
        db.session.add(Follow(user_id=user.id, kind=kind, object_id=object_id))
        db.session.commit()

    return make


@pytest.fixture
def make_group(db, make_user):
    """make_group(organiser=None, members=(), follows=[(kind, id)], name=...) -> CommunityGroup (committed)."""

    def make(organiser=None, members=(), follows=(), name: str = "Friends of Market Street", **fields):
        organiser = organiser or make_user()
        group = groups.create_group(organiser, name=name, description=fields.pop("description", ""),
                                    language=fields.pop("language", "en"), now=utcnow())
        for member in members:  # straight in: some tests need a member whose account was deleted since
            db.session.add(GroupMembership(group_id=group.id, user_id=member.id, role="member", joined_at=utcnow()))
        for kind, object_id in follows:
            # Straight in: the follow form checks the item exists; these tests use made-up ids.
            db.session.add(GroupFollow(group_id=group.id, kind=kind, object_id=object_id, created_by_id=organiser.id))
        db.session.commit()
        return group

    return make


@pytest.fixture
def email_setting(db):
    def set_(user, frequency: str) -> None:
        db.session.add(NotificationSettings(user_id=user.id, email=frequency))
        db.session.commit()

    return set_


@pytest.fixture
def change(db):
    """Staff post an update to outcome `object_id` (as the outcomes area does) and commit."""

    def run(object_id: int = 1, *, actor=None, event: str = "outcome_update", params: dict | None = None,
            now=None) -> int:
        count = services.notify_followers("outcome", object_id, event,
                                          params=params or {"title": "New footbridge", "progress": 40},
                                          url=f"/outcomes/{object_id}", actor=actor, now=now or utcnow())
        db.session.commit()
        return count

    return run
