"""Sessions that end when left alone.

A staff, moderator or admin session left open on a shared or stolen computer can publish, verify
voters and read reports, so it ends after CIVIC_STAFF_IDLE_MINUTES without a request; everyone
else's after CIVIC_IDLE_DAYS. The time of the last request is kept in the (signed) session. A
remember-me cookie starts a new session, so for staff it is not honoured: the timeout could be
skipped by closing the browser.

A form sent after the timeout is not lost without a word: the page says what happened, shows what
was typed so it can be copied, and offers to sign in again and come back.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask, current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, logout_user, user_loaded_from_cookie

from civic.core.db import utcnow
from civic.core.forms import safe_next
from civic.extensions import htmx

SEEN_KEY = "_seen"  # when the last request of this session arrived, in seconds since the epoch
_RESOLUTION = 60  # seconds; the stored time is refreshed at most this often, not on every request
_FROM_COOKIE = "civic_signed_in_by_cookie"
_NOT_KEPT = ("csrf_token", "next")  # form fields never shown back (and nothing named like a password)


def _privileged(user) -> bool:
    return user.can_moderate


def idle_limit(user) -> timedelta:
    if _privileged(user):
        return timedelta(minutes=current_app.config["STAFF_IDLE_MINUTES"])
    return timedelta(days=current_app.config["IDLE_DAYS"])


def stamp(now: datetime) -> int:
    return int(now.timestamp())


def is_idle(user, seen: int | None, *, now: datetime) -> bool:
    """True when the session's last request (`seen`) is longer ago than the user's limit."""
    return seen is not None and stamp(now) - seen > idle_limit(user).total_seconds()


def _reason(user) -> str:
    if _privileged(user):
        minutes = current_app.config["STAFF_IDLE_MINUTES"]
        return ngettext("You were signed out because nothing happened for %(num)d minute. "
                        "Staff accounts are signed out after this time to keep the site safe.",
                        "You were signed out because nothing happened for %(num)d minutes. "
                        "Staff accounts are signed out after this time to keep the site safe.", minutes)
    days = current_app.config["IDLE_DAYS"]
    return ngettext("You were signed out because you had not used the site for %(num)d day.",
                    "You were signed out because you had not used the site for %(num)d days.", days)


def _back_to() -> str:
    """Where to return after signing in again: this page, or for a form the page it was on."""
    home = url_for("pages.home")
    here = request.full_path.rstrip("?") if request.query_string else request.path
    if request.method in ("GET", "HEAD"):
        return safe_next(here, home)
    if request.url_rule is not None and "GET" in request.url_rule.methods:
        return safe_next(here, home)
    return home


def _kept_fields() -> list[str]:
    return [value for name, value in request.form.items(multi=True)
            if value.strip() and name not in _NOT_KEPT and "password" not in name.lower()]


def _timed_out(reason: str):
    logout_user()
    session.pop(SEEN_KEY, None)
    back = _back_to()
    if request.endpoint == "accounts.sign_out":
        flash(reason, "info")  # what was asked for has happened
        return redirect(url_for("pages.home"))
    if request.method in ("GET", "HEAD"):
        flash(reason, "info")
        return redirect(url_for("accounts.sign_in", next=back))
    from civic.accounts.forms import SignInForm
    from civic.core.htmx import render

    # formdata=None: the sent form's own fields must not fill the sign-in form.
    body, status = render("accounts/idle_signed_out.html", form=SignInForm(formdata=None), reason=reason,
                          next_url=back, kept=_kept_fields(), status=401)
    response = current_app.make_response((body, status))
    if htmx:
        # A partial swap would put this page inside a fragment: show it as the whole page instead.
        response.headers.update({"HX-Retarget": "body", "HX-Reswap": "innerHTML", "HX-Push-Url": "false"})
    return response


def check_idle():
    """Before each request: end an idle session, else note that this one was active."""
    if request.endpoint in (None, "static") or not current_user.is_authenticated:
        return None
    user = current_user._get_current_object()
    now = utcnow()
    seen = session.get(SEEN_KEY)
    if g.pop(_FROM_COOKIE, False) and _privileged(user):
        return _timed_out(_("Staff accounts are not kept signed in once the browser is closed, "
                            "to keep the site safe. Please sign in again."))
    if is_idle(user, seen, now=now):
        return _timed_out(_reason(user))
    if seen is None or stamp(now) - seen >= _RESOLUTION:
        session[SEEN_KEY] = stamp(now)
    return None


def _note_cookie_sign_in(app: Flask, user, **extra) -> None:
    # Flask-Login has already let the user in by now; check_idle decides whether that stands.
    g.setdefault(_FROM_COOKIE, True)


def init_idle_timeout(app: Flask) -> None:
    app.before_request(check_idle)
    user_loaded_from_cookie.connect(_note_cookie_sign_in, app)
