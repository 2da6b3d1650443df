"""Rate limits that stop attacks and not crowds (issue 10, finding 6).

Limits per network address alone both failed and hurt: 25 wrong passwords for one account from 25
addresses were never slowed, fresh accounts shared out document-number guessing, comments, reports and
groups had no limit at all, and a school or a mobile carrier's NAT hit "Too many attempts" on launch
day, on an error page that lost what had been typed. The limits now count per account and per target,
generously per address, and a refused form comes back with its answers (429, Retry-After).
"""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from civic.accounts.models import User
from civic.budgets.models import EligibleDocument, Voter
from civic.comments.models import Comment, CommentReport
from civic.core.db import utcnow
from civic.extensions import limiter
from civic.groups.models import CommunityGroup
from civic.proposals.models import Proposal
from tests.comments.conftest import _test_policies, make_thread  # noqa: F401  (shared fixtures)
from tests.conftest import TEST_PASSWORD
from tests.plans.conftest import make_plan  # noqa: F401  (make_proposal needs these two)
from tests.processes.conftest import make_process  # noqa: F401
from tests.proposals.conftest import form_data, make_proposal  # noqa: F401

REDIS_URL = os.environ.get("CIVIC_TEST_REDIS_URL", "redis://127.0.0.1:6379/3")


def first_limit(app, setting: str) -> int:
    """The amount of the first (tightest) window of a limit setting, e.g. 10 for "10 per 15 minutes"."""
    return int(app.config[setting].split(";")[0].split()[0])


def sign_in(client, email: str, password: str, address: str, **kwargs):
    return client.submit("/account/sign-in", {"email": email, "password": password},
                         environ_base={"REMOTE_ADDR": address}, **kwargs)


def assert_too_many(response) -> str:
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    page = response.get_data(as_text=True)
    assert 'class="error-summary"' in page and "too many times" in page
    return page


def count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# Signing in -----------------------------------------------------------------------------------

def test_wrong_passwords_for_one_account_from_many_addresses_are_slowed(app, client, db, make_user):
    victim = make_user(email="amina@example.org")
    allowed = first_limit(app, "LIMIT_SIGN_IN_PER_ACCOUNT")
    statuses = [sign_in(client, victim.email, f"guess-{n}", f"10.0.{n}.1").status_code for n in range(25)]
    assert statuses == [422] * allowed + [429] * (25 - allowed)
    # The pause is the account's, whatever the address: even the right password waits.
    assert sign_in(client, "AMINA@example.org", TEST_PASSWORD, "192.0.2.77").status_code == 429
    assert db.session.get(User, victim.id).last_sign_in_at is None


def test_a_crowd_behind_one_address_signs_in(app, client, db, make_user):
    """Twenty pupils of one school, behind one NAT address, each mistype once and then sign in."""
    pupils = [make_user() for _ in range(20)]
    for pupil in pupils:
        desk = app.test_client()
        assert sign_in(desk, pupil.email, "not-my-password", "203.0.113.9").status_code == 422
        assert sign_in(desk, pupil.email, TEST_PASSWORD, "203.0.113.9").status_code == 302
    assert all(db.session.get(User, p.id).last_sign_in_at for p in pupils)


def test_many_failures_from_one_address_are_slowed(app, client, db, monkeypatch):
    monkeypatch.setitem(app.config, "LIMIT_SIGN_IN_PER_ADDRESS", "5 per 10 minutes")
    statuses = [sign_in(client, f"someone{n}@example.org", "wrong-password", "198.51.100.4").status_code
                for n in range(6)]
    assert statuses == [422] * 5 + [429]
    # Another address is not affected.
    assert sign_in(client, "someone@example.org", "wrong-password", "198.51.100.5").status_code == 422


def test_a_limited_sign_in_keeps_what_was_typed_in_the_readers_language(app, client, db, make_user):
    user = make_user(email="kiosk@example.org")
    for n in range(first_limit(app, "LIMIT_SIGN_IN_PER_ACCOUNT")):
        sign_in(client, user.email, f"guess-{n}", "10.1.0.1")
    response = sign_in(client, user.email, "one-more", "10.1.0.1", headers={"Accept-Language": "es"})
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    page = response.get_data(as_text=True)
    # The same form, not an error page: the address is still there, and the page is in Spanish.
    assert '<html lang="es"' in page and 'value="kiosk@example.org"' in page
    assert 'action="/account/sign-in"' in page and 'class="error-summary"' in page


def test_password_reset_mails_are_limited_per_address_whatever_the_network(app, client, db, make_user, outbox):
    user = make_user(email="reset@example.org")
    allowed = first_limit(app, "LIMIT_RESET_PER_ACCOUNT")
    for n in range(allowed):
        sent = client.submit("/account/reset", {"email": user.email}, environ_base={"REMOTE_ADDR": f"10.2.{n}.1"})
        assert sent.status_code == 200
    refused = client.submit("/account/reset", {"email": "Reset@example.org"},
                            environ_base={"REMOTE_ADDR": "10.2.99.1"})
    page = assert_too_many(refused)
    assert 'value="Reset@example.org"' in page
    assert len(outbox) == allowed
    # An address without an account is counted the same way, so a refusal reveals nothing.
    for _ in range(allowed):
        client.submit("/account/reset", {"email": "nobody@example.org"})
    assert client.submit("/account/reset", {"email": "nobody@example.org"}).status_code == 429


def test_a_school_registers_its_pupils_from_one_address(client, db):
    for n in range(15):
        fresh = client.application.test_client()
        response = fresh.submit("/account/register", {
            "email": f"pupil{n}@school.example.org", "display_name": f"Pupil {n}",
            "password": "river-lantern-orchard-42", "district": ""}, environ_base={"REMOTE_ADDR": "203.0.113.20"})
        assert response.status_code == 302, response.get_data(as_text=True)
    assert count(db, User) >= 15


# Verifying a document number ------------------------------------------------------------------

def _verify(client, number: str):
    return client.submit("/budgets/verify", {"document_number": number})


def _listed_number(app, db) -> str:
    from civic.budgets import eligibility

    with app.app_context():
        digest = eligibility.document_hash("REAL-00042")
    db.session.add(EligibleDocument(document_hash=digest, district_id=None, imported_at=utcnow()))
    db.session.commit()
    return "REAL-00042"


def test_document_guessing_is_capped_per_account_across_sessions(app, client, db, login_as):
    number = _listed_number(app, db)
    user = login_as()
    allowed = first_limit(app, "LIMIT_VERIFY_PER_ACCOUNT")
    assert [_verify(client, f"GUESS-{n}").status_code for n in range(allowed)] == [422] * allowed
    # Signing out and in again (a new session version) does not start the count again.
    user = db.session.get(User, user.id)
    user.session_version += 1
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
    refused = _verify(client, number)
    page = assert_too_many(refused)
    assert 'value="REAL-00042"' in page  # what was typed is kept
    assert count(db, Voter) == 0


def test_document_guessing_is_capped_across_the_site(app, client, db, login_as, monkeypatch):
    """Fresh accounts each get their own few tries; the site-wide cap on wrong numbers holds them all."""
    monkeypatch.setitem(app.config, "LIMIT_VERIFY_FAILURES", "5 per hour")
    number = _listed_number(app, db)
    for n in range(5):
        login_as()
        assert _verify(client, f"GUESS-{n}").status_code == 422
    login_as()
    assert_too_many(_verify(client, "GUESS-99"))
    assert_too_many(_verify(client, number))
    assert count(db, Voter) == 0


def test_right_numbers_do_not_use_up_the_site_wide_cap(app, client, db, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "LIMIT_VERIFY_FAILURES", "1 per hour")
    number = _listed_number(app, db)
    login_as()
    assert _verify(client, number).status_code == 303
    login_as()
    assert _verify(client, "GUESS-1").status_code == 422


# Posting --------------------------------------------------------------------------------------

def test_comment_flooding_is_limited_per_account(app, client, db, login_as, make_thread):
    thread = make_thread()
    login_as()
    allowed = first_limit(app, "LIMIT_COMMENTS_PER_ACCOUNT")
    url = f"/comments/threads/{thread.id}"
    for n in range(allowed):
        assert client.submit(url, {"body": f"Comment {n}", "stance": "for", "parent_id": ""}).status_code == 303
    refused = client.submit(url, {"body": "One more <thought>", "stance": "against", "parent_id": ""})
    page = assert_too_many(refused)
    assert "One more &lt;thought&gt;</textarea>" in page
    assert count(db, Comment) == allowed
    # Someone else, from the same address, still comments.
    login_as()
    assert client.submit(url, {"body": "Mine", "stance": "for", "parent_id": ""}).status_code == 303


def test_report_flooding_is_limited_per_account(app, client, db, login_as, make_user, make_thread):
    from civic.comments import services

    author, thread = make_user(), make_thread()
    allowed = first_limit(app, "LIMIT_REPORTS_PER_ACCOUNT")
    comments = [services.post_comment(author, thread, body=f"Text {n}", stance="for", parent_id=None, now=utcnow())
                for n in range(allowed + 1)]
    db.session.commit()
    login_as()
    for comment in comments[:allowed]:
        assert client.submit(f"/comments/{comment.id}/report", {"reason": "spam"}).status_code == 303
    refused = client.submit(f"/comments/{comments[-1].id}/report", {"reason": "other", "details": "Why I report"})
    assert "Why I report</textarea>" in assert_too_many(refused)
    assert count(db, CommentReport) == allowed


def test_reporting_proposals_shares_the_report_limit(app, client, db, login_as, make_proposal, monkeypatch):
    monkeypatch.setitem(app.config, "LIMIT_REPORTS_PER_ACCOUNT", "1 per hour")
    first, second = make_proposal(), make_proposal()
    login_as()
    assert client.submit(f"/moderation/proposals/{first.id}/report", {"reason": "spam"}).status_code == 303
    refused = client.submit(f"/moderation/proposals/{second.id}/report", {"reason": "spam", "details": "Ads again"})
    assert "Ads again</textarea>" in assert_too_many(refused)


def test_group_flooding_is_limited_per_account(app, client, db, login_as):
    login_as()
    allowed = first_limit(app, "LIMIT_GROUPS_PER_ACCOUNT")
    for n in range(allowed):
        assert client.submit("/groups/new", {"name": f"Group {n}", "language": "en"}).status_code == 303
    refused = client.submit("/groups/new", {"name": "Friends of the river", "language": "en"})
    assert 'value="Friends of the river"' in assert_too_many(refused)
    assert count(db, CommunityGroup) == allowed


def test_proposal_flooding_is_limited_per_account(app, client, db, login_as, make_process):
    process = make_process()
    login_as()
    allowed = first_limit(app, "LIMIT_PROPOSALS_PER_ACCOUNT")
    url = f"/processes/{process.id}/proposals/new"
    for n in range(allowed):
        assert client.submit(url, form_data(title=f"Idea number {n}")).status_code == 303
    refused = client.submit(url, form_data(title="Benches by the river"))
    assert 'value="Benches by the river"' in assert_too_many(refused)
    assert count(db, Proposal) == allowed


def test_support_flooding_is_limited_per_account(app, client, db, login_as, make_proposal, monkeypatch):
    monkeypatch.setitem(app.config, "LIMIT_SUPPORTS_PER_ACCOUNT", "4 per minute")
    proposal = make_proposal()
    login_as()
    url = f"/proposals/{proposal.id}/support"
    for n in range(4):
        assert client.submit(url, {"wanted": "1" if n % 2 == 0 else "0"}).status_code == 303
    refused = client.submit(url, {"wanted": "1"}, headers={"HX-Request": "true"})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "too many times" in refused.get_data(as_text=True)
    assert db.session.get(Proposal, proposal.id).support_count == 0


def test_an_empty_setting_switches_a_limit_off(app, client, db, login_as, make_thread, monkeypatch):
    monkeypatch.setitem(app.config, "LIMIT_COMMENTS_PER_ACCOUNT", "")
    thread = make_thread()
    login_as()
    for n in range(12):
        assert client.submit(f"/comments/threads/{thread.id}", {"body": f"C{n}", "stance": "for",
                                                                 "parent_id": ""}).status_code == 303


# Shared storage -------------------------------------------------------------------------------

@pytest.fixture
def redis_limits(monkeypatch):
    """The limiter's counters in Redis, as with REDIS_URL set; skipped when no Redis answers."""
    storage = storage_from_string(REDIS_URL)
    if not storage.check():
        pytest.skip(f"no Redis at {REDIS_URL} (set CIVIC_TEST_REDIS_URL)")
    storage.reset()
    monkeypatch.setattr(limiter, "_storage", storage)
    monkeypatch.setattr(limiter, "_limiter", FixedWindowRateLimiter(storage))
    yield storage
    storage.reset()


def test_with_redis_every_app_server_sees_the_same_counts(app, client, db, make_user, redis_limits, monkeypatch):
    victim = make_user()
    allowed = first_limit(app, "LIMIT_SIGN_IN_PER_ACCOUNT")
    for n in range(allowed):
        assert sign_in(client, victim.email, f"guess-{n}", f"10.3.{n}.1").status_code == 422
    # Another app server: its own connection to the same Redis, nothing in its memory.
    other = storage_from_string(REDIS_URL)
    monkeypatch.setattr(limiter, "_storage", other)
    monkeypatch.setattr(limiter, "_limiter", FixedWindowRateLimiter(other))
    assert sign_in(app.test_client(), victim.email, "guess-last", "10.3.200.1").status_code == 429
