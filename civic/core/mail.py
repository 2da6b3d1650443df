"""Outgoing mail through Flask-Mailman's backends (console in development, SMTP in production).

Mail is rendered in the recipient's language, whatever the language of the request that sent it.
"""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import force_locale
from flask_mailman import EmailMessage


def send_mail(to: str, template: str, language: str | None, **context) -> None:
    """Render `templates/<template>.subject.txt` and `.body.txt` in `language` and send them."""
    language = language or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(language):
        subject = render_template(f"{template}.subject.txt", **context).strip()
        body = render_template(f"{template}.body.txt", **context)
    EmailMessage(subject=subject, body=body, to=[to]).send()
