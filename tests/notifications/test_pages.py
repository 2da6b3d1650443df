"""The notifications page, e-mail settings and unsubscribing, as people use them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from civic.accounts import personal_data
from civic.core.db import utcnow
from civic.notifications import services
from civic.notifications.models import Notification, NotificationSettings


@pytest.fixture
def told(db):
    """told(user, title, minutes_ago=0, url=...) -> Notification (committed, outside any request: no mail)."""

    def make(user, title: str = "New footbridge", minutes_ago: int = 0, url: str = "/outcomes/5") -> Notification:
        row = Notification(user_id=user.id, event="outcome_status", object_kind="outcome", object_id=5,
                           params={"title": title, "status": "delayed"}, url=url,
                           created_at=utcnow() - timedelta(minutes=minutes_ago))
        db.session.add(row)
        db.session.commit()
        return row

    return make


def _frequency(db, user) -> str | None:
    row = db.session.scalar(sa.select(NotificationSettings).where(NotificationSettings.user_id == user.id))
    return row.email if row else None


@pytest.mark.parametrize("method, url", [("get", "/notifications"), ("get", "/notifications/settings"),
                                         ("post", "/notifications/read-all"), ("get", "/notifications/1"),
                                         ("post", "/notifications/settings")])
def test_signed_out_people_are_sent_to_sign_in(client, db, method, url):
    response = client.submit(url) if method == "post" else client.get(url)
    assert response.status_code == 302 and "/account/sign-in" in response.headers["Location"]


def test_the_list_is_newest_first_and_says_which_are_unread(client, db, login_as, told, make_user):
    me = login_as()
    told(me, "Old bridge", minutes_ago=60)
    told(me, "New park", minutes_ago=5)
    told(make_user(), "Someone else's")
    page = client.get("/notifications").get_data(as_text=True)
    sentences = re.findall(r'<a href="/notifications/\d+">([^<]+)</a>', page)
    assert sentences == ["“New park” is now: Delayed.", "“Old bridge” is now: Delayed."]
    assert page.count("<strong>Unread:</strong>") == 2  # in words, not only colour
    assert "You have 2 unread notifications." in page
    # The navigation shows the count; screen readers hear it as words.
    assert '<span aria-hidden="true">(2)</span><span class="visually-hidden">(2 unread)</span>' in page
    assert "<h1>Notifications</h1>" in page and page.count("<h1") == 1


def test_following_a_notification_marks_it_read_and_goes_to_the_item(client, db, login_as, told, make_user):
    me = login_as()
    mine, theirs = told(me), told(make_user())
    response = client.get(f"/notifications/{mine.id}")
    assert response.status_code == 303 and response.headers["Location"] == "/outcomes/5"
    assert db.session.get(Notification, mine.id).read_at is not None
    assert client.get(f"/notifications/{theirs.id}").status_code == 403
    assert db.session.get(Notification, theirs.id).read_at is None
    assert client.get("/notifications/999999").status_code == 404
    page = client.get("/notifications").get_data(as_text=True)
    assert "Unread:" not in page and "You have no unread notifications." in page


def test_mark_all_as_read_needs_the_form_token(client, db, login_as, told, make_user):
    me = login_as()
    first, second, theirs = told(me), told(me), told(make_user())
    assert client.post("/notifications/read-all").status_code == 400
    assert db.session.get(Notification, first.id).read_at is None
    response = client.submit("/notifications/read-all")
    assert response.status_code == 303
    assert all(db.session.get(Notification, row.id).read_at for row in (first, second))
    assert db.session.get(Notification, theirs.id).read_at is None
    assert "2 notifications marked as read." in client.get("/notifications").get_data(as_text=True)


def test_the_list_page_costs_the_same_with_many_notifications(client, db, login_as, told, count_queries):
    me = login_as()
    told(me)
    client.get("/notifications")
    with count_queries() as few:
        client.get("/notifications")
    for number in range(40):
        told(me, f"Item {number}", minutes_ago=number)
    with count_queries() as many:
        page = client.get("/notifications?page=2").get_data(as_text=True)
    assert len(many) == len(few)
    assert "Page 2 of 2" in page and 'rel="prev"' in page


def test_settings_page_saves_the_choice(client, db, login_as):
    me = login_as()
    page = client.get("/notifications/settings").get_data(as_text=True)
    assert 'checked id="email-0" name="email" required type="radio" value="immediate"' in page
    assert "<legend>E-mail me about changes</legend>" in page
    assert client.post("/notifications/settings", data={"email": "daily"}).status_code == 400  # no token
    response = client.submit("/notifications/settings", {"email": "daily"})
    assert response.status_code == 303 and _frequency(db, me) == "daily"
    assert 'checked id="email-1"' in client.get("/notifications/settings").get_data(as_text=True)
    refused = client.submit("/notifications/settings", {"email": "hourly"})
    assert refused.status_code == 422 and 'class="error-summary"' in refused.get_data(as_text=True)
    assert _frequency(db, me) == "daily"


def test_the_unsubscribe_link_works_without_signing_in(app, client, db, make_user):
    person = make_user()
    with app.app_context():
        token = services.unsubscribe_token(person.id)
    page = client.get(f"/notifications/unsubscribe/{token}")
    assert page.status_code == 200 and person.email in page.get_data(as_text=True)
    assert _frequency(db, person) is None  # opening the link changes nothing: mail scanners open links
    # RFC 8058: the mail program posts "List-Unsubscribe=One-Click", with no session and no form token.
    done = client.post(f"/notifications/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "no more e-mail" in done.get_data(as_text=True)
    assert _frequency(db, person) == "never"


def test_a_tampered_unsubscribe_token_is_refused(app, client, db, make_user):
    person, other = make_user(), make_user()
    with app.app_context():
        token = services.unsubscribe_token(person.id)
    signature = token.rsplit(".", 1)[1]
    with app.app_context():
        forged = services.unsubscribe_token(other.id).rsplit(".", 1)[0] + "." + signature
    for bad in (forged, token[:-2] + "xx", "nonsense"):
        assert client.get(f"/notifications/unsubscribe/{bad}").status_code == 404
        assert client.post(f"/notifications/unsubscribe/{bad}").status_code == 404
    assert _frequency(db, person) is None and _frequency(db, other) is None


def test_a_comment_link_goes_to_the_comment_on_its_page(client, db, make_user):
    from civic.comments.models import Comment, CommentThread

    comment = Comment(thread=CommentThread(kind="notify-test"), author=make_user(), body="<p>Hi</p>",
                      created_at=utcnow())
    db.session.add(comment)
    db.session.commit()
    response = client.get(f"/notifications/comments/{comment.id}")
    assert response.status_code == 303 and response.headers["Location"] == f"/somewhere#comment-{comment.id}"
    assert client.get("/notifications/comments/999999").status_code == 404


def test_personal_data_includes_notifications_and_erases_them(app, db, make_user, told, email_setting):
    person = make_user()
    told(person)
    email_setting(person, "daily")
    with app.app_context():
        data = personal_data.collect(person)
    assert data["notifications"][0]["event"] == "outcome_status"
    assert data["notification_settings"]["email"] == "daily"
    services.erase_notifications(person)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 0
    assert _frequency(db, person) is None
