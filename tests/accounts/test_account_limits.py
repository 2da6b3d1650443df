import pytest


@pytest.mark.parametrize("url, data, limit", [
    ("/account/sign-in", {"email": "x@example.org", "password": "nope-nope"}, 10),
    ("/account/register", {"email": "bad", "display_name": "", "password": ""}, 5),
    ("/account/reset", {"email": "x@example.org"}, 5),
])
def test_rate_limit_answers_429_with_a_translated_page(client, db, url, data, limit):
    for _ in range(limit):
        assert client.submit(url, data).status_code != 429
    response = client.submit(url, data, headers={"Accept-Language": "es"})
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert '<html lang="es"' in page and "Too many attempts" not in page
    # Reading the page is never limited.
    assert client.get(url).status_code == 200
