"""The e-mail confirmation pages and notices in the browser: axe in en and ar, phone and desktop."""

from __future__ import annotations

from datetime import timedelta
from itertools import count

import pytest

from civic.accounts import confirmation, passwords
from civic.accounts.models import User
from civic.core.db import utcnow
from civic.extensions import db as _db
from tests.browser.conftest import DEMO_PASSWORD, MATRIX, SQLITE_ONLY, audit, sign_in, submit_and_wait

_serial = count(1)


def _unconfirmed_account(live_server) -> tuple[str, str]:
    """A new resident who has not opened the link yet, and an expired link of theirs."""
    email = f"unconfirmed{next(_serial)}@example.org"
    with live_server.app.test_request_context():
        now = utcnow()
        user = User(email=email, display_name="Noor", password_hash=passwords.hash_password(DEMO_PASSWORD),
                    created_at=now)
        _db.session.add(user)
        _db.session.commit()
        old = now - timedelta(seconds=live_server.app.config["EMAIL_CONFIRMATION_MAX_AGE"] + 60)
        expired = confirmation.confirmation_token(user, old)
    return email, expired


@SQLITE_ONLY
@pytest.mark.parametrize("language, viewport", MATRIX, ids=[f"{l}-{v}" for l, v in MATRIX])
def test_confirmation_pages_and_notices_have_no_axe_violations(live_server, new_page, language, viewport):
    base = live_server.url
    email, expired = _unconfirmed_account(live_server)
    page = new_page(language, viewport)
    failures = []
    page.goto(f"{base}/account/confirm/{expired}")
    assert page.locator("h1").count() == 1
    failures += audit(page, "expired confirmation link")
    page.goto(f"{base}/account/confirm/not-a-token")
    failures += audit(page, "invalid confirmation link")
    sign_in(page, base, email)
    # The notice on every page, the support widget and the comment form that point to the link.
    for path in ("/", "/proposals/1", "/processes/1/proposals/new"):
        page.goto(base + path)
        assert page.locator(".confirm-notice").count() == 1, path
        assert page.locator("h1").count() == 1, path
        failures += audit(page, path)
    page.goto(base + "/account/confirm")
    failures += audit(page, "confirmation page")
    submit_and_wait(page, page.locator("main form button[type=submit]"))
    assert page.locator(".flash--success").count() == 1
    failures += audit(page, "confirmation page after sending a new link")
    assert not failures, "\n\n".join(failures)
