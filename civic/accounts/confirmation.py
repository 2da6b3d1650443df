"""Confirming an e-mail address, so one person cannot support a proposal from many made-up accounts.

Until the address is confirmed a person can read everything and sign in; supporting, commenting and
proposing wait for the link we mailed. The link carries a signed token (user, address, time it was
made), so nothing is stored for it: it stops working when it expires, once the address is confirmed,
and if the address changes.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from civic.accounts.models import User
from civic.core.errors import DomainError
from civic.core.links import external_url
from civic.core.mail import send_mail
from civic.core.messages import lazy_gettext as _l
from civic.extensions import db

SALT = "civic.email-confirmation"


class EmailNotConfirmed(DomainError):
    """The person must confirm their e-mail address first; pages offer the link to send it again."""


class AlreadyConfirmed(DomainError):
    pass


NOT_CONFIRMED = _l("Confirm your e-mail address first: open the link in the e-mail we sent you. "
                   "You can ask for a new link on the confirmation page.")
INVALID_LINK = _l("This confirmation link is not valid. Ask for a new one.")
EXPIRED_LINK = _l("This confirmation link has expired. Ask for a new one.")
USED_LINK = _l("Your e-mail address is already confirmed: this link is not needed any more.")


def require_confirmed(actor: User) -> None:
    """Refuse supports, comments and proposals from an account whose address is not confirmed."""
    if not actor.email_confirmed:
        raise EmailNotConfirmed(NOT_CONFIRMED)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def confirmation_token(user: User, now: datetime) -> str:
    return _serializer().dumps({"user": user.id, "email": user.email, "at": int(now.timestamp())})


def _read(token: str) -> dict:
    try:
        data = _serializer().loads(token)
    except BadSignature as exc:
        raise DomainError(INVALID_LINK) from exc
    if not isinstance(data, dict) or not {"user", "email", "at"} <= data.keys():
        raise DomainError(INVALID_LINK)
    return data


def confirm_email(token: str, *, now: datetime, max_age: int) -> User:
    """Mark the address as confirmed. Raises AlreadyConfirmed when it was, DomainError otherwise."""
    data = _read(token)
    user = db.session.get(User, data["user"])
    if user is None or not user.is_active or user.email != data["email"]:
        raise DomainError(INVALID_LINK)
    if user.email_confirmed:
        raise AlreadyConfirmed(USED_LINK)
    if now.timestamp() - data["at"] > max_age:
        raise DomainError(EXPIRED_LINK)
    # Conditional, so a link opened twice at once (a mail scanner and the person) confirms once.
    claimed = db.session.execute(
        sa.update(User).where(User.id == user.id, User.email == data["email"], User.email_confirmed_at.is_(None))
        .values(email_confirmed_at=now).execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        raise AlreadyConfirmed(USED_LINK)
    db.session.refresh(user, ["email_confirmed_at"])
    return user


def max_age_hours() -> int:
    return max(1, current_app.config["EMAIL_CONFIRMATION_MAX_AGE"] // 3600)


def send_confirmation(user: User, *, now: datetime, language: str | None = None) -> None:
    """Mail the link, in the person's language, rooted at the site's configured address."""
    link = external_url("accounts.confirm_email", token=confirmation_token(user, now))
    send_mail(user.email, "accounts/mail/confirm", user.locale or language, user=user, link=link,
              hours=max_age_hours())
