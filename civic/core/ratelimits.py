"""Rate limits on what people send: per account, per target and (generously) per network address.

Limits keyed only by network address both fail and hurt: an attack spread over many addresses is
never slowed, while a library kiosk, a school or a mobile carrier's NAT shares one address among
hundreds of honest people. So the tight limits count per account or per target (the e-mail address
being signed in to, the account guessing document numbers, all of the site for verification),
and the per-address limits are wide enough for a crowd.

The counters live in Flask-Limiter's storage (Redis when REDIS_URL is set, memory otherwise) and
are checked with its rate limiting strategy. They are checked inside the view, once the form has
been read, so a refusal is a `RateLimited` error shown on the same form with what was typed; the
response then answers 429 with Retry-After (see `init_rate_limits`). Each limit's value is a
setting, in the `limits` notation ("10 per 15 minutes;50 per day"); an empty value switches it off.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from flask import Flask, current_app, g, request
from limits import RateLimitItem, parse_many

from civic.core.errors import DomainError
from civic.core.messages import lazy_ngettext
from civic.extensions import limiter


@dataclass(frozen=True)
class Limit:
    scope: str  # the counter's name in storage
    setting: str  # the configuration key holding the limit, e.g. "10 per 15 minutes;50 per day"


# Failed sign-ins to one e-mail address, from any network address; and from one network address.
SIGN_IN_PER_ACCOUNT = Limit("sign-in-account", "LIMIT_SIGN_IN_PER_ACCOUNT")
SIGN_IN_PER_ADDRESS = Limit("sign-in-address", "LIMIT_SIGN_IN_PER_ADDRESS")
REGISTER_PER_ADDRESS = Limit("register-address", "LIMIT_REGISTER_PER_ADDRESS")
# Reset and confirmation e-mails asked for one address or account: nobody can be mail-bombed.
RESET_PER_ACCOUNT = Limit("reset-account", "LIMIT_RESET_PER_ACCOUNT")
RESET_PER_ADDRESS = Limit("reset-address", "LIMIT_RESET_PER_ADDRESS")
CONFIRMATION_PER_ACCOUNT = Limit("confirmation-account", "LIMIT_CONFIRMATION_PER_ACCOUNT")
# Document numbers tried by one account, and failed tries on the whole site (fresh accounts each
# get their own allowance, the site-wide one caps them all together).
VERIFY_PER_ACCOUNT = Limit("verify-account", "LIMIT_VERIFY_PER_ACCOUNT")
VERIFY_FAILURES = Limit("verify-site", "LIMIT_VERIFY_FAILURES")
# What one account posts.
COMMENTS_PER_ACCOUNT = Limit("comments-account", "LIMIT_COMMENTS_PER_ACCOUNT")
REPORTS_PER_ACCOUNT = Limit("reports-account", "LIMIT_REPORTS_PER_ACCOUNT")
GROUPS_PER_ACCOUNT = Limit("groups-account", "LIMIT_GROUPS_PER_ACCOUNT")
PROPOSALS_PER_ACCOUNT = Limit("proposals-account", "LIMIT_PROPOSALS_PER_ACCOUNT")
SUPPORTS_PER_ACCOUNT = Limit("supports-account", "LIMIT_SUPPORTS_PER_ACCOUNT")

SITE = "site"  # the key of a limit shared by everyone


class RateLimited(DomainError):
    """Too many attempts; `retry_after` says in how many seconds the next one is accepted."""

    def __init__(self, retry_after: int):
        minutes = max(1, math.ceil(retry_after / 60))
        super().__init__(lazy_ngettext(
            "You have tried this too many times for now. Wait %(num)d minute, then try again.",
            "You have tried this too many times for now. Wait %(num)d minutes, then try again.", minutes))
        self.retry_after = retry_after


def account_key(user) -> str:
    return str(user.id)


def email_key(email: str | None) -> str:
    """A per-address key that keeps e-mail addresses themselves out of the limiter's storage."""
    normalised = (email or "").strip().lower().encode()
    return hashlib.sha256(current_app.config["SECRET_KEY"].encode() + b"\0" + normalised).hexdigest()


def address_key() -> str:
    # Behind configured reverse proxies, ProxyFix has already put the client's address here.
    return request.remote_addr or "unknown"


def _items(limit: Limit) -> list[RateLimitItem]:
    if not limiter.enabled:
        return []
    value = current_app.config.get(limit.setting) or ""
    return parse_many(value) if value.strip() else []


def _refuse(limit: Limit, key: str, item: RateLimitItem):
    reset_at = limiter.limiter.get_window_stats(item, limit.scope, key).reset_time
    retry_after = max(1, math.ceil(reset_at - time.time()))
    g.rate_limited_for = max(g.get("rate_limited_for", 0), retry_after)
    raise RateLimited(retry_after)


def check(limit: Limit, key: str) -> None:
    """Refuse if the limit is used up, without counting this attempt (see `hit`)."""
    for item in _items(limit):
        if not limiter.limiter.test(item, limit.scope, key):
            _refuse(limit, key, item)


def hit(limit: Limit, key: str) -> None:
    """Count one attempt that has happened (a failed sign-in), whatever the limit says."""
    for item in _items(limit):
        limiter.limiter.hit(item, limit.scope, key)


def consume(limit: Limit, key: str) -> None:
    """Count this attempt and refuse it if it goes over the limit."""
    for item in _items(limit):
        if not limiter.limiter.hit(item, limit.scope, key):
            _refuse(limit, key, item)


def _answer_too_many(response):
    """A form shown again because of a rate limit answers 429 with Retry-After; redirects stay."""
    retry_after = g.get("rate_limited_for")
    if retry_after and not 300 <= response.status_code < 400:
        response.status_code = 429
        response.headers["Retry-After"] = str(retry_after)
    return response


def init_rate_limits(app: Flask) -> None:
    app.after_request(_answer_too_many)
