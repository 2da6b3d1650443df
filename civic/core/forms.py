"""Helpers shared by every area's forms and views."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlsplit

import flask_wtf
from wtforms import DecimalField

from civic.core.errors import DomainError
from civic.core.inputs import MAX_ID, NUL_MESSAGE
from civic.core.messages import lazy_gettext as _l


def _leaf_fields(fields):
    for field in fields:
        if hasattr(field, "entries"):  # FieldList
            yield from _leaf_fields(field.entries)
        elif hasattr(field, "form") and hasattr(field.form, "_fields"):  # FormField
            yield from _leaf_fields(field.form)
        else:
            yield field


class FlaskForm(flask_wtf.FlaskForm):
    """Flask-WTF's form, refusing NUL characters in every field (PostgreSQL cannot store them).

    The field gets a clear error, shows what was typed without the NUL, and the other fields keep
    their values. Every form of the app derives from this one.
    """

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in _leaf_fields(self):
            raw = [value for value in (field.raw_data or []) if isinstance(value, str)]
            if any("\x00" in value for value in raw):
                field.raw_data = [value.replace("\x00", "") if isinstance(value, str) else value
                                  for value in field.raw_data]
                if isinstance(field.data, str):
                    field.data = field.data.replace("\x00", "")
                field.errors = [*field.errors, NUL_MESSAGE]
                valid = False
        return valid


class FiniteDecimalField(DecimalField):
    """A DecimalField that refuses NaN and Infinity (Python reads "nan", "Infinity" and "sNaN" as
    numbers; no column can hold them, comparisons with them raise, and JSON cannot carry them)."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if isinstance(self.data, Decimal) and not self.data.is_finite():
            self.data = None
            raise ValueError(_l("Enter a number, for example 25000."))


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
        number = int(value) if value else None
    except ValueError:
        return -1  # an id that does not exist, so the service reports a clear error
    if number is not None and not 0 < number <= MAX_ID:
        return -1  # no row has it, and the database would refuse to compare it with an id column
    return number


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
