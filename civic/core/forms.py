"""Helpers shared by every area's forms and views."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask_wtf import FlaskForm

from civic.core.errors import DomainError


def show_domain_error(form: FlaskForm, error: DomainError) -> None:
    """Put a service's refusal next to the field it is about, or at the top of the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def optional_id(value: str | None) -> int | None:
    """A <select> value that is empty for 'none' or a database id; anything else is 'none'."""
    try:
        return int(value) if value else None
    except ValueError:
        return -1  # an id that does not exist, so the service reports a clear error


def safe_next(target: str | None, default: str) -> str:
    """Only same-site paths: never let a crafted link send someone to another site."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    return target


def run_form(form: FlaskForm, action) -> bool:
    """Validate `form`, call the service (`action()`), commit. False: show the form again.

    A service's refusal (DomainError) lands on the form, nothing it did is kept; a refusal of
    authority (NotAllowed) answers 403.
    """
    from flask import abort

    from civic.core.errors import NotAllowed
    from civic.extensions import db

    if not form.validate_on_submit():
        return False
    try:
        action()
    except NotAllowed:
        abort(403)
    except DomainError as error:
        db.session.rollback()
        show_domain_error(form, error)
        return False
    db.session.commit()
    return True
