"""Locale selection and texts entered in several languages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask import current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

from civic.config import RTL_LANGUAGES

SESSION_KEY = "locale"

# Each language named in itself, so a reader finds their own language in any interface.
LANGUAGE_NAMES = {
    "ar": "العربية",
    "en": "English",
    "es": "Español",
    "fr": "Français",
    "ru": "Русский",
    "zh": "中文",
}


def supported() -> tuple[str, ...]:
    return tuple(current_app.config["LANGUAGES"])


def select_locale() -> str:
    """The user's saved preference, then the session, then the browser, then the default."""
    languages = supported()
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get(SESSION_KEY)
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def current_language() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"]).split("_")[0]


def text_direction(language: str | None = None) -> str:
    return "rtl" if (language or current_language()) in RTL_LANGUAGES else "ltr"


@dataclass(frozen=True)
class LocalizedText:
    """An official text in the reader's language, or in the original one with its `lang`."""

    text: str
    lang: str

    @property
    def is_fallback(self) -> bool:
        return self.lang != current_language()

    @property
    def dir(self) -> str:
        return text_direction(self.lang)

    def __str__(self) -> str:
        return self.text


def localized(texts: Mapping[str, str] | None, original: str) -> LocalizedText:
    texts = texts or {}
    language = current_language()
    if texts.get(language):
        return LocalizedText(texts[language], language)
    if texts.get(original):
        return LocalizedText(texts[original], original)
    for lang, text in texts.items():
        if text:
            return LocalizedText(text, lang)
    return LocalizedText("", original)


def format_when(value) -> str:
    """A moment as people read it: medium date and short time, joined the locale's way (no seconds),
    in the city's time zone."""
    from babel import dates
    from flask_babel import format_date, format_time, get_locale, get_timezone

    local = value.astimezone(get_timezone())
    pattern = dates.get_datetime_format("medium", locale=get_locale())
    return pattern.replace("{1}", format_date(local, "medium")).replace("{0}", format_time(local, "short"))


def format_list(items) -> str:
    """Join items with the locale's own separators (", " in English, "、" in Chinese, "، " in Arabic)."""
    from babel.lists import format_list as babel_format_list
    from flask_babel import get_locale

    return babel_format_list([str(item) for item in items], locale=get_locale())


def requested_language(default: str) -> str:
    """The language of official texts a staff form edits: `?lang=` when it is a shipped one."""
    wanted = request.args.get("lang")
    return wanted if wanted in supported() else default


def set_text(row, field: str, language: str, value: str | None) -> None:
    """Write one language of an official text (a JSON column of language -> text); an empty value
    removes that translation, so readers fall back to the original."""
    texts = dict(getattr(row, field) or {})
    if value and value.strip():
        texts[language] = value.strip()
    else:
        texts.pop(language, None)
    setattr(row, field, texts)  # a new dict, so SQLAlchemy sees the change
