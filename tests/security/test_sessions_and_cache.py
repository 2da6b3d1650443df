"""Personal pages are never cached, and idle sessions end (issue 10, finding 9).

The idle tests move the session's stored time of the last request back instead of sleeping.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from civic.accounts import idle
from civic.core.db import utcnow
from tests.budgets.conftest import make_budget, make_voter  # noqa: F401  (shared fixtures)


def _no_store(response) -> bool:
    return "no-store" in response.headers.get("Cache-Control", "") and "Cookie" in response.headers.get("Vary", "")


def test_personal_pages_are_not_stored(client, db, login_as, make_budget, make_voter):  # noqa: F811
    user = login_as()
    make_voter(user)
    budget = make_budget()
    for url in ("/account/profile", "/notifications", "/account/data.json", "/budgets/verify",
                f"/budgets/{budget.id}/ballot", f"/budgets/{budget.id}/voted", "/"):
        response = client.get(url)
        assert response.status_code in (200, 302), url
        assert _no_store(response), url


def test_an_anonymous_public_page_stays_cacheable(client, db):
    response = client.get("/accessibility")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_signing_in_and_out_is_not_stored(client, db, make_user):
    from tests.conftest import TEST_PASSWORD

    user = make_user()
    signed_in = client.submit("/account/sign-in", {"email": user.email, "password": TEST_PASSWORD})
    assert signed_in.status_code == 302 and _no_store(signed_in)
    assert _no_store(client.submit("/account/sign-out"))


def _idle_for(client, delta: timedelta) -> None:
    with client.session_transaction() as session:
        session[idle.SEEN_KEY] = idle.stamp(utcnow() - delta)


def test_an_idle_staff_session_is_signed_out_after_the_configured_minutes(app, client, db, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "STAFF_IDLE_MINUTES", 20)
    login_as("staff")
    assert client.get("/account/profile").status_code == 200
    _idle_for(client, timedelta(minutes=19))
    assert client.get("/account/profile").status_code == 200  # and that request counts as activity

    _idle_for(client, timedelta(minutes=21))
    response = client.get("/account/profile?tab=1")
    assert response.status_code == 302 and _no_store(response)
    assert response.headers["Location"].startswith("/account/sign-in?next=/account/profile?tab%3D1")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "nothing happened for 20 minutes" in page
    assert client.get("/account/profile").status_code == 302  # really signed out


def test_a_resident_is_kept_for_days_not_minutes(app, client, db, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "IDLE_DAYS", 14)
    login_as()
    client.get("/account/profile")
    _idle_for(client, timedelta(days=13))
    assert client.get("/account/profile").status_code == 200
    _idle_for(client, timedelta(days=15))
    assert client.get("/account/profile").status_code == 302


def test_a_form_sent_after_the_timeout_says_so_and_shows_what_was_typed(app, client, db, login_as):
    login_as("staff")
    client.csrf_token()  # the form was loaded while still signed in
    client.get("/account/profile")
    _idle_for(client, timedelta(minutes=app.config["STAFF_IDLE_MINUTES"] + 1))
    response = client.submit("/account/profile", {"display_name": "Ana <b>López</b>", "language": "",
                                                  "district": "", "password": "not shown"})
    assert response.status_code == 401 and _no_store(response)  # it shows what was typed
    page = response.get_data(as_text=True)
    assert "You were signed out" in page and "has not been saved" in page
    assert "Ana &lt;b&gt;López&lt;/b&gt;</textarea>" in page and "not shown" not in page
    assert 'name="next" value="/account/profile"' in page
    assert client.get("/account/profile").status_code == 302


def test_a_remember_me_cookie_does_not_skip_the_staff_timeout(app, client, db, make_user):
    from tests.conftest import TEST_PASSWORD

    staff = make_user("staff")
    client.submit("/account/sign-in", {"email": staff.email, "password": TEST_PASSWORD, "remember": "y"})
    assert client.get_cookie("remember_token") is not None
    with client.session_transaction() as session:
        session.clear()  # the browser was closed: only the remember-me cookie is left
    response = client.get("/account/profile")
    assert response.status_code == 302 and response.headers["Location"].startswith("/account/sign-in")
    assert client.get("/account/profile").status_code == 302


@pytest.mark.parametrize("role", ["resident"])
def test_a_remember_me_cookie_keeps_a_resident_signed_in(client, db, make_user, role):
    from tests.conftest import TEST_PASSWORD

    resident = make_user(role)
    client.submit("/account/sign-in", {"email": resident.email, "password": TEST_PASSWORD, "remember": "y"})
    with client.session_transaction() as session:
        session.clear()
    assert client.get("/account/profile").status_code == 200


def test_signing_out_after_the_timeout_just_signs_out(app, client, db, login_as):
    login_as("staff")
    client.csrf_token()
    _idle_for(client, timedelta(minutes=app.config["STAFF_IDLE_MINUTES"] + 1))
    response = client.submit("/account/sign-out")
    assert response.status_code == 302 and response.headers["Location"] == "/"
