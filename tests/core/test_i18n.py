import pytest

from civic.core.i18n import LocalizedText, localized

LANGUAGES = ["ar", "en", "es", "fr", "ru", "zh"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_browser_language_sets_html_lang_and_direction(client, db, language):
    page = client.get("/", headers={"Accept-Language": f"{language};q=1.0, en;q=0.5"}).get_data(as_text=True)
    direction = "rtl" if language == "ar" else "ltr"
    assert f'<html lang="{language}" dir="{direction}">' in page


def test_unsupported_browser_language_falls_back_to_default(client, db):
    page = client.get("/", headers={"Accept-Language": "de-DE,de;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in page


def test_session_choice_beats_the_browser(client, db):
    response = client.submit("/language", {"language": "ar", "next": "/privacy"},
                             headers={"Accept-Language": "fr"})
    assert response.status_code == 303 and response.headers["Location"] == "/privacy"
    page = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page


def test_saved_preference_beats_the_session(client, db, login_as):
    login_as(locale="zh")
    with client.session_transaction() as session:
        session["locale"] = "ru"
    assert '<html lang="zh"' in client.get("/").get_data(as_text=True)


def test_switching_language_signed_in_saves_the_preference(client, db, login_as):
    from civic.accounts.models import User

    user = login_as()
    client.submit("/language", {"language": "es", "next": "/"})
    assert db.session.get(User, user.id).locale == "es"


def test_language_switch_ignores_unknown_languages_and_foreign_redirects(client, db):
    response = client.submit("/language", {"language": "xx", "next": "//evil.example/"})
    assert response.headers["Location"] == "/"
    assert '<html lang="en"' in client.get("/").get_data(as_text=True)


def test_language_switch_requires_csrf(client, db):
    assert client.post("/language", data={"language": "ar"}).status_code == 400


def test_pages_are_translated(client, db):
    english = client.get("/account/sign-in", headers={"Accept-Language": "en"}).get_data(as_text=True)
    arabic = client.get("/account/sign-in", headers={"Accept-Language": "ar"}).get_data(as_text=True)
    assert "Forgot your password?" in english
    assert "Forgot your password?" not in arabic


def test_localized_text_falls_back_to_the_original_with_its_language(app):
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        assert localized({"en": "Old Town", "fr": "Vieille Ville"}, "en") == LocalizedText("Vieille Ville", "fr")
        fallback = localized({"en": "Old Town", "ar": "البلدة القديمة"}, "en")
        assert fallback == LocalizedText("Old Town", "en") and fallback.is_fallback
        assert localized({"ar": "البلدة القديمة"}, "ar").dir == "rtl"


def test_fallback_district_names_carry_lang(client, db, make_city, make_district):
    make_city(en="Testford")
    make_district(slug="old-town", en="Old Town", ar="البلدة القديمة")
    page = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<span lang="en" dir="ltr">Old Town</span>' in page
    page = client.get("/", headers={"Accept-Language": "ar"}).get_data(as_text=True)
    assert "<li>البلدة القديمة</li>" in page
