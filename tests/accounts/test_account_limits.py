import pytest


@pytest.mark.parametrize("url, data, setting", [
    ("/account/sign-in", {"email": "x@example.org", "password": "nope-nope"}, "LIMIT_SIGN_IN_PER_ACCOUNT"),
    ("/account/reset", {"email": "x@example.org"}, "LIMIT_RESET_PER_ACCOUNT"),
])
def test_rate_limit_answers_429_on_the_same_translated_form(app, client, db, url, data, setting):
    limit = int(app.config[setting].split()[0])
    for _ in range(limit):
        assert client.submit(url, data).status_code != 429
    response = client.submit(url, data, headers={"Accept-Language": "es"})
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    page = response.get_data(as_text=True)
    # The form again, with what was typed, in the reader's language; not an error page.
    assert '<html lang="es"' in page and 'value="x@example.org"' in page and 'class="error-summary"' in page
    # Reading the page is never limited.
    assert client.get(url).status_code == 200


def test_registrations_from_one_address_are_limited(app, client, db, monkeypatch):
    monkeypatch.setitem(app.config, "LIMIT_REGISTER_PER_ADDRESS", "2 per hour")
    for n in range(2):
        response = app.test_client().submit("/account/register", {
            "email": f"new{n}@example.org", "display_name": f"New {n}", "password": "river-lantern-orchard-42"})
        assert response.status_code == 302
    refused = client.submit("/account/register", {"email": "third@example.org", "display_name": "Third",
                                                   "password": "river-lantern-orchard-42"})
    assert refused.status_code == 429 and 'value="third@example.org"' in refused.get_data(as_text=True)
    # Forms with mistakes are answered, not counted.
    assert client.submit("/account/register", {"email": "bad", "display_name": "", "password": ""}).status_code == 422
