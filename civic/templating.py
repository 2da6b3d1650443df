"""What every template can use: locale, direction, languages, the rich-text filter, formatting."""

from __future__ import annotations

from flask import Flask, request
from markupsafe import Markup
from flask_babel import format_date, format_decimal

from civic.city.services import current_city
from civic.core.i18n import LANGUAGE_NAMES, current_language, format_list, format_when, text_direction
from civic.core.sanitize import rich_text_filter


def isolate(value) -> Markup:
    """Wrap text people typed (names in any script) so it cannot reorder the sentence around it."""
    return Markup("<bdi>{}</bdi>").format(value)


def init_templating(app: Flask) -> None:
    app.jinja_env.filters["rich_text"] = rich_text_filter
    app.jinja_env.filters["bdi"] = isolate
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["datetime"] = format_when
    app.jinja_env.filters["series"] = format_list
    app.jinja_env.filters["number"] = format_decimal
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    from civic.moderation.labels import channel_label, hidden_notice, reason_label

    app.jinja_env.globals.update(hidden_notice=hidden_notice, reason_label=reason_label, channel_label=channel_label)

    @app.context_processor
    def page_context():
        language = current_language()
        return {
            "lang": language,
            "dir": text_direction(language),
            "language_names": LANGUAGE_NAMES,
            "city": current_city(),
            "current_path": request.full_path.rstrip("?") if request else "/",
        }
