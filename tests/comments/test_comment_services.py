from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_login import AnonymousUserMixin

from civic.accounts.public import public_name
from civic.comments import services
from civic.comments.models import Comment, CommentReport, CommentThread
from civic.core.db import utcnow
from civic.core.errors import DomainError, NotAllowed


def _post(actor, thread, body="A comment", stance="for", parent_id=None, now=None):
    return services.post_comment(actor, thread, body=body, stance=stance, parent_id=parent_id,
                                 now=now or utcnow())


def test_top_level_comment_needs_a_stance_where_one_is_asked(db, make_user, make_thread):
    thread, user = make_thread(), make_user()
    with pytest.raises(DomainError) as refused:
        _post(user, thread, stance=None)
    assert refused.value.field == "stance"
    with pytest.raises(DomainError):
        _post(user, thread, stance="maybe")
    comment = _post(user, thread, stance="against")
    assert (comment.stance, comment.parent_id, comment.author_id) == ("against", None, user.id)


def test_thread_without_stances_stores_none(db, make_user, make_thread):
    comment = _post(make_user(), make_thread("test-plain"), stance="for")
    assert comment.stance is None


def test_replies_are_one_level_deep_and_carry_no_stance(db, make_user, make_thread):
    thread, user = make_thread(), make_user()
    top = _post(user, thread)
    reply = _post(make_user(), thread, body="I agree", stance="against", parent_id=top.id)
    answer = _post(user, thread, body="Thanks", parent_id=reply.id)
    assert (reply.parent_id, reply.stance) == (top.id, None)
    assert answer.parent_id == top.id


def test_parent_must_be_in_the_same_thread(db, make_user, make_thread):
    user = make_user()
    elsewhere = _post(user, make_thread())
    with pytest.raises(DomainError, match="not part of this discussion"):
        _post(user, make_thread(), parent_id=elsewhere.id)
    with pytest.raises(DomainError):
        _post(user, make_thread(), parent_id=-1)


def test_closed_thread_refuses_with_its_message(db, make_user, make_thread):
    with pytest.raises(DomainError, match="closed on 1 March"):
        _post(make_user(), make_thread("test-closed"))


@pytest.mark.parametrize("actor", [None, AnonymousUserMixin()])
def test_signed_out_people_cannot_comment(db, make_thread, actor):
    with pytest.raises(NotAllowed):
        _post(actor, make_thread())


@pytest.mark.parametrize("body", ["", "   \n  ", "x" * (services.BODY_MAX_LENGTH + 1)])
def test_body_must_be_present_and_not_too_long(db, make_user, make_thread, body):
    with pytest.raises(DomainError) as refused:
        _post(make_user(), make_thread(), body=body)
    assert refused.value.field == "body"


def test_body_length_limit_is_inclusive(db, make_user, make_thread):
    assert _post(make_user(), make_thread(), body="x" * services.BODY_MAX_LENGTH).id


def test_body_becomes_paragraphs_escaped_and_linkified():
    html = services.body_to_html("First line\r\nsecond <b>line</b>\n\n\nSee https://example.org & more")
    assert html.startswith("<p>First line<br>second &lt;b&gt;line&lt;/b&gt;</p><p>See <a href=\"https://example.org\"")
    assert 'rel="nofollow ugc noopener noreferrer"' in html and "&amp; more</p>" in html
    assert services.body_to_text(html) == "First line\nsecond <b>line</b>\n\nSee https://example.org & more"


def test_script_and_event_handlers_never_survive():
    html = services.body_to_html('<script>alert(1)</script><img src=x onerror="alert(2)">')
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html


def test_edit_only_by_the_author_within_the_window(db, make_user, make_thread):
    author, other = make_user(), make_user()
    posted = utcnow()
    comment = _post(author, make_thread(), now=posted)
    with pytest.raises(NotAllowed):
        services.edit_comment(other, comment, body="Hijacked", now=posted)
    later = posted + services.EDIT_WINDOW
    services.edit_comment(author, comment, body="Better wording", now=later)
    assert comment.body == "<p>Better wording</p>" and comment.edited_at == later
    with pytest.raises(DomainError, match="15 minutes"):
        services.edit_comment(author, comment, body="Too late", now=later + timedelta(seconds=1))
    assert comment.body == "<p>Better wording</p>"


def test_deleted_comment_cannot_be_edited_or_deleted_again(db, make_user, make_thread):
    author = make_user()
    comment = _post(author, make_thread())
    services.delete_comment(author, comment, utcnow())
    with pytest.raises(DomainError):
        services.edit_comment(author, comment, body="Back", now=utcnow())
    with pytest.raises(DomainError):
        services.delete_comment(author, comment, utcnow())


def test_delete_is_soft_author_only_and_keeps_replies(db, make_user, make_thread):
    thread, author, other = make_thread(), make_user(), make_user()
    comment = _post(author, thread, stance="for")
    _post(other, thread, body="A reply", parent_id=comment.id)
    with pytest.raises(NotAllowed):
        services.delete_comment(other, comment, utcnow())
    services.delete_comment(author, comment, utcnow())
    db.session.commit()
    view = services.thread_view(thread, None, utcnow())
    assert view.comments[0].deleted and [r.comment.body for r in view.comments[0].replies] == ["<p>A reply</p>"]
    assert view.counts == {"for": 0, "against": 0, "neutral": 0} and view.total == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 2


def test_report_once_not_own_known_reasons(db, make_user, make_thread):
    author, reader = make_user(), make_user()
    comment = _post(author, make_thread())
    db.session.commit()
    with pytest.raises(NotAllowed):
        services.report_comment(author, comment, reason="spam", details="", now=utcnow())
    with pytest.raises(NotAllowed):
        services.report_comment(None, comment, reason="spam", details="", now=utcnow())
    with pytest.raises(DomainError) as refused:
        services.report_comment(reader, comment, reason="boring", details="", now=utcnow())
    assert refused.value.field == "reason"
    services.report_comment(reader, comment, reason="off_topic", details=" about parking ", now=utcnow())
    with pytest.raises(DomainError, match="already reported"):
        services.report_comment(reader, comment, reason="spam", details="", now=utcnow())
    db.session.commit()
    reports = db.session.scalars(sa.select(CommentReport)).all()
    assert [(r.reporter_id, r.reason, r.details) for r in reports] == [(reader.id, "off_topic", "about parking")]


def test_thread_views_builds_tree_counts_and_permissions(db, make_user, make_thread):
    thread, author, reader = make_thread(), make_user(), make_user()
    start = utcnow() - timedelta(hours=1)
    first = _post(author, thread, body="First", stance="for", now=start)
    _post(reader, thread, body="Second", stance="against", now=start + timedelta(minutes=1))
    _post(reader, thread, body="Re", parent_id=first.id, now=start + timedelta(minutes=2))
    _post(author, thread, body="Re re", parent_id=first.id, now=start + timedelta(minutes=3))
    db.session.commit()
    now = start + timedelta(minutes=10)
    view = services.thread_views([thread], author, now)[thread.id]
    assert [c.comment.body for c in view.comments] == ["<p>First</p>", "<p>Second</p>"]
    assert [r.comment.body for r in view.comments[0].replies] == ["<p>Re</p>", "<p>Re re</p>"]
    assert view.counts == {"for": 1, "against": 1, "neutral": 0} and view.total == 4
    own, others = view.comments
    assert (own.can_edit, own.can_delete, own.can_report, own.can_reply) == (True, True, False, True)
    assert (others.can_edit, others.can_delete, others.can_report) == (False, False, True)
    late = services.thread_view(thread, author, start + timedelta(hours=2))
    assert not late.comments[0].can_edit and late.comments[0].can_delete
    anonymous = services.thread_view(thread, None, now)
    assert not any(c.can_edit or c.can_reply or c.can_report for c in anonymous.comments)


def test_thread_views_uses_one_query_for_all_threads(app, db, make_user, make_thread, make_district,
                                                     count_queries):
    district = make_district()
    users = [make_user(district_id=district.id) for _ in range(3)]

    def load(thread_ids):
        with app.test_request_context("/"):
            threads = db.session.scalars(sa.select(CommentThread).where(CommentThread.id.in_(thread_ids))).all()
            with count_queries() as queries:
                views = services.thread_views(threads, None, utcnow())
                # Everything a page reads from the comments (author, district) must already be loaded.
                names = [public_name(item.comment.author) for view in views.values()
                         for top in view.comments for item in [top, *top.replies]]
        return len(queries), names

    small = make_thread()
    _post(users[0], small)
    db.session.commit()
    few, names = load([small.id])
    assert names == [f"A resident of {district.names['en']}"]
    threads = [make_thread() for _ in range(4)]
    for thread in threads:
        for user in users:
            top = _post(user, thread)
            _post(users[0], thread, parent_id=top.id)
    db.session.commit()
    many, names = load([t.id for t in threads])
    assert few == many == 1
    assert len(names) == 24


def test_stance_counts_one_grouped_query(db, make_user, make_thread, count_queries):
    a, b, user = make_thread(), make_thread(), make_user()
    _post(user, a, stance="for")
    _post(user, a, stance="for")
    top = _post(user, b, stance="neutral")
    _post(user, b, parent_id=top.id)
    gone = _post(user, b, stance="against")
    services.delete_comment(user, gone, utcnow())
    _post(user, make_thread(), stance="against")  # another thread: not counted
    db.session.commit()
    ids = [a.id, b.id]
    with count_queries() as queries:
        counts = services.stance_counts(ids)
    assert counts == {"for": 2, "against": 0, "neutral": 1}
    assert len(queries) == 1 and "GROUP BY" in queries[0].upper()
    assert services.stance_counts([]) == {"for": 0, "against": 0, "neutral": 0}


def test_public_name(app, db, make_user, make_district):
    district = make_district(en="Old Town")
    shown = make_user(display_name="Nadia", show_name_publicly=True)
    from_district = make_user(display_name="Nadia", district_id=district.id)
    anonymous = make_user(display_name="Nadia")
    deleted = make_user(display_name="Nadia", show_name_publicly=True, deleted_at=utcnow())
    with app.test_request_context("/"):
        assert public_name(shown) == "Nadia"
        assert public_name(from_district) == "A resident of Old Town"
        assert public_name(anonymous) == "A resident"
        assert public_name(deleted) == "Deleted account"


def test_the_name_choice_is_kept_with_each_comment(db, make_user, make_thread):
    """Switching the profile to "show my name" later must not expose comments posted anonymously."""
    from civic.accounts.public import public_name
    from civic.comments.services import post_comment
    from civic.core.db import utcnow

    author = make_user(display_name="Noor Haddad", show_name_publicly=False)
    thread = make_thread("test-plain")
    anonymous = post_comment(author, thread, body="Anonymous idea", stance=None, parent_id=None, now=utcnow())
    author.show_name_publicly = True
    named = post_comment(author, thread, body="Named idea", stance=None, parent_id=None, now=utcnow())
    db.session.commit()
    assert public_name(anonymous.author, anonymous.show_name) != "Noor Haddad"
    assert public_name(named.author, named.show_name) == "Noor Haddad"
