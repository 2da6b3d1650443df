import pytest
from flask import abort

from civic import create_app
from civic.config import for_tests


@pytest.fixture(scope="module")
def failing_app(database_url):
    """An app with routes that fail on purpose, so every error page can be seen."""
    app = create_app(for_tests(database_url))
    app.add_url_rule("/_test/abort/<int:code>", "abort_with", lambda code: abort(code))
    app.add_url_rule("/_test/boom", "boom", lambda: 1 / 0)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


@pytest.fixture
def client(failing_app, db):
    return failing_app.test_client()


@pytest.mark.parametrize("code", [400, 403, 404, 405, 413, 429])
@pytest.mark.parametrize("language", ["en", "ar"])
def test_error_pages_are_translated_full_pages(client, db, code, language):
    response = client.get(f"/_test/abort/{code}", headers={"Accept-Language": language})
    page = response.get_data(as_text=True)
    assert response.status_code == code
    assert f'<html lang="{language}"' in page and page.count("<h1>") == 1
    assert 'href="#main"' in page


def test_unexpected_error_gives_a_500_page(client, db):
    response = client.get("/_test/boom", headers={"Accept-Language": "ru"})
    assert response.status_code == 500
    assert '<html lang="ru"' in response.get_data(as_text=True)


def test_missing_page_is_404(client, db):
    assert client.get("/no/such/page").status_code == 404
