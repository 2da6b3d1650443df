"""Other areas tell people through the notifications API: outcomes, proposals, comments, moderation."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import force_locale, gettext

from civic.comments import services as comments
from civic.comments.models import Comment, CommentThread
from civic.core.db import utcnow
from civic.moderation import services as moderation
from civic.notifications.models import Notification
from civic.outcomes import services as outcomes
from civic.processes.models import Process
from civic.proposals.models import Proposal
from tests.notifications.conftest import THREAD_KIND


def _sign_in(client, user) -> None:
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


def _events(db, user) -> list[tuple[str, str, int, str]]:
    return [tuple(row) for row in db.session.execute(
        sa.select(Notification.event, Notification.object_kind, Notification.object_id, Notification.url)
        .where(Notification.user_id == user.id).order_by(Notification.id))]


def test_follow_an_outcome_and_hear_when_staff_post_an_update(client, db, make_user, outbox):
    """The issue's "done when": in-app and by e-mail, when staff post an update."""
    staff, resident = make_user("staff"), make_user(locale="es")
    outcome = outcomes.save_outcome(staff, None, outcomes.OutcomeData(title="New footbridge"), language="en",
                                    now=utcnow())
    db.session.commit()
    _sign_in(client, resident)
    assert client.submit(f"/outcomes/{outcome.id}/follow", {"wanted": "1"}).status_code == 303

    _sign_in(client, staff)
    posted = client.submit(f"/staff/outcomes/{outcome.id}/updates/new",
                           {"on": utcnow().date().isoformat(), "text": "The deck is laid.", "progress": "60",
                            "status": ""})
    assert posted.status_code == 303, posted.get_data(as_text=True)

    assert _events(db, resident) == [("outcome_update", "outcome", outcome.id, f"/outcomes/{outcome.id}"),
                                     ("outcome_status", "outcome", outcome.id, f"/outcomes/{outcome.id}")]
    assert _events(db, staff) == []  # never the one who made the change
    assert sorted(mail.to[0] for mail in outbox) == [resident.email, resident.email]
    assert all(f"http://localhost/outcomes/{outcome.id}" in mail.body and mail.extra_headers["Content-Language"] == "es"
               for mail in outbox)

    _sign_in(client, resident)
    page = client.get("/notifications").get_data(as_text=True)
    with client.application.test_request_context(), force_locale("es"):
        unread = gettext("Unread:")  # the page is in the reader's language
    assert unread != "Unread:" and "New footbridge" in page and page.count(unread) >= 2


def test_a_proposal_status_tells_its_followers_and_its_author(ctx, db, make_user, follow, outbox):
    from civic.proposals import services as proposals

    author, follower, staff = make_user(), make_user(), make_user("staff")
    proposal = Proposal(process=Process(titles={"en": "Ideas"}, original_language="en"), author=author,
                        title="Shade trees", body="<p>Trees.</p>", language="en", created_at=utcnow(),
                        thread=CommentThread(kind="proposal"))
    db.session.add(proposal)
    db.session.commit()
    follow(follower, "proposal", proposal.id)
    follow(staff, "proposal", proposal.id)

    proposals.set_status(staff, proposal, "accepted", "", None, utcnow())
    db.session.commit()
    proposals.set_status(staff, proposal, "accepted", "Still accepted.", None, utcnow())  # same status: quiet
    db.session.commit()

    expected = [("proposal_status", "proposal", proposal.id, f"/proposals/{proposal.id}")]
    assert _events(db, author) == expected and _events(db, follower) == expected and _events(db, staff) == []
    assert {mail.subject for mail in outbox} == {"The proposal “Shade trees” is now: Accepted."}


def test_a_reply_tells_the_author_of_the_comment_answered(ctx, db, make_user, outbox):
    first, second = make_user(), make_user()
    thread = CommentThread(kind=THREAD_KIND)
    db.session.add(thread)
    db.session.commit()
    top = comments.post_comment(first, thread, body="Trees, please.", stance=None, parent_id=None, now=utcnow())
    db.session.commit()
    own_reply = comments.post_comment(first, thread, body="And benches.", stance=None, parent_id=top.id, now=utcnow())
    db.session.commit()
    assert _events(db, first) == []  # answering yourself tells nobody

    reply = comments.post_comment(second, thread, body="Agreed!", stance=None, parent_id=own_reply.id, now=utcnow())
    db.session.commit()
    assert _events(db, first) == [("comment_reply", "comment", reply.id, f"/notifications/comments/{reply.id}")]
    assert [mail.subject for mail in outbox] == ["Someone replied to your comment."]


def test_moderation_tells_the_author(ctx, db, make_user, outbox):
    author, moderator = make_user(), make_user("moderator")
    comment = Comment(thread=CommentThread(kind=THREAD_KIND), author=author, body="<p>Buy shoes</p>",
                      created_at=utcnow())
    db.session.add(comment)
    db.session.commit()
    moderation.hide(moderator, "comment", comment.id, "spam", "Advert", utcnow())
    db.session.commit()
    moderation.restore(moderator, "comment", comment.id, "A mistake", utcnow())
    db.session.commit()
    assert [event for event, *_rest in _events(db, author)] == ["content_moderated", "content_moderated"]
    assert [mail.subject for mail in outbox] == ["A moderator hid your comment: Spam or advertising.",
                                                 "A moderator restored your comment."]
    assert "Advert" not in outbox[0].body  # the moderator's private note stays private
