"""The comment component and moderation: hidden comments, pre-moderation, blocks, staff on behalf."""

import re

import pytest
import sqlalchemy as sa

from civic.accounts.models import Role
from civic.comments import services
from civic.comments.models import Comment, CommentThread
from civic.core.db import utcnow
from civic.core.errors import DomainError, NotAllowed

BLOCKED = "Your account has been blocked by a moderator, so you cannot post. You can still read everything."
PENDING = "Your comment will appear once a moderator has approved it."


def _post(actor, thread, body="A comment", stance="for", parent_id=None, now=None, **extra):
    return services.post_comment(actor, thread, body=body, stance=stance, parent_id=parent_id,
                                 now=now or utcnow(), **extra)


def _hide(comment, reason="personal_attack"):
    comment.hidden_at, comment.hidden_reason = utcnow(), reason


# Hidden comments ---------------------------------------------------------------------------------

def test_hidden_comment_shows_the_reason_and_keeps_its_replies(db, make_user, make_thread, render_thread):
    thread = make_thread()
    author = make_user(display_name="Rude Rita", show_name_publicly=True)
    top = _post(author, thread, body="You are all idiots", stance="against")
    _post(make_user(), thread, body="Please be kind", parent_id=top.id)
    _hide(top)
    db.session.commit()
    page = render_thread(thread, make_user())
    assert "Hidden by a moderator: A personal attack" in page
    assert "You are all idiots" not in page and "Rude Rita" not in page
    assert "Please be kind" in page
    assert f'/comments/{top.id}/report' not in page  # already dealt with
    assert "1 comment." in page and "0 for, 0 against, 0 neutral<" in page
    anonymous = render_thread(thread)
    assert "Hidden by a moderator: A personal attack" in anonymous and "You are all idiots" not in anonymous


def test_moderators_see_the_hidden_text_marked(db, make_user, make_thread, render_thread):
    thread = make_thread()
    top = _post(make_user(), thread, body="You are all idiots")
    _hide(top, "hate_speech")
    db.session.commit()
    page = render_thread(thread, make_user(Role.MODERATOR))
    assert "You are all idiots" in page
    assert re.search(r'class="comment-moderation">Hidden by a moderator: Hate speech Only moderators see its text.', page)


def test_hidden_comment_cannot_be_edited_replied_to_or_reported(db, make_user, make_thread):
    thread, author, reader = make_thread(), make_user(), make_user()
    top = _post(author, thread)
    _hide(top)
    db.session.commit()
    with pytest.raises(DomainError, match="hidden"):
        services.edit_comment(author, top, body="Sneaky", now=utcnow())
    with pytest.raises(DomainError):
        _post(reader, thread, parent_id=top.id)
    with pytest.raises(DomainError, match="already hidden"):
        services.report_comment(reader, top, reason="spam", details="", now=utcnow())
    view = services.thread_view(thread, author, utcnow())
    assert not view.comments[0].can_edit and view.comments[0].can_delete
    services.delete_comment(author, top, utcnow())  # authors may still delete


def test_stance_counts_skip_hidden_and_waiting(db, make_user, make_thread):
    thread, user = make_thread(), make_user()
    _post(user, thread, stance="for")
    _hide(_post(user, thread, stance="for"))
    _post(user, thread, stance="against").awaiting_approval = True
    db.session.commit()
    assert services.stance_counts([thread.id]) == {"for": 1, "against": 0, "neutral": 0}


# Pre-moderation ----------------------------------------------------------------------------------

def test_premoderated_comment_waits_and_is_seen_by_author_and_moderators_only(db, make_user, make_thread,
                                                                               render_thread):
    thread, author = make_thread("test-premod"), make_user()
    comment = _post(author, thread, body="Wait for me")
    db.session.commit()
    assert comment.awaiting_approval
    own = render_thread(thread, author)
    assert "Wait for me" in own and "Waiting for approval" in own and "0 comments." in own
    other = render_thread(thread, make_user())
    assert "Wait for me" not in other and "No comments yet." in other
    assert "Wait for me" not in render_thread(thread)
    moderated = render_thread(thread, make_user(Role.MODERATOR))
    assert "Wait for me" in moderated and "Waiting for approval" in moderated
    assert services.thread_view(thread, make_user(Role.MODERATOR), utcnow()).comments[0].can_reply is False


def test_moderators_comments_need_no_approval(db, make_user, make_thread):
    comment = _post(make_user(Role.MODERATOR), make_thread("test-premod"))
    assert comment.awaiting_approval is False


def test_premoderated_post_says_it_waits(client, db, login_as, make_thread):
    thread = make_thread("test-premod")
    login_as()
    response = client.submit(f"/comments/threads/{thread.id}", {"body": "Hello", "parent_id": ""})
    assert response.status_code == 303
    assert PENDING in client.get("/").get_data(as_text=True)
    fragment = client.submit(f"/comments/threads/{thread.id}", {"body": "Again", "parent_id": ""},
                             headers={"HX-Request": "true"}).get_data(as_text=True)
    assert f'role="status"><p>{PENDING}</p>' in fragment and "Waiting for approval" in fragment


def test_thread_views_still_one_query_with_moderation(app, db, make_user, make_thread, count_queries):
    thread, author = make_thread("test-premod"), make_user()
    for n in range(3):
        _post(author, thread, body=f"c{n}")
    _hide(_post(make_user(Role.MODERATOR), thread))
    db.session.commit()
    for viewer in (None, author, make_user(Role.MODERATOR)):
        with app.test_request_context("/"):
            loaded = db.session.get(CommentThread, thread.id)
            if viewer is not None:
                viewer.blocked_at  # noqa: B018 - a request's current_user is already loaded
            with count_queries() as queries:
                services.thread_views([loaded], viewer, utcnow())
            assert len(queries) == 1


# Blocked people ----------------------------------------------------------------------------------

def test_blocked_people_cannot_post_reply_or_edit(db, make_user, make_thread):
    thread, other = make_thread(), make_user()
    user = make_user()
    mine = _post(user, thread)
    top = _post(other, thread)
    user.blocked_at = utcnow()
    db.session.commit()
    with pytest.raises(DomainError, match="blocked by a moderator") as refused:
        _post(user, thread)
    assert not isinstance(refused.value, NotAllowed)
    with pytest.raises(DomainError, match="blocked by a moderator"):
        _post(user, thread, parent_id=top.id)
    with pytest.raises(DomainError, match="blocked by a moderator"):
        services.edit_comment(user, mine, body="Changed", now=utcnow())
    view = services.thread_view(thread, user, utcnow())
    assert view.viewer_blocked and not any(c.can_reply or c.can_edit for c in view.comments)


def test_blocked_person_sees_why_instead_of_the_form(client, db, login_as, make_thread, render_thread):
    thread = make_thread()
    user = login_as(blocked_at=utcnow())
    page = render_thread(thread, user)
    assert BLOCKED in page and "<form" not in page
    response = client.submit(f"/comments/threads/{thread.id}", {"body": "Hi", "stance": "for", "parent_id": ""})
    assert response.status_code == 422 and BLOCKED in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 0


# Staff on behalf of residents ----------------------------------------------------------------------

def test_staff_record_a_comment_received_by_phone(db, make_user, make_thread, render_thread):
    thread = make_thread()
    staff = make_user(Role.STAFF, display_name="Mei Chen", show_name_publicly=True)
    comment = _post(staff, thread, body="Caller wants benches", channel="phone")
    db.session.commit()
    assert (comment.channel, comment.recorded_by_id, comment.author_id) == ("phone", staff.id, staff.id)
    page = render_thread(thread, make_user())
    assert "Caller wants benches" in page and "Mei Chen" not in page
    assert re.search(r'class="comment-author">A resident</span>\s*<span class="comment-channel">received by phone<', page)


def test_only_staff_record_on_behalf_and_channels_are_known(db, make_user, make_thread):
    thread = make_thread()
    with pytest.raises(NotAllowed):
        _post(make_user(), thread, channel="in_person")
    with pytest.raises(NotAllowed):
        _post(make_user(Role.MODERATOR), thread, channel="phone")
    with pytest.raises(DomainError) as refused:
        _post(make_user(Role.STAFF), thread, channel="pigeon")
    assert refused.value.field == "channel"
    online = _post(make_user(Role.STAFF), thread)
    assert (online.channel, online.recorded_by_id) == ("online", None)


def test_channel_select_is_for_staff_only(client, db, login_as, make_user, make_thread, render_thread):
    thread = make_thread()
    assert 'name="channel"' not in render_thread(thread, make_user())
    staff = login_as(Role.STAFF)
    page = render_thread(thread, staff)
    assert page.count('name="channel"') == 1  # the new-comment form, not the reply forms
    assert f'<label for="thread-{thread.id}-new-channel">How did this comment reach us?</label>' in page
    assert re.search(r'<option selected value="online">online</option>', page)
    response = client.submit(f"/comments/threads/{thread.id}",
                             {"body": "Said at the desk", "stance": "for", "parent_id": "", "channel": "in_person"})
    assert response.status_code == 303
    comment = db.session.scalars(sa.select(Comment)).one()
    assert (comment.channel, comment.recorded_by_id) == ("in_person", staff.id)


def test_residents_cannot_post_on_behalf_through_the_form(client, db, login_as, make_thread):
    thread = make_thread()
    login_as()
    response = client.submit(f"/comments/threads/{thread.id}",
                             {"body": "Hi", "stance": "for", "parent_id": "", "channel": "phone"})
    assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 0
