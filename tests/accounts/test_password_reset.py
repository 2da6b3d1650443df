import re
from datetime import timedelta

import pytest
from flask_babel import force_locale, gettext
import sqlalchemy as sa

from civic.accounts import services
from civic.accounts.models import PasswordReset, User
from civic.core.db import utcnow
from civic.core.errors import DomainError
from tests.conftest import TEST_PASSWORD

NEW_PASSWORD = "violet-ferry-morning-7"


def _link_from(message) -> str:
    return re.search(r"http://localhost(/account/reset/\S+)", message.body).group(1)


def test_reset_by_emailed_single_use_link(client, db, make_user, outbox):
    user = make_user(email="sam@example.org", locale="fr")
    response = client.submit("/account/reset", {"email": "sam@example.org"})
    assert response.status_code == 200
    assert len(outbox) == 1 and outbox[0].to == ["sam@example.org"]
    link = _link_from(outbox[0])
    # Only a hash of the token is stored.
    assert link.rsplit("/", 1)[1] not in {r.token_hash for r in db.session.scalars(sa.select(PasswordReset))}

    assert client.get(link).status_code == 200
    response = client.submit(link, {"password": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.submit("/account/sign-in", {"email": "sam@example.org", "password": NEW_PASSWORD}).status_code == 302

    # The link works once.
    assert client.get(link).status_code == 404
    assert client.submit(link, {"password": "another-new-password-1"}).status_code == 404
    assert db.session.get(User, user.id).session_version > 1


def test_unknown_address_gets_the_same_answer_and_no_mail(client, db, outbox):
    response = client.submit("/account/reset", {"email": "nobody@example.org"})
    assert response.status_code == 200
    assert "If an account uses nobody@example.org" in response.get_data(as_text=True)
    assert outbox == []


def test_reset_mail_is_in_the_recipients_language(app, client, db, make_user, outbox):
    make_user(email="sam@example.org", locale="fr")
    client.submit("/account/reset", {"email": "sam@example.org"}, headers={"Accept-Language": "en"})
    with app.test_request_context(), force_locale("fr"):
        subject = gettext("Reset your password")
    assert subject != "Reset your password"
    assert outbox[0].subject == subject


def test_expired_link_is_refused(db, make_user):
    user = make_user()
    _, token = services.start_password_reset(user.email, now=utcnow() - timedelta(hours=2), max_age=3600)
    db.session.commit()
    assert not services.check_reset_token(token, now=utcnow())
    with pytest.raises(DomainError):
        services.finish_password_reset(token, NEW_PASSWORD, now=utcnow())


def test_using_a_link_voids_the_other_open_links(db, make_user):
    user = make_user()
    now = utcnow()
    _, first = services.start_password_reset(user.email, now=now, max_age=3600)
    _, second = services.start_password_reset(user.email, now=now, max_age=3600)
    services.finish_password_reset(second, NEW_PASSWORD, now=now)
    assert not services.check_reset_token(first, now=now)


def test_weak_new_password_keeps_the_link_usable(client, db, make_user, outbox):
    make_user(email="sam@example.org")
    client.submit("/account/reset", {"email": "sam@example.org"})
    link = _link_from(outbox[0])
    response = client.submit(link, {"password": "123456789"})
    assert response.status_code == 422
    assert client.get(link).status_code == 200


def test_reset_signs_out_other_sessions(app, client, db, make_user, outbox):
    make_user(email="sam@example.org")
    laptop = app.test_client()
    laptop.submit("/account/sign-in", {"email": "sam@example.org", "password": TEST_PASSWORD})
    client.submit("/account/reset", {"email": "sam@example.org"})
    client.submit(_link_from(outbox[0]), {"password": NEW_PASSWORD})
    assert laptop.get("/account/profile").status_code == 302
