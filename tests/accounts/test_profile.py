import json

import sqlalchemy as sa

from civic.accounts.models import PasswordReset, User
from tests.conftest import TEST_PASSWORD


def test_profile_needs_sign_in(client, db):
    response = client.get("/account/profile")
    assert response.status_code == 302 and "/account/sign-in?next=" in response.headers["Location"]


def test_update_profile(client, db, login_as, make_district):
    district = make_district()
    user = login_as()
    response = client.submit("/account/profile", {"display_name": "Nadia K.", "language": "ar",
                                                  "district": str(district.id), "show_name_publicly": "yes"})
    assert response.status_code == 302
    saved = db.session.get(User, user.id)
    assert (saved.display_name, saved.locale, saved.district_id, saved.show_name_publicly) == \
        ("Nadia K.", "ar", district.id, True)
    assert '<html lang="ar" dir="rtl">' in client.get("/account/profile").get_data(as_text=True)


def test_profile_errors_keep_input(client, db, login_as):
    login_as()
    response = client.submit("/account/profile", {"display_name": "", "language": "fr", "district": "",
                                                  "show_name_publicly": "no"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'href="#display_name"' in page
    assert '<option lang="fr" selected value="fr">' in page


def test_change_password_keeps_this_session_and_ends_others(app, client, db, login_as):
    user = login_as(email="lena@example.org")
    other = app.test_client()
    other.submit("/account/sign-in", {"email": "lena@example.org", "password": TEST_PASSWORD})
    response = client.submit("/account/password", {"current_password": TEST_PASSWORD,
                                                   "password": "harbour-lights-at-dawn"})
    assert response.status_code == 302
    assert client.get("/account/profile").status_code == 200
    assert other.get("/account/profile").status_code == 302
    assert db.session.get(User, user.id).session_version == 2


def test_change_password_checks_the_current_one(client, db, login_as):
    login_as()
    response = client.submit("/account/password", {"current_password": "wrong", "password": "harbour-lights-at-dawn"})
    assert response.status_code == 422
    assert "Your current password is not correct." in response.get_data(as_text=True)


def test_download_my_data(client, db, login_as):
    user = login_as(display_name="Nadia", locale="es")
    response = client.get("/account/data.json")
    assert response.headers["Content-Disposition"].startswith("attachment")
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == user.email
    assert data["account"]["preferred_language"] == "es"
    assert "password" not in json.dumps(data).replace("password_resets", "")


def test_delete_account_erases_personal_data(client, db, login_as, outbox):
    user = login_as(email="leaving@example.org", display_name="Leaving Person")
    client.submit("/account/reset", {"email": "leaving@example.org"})
    assert client.submit("/account/delete", {"password": "wrong"}).status_code == 422
    response = client.submit("/account/delete", {"password": TEST_PASSWORD})
    assert response.status_code == 302
    gone = db.session.get(User, user.id)
    assert gone.deleted_at is not None and gone.password_hash is None
    assert "leaving" not in gone.email and gone.display_name != "Leaving Person"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PasswordReset)) == 0
    assert client.get("/account/profile").status_code == 302
    # The address can be used again for a new account.
    again = client.submit("/account/register", {"email": "leaving@example.org", "display_name": "New",
                                                "password": "a-brand-new-passphrase"})
    assert again.status_code == 302
