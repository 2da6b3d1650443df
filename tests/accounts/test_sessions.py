"""Sign-in, sign-out and server-side invalidation of sessions."""

from civic.accounts.models import User
from tests.conftest import TEST_PASSWORD


def _sign_in(client, email, password=TEST_PASSWORD, **extra):
    return client.submit("/account/sign-in", {"email": email, "password": password, **extra})


def test_sign_in_and_out(client, db, make_user):
    user = make_user(email="lena@example.org")
    response = _sign_in(client, "LENA@example.org ")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/account/profile").status_code == 200
    assert db.session.get(User, user.id).last_sign_in_at is not None

    assert client.submit("/account/sign-out").status_code == 302
    assert client.get("/account/profile").status_code == 302


def test_wrong_password_gives_one_message_for_both_fields(client, db, make_user):
    make_user(email="lena@example.org")
    for email in ("lena@example.org", "nobody@example.org"):
        response = _sign_in(client, email, "wrong-password")
        assert response.status_code == 422
        assert "The e-mail address or password is not correct." in response.get_data(as_text=True)


def test_sign_in_keeps_next_on_this_site_only(client, db, make_user):
    make_user(email="lena@example.org")
    assert _sign_in(client, "lena@example.org", next="/account/profile").headers["Location"] == "/account/profile"
    client.submit("/account/sign-out")
    assert _sign_in(client, "lena@example.org", next="https://evil.example/").headers["Location"] == "/"


def test_sign_out_ends_sessions_on_every_device(app, client, db, make_user):
    make_user(email="lena@example.org")
    phone = app.test_client()
    _sign_in(client, "lena@example.org")
    _sign_in(phone, "lena@example.org")
    assert phone.get("/account/profile").status_code == 200

    client.submit("/account/sign-out")
    assert phone.get("/account/profile").status_code == 302


def test_old_session_cookie_is_refused_after_sign_out(client, db, make_user):
    make_user(email="lena@example.org")
    _sign_in(client, "lena@example.org")
    stolen = client.get_cookie("session").value
    client.submit("/account/sign-out")
    client.set_cookie("session", stolen)
    assert client.get("/account/profile").status_code == 302


def test_remember_me_cookie_dies_with_the_session_version(client, db, make_user):
    make_user(email="lena@example.org")
    _sign_in(client, "lena@example.org", remember="y")
    remember = client.get_cookie("remember_token")
    assert remember is not None
    client.submit("/account/sign-out")
    client.set_cookie("remember_token", remember.value)
    assert client.get("/account/profile").status_code == 302


def test_sign_out_needs_post_and_csrf(client, db, login_as):
    login_as()
    assert client.get("/account/sign-out").status_code == 405
    assert client.post("/account/sign-out").status_code == 400
    assert client.get("/account/profile").status_code == 200


def test_deleted_account_cannot_sign_in(client, db, make_user):
    from civic.core.db import utcnow

    make_user(email="gone@example.org", deleted_at=utcnow())
    assert _sign_in(client, "gone@example.org").status_code == 422


def test_password_is_rehashed_when_parameters_change(client, db, make_user):
    from argon2 import PasswordHasher

    weak = PasswordHasher(time_cost=1, memory_cost=8192).hash(TEST_PASSWORD)
    user = make_user(email="old@example.org", password_hash=weak)
    _sign_in(client, "old@example.org")
    assert db.session.get(User, user.id).password_hash != weak
