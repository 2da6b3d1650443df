import re
from datetime import timedelta

import sqlalchemy as sa

from civic.comments import services
from civic.comments.models import Comment, CommentReport
from civic.core.db import utcnow

HTMX = {"HX-Request": "true"}


def _url(thread):
    return f"/comments/threads/{thread.id}"


def _only_comment(db):
    return db.session.scalars(sa.select(Comment)).one()


def _post_as(user, thread, body="Hello", stance="for", parent=None, now=None):
    return services.post_comment(user, thread, body=body, stance=stance, parent_id=parent.id if parent else None,
                                 now=now or utcnow())


def test_post_redirects_to_the_comment_without_javascript(client, db, login_as, make_thread):
    thread = make_thread()
    user = login_as()
    response = client.submit(_url(thread), {"body": "Plant trees", "stance": "for", "parent_id": ""})
    comment = _only_comment(db)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/#comment-{comment.id}"
    assert (comment.author_id, comment.stance, comment.body) == (user.id, "for", "<p>Plant trees</p>")
    assert "Your comment has been posted." in client.get("/").get_data(as_text=True)


def test_missing_stance_rerenders_the_form_with_what_was_typed(client, db, login_as, make_thread):
    thread = make_thread()
    login_as()
    response = client.submit(_url(thread), {"body": "Keep <this> text", "parent_id": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert page.count("<h1") == 1 and "<title>Error:" in page
    assert f'href="#thread-{thread.id}-new-stance-0"' in page
    assert "Keep &lt;this&gt; text</textarea>" in page
    assert '<a href="/">Back to the discussion</a>' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 0


def test_thread_without_stance_takes_plain_comments(client, db, login_as, make_thread):
    thread = make_thread("test-plain")
    login_as()
    assert client.submit(_url(thread), {"body": "Fine", "parent_id": ""}).status_code == 303
    assert _only_comment(db).stance is None


def test_reply_and_reply_to_reply_attach_to_the_top_comment(client, db, login_as, make_user, make_thread):
    thread = make_thread()
    top = _post_as(make_user(), thread)
    reply = _post_as(make_user(), thread, stance=None, parent=top)
    db.session.commit()
    login_as()
    response = client.submit(_url(thread), {"body": "Me too", "stance": "against", "parent_id": str(reply.id)})
    assert response.status_code == 303
    newest = db.session.scalars(sa.select(Comment).order_by(Comment.id.desc())).first()
    assert (newest.parent_id, newest.stance) == (top.id, None)


def test_closed_thread_refuses(client, db, login_as, make_thread):
    thread = make_thread("test-closed")
    login_as()
    response = client.submit(_url(thread), {"body": "Late", "stance": "for", "parent_id": ""})
    assert response.status_code == 422
    assert "The consultation closed on 1 March." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 0


def test_signed_out_people_are_sent_to_sign_in(client, db, make_thread):
    thread = make_thread()
    response = client.submit(_url(thread), {"body": "Hi", "stance": "for", "parent_id": ""})
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/account/sign-in?next=")
    partial = client.submit(_url(thread), {"body": "Hi", "stance": "for"}, headers=HTMX)
    assert partial.status_code == 204 and partial.headers["HX-Redirect"].startswith("/account/sign-in?next=")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 0


def test_csrf_token_is_required(client, db, login_as, make_thread):
    thread = make_thread()
    login_as()
    response = client.post(_url(thread), data={"body": "Hi", "stance": "for"})
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 0


def test_unknown_thread_is_404(client, db, login_as):
    login_as()
    assert client.submit("/comments/threads/999999", {"body": "Hi"}).status_code == 404


def test_htmx_gets_the_fragment_with_the_new_comment(client, db, login_as, make_thread):
    thread = make_thread()
    login_as(display_name="Nadia", show_name_publicly=True)
    response = client.submit(_url(thread), {"body": "Shade please", "stance": "neutral", "parent_id": "",
                                            "heading_level": "3"}, headers=HTMX)
    page = response.get_data(as_text=True)
    comment = _only_comment(db)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert "<html" not in page and page.lstrip().startswith(f'<section class="comment-thread" id="thread-{thread.id}"')
    assert f'<h3 id="thread-{thread.id}-title">' in page and "<h4>" in page
    assert re.search(r'role="status"><p>Your comment has been posted.</p>', page)
    assert f'id="comment-{comment.id}" tabindex="-1" data-focus-on-load' in page
    assert "<bdi>Nadia</bdi>" in page and "<p>Shade please</p>" in page
    assert "1 comment." in page and "0 for, 0 against, 1 neutral<" in page


def test_htmx_error_returns_the_fragment_with_the_form_errors(client, db, login_as, make_thread):
    thread = make_thread()
    login_as()
    response = client.submit(_url(thread), {"body": "", "stance": "for", "parent_id": ""}, headers=HTMX)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "<html" not in page
    assert "Write your comment." in page and f'id="thread-{thread.id}-new-body-error"' in page
    assert 'aria-invalid="true"' in page and re.search(r'<input checked id="thread-\d+-new-stance-0" name="stance" type="radio" value="for">', page)


def test_htmx_reply_error_opens_that_reply_form(client, db, login_as, make_user, make_thread):
    thread = make_thread()
    top = _post_as(make_user(), thread)
    db.session.commit()
    login_as()
    response = client.submit(_url(thread), {"body": " ", "parent_id": str(top.id)}, headers=HTMX)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert '<details class="comment-reply" open>' in page
    assert f'id="comment-{top.id}-reply-body-error"' in page


def test_body_markup_is_rendered_inert(client, db, login_as, make_thread):
    thread = make_thread()
    login_as()
    attack = '<script>alert(1)</script><img src=x onerror="alert(2)"> <a href="javascript:alert(3)">x</a>'
    page = client.submit(_url(thread), {"body": attack, "stance": "for", "parent_id": ""},
                         headers=HTMX).get_data(as_text=True)
    assert "<script>alert" not in page and "<img" not in page and 'href="javascript' not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_embedded_thread_for_signed_out_and_closed(db, make_user, make_thread, render_thread):
    thread = make_thread()
    _post_as(make_user(), thread)
    db.session.commit()
    page = render_thread(thread)
    assert '<a href="/account/sign-in?next=/">Sign in to comment.</a>' in page
    assert "<form" not in page and ">Report<" not in page and "<summary>" not in page
    closed = render_thread(make_thread("test-closed"), make_user())
    assert "The consultation closed on 1 March." in closed and "<form" not in closed
    assert "No comments yet." in closed


def test_embedded_thread_for_a_signed_in_reader(db, make_user, make_thread, render_thread):
    thread = make_thread()
    author, reader = make_user(), make_user()
    top = _post_as(author, thread)
    db.session.commit()
    page = render_thread(thread, reader)
    assert f'href="/comments/{top.id}/report"' in page and f'/comments/{top.id}/edit' not in page
    assert "<details class=\"comment-reply\">" in page and "<summary>Reply</summary>" in page
    assert f'hx-post="/comments/threads/{thread.id}"' in page and f'hx-target="#thread-{thread.id}"' in page
    assert 'hx-swap="outerHTML"' in page
    assert len(re.findall(r'name="csrf_token"', page)) == page.count("<form")
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "ids must be unique when several forms share a page"
    own = render_thread(thread, author)
    assert f'href="/comments/{top.id}/edit"' in own and f'href="/comments/{top.id}/delete"' in own
    late = render_thread(thread, author, now=utcnow() + services.EDIT_WINDOW + timedelta(minutes=1))
    assert f'/comments/{top.id}/edit' not in late and f'/comments/{top.id}/delete' in late


def test_edit_page(client, db, login_as, make_user, make_thread):
    thread = make_thread()
    author = login_as()
    comment = _post_as(author, thread, body="Frist line\n\nsecond")
    db.session.commit()
    page = client.get(f"/comments/{comment.id}/edit").get_data(as_text=True)
    assert "Frist line\n\nsecond</textarea>" in page and page.count("<h1") == 1
    response = client.submit(f"/comments/{comment.id}/edit", {"body": "First line"})
    assert response.status_code == 303 and response.headers["Location"] == f"/#comment-{comment.id}"
    saved = db.session.get(Comment, comment.id)
    assert saved.body == "<p>First line</p>" and saved.edited_at is not None
    assert client.submit(f"/comments/{comment.id}/edit", {"body": ""}).status_code == 422


def test_edit_refused_to_others_and_after_the_window(client, db, login_as, make_user, make_thread):
    thread = make_thread()
    old = _post_as(make_user(), thread, now=utcnow() - timedelta(minutes=20))
    db.session.commit()
    user = login_as()
    assert client.get(f"/comments/{old.id}/edit").status_code == 403
    mine = _post_as(user, thread, now=utcnow() - services.EDIT_WINDOW - timedelta(seconds=5))
    db.session.commit()
    response = client.submit(f"/comments/{mine.id}/edit", {"body": "Changed"})
    assert response.status_code == 303
    assert db.session.get(Comment, mine.id).body == "<p>Hello</p>"
    assert "15 minutes" in client.get("/").get_data(as_text=True)


def test_edit_needs_sign_in(client, db, make_user, make_thread):
    comment = _post_as(make_user(), make_thread())
    db.session.commit()
    response = client.get(f"/comments/{comment.id}/edit")
    assert response.status_code == 302 and "/account/sign-in" in response.headers["Location"]


def test_delete_leaves_a_placeholder_and_hides_the_body(client, db, login_as, make_user, make_thread,
                                                        render_thread):
    thread = make_thread()
    author = login_as(display_name="Secretive Sam", show_name_publicly=True)
    comment = _post_as(author, thread, body="My private musings")
    _post_as(make_user(), thread, body="A reply stays", stance=None, parent=comment)
    db.session.commit()
    confirm = client.get(f"/comments/{comment.id}/delete").get_data(as_text=True)
    assert confirm.count("<h1") == 1 and "My private musings" in confirm
    response = client.submit(f"/comments/{comment.id}/delete")
    assert response.status_code == 303
    assert db.session.get(Comment, comment.id).deleted_at is not None
    page = render_thread(thread, make_user())
    assert "This comment was deleted by its author." in page and "A reply stays" in page
    assert "My private musings" not in page and "Secretive Sam" not in page
    assert "0 for, 0 against, 0 neutral<" in page
    assert client.get(f"/comments/{comment.id}/report").status_code == 403  # own comment


def test_delete_refused_to_others(client, db, login_as, make_user, make_thread):
    comment = _post_as(make_user(), make_thread())
    db.session.commit()
    login_as()
    assert client.submit(f"/comments/{comment.id}/delete").status_code == 403
    assert db.session.get(Comment, comment.id).deleted_at is None


def test_report_once_with_a_known_reason(client, db, login_as, make_user, make_thread):
    comment = _post_as(make_user(), make_thread())
    db.session.commit()
    reader = login_as()
    page = client.get(f"/comments/{comment.id}/report").get_data(as_text=True)
    assert page.count("<h1") == 1 and 'value="personal_attack"' in page
    bad = client.submit(f"/comments/{comment.id}/report", {"reason": "boring"})
    assert bad.status_code == 422 and 'href="#reason-0"' in bad.get_data(as_text=True)
    ok = client.submit(f"/comments/{comment.id}/report", {"reason": "spam", "details": "Ads"})
    assert ok.status_code == 303 and ok.headers["Location"] == f"/#comment-{comment.id}"
    again = client.submit(f"/comments/{comment.id}/report", {"reason": "other"})
    assert again.status_code == 422 and "You have already reported this comment." in again.get_data(as_text=True)
    reports = db.session.scalars(sa.select(CommentReport)).all()
    assert [(r.reporter_id, r.reason, r.details) for r in reports] == [(reader.id, "spam", "Ads")]
