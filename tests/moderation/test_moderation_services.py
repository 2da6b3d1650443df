from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from civic.accounts.models import Role, User
from civic.comments.models import Comment, CommentReport
from civic.core.db import utcnow
from civic.core.errors import DomainError, NotAllowed
from civic.moderation import services
from civic.moderation.models import ModerationAction
from civic.proposals.models import Proposal, ProposalReport


def _log(db):
    return db.session.scalars(sa.select(ModerationAction).order_by(ModerationAction.id)).all()


# Reporting proposals -----------------------------------------------------------------------------

def test_report_proposal_once_not_own_known_reasons(db, make_user, make_proposal):
    author, reader = make_user(), make_user()
    proposal = make_proposal(author)
    now = utcnow()
    with pytest.raises(NotAllowed):
        services.report_proposal(author, proposal, "spam", "", now)
    with pytest.raises(NotAllowed):
        services.report_proposal(None, proposal, "spam", "", now)
    with pytest.raises(DomainError) as refused:
        services.report_proposal(reader, proposal, "boring", "", now)
    assert refused.value.field == "reason"
    with pytest.raises(DomainError) as refused:
        services.report_proposal(reader, proposal, "spam", "x" * (services.DETAILS_MAX_LENGTH + 1), now)
    assert refused.value.field == "details"
    services.report_proposal(reader, proposal, "off_topic", "  not about the city ", now)
    with pytest.raises(DomainError, match="already reported"):
        services.report_proposal(reader, proposal, "spam", "", now)
    db.session.commit()  # the savepoint kept the first report
    reports = db.session.scalars(sa.select(ProposalReport)).all()
    assert [(r.reporter_id, r.reason, r.details) for r in reports] == [(reader.id, "off_topic", "not about the city")]


def test_hidden_proposal_cannot_be_reported(db, make_user, make_proposal):
    proposal = make_proposal(hidden_at=utcnow(), hidden_reason="spam")
    with pytest.raises(DomainError, match="already hidden"):
        services.report_proposal(make_user(), proposal, "spam", "", utcnow())


# Who may moderate ----------------------------------------------------------------------------------

@pytest.mark.parametrize("role", [Role.MODERATOR, Role.STAFF, Role.ADMIN])
def test_moderators_staff_and_admins_moderate(db, make_user, role):
    assert services.require_moderator(make_user(role))


def test_residents_and_anonymous_cannot_moderate(db, make_user, make_comment):
    resident, comment = make_user(), make_comment()
    for actor in (None, resident):
        with pytest.raises(NotAllowed):
            services.queue(actor)
        with pytest.raises(NotAllowed):
            services.hide(actor, "comment", comment.id, "spam", "", utcnow())
        for action in ("restore", "dismiss", "approve"):
            with pytest.raises(NotAllowed):
                services.ITEM_ACTIONS[action](actor, "comment", comment.id, "", utcnow())
        with pytest.raises(NotAllowed):
            services.block_user(actor, make_user(), "spam", "", utcnow())
        with pytest.raises(NotAllowed):
            services.unblock_user(actor, make_user(blocked_at=utcnow()), "", utcnow())
        with pytest.raises(NotAllowed):
            services.log_page(actor)
    assert _log(db) == [] and db.session.get(Comment, comment.id).hidden_at is None


# The queue ---------------------------------------------------------------------------------------

def test_queue_groups_open_reports_by_item_oldest_first(db, make_user, make_comment, make_proposal, report):
    moderator = make_user(Role.MODERATOR)
    recent, old, proposal = make_comment(), make_comment(), make_proposal()
    report(recent, "spam", ago=timedelta(hours=1))
    report(old, "personal_attack", ago=timedelta(days=3), details="Aimed at me")
    report(old, "personal_attack", ago=timedelta(hours=5))
    report(old, "spam", ago=timedelta(hours=2))
    report(proposal, "off_topic", ago=timedelta(days=1))
    resolved = report(make_comment(), "spam", ago=timedelta(days=9))
    resolved.resolved_at = utcnow()
    waiting_comment = make_comment(awaiting_approval=True)
    waiting_proposal = make_proposal(awaiting_approval=True)
    waiting_proposal.created_at = utcnow() - timedelta(days=2)
    make_comment(awaiting_approval=True, deleted_at=utcnow())  # withdrawn by its author: nothing to do
    db.session.commit()

    work = services.queue(moderator)
    assert [(g.kind, g.id) for g in work.reported] == [("comment", old.id), ("proposal", proposal.id),
                                                        ("comment", recent.id)]
    first = work.reported[0]
    assert first.reasons == [("personal_attack", 2), ("spam", 1)] and len(first.reports) == 3
    assert first.oldest_report == first.reports[0].created_at and first.reports[0].details == "Aimed at me"
    assert work.reported[1].title == "Shade trees on Market Street"
    assert [(g.kind, g.id) for g in work.awaiting] == [("proposal", waiting_proposal.id),
                                                        ("comment", waiting_comment.id)]
    assert len(work) == 5


def test_queue_uses_a_constant_number_of_queries(app, db, make_user, make_comment, make_proposal, report,
                                                 count_queries):
    moderator = make_user(Role.MODERATOR)

    def measure():
        with app.test_request_context("/"):
            moderator.role  # noqa: B018 - a request's current_user is already loaded
            with count_queries() as queries:
                work = services.queue(moderator)
                # What the page reads must be loaded already.
                [(g.author.display_name, g.excerpt, g.title, g.reasons, g.item.author.district) for g in
                 work.reported + work.awaiting]
                [g.item.thread.kind for g in work.reported + work.awaiting if g.kind == "comment"]
        return len(queries), len(work)

    report(make_comment(), "spam")
    report(make_proposal(), "spam")
    few, size = measure()
    for _ in range(4):
        comment, proposal = make_comment(), make_proposal()
        report(comment, "spam")
        report(comment, "other")
        report(proposal, "hate_speech")
        make_comment(awaiting_approval=True)
        make_proposal(awaiting_approval=True)
    many, bigger = measure()
    assert few == many == 4
    assert (size, bigger) == (2, 18)


# Actions -----------------------------------------------------------------------------------------

def test_hide_resolves_reports_and_logs_one_row(db, make_user, make_comment, report):
    moderator, comment = make_user(Role.MODERATOR), make_comment()
    first, second = report(comment, "spam"), report(comment, "other")
    other = report(make_comment(), "spam")
    now = utcnow()
    with pytest.raises(DomainError) as refused:
        services.hide(moderator, "comment", comment.id, "", "", now)
    assert refused.value.field == "reason"
    entry = services.hide(moderator, "comment", comment.id, "spam", " Ads for a shop ", now)
    db.session.commit()
    hidden = db.session.get(Comment, comment.id)
    assert (hidden.hidden_at, hidden.hidden_reason) == (now, "spam")
    for row in (first, second):
        row = db.session.get(CommentReport, row.id)
        assert (row.resolved_at, row.resolved_by_id) == (now, moderator.id)
    assert db.session.get(CommentReport, other.id).resolved_at is None
    assert [(a.id, a.moderator_id, a.action, a.target_kind, a.target_id, a.reason, a.note, a.created_at)
            for a in _log(db)] == [(entry.id, moderator.id, "hide", "comment", comment.id, "spam",
                                    "Ads for a shop", now)]
    with pytest.raises(DomainError, match="already hidden"):
        services.hide(moderator, "comment", comment.id, "spam", "", now)
    assert len(_log(db)) == 1


def test_hide_and_restore_a_proposal(db, make_user, make_proposal, report):
    moderator, proposal = make_user(Role.STAFF), make_proposal()
    report(proposal, "private_information")
    services.hide(moderator, "proposal", proposal.id, "private_information", "", utcnow())
    db.session.commit()
    assert db.session.get(Proposal, proposal.id).hidden_reason == "private_information"
    assert db.session.scalar(sa.select(ProposalReport.resolved_by_id)) == moderator.id
    report(proposal, "other")  # filed before the page refreshed, say
    services.restore(moderator, "proposal", proposal.id, "Hidden by mistake", utcnow())
    db.session.commit()
    restored = db.session.get(Proposal, proposal.id)
    assert (restored.hidden_at, restored.hidden_reason) == (None, None)
    assert db.session.scalar(sa.select(sa.func.count()).where(ProposalReport.resolved_at.is_(None))) == 0
    assert [(a.action, a.target_kind, a.reason, a.note) for a in _log(db)] == [
        ("hide", "proposal", "private_information", ""), ("restore", "proposal", "", "Hidden by mistake")]
    with pytest.raises(DomainError, match="not hidden"):
        services.restore(moderator, "proposal", proposal.id, "", utcnow())


def test_dismiss_resolves_without_hiding(db, make_user, make_comment, report):
    moderator, comment = make_user(Role.MODERATOR), make_comment()
    with pytest.raises(DomainError, match="no open reports"):
        services.dismiss(moderator, "comment", comment.id, "", utcnow())
    report(comment, "off_topic")
    services.dismiss(moderator, "comment", comment.id, "A different opinion", utcnow())
    db.session.commit()
    assert db.session.get(Comment, comment.id).hidden_at is None
    assert db.session.scalar(sa.select(CommentReport.resolved_by_id)) == moderator.id
    assert [(a.action, a.reason, a.note) for a in _log(db)] == [("dismiss", "", "A different opinion")]
    assert services.queue(moderator).reported == []


def test_approve_publishes_what_was_waiting(db, make_user, make_comment, make_proposal):
    moderator = make_user(Role.MODERATOR)
    comment, proposal = make_comment(awaiting_approval=True), make_proposal(awaiting_approval=True)
    services.approve(moderator, "comment", comment.id, "", utcnow())
    services.approve(moderator, "proposal", proposal.id, "", utcnow())
    db.session.commit()
    assert not db.session.get(Comment, comment.id).awaiting_approval
    assert not db.session.get(Proposal, proposal.id).awaiting_approval
    assert [(a.action, a.target_kind) for a in _log(db)] == [("approve", "comment"), ("approve", "proposal")]
    with pytest.raises(DomainError, match="not waiting"):
        services.approve(moderator, "comment", comment.id, "", utcnow())


def test_unknown_items_are_missing(db, make_user):
    with pytest.raises(services.Missing):
        services.hide(make_user(Role.MODERATOR), "comment", 999999, "spam", "", utcnow())
    with pytest.raises(services.Missing):
        services.approve(make_user(Role.MODERATOR), "ballot", 1, "", utcnow())


def test_block_and_unblock(db, make_user):
    moderator, troll = make_user(Role.MODERATOR), make_user()
    now = utcnow()
    with pytest.raises(DomainError) as refused:
        services.block_user(moderator, troll, "", "", now)
    assert refused.value.field == "reason"
    services.block_user(moderator, troll, "hate_speech", "Third warning", now)
    db.session.commit()
    assert db.session.get(User, troll.id).is_blocked
    with pytest.raises(DomainError, match="already blocked"):
        services.block_user(moderator, troll, "spam", "", now)
    services.unblock_user(moderator, troll, "Apologised", now)
    db.session.commit()
    assert not db.session.get(User, troll.id).is_blocked
    assert [(a.action, a.target_kind, a.target_id, a.reason) for a in _log(db)] == [
        ("block", "user", troll.id, "hate_speech"), ("unblock", "user", troll.id, "")]
    with pytest.raises(DomainError, match="not blocked"):
        services.unblock_user(moderator, troll, "", now)


@pytest.mark.parametrize("target_role", [Role.STAFF, Role.ADMIN])
def test_staff_admins_and_oneself_cannot_be_blocked(db, make_user, target_role):
    moderator = make_user(Role.MODERATOR)
    with pytest.raises(NotAllowed):
        services.block_user(moderator, make_user(target_role), "spam", "", utcnow())
    with pytest.raises(NotAllowed):
        services.block_user(moderator, moderator, "spam", "", utcnow())
    with pytest.raises(NotAllowed):
        services.block_user(make_user(Role.ADMIN), make_user(target_role), "spam", "", utcnow())
    assert _log(db) == []


def test_notes_have_a_length_limit(db, make_user, make_comment):
    with pytest.raises(DomainError) as refused:
        services.hide(make_user(Role.MODERATOR), "comment", make_comment().id, "spam",
                      "x" * (services.NOTE_MAX_LENGTH + 1), utcnow())
    assert refused.value.field == "note"


# The log -----------------------------------------------------------------------------------------

def test_log_is_append_only_in_the_database(db, make_user, make_comment):
    moderator = make_user(Role.MODERATOR)
    entry = services.hide(moderator, "comment", make_comment().id, "spam", "", utcnow())
    db.session.commit()
    with pytest.raises((sa.exc.DBAPIError, sa.exc.IntegrityError), match="append-only"):
        with db.session.begin_nested():
            db.session.execute(sa.update(ModerationAction).where(ModerationAction.id == entry.id)
                               .values(note="Rewritten history"))
    with pytest.raises((sa.exc.DBAPIError, sa.exc.IntegrityError), match="append-only"):
        with db.session.begin_nested():
            db.session.execute(sa.delete(ModerationAction).where(ModerationAction.id == entry.id))
    db.session.expire_all()
    assert [(a.id, a.note) for a in _log(db)] == [(entry.id, "")]


def test_log_page_newest_first_and_paginated(db, make_user):
    moderator = make_user(Role.MODERATOR)
    start = utcnow() - timedelta(hours=1)
    people = [make_user() for _ in range(5)]
    for minute, person in enumerate(people):
        services.block_user(moderator, person, "spam", "", start + timedelta(minutes=minute))
    services.unblock_user(moderator, people[0], "", start + timedelta(minutes=10))
    db.session.commit()
    first = services.log_page(moderator, 1, per_page=4)
    assert (first.page, first.pages, first.total) == (1, 2, 6)
    assert [a.action for a in first.actions] == ["unblock", "block", "block", "block"]
    assert first.blocked_ids == {p.id for p in people[2:]}
    last = services.log_page(moderator, 99, per_page=4)
    assert last.page == 2 and [a.target_id for a in last.actions] == [people[1].id, people[0].id]


# Transparency ------------------------------------------------------------------------------------

def test_transparency_counts_by_month_and_reason(db, make_user, make_comment, report):
    moderator = make_user(Role.MODERATOR)
    now = datetime(2026, 3, 15, 12, tzinfo=UTC)
    services.hide(moderator, "comment", make_comment().id, "spam", "", datetime(2026, 3, 1, tzinfo=UTC))
    services.hide(moderator, "comment", make_comment().id, "spam", "", datetime(2026, 2, 28, 23, 59, tzinfo=UTC))
    services.block_user(moderator, make_user(), "hate_speech", "", datetime(2025, 4, 2, tzinfo=UTC))
    services.hide(moderator, "comment", make_comment().id, "other", "", datetime(2025, 3, 31, tzinfo=UTC))  # too old
    services.hide(moderator, "comment", make_comment().id, "other", "", datetime(2026, 3, 16, tzinfo=UTC))  # future
    report(make_comment(), "spam").created_at = datetime(2026, 1, 5, tzinfo=UTC)
    report(make_comment(), "spam").created_at = datetime(2025, 1, 5, tzinfo=UTC)
    db.session.commit()
    summary = services.transparency(now)
    assert summary.since.isoformat() == "2025-04-01"
    months = dict(summary.months)
    assert len(months) == 12 and list(months)[-1].isoformat() == "2026-03-01"
    assert months[datetime(2026, 3, 1).date()]["hide"] == 1
    assert months[datetime(2026, 2, 1).date()]["hide"] == 1
    assert months[datetime(2025, 4, 1).date()]["block"] == 1
    assert summary.total_actions == 3
    by_reason = dict(summary.actions_by_reason)
    assert by_reason["spam"] == {"hide": 2, "block": 0} and by_reason["hate_speech"] == {"hide": 0, "block": 1}
    assert by_reason["other"] == {"hide": 0, "block": 0}
    assert dict(summary.reports_by_reason)["spam"] == 1 and summary.total_reports == 1


def test_transparency_holds_only_counts(db, make_user, make_comment):
    services.hide(make_user(Role.MODERATOR), "comment", make_comment().id, "spam", "Secret note", utcnow())
    summary = services.transparency(utcnow())
    values = [summary.since, summary.total_actions, summary.total_reports]
    for _month, counts in summary.months:
        values += list(counts.values())
    for _reason, counts in summary.actions_by_reason:
        values += list(counts.values())
    values += [number for _reason, number in summary.reports_by_reason]
    assert all(isinstance(v, int) or hasattr(v, "isoformat") for v in values)
