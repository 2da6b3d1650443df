import sqlalchemy as sa

from civic.accounts.models import User


def _register(client, **overrides):
    data = {"email": "Nadia@Example.org", "display_name": "Nadia", "password": "blue-kettle-harbour", "district": ""}
    data.update(overrides)
    return client.submit("/account/register", data)


def test_register_creates_a_signed_in_resident(client, db, make_district):
    district = make_district()
    response = _register(client, district=str(district.id))
    assert response.status_code == 302
    user = db.session.scalars(sa.select(User).where(User.email == "nadia@example.org")).one()
    assert user.role == "resident"
    assert user.district_id == district.id
    assert user.password_hash.startswith("$argon2id$")
    assert "Nadia" in client.get("/").get_data(as_text=True)


def test_register_errors_keep_what_was_typed(client, db):
    response = _register(client, email="not-an-address", password="password")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<title>Error: Create an account" in page
    assert 'href="#email"' in page and 'href="#password"' in page
    assert "Enter an e-mail address like name@example.org." in page
    assert "one of the most common ones" in page
    assert 'value="not-an-address"' in page and 'value="Nadia"' in page
    assert 'aria-invalid="true"' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_password_length_limits(client, db):
    assert "at least 8 characters" in _register(client, password="short1!").get_data(as_text=True)
    long_passphrase = "correct horse battery staple " * 4  # 116 characters, pasted from a manager
    assert _register(client, password=long_passphrase).status_code == 302


def test_password_equal_to_name_is_rejected(client, db):
    response = _register(client, display_name="Riverbank", password="riverbank")
    assert response.status_code == 422


def test_email_is_unique_whatever_the_case(client, db, make_user):
    make_user(email="nadia@example.org")
    response = _register(client, email="NADIA@example.org")
    assert response.status_code == 422
    assert "already exists" in response.get_data(as_text=True)


def test_register_requires_csrf(client, db):
    response = client.post("/account/register", data={"email": "a@example.org", "display_name": "A",
                                                     "password": "blue-kettle-harbour"})
    assert response.status_code == 400
    assert "The form expired" in response.get_data(as_text=True)


def test_unknown_district_is_a_clear_error(client, db):
    response = _register(client, district="999999")
    assert response.status_code == 422
    assert "Choose a district from the list." in response.get_data(as_text=True)
