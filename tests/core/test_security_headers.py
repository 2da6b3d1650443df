def test_headers_on_every_page(client, db):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "HX-Request" in response.headers["Vary"]
    # Plain HTTP: no HSTS (a browser would ignore it, and it must not pin a dev host).
    assert "Strict-Transport-Security" not in response.headers


def test_hsts_over_https(client, db):
    response = client.get("/", base_url="https://civic.example")
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]


def test_session_cookie_flags(client, db, make_user):
    from tests.conftest import TEST_PASSWORD

    make_user(email="lena@example.org")
    response = client.submit("/account/sign-in", {"email": "lena@example.org", "password": TEST_PASSWORD})
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_no_inline_script_or_style_in_pages(client, db):
    import re

    for url in ("/", "/account/register", "/account/sign-in", "/privacy", "/accessibility", "/missing"):
        page = client.get(url).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)", page), url
        assert " style=" not in page and "<style" not in page, url
        assert "http://" not in page.replace("http://localhost", ""), url  # nothing from other hosts


def test_production_cookies_are_secure(tmp_path):
    from civic.config import from_environment

    settings = from_environment(tmp_path, {"CIVIC_ENV": "production", "SECRET_KEY": "x" * 64})
    assert settings["SESSION_COOKIE_SECURE"] and settings["REMEMBER_COOKIE_SECURE"]
    assert settings["MAIL_BACKEND"] == "smtp" and settings["FORCE_HTTPS"]
