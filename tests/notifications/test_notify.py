"""Who is notified, once, and the sentence each event reads as."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import force_locale

from civic.core.db import utcnow
from civic.notifications import services
from civic.notifications.models import EVENTS, Notification


def _rows(db, **where):
    query = sa.select(Notification).order_by(Notification.user_id)
    for name, value in where.items():
        query = query.where(getattr(Notification, name) == value)
    return db.session.scalars(query).all()


def test_followers_directly_and_through_a_group_are_told_once_never_the_actor(
        ctx, db, make_user, follow, make_group, change, outbox):
    direct, member, both, organiser, staff = make_user(), make_user(), make_user(), make_user(), make_user("staff")
    deleted, blocked = make_user(deleted_at=utcnow()), make_user(blocked_at=utcnow())
    for person in (direct, both, staff, deleted, blocked):
        follow(person, "outcome", 7)
    follow(make_user(), "outcome", 8)  # another outcome
    group = make_group(organiser=organiser, members=[member, both, deleted], follows=[("outcome", 7)])

    assert change(7, actor=staff) == 4

    rows = _rows(db, object_id=7)
    assert {row.user_id: row.group_id for row in rows} == {
        direct.id: None, both.id: None, member.id: group.id, organiser.id: group.id}
    assert {(row.event, row.object_kind, row.url) for row in rows} == {("outcome_update", "outcome", "/outcomes/7")}
    assert all(row.read_at is None and row.params == {"title": "New footbridge", "progress": 40} for row in rows)
    assert sorted(mail.to[0] for mail in outbox) == sorted(p.email for p in (direct, member, both, organiser))


def test_nobody_following_means_nothing_happens(ctx, db, change, outbox):
    assert change(99) == 0
    assert _rows(db) == [] and outbox == []


def test_notify_user_tells_one_person_and_skips_deleted_accounts(ctx, db, make_user, outbox):
    author, gone = make_user(), make_user(deleted_at=utcnow())
    for person in (author, gone):
        services.notify_user(person.id, "comment_reply", object_kind="comment", object_id=3, params={},
                             url="/notifications/comments/3", now=utcnow())
    db.session.commit()
    assert [(row.user_id, row.event) for row in _rows(db)] == [(author.id, "comment_reply")]
    assert [mail.to for mail in outbox] == [[author.email]]


def test_unknown_events_and_outside_links_are_refused(ctx, db, make_user, follow):
    follow(make_user(), "outcome", 1)
    for event, url in (("nonsense", "/outcomes/1"), ("outcome_update", "https://elsewhere.example/"),
                       ("outcome_update", "//elsewhere.example/")):
        try:
            services.notify_followers("outcome", 1, event, params={}, url=url, now=utcnow())
        except ValueError:
            continue
        raise AssertionError(f"{event} {url} accepted")


def test_every_event_has_a_sentence_with_its_details(app):
    with app.test_request_context():
        sentences = {
            "outcome_status": services.describe("outcome_status", {"title": "Footbridge", "status": "in_progress"}),
            "outcome_update": services.describe("outcome_update", {"title": "Footbridge", "progress": 40}),
            "goal_revision": services.describe("goal_revision", {"titles": {"en": "Cleaner air", "es": "Aire limpio"},
                                                                 "original": "en", "number": 2}),
            "results_published": services.describe("results_published", {"titles": {"en": "Budget 2026"}}),
            "comment_reply": services.describe("comment_reply", {}),
            "content_moderated": services.describe("content_moderated",
                                                   {"kind": "comment", "action": "hidden", "reason": "spam"}),
            "proposal_status": services.describe("proposal_status", {"title": "Shade trees", "status": "accepted"}),
        }
        assert set(sentences) == set(EVENTS)
        assert sentences["outcome_status"] == "“Footbridge” is now: In progress."
        assert sentences["outcome_update"] == "“Footbridge” has a new progress update: 40% done."
        assert sentences["goal_revision"] == "Goal 2 of the action plan was revised: “Cleaner air”."
        assert sentences["results_published"] == "The results of the vote “Budget 2026” are published."
        assert sentences["content_moderated"] == "A moderator hid your comment: Spam or advertising."
        assert sentences["proposal_status"] == "The proposal “Shade trees” is now: Accepted."
        assert services.describe("outcome_update", {"title": "Footbridge", "progress": None}) == \
            "“Footbridge” has a new progress update."
        with force_locale("es"):
            # Texts entered in several languages are read in the reader's; numbers in their format.
            assert "Aire limpio" in services.describe("goal_revision", {"titles": {"en": "Cleaner air",
                                                                                   "es": "Aire limpio"}, "number": 2})
            assert "40\u00a0%" in services.describe("outcome_update", {"title": "Footbridge", "progress": 40})
