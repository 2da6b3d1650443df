"""Supports cannot be inflated with made-up accounts (issue 10, finding 7).

Accounts worked without confirming their e-mail address. Now registration mails a signed, expiring
link built from the configured address; until it is opened the person can read and sign in, but
supports, comments and proposals are refused with a message and a way to get a new link.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from civic import create_app
from civic.accounts import confirmation
from civic.accounts.models import User
from civic.comments.models import Comment
from civic.config import for_tests
from civic.core.db import utcnow
from civic.extensions import db as _db
from civic.proposals.models import Proposal
from tests.comments.conftest import _test_policies, make_thread  # noqa: F401  (shared fixtures)
from tests.conftest import BACKENDS, TEST_PASSWORD, separate_database
from tests.plans.conftest import make_plan  # noqa: F401  (make_proposal needs these two)
from tests.processes.conftest import make_process  # noqa: F401
from tests.proposals.conftest import form_data, make_proposal  # noqa: F401

BASE = "https://participate.example.org/"
LINK = re.compile(r"https?://\S+/account/confirm/\S+")


@pytest.fixture
def base_url(app, monkeypatch):
    monkeypatch.setitem(app.config, "CIVIC_BASE_URL", BASE)
    return BASE


def _link(message) -> str:
    return LINK.search(message.body).group(0)


def _path(link: str) -> str:
    return "/" + link.removeprefix(BASE)


def _token(app, user, now):
    with app.test_request_context():
        return confirmation.confirmation_token(user, now)


# Refused until confirmed ------------------------------------------------------------------------

def test_an_unconfirmed_account_cannot_support(client, db, login_as, make_proposal):
    proposal = make_proposal()
    login_as(email_confirmed=False)
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "Support this proposal</button>" not in page and 'href="/account/confirm"' in page
    response = client.submit(f"/proposals/{proposal.id}/support", {"wanted": "1"})
    assert response.status_code == 303
    assert "Confirm your e-mail address first" in client.get(response.headers["Location"]).get_data(as_text=True)
    fragment = client.submit(f"/proposals/{proposal.id}/support", {"wanted": "1"}, headers={"HX-Request": "true"})
    assert fragment.status_code == 409 and 'href="/account/confirm"' in fragment.get_data(as_text=True)
    assert db.session.get(Proposal, proposal.id).support_count == 0


def test_an_unconfirmed_account_cannot_comment_and_keeps_what_it_typed(client, db, login_as, make_thread):
    thread = make_thread()
    login_as(email_confirmed=False)
    response = client.submit(f"/comments/threads/{thread.id}", {"body": "My long thought", "stance": "for",
                                                                 "parent_id": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Confirm your e-mail address first" in page and "My long thought</textarea>" in page
    assert 'href="/account/confirm"' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 0


def test_an_unconfirmed_account_cannot_propose(client, db, login_as, make_process):
    process = make_process()
    login_as(email_confirmed=False)
    url = f"/processes/{process.id}/proposals/new"
    for response in (client.get(url), client.submit(url, form_data())):
        page = response.get_data(as_text=True)
        assert response.status_code == 409
        assert "Confirm your e-mail address first" in page and 'href="/account/confirm"' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Proposal)) == 0


def test_an_unconfirmed_account_reads_everything_and_is_told_on_every_page(client, db, login_as, make_proposal):
    proposal = make_proposal()
    login_as(email_confirmed=False, email="new@example.org")
    for url in ("/", f"/proposals/{proposal.id}", "/processes/"):
        response = client.get(url)
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "new@example.org" in page and 'href="/account/confirm"' in page


# The link --------------------------------------------------------------------------------------

def test_registration_mails_a_link_from_the_base_url_that_works_once(client, db, outbox, base_url,
                                                                      make_proposal):
    proposal = make_proposal()
    # Registered with a forged Host (which gets its own cookies in the test client, CSRF token included).
    forged = {"Host": "evil.example"}
    form = client.get("/account/register", headers=forged).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    response = client.post("/account/register", headers=forged, data={
        "csrf_token": token, "email": "Nadia@Example.org", "display_name": "Nadia", "password": TEST_PASSWORD,
        "district": ""})
    assert response.status_code == 302
    [message] = outbox
    assert message.to == ["nadia@example.org"]
    link = _link(message)
    # From the configured address, never from the Host of the request that registered.
    assert link.startswith(BASE + "account/confirm/") and "evil.example" not in message.body
    user = db.session.scalars(sa.select(User).where(User.email == "nadia@example.org")).one()
    assert user.email_confirmed_at is None
    with client.session_transaction() as session:  # signed in on the site's own address too
        session["_user_id"] = user.get_id()
    assert client.submit(f"/proposals/{proposal.id}/support", {"wanted": "1"}).status_code == 303
    assert db.session.get(Proposal, proposal.id).support_count == 0

    confirmed = client.get(_path(link))
    assert confirmed.status_code == 303
    first = db.session.get(User, user.id).email_confirmed_at
    assert first is not None
    client.submit(f"/proposals/{proposal.id}/support", {"wanted": "1"})
    assert db.session.get(Proposal, proposal.id).support_count == 1

    again = client.get(_path(link))
    assert again.status_code == 200 and "already confirmed" in again.get_data(as_text=True)
    assert db.session.get(User, user.id).email_confirmed_at == first


def test_the_link_works_signed_out_on_another_device(app, client, db, make_user):
    user = make_user(email_confirmed=False)
    assert client.get(f"/account/confirm/{_token(app, user, utcnow())}").status_code == 303
    assert db.session.get(User, user.id).email_confirmed


def test_an_expired_link_does_not_confirm(app, client, db, make_user):
    user = make_user(email_confirmed=False)
    old = utcnow() - timedelta(seconds=app.config["EMAIL_CONFIRMATION_MAX_AGE"] + 60)
    response = client.get(f"/account/confirm/{_token(app, user, old)}")
    page = response.get_data(as_text=True)
    assert response.status_code == 404 and "expired" in page and 'href="/account/confirm"' in page
    assert not db.session.get(User, user.id).email_confirmed


@pytest.mark.parametrize("tamper", ["forged", "other address"])
def test_a_forged_link_or_one_for_another_address_does_not_confirm(app, client, db, make_user, tamper):
    user = make_user(email_confirmed=False)
    token = _token(app, user, utcnow())
    if tamper == "forged":
        token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    else:
        db.session.get(User, user.id).email = "changed@example.org"
        db.session.commit()
    assert client.get(f"/account/confirm/{token}").status_code == 404
    assert not db.session.get(User, user.id).email_confirmed


def test_resend_sends_a_fresh_link_and_is_limited(app, client, db, outbox, login_as, base_url):
    user = login_as(email_confirmed=False, email="again@example.org")
    page = client.get("/account/confirm").get_data(as_text=True)
    assert "again@example.org" in page and "Send me a new link" in page
    allowed = int(app.config["LIMIT_CONFIRMATION_PER_ACCOUNT"].split()[0])
    for _ in range(allowed):
        assert client.submit("/account/confirm").status_code == 303
    assert len(outbox) == allowed and all(m.to == ["again@example.org"] for m in outbox)
    refused = client.submit("/account/confirm")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert len(outbox) == allowed
    assert client.get(_path(_link(outbox[-1]))).status_code == 303
    assert db.session.get(User, user.id).email_confirmed
    page = client.get("/account/confirm").get_data(as_text=True)
    assert "is confirmed" in page and "Send me a new link" not in page


def test_confirmation_is_in_the_personal_data_download(client, db, login_as):
    user = login_as()
    account = client.get("/account/data.json").get_json()["account"]
    assert account["email_confirmed_at"] == db.session.get(User, user.id).email_confirmed_at.isoformat()


# Accounts that predate the rule ---------------------------------------------------------------

@pytest.fixture(params=BACKENDS)
def old_database(request, tmp_path):
    """An app on a fresh database migrated up to the revision before e-mail confirmation."""
    app = create_app(for_tests(separate_database(request.param, tmp_path, "confirmation")))
    with app.app_context():
        upgrade(revision="0007")
        yield app
        _db.session.remove()
        _db.engine.dispose()


def test_the_migration_confirms_existing_accounts(old_database):
    created = utcnow() - timedelta(days=30)
    _db.session.execute(sa.text(
        "INSERT INTO user_account (email, display_name, role, show_name_publicly, session_version, created_at) "
        "VALUES ('old@example.org', 'Old', 'resident', false, 1, :created)"), {"created": created})
    _db.session.commit()
    upgrade(revision="0008")
    confirmed = _db.session.execute(sa.text("SELECT email_confirmed_at FROM user_account")).scalar_one()
    assert confirmed is not None
