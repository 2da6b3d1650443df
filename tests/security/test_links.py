"""Links come only from the configured address (issue 10, finding 2), and only configured hosts and
proxies are believed.

A password reset asked for with a forged Host (or, behind a proxy, X-Forwarded-Host) mailed
https://evil.example/account/reset/<valid token>; a notification carried forged links and its
reader's unsubscribe token. Every link in every mail must start with CIVIC_BASE_URL.
"""

from __future__ import annotations

import re

import pytest
from flask import request
from flask_limiter.util import get_remote_address

from civic import create_app
from civic.config import for_tests
from civic.core.db import utcnow
from civic.core.security import ConfigurationError
from civic.extensions import limiter
from civic.outcomes import services as outcomes
from tests.conftest import CivicClient
from tests.notifications.conftest import follow  # noqa: F401  (shared fixture)

BASE = "https://city.example/"
EVIL = "evil.example"
URL = re.compile(r"https?://[^\s<>\"']+")


def _app(database_url, **config):
    app = create_app({**for_tests(database_url), **config})
    app.test_client_class = CivicClient
    return app


@pytest.fixture
def proxied(database_url, db):
    """An app behind one reverse proxy that passes on whatever X-Forwarded-Host the client wrote."""
    limiter.reset()
    return _app(database_url, PROXY_FIX=1, CIVIC_BASE_URL=BASE)


@pytest.fixture
def proxied_outbox(proxied):
    state = proxied.extensions["mailman"]
    state.outbox = []
    return state.outbox


@pytest.fixture
def based(app, monkeypatch):
    monkeypatch.setitem(app.config, "CIVIC_BASE_URL", BASE)
    return app


def _links(mail) -> list[str]:
    bodies = [mail.body] + [content for content, _type in getattr(mail, "alternatives", [])]
    links = [link for body in bodies for link in URL.findall(body)]
    links += [value.strip("<>") for name, value in mail.extra_headers.items() if name == "List-Unsubscribe"]
    return links


def _assert_only_configured_links(outbox) -> None:
    assert outbox
    for mail in outbox:
        links = _links(mail)
        assert links, mail.body
        assert all(link.startswith(BASE) for link in links), links
        assert EVIL not in mail.body and EVIL not in str(mail.extra_headers)


def _forged_host_reset(client, email):
    # The forged Host gets its own cookies in the test client, so fetch the CSRF token the same way.
    headers = {"Host": EVIL}
    page = client.get("/account/reset", headers=headers).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return client.post("/account/reset", data={"csrf_token": token, "email": email}, headers=headers)


def test_a_reset_asked_for_with_a_forged_host_mails_the_configured_address(based, client, db, make_user,
                                                                              outbox):
    user = make_user()
    assert _forged_host_reset(client, user.email).status_code == 200
    _assert_only_configured_links(outbox)
    assert URL.findall(outbox[0].body)[0].startswith(BASE + "account/reset/")


def test_a_reset_through_a_proxy_with_a_forged_forwarded_host_mails_the_configured_address(
        proxied, db, make_user, proxied_outbox):
    user = make_user()
    response = proxied.test_client().submit("/account/reset", {"email": user.email},
                                            headers={"X-Forwarded-Host": EVIL})
    assert response.status_code == 200
    _assert_only_configured_links(proxied_outbox)


def test_a_notification_set_off_through_a_forged_host_links_only_to_the_configured_address(
        proxied, db, make_user, follow, proxied_outbox):  # noqa: F811
    staff, resident = make_user("staff"), make_user()
    with proxied.test_request_context():
        outcome = outcomes.save_outcome(staff, None, outcomes.OutcomeData(title="New footbridge"), language="en",
                                        now=utcnow())
        db.session.commit()
        outcome_id = outcome.id
    follow(resident, "outcome", outcome_id)
    client = proxied.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = staff.get_id()
        session["_fresh"] = True
    posted = client.submit(f"/staff/outcomes/{outcome_id}/updates/new",
                           {"on": utcnow().date().isoformat(), "text": "The deck is laid.", "progress": "60",
                            "status": ""}, headers={"X-Forwarded-Host": EVIL})
    assert posted.status_code == 303, posted.get_data(as_text=True)
    assert proxied_outbox and all(mail.to == [resident.email] for mail in proxied_outbox)
    _assert_only_configured_links(proxied_outbox)
    assert any("/notifications/unsubscribe/" in link for mail in proxied_outbox for link in _links(mail))


def test_open_data_and_api_links_ignore_a_forged_host(based, client, db):
    for url in ("/api/v1/openapi.json", "/api/v1/budgets"):
        body = client.get(url, headers={"Host": EVIL}).get_data(as_text=True)
        assert EVIL not in body
    assert BASE.rstrip("/") in client.get("/api/v1/openapi.json", headers={"Host": EVIL}).get_data(as_text=True)


def test_production_without_a_base_url_refuses_to_start(database_url):
    with pytest.raises(ConfigurationError, match="CIVIC_BASE_URL"):
        _app(database_url, CIVIC_ENV="production", CIVIC_BASE_URL=None)
    with pytest.raises(ConfigurationError, match="CIVIC_BASE_URL"):
        _app(database_url, CIVIC_ENV="production", CIVIC_BASE_URL="city.example")


def test_production_refuses_requests_for_other_hosts(database_url, db):
    app = _app(database_url, CIVIC_ENV="production", CIVIC_BASE_URL=BASE, FORCE_HTTPS=False,
               CIVIC_TRUSTED_HOSTS=["www.city.example"])
    client = app.test_client()
    assert client.get("/accessibility", base_url="https://city.example").status_code == 200
    assert client.get("/accessibility", base_url="https://www.city.example").status_code == 200
    refused = client.get("/accessibility", base_url=f"https://{EVIL}")
    assert refused.status_code == 400 and EVIL not in refused.get_data(as_text=True)
    assert client.get("/accessibility", base_url="https://city.example",
                      headers={"Host": EVIL}).status_code == 400


def _address_app(database_url, proxies: int):
    app = _app(database_url, PROXY_FIX=proxies)

    @app.route("/_test/address")
    @limiter.limit("2 per minute")
    def address():
        # What Flask-Limiter counts by (civic.extensions builds it with get_remote_address).
        return f"{request.remote_addr} {get_remote_address()}"

    limiter.reset()
    return app.test_client()


def test_with_one_proxy_its_forwarded_for_address_is_the_client(database_url, db):
    client = _address_app(database_url, 1)
    first = client.get("/_test/address", headers={"X-Forwarded-For": "198.51.100.7"})
    assert first.get_data(as_text=True) == "198.51.100.7 198.51.100.7"
    # The rate limit counts per forwarded address: a second client behind the proxy is not refused.
    client.get("/_test/address", headers={"X-Forwarded-For": "198.51.100.7"})
    assert client.get("/_test/address", headers={"X-Forwarded-For": "198.51.100.7"}).status_code == 429
    assert client.get("/_test/address", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 200
    # Only the last hop (the one the proxy added) is believed, not what the client wrote before it.
    chained = client.get("/_test/address", headers={"X-Forwarded-For": "192.0.2.1, 203.0.113.10"})
    assert chained.get_data(as_text=True).startswith("203.0.113.10 ")


def test_without_proxies_forwarded_for_is_ignored(database_url, db):
    client = _address_app(database_url, 0)
    first = client.get("/_test/address", headers={"X-Forwarded-For": "198.51.100.7"})
    assert first.get_data(as_text=True) == "127.0.0.1 127.0.0.1"
    client.get("/_test/address", headers={"X-Forwarded-For": "198.51.100.8"})
    assert client.get("/_test/address", headers={"X-Forwarded-For": "198.51.100.9"}).status_code == 429
