"""E-mail after commit: translated, with a one-click unsubscribe, at most once, never on rollback."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, ngettext

from civic.cli import main
from civic.core.db import utcnow
from civic.notifications import delivery, services
from civic.notifications.models import Notification, NotificationSettings


def _notifications(db):
    return db.session.scalars(sa.select(Notification).order_by(Notification.id)).all()


def test_the_mail_is_in_the_recipients_language_with_a_link_and_one_click_unsubscribe(
        ctx, db, make_user, follow, change, outbox):
    reader = make_user(locale="es", display_name="Lucía")
    follow(reader, "outcome", 5)
    change(5)

    [mail] = outbox
    assert mail.to == [reader.email]
    with force_locale("es"):  # the reader's language, from the catalog, not the page's
        expected = services.describe("outcome_update", {"title": "New footbridge", "progress": 40})
    assert mail.subject == expected and "footbridge” has a new" not in expected
    assert mail.body.startswith("Hola, Lucía:")  # the catalog's Spanish greeting
    assert "http://localhost/outcomes/5" in mail.body
    assert mail.extra_headers["Content-Language"] == "es"
    unsubscribe = re.search(r"http://localhost/notifications/unsubscribe/\S+", mail.body).group(0)
    assert mail.extra_headers["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert mail.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    [(html, mimetype)] = mail.alternatives
    assert mimetype == "text/html" and '<html lang="es" dir="ltr">' in html
    assert 'href="http://localhost/outcomes/5"' in html and f'href="{unsubscribe}"' in html
    assert _notifications(db)[0].emailed_at is not None


def test_right_to_left_readers_get_a_right_to_left_mail(ctx, db, make_user, follow, change, outbox):
    follow(make_user(locale="ar"), "outcome", 5)
    change(5)
    assert '<html lang="ar" dir="rtl">' in outbox[0].alternatives[0][0]


def test_mail_through_a_group_says_so(ctx, db, make_user, make_group, change, outbox):
    member = make_user()
    make_group(members=[member], follows=[("outcome", 5)], name="Harbour Neighbours")
    change(5)
    mail = next(mail for mail in outbox if mail.to == [member.email])
    assert "your community group “Harbour Neighbours” follows it" in mail.body


def test_a_rollback_sends_nothing_and_forgets(ctx, db, make_user, follow, outbox):
    follow(make_user(), "outcome", 5)
    services.notify_followers("outcome", 5, "outcome_status", params={"title": "Footbridge", "status": "delayed"},
                              url="/outcomes/5", now=utcnow())
    db.session.rollback()
    db.session.add(NotificationSettings(user_id=make_user().id, email="daily"))
    db.session.commit()  # a later commit in the same session must not send what was rolled back
    assert outbox == [] and _notifications(db) == []


def test_a_savepoint_does_not_send_before_the_transaction_commits(ctx, db, make_user, follow, outbox):
    follow(make_user(), "outcome", 5)
    other = make_user()
    services.notify_followers("outcome", 5, "outcome_status", params={"title": "Footbridge", "status": "delayed"},
                              url="/outcomes/5", now=utcnow())
    with db.session.begin_nested():
        db.session.add(NotificationSettings(user_id=other.id, email="never"))
    assert outbox == []
    db.session.commit()
    assert len(outbox) == 1


def test_each_notification_is_mailed_at_most_once(ctx, app, db, make_user, follow, change, outbox):
    follow(make_user(), "outcome", 5)
    change(5)
    assert len(outbox) == 1
    assert delivery.deliver_now(app, None) == 0  # a second worker finds it claimed
    assert len(outbox) == 1


def test_never_means_no_mail_but_still_in_app(ctx, db, make_user, follow, change, email_setting, outbox):
    quiet = make_user()
    email_setting(quiet, "never")
    follow(quiet, "outcome", 5)
    change(5)
    assert outbox == []
    [row] = _notifications(db)
    assert row.user_id == quiet.id and row.emailed_at is not None  # settled: nothing left to send


def test_deleted_and_blocked_accounts_get_nothing_even_if_told_before(ctx, app, db, make_user, follow, outbox):
    person = make_user()
    follow(person, "outcome", 5)
    services.notify_followers("outcome", 5, "outcome_update", params={"title": "Footbridge"}, url="/outcomes/5",
                              now=utcnow())
    db.session.flush()
    person.blocked_at = utcnow()  # blocked before the mail went out
    db.session.commit()
    assert outbox == [] and _notifications(db)[0].emailed_at is not None


def test_a_mail_that_fails_is_left_for_the_next_run(ctx, app, db, make_user, follow, change, outbox, monkeypatch):
    follow(make_user(), "outcome", 5)

    def broken(self, *args, **kwargs):
        raise ConnectionRefusedError("no SMTP server")

    with monkeypatch.context() as patch:
        patch.setattr("flask_mailman.EmailMultiAlternatives.send", broken)
        change(5)  # the page is not broken
    assert outbox == [] and _notifications(db)[0].emailed_at is None
    assert delivery.deliver_now(app, None) == 1
    assert len(outbox) == 1


def test_daily_readers_get_one_digest_from_the_command(ctx, app, db, make_user, follow, change, email_setting,
                                                       outbox):
    reader = make_user(locale="fr")
    email_setting(reader, "daily")
    follow(reader, "outcome", 5)
    follow(reader, "outcome", 6)
    change(5)
    change(6, event="outcome_status", params={"title": "Skate park", "status": "completed"})
    assert outbox == []  # nothing immediately

    result = app.test_cli_runner().invoke(main, ["notify", "digest", "--base-url", "https://city.example"],
                                          catch_exceptions=False)
    assert result.exit_code == 0 and "1 digests sent." in result.output
    [mail] = outbox
    assert mail.to == [reader.email] and mail.extra_headers["Content-Language"] == "fr"
    assert "https://city.example/outcomes/5" in mail.body and "https://city.example/outcomes/6" in mail.body
    assert "https://city.example/notifications/unsubscribe/" in mail.extra_headers["List-Unsubscribe"]
    assert all(row.emailed_at is not None for row in _notifications(db))

    # Once a day: a change an hour later waits for tomorrow's digest.
    change(5, now=utcnow() + timedelta(hours=1))
    assert delivery.send_digests(now=utcnow() + timedelta(hours=2)) == 0
    assert delivery.send_digests(now=utcnow() + timedelta(days=1)) == 1
    with force_locale("fr"):
        expected = ngettext("%(num)d change since your last digest", "%(num)d changes since your last digest", 1)
    assert len(outbox) == 2 and outbox[1].subject == expected != "1 change since your last digest"
    assert db.session.get(NotificationSettings, reader.id).last_digest_at is not None


def test_the_send_command_catches_up_on_what_was_not_sent(ctx, app, db, make_user, follow, outbox, monkeypatch):
    follow(make_user(), "outcome", 5)
    monkeypatch.setattr(delivery, "dispatch", lambda *args: None)  # say the thread died with its server
    services.notify_followers("outcome", 5, "outcome_update", params={"title": "Footbridge"}, url="/outcomes/5",
                              now=utcnow())
    db.session.commit()
    assert outbox == []
    result = app.test_cli_runner().invoke(main, ["notify", "send"], catch_exceptions=False)
    assert "1 notification e-mails sent." in result.output and len(outbox) == 1
    assert "http://localhost/outcomes/5" in outbox[0].body  # no request: the configured address


def test_outside_tests_a_thread_sends_and_its_errors_are_only_logged(app, monkeypatch, caplog):
    started = []

    class FakeThread:
        def __init__(self, target, args, name, daemon):
            started.append((target, args, daemon))

        def start(self):
            pass

    # Replace the module delivery sees, not threading.Thread itself: a class defined meanwhile
    # (redis's PubSubWorkerThread, on first import) would otherwise inherit the fake for good.
    monkeypatch.setattr(delivery, "threading", SimpleNamespace(Thread=FakeThread))
    monkeypatch.setattr(app, "testing", False)
    monkeypatch.setitem(app.config, "REDIS_URL", None)  # the thread path: no queue
    delivery.dispatch(app, [1, 2])
    [(target, args, daemon)] = started
    assert args == (app, [1, 2]) and daemon

    def explode(*args):
        raise RuntimeError("database went away")

    monkeypatch.setattr(delivery, "deliver_now", explode)
    target(*args)  # what the thread runs: logs, never raises
    assert "notification e-mail failed" in caplog.text


def test_a_redis_that_does_not_answer_does_not_break_the_page(ctx, app, db, make_user, follow, change, outbox,
                                                              monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setitem(app.config, "NOTIFY_QUEUE", "civic-test-unreachable")
    follow(make_user(), "outcome", 5)
    change(5)
    assert len(outbox) == 1  # queueing failed, so it was sent another way


REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def redis_queue(app, monkeypatch):
    import os

    from redis import Redis
    from redis.exceptions import RedisError
    from rq import Queue

    url = os.environ.get("REDIS_URL") or REDIS_URL
    connection = Redis.from_url(url, socket_connect_timeout=1)
    try:
        connection.ping()
    except RedisError:
        pytest.skip(f"no Redis answers at {url}: the RQ path is not tested")
    name = f"civic-test-{uuid.uuid4().hex}"  # its own queue: other test runs may share this Redis
    monkeypatch.setitem(app.config, "REDIS_URL", url)
    monkeypatch.setitem(app.config, "NOTIFY_QUEUE", name)
    queue = Queue(name, connection=connection)
    yield queue
    queue.delete(delete_jobs=True)


def test_with_redis_mail_is_queued_for_rq_and_a_worker_sends_it(ctx, app, db, make_user, follow, change, outbox,
                                                                  redis_queue):
    from rq import SimpleWorker

    reader = make_user()
    follow(reader, "outcome", 5)
    change(5)
    assert outbox == []  # the page only queued it
    [job] = redis_queue.get_jobs()
    assert job.func_name == "civic.notifications.delivery.run_job"
    assert job.args == ([_notifications(db)[0].id],)  # no address: links come from CIVIC_BASE_URL

    SimpleWorker([redis_queue], connection=redis_queue.connection).work(burst=True)
    assert [mail.to for mail in outbox] == [[reader.email]]
    assert redis_queue.count == 0
