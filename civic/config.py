"""Settings read from the environment.

Nothing here is a secret: SECRET_KEY comes from the environment or is generated once into the
instance folder, so every app server that shares the folder (or the variable) signs alike.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

LANGUAGES = ("en", "ar", "es", "fr", "ru", "zh")
RTL_LANGUAGES = frozenset({"ar"})


def _flag(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def normalise_database_url(url: str) -> str:
    """Accept the URLs hosting providers hand out and use psycopg 3 for PostgreSQL."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def secret_key(instance_path: Path, environ: Mapping[str, str], name: str = "SECRET_KEY") -> str:
    if environ.get(name):
        return environ[name]
    key_file = instance_path / name.lower()
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # O_EXCL: two servers starting together must not each write a different key.
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


# Open data licences by SPDX id: (name, URL). Another licence: set its id, name and URL in the environment.
OPEN_DATA_LICENCES = {
    "CC-BY-4.0": ("Creative Commons Attribution 4.0 International", "https://creativecommons.org/licenses/by/4.0/"),
    "CC-BY-SA-4.0": ("Creative Commons Attribution-ShareAlike 4.0 International",
                     "https://creativecommons.org/licenses/by-sa/4.0/"),
    "CC0-1.0": ("Creative Commons Zero v1.0 Universal", "https://creativecommons.org/publicdomain/zero/1.0/"),
    "ODbL-1.0": ("Open Data Commons Open Database License v1.0", "https://opendatacommons.org/licenses/odbl/1-0/"),
    "PDDL-1.0": ("Open Data Commons Public Domain Dedication & License 1.0",
                 "https://opendatacommons.org/licenses/pddl/1-0/"),
}


def open_data_licence(env: Mapping[str, str]) -> dict[str, str]:
    """The licence of every open data file: CIVIC_OPEN_DATA_LICENCE (an SPDX id, CC-BY-4.0 by default),
    with CIVIC_OPEN_DATA_LICENCE_NAME and CIVIC_OPEN_DATA_LICENCE_URL for a licence not listed above."""
    licence_id = (env.get("CIVIC_OPEN_DATA_LICENCE") or "CC-BY-4.0").strip()
    name, url = OPEN_DATA_LICENCES.get(licence_id, (licence_id, ""))
    return {"id": licence_id, "name": env.get("CIVIC_OPEN_DATA_LICENCE_NAME") or name,
            "url": env.get("CIVIC_OPEN_DATA_LICENCE_URL") or url}


# Rate limits, in the `limits` notation ("10 per 15 minutes;50 per day"; empty switches one off), each
# overridable as CIVIC_<name>. Tight per account or per target, generous per network address, so a
# school, a library kiosk or a mobile carrier's NAT is not blocked on launch day.
RATE_LIMITS = {
    "LIMIT_SIGN_IN_PER_ACCOUNT": "10 per 15 minutes;50 per day",  # failed sign-ins to one e-mail address
    "LIMIT_SIGN_IN_PER_ADDRESS": "100 per 10 minutes",  # failed sign-ins from one network address
    "LIMIT_REGISTER_PER_ADDRESS": "100 per hour;500 per day",  # new accounts from one network address
    "LIMIT_RESET_PER_ACCOUNT": "3 per hour;10 per day",  # reset e-mails to one address
    "LIMIT_RESET_PER_ADDRESS": "100 per hour",  # reset requests from one network address
    "LIMIT_CONFIRMATION_PER_ACCOUNT": "3 per hour;10 per day",  # confirmation e-mails sent again
    "LIMIT_VERIFY_PER_ACCOUNT": "10 per hour;20 per day",  # document numbers tried by one account
    "LIMIT_VERIFY_FAILURES": "300 per hour",  # wrong document numbers on the whole site
    "LIMIT_COMMENTS_PER_ACCOUNT": "5 per minute;100 per day",
    "LIMIT_REPORTS_PER_ACCOUNT": "10 per hour;30 per day",
    "LIMIT_GROUPS_PER_ACCOUNT": "3 per day",
    "LIMIT_PROPOSALS_PER_ACCOUNT": "5 per hour;20 per day",
    "LIMIT_SUPPORTS_PER_ACCOUNT": "30 per minute;300 per day",
}


OFF_LIST_MODES = ("second_staff", "refuse")


def off_list_verification(env: Mapping[str, str]) -> str:
    """CIVIC_OFF_LIST_VERIFICATION: what verifying a document that is not on the list takes."""
    mode = (env.get("CIVIC_OFF_LIST_VERIFICATION") or "second_staff").strip().lower()
    if mode not in OFF_LIST_MODES:
        raise ValueError(f"CIVIC_OFF_LIST_VERIFICATION must be one of {', '.join(OFF_LIST_MODES)}, not {mode!r}")
    return mode


def from_environment(instance_path: Path, environ: Mapping[str, str] | None = None) -> dict:
    env = os.environ if environ is None else environ
    production = env.get("CIVIC_ENV", "development") == "production"
    redis_url = env.get("REDIS_URL") or None
    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance_path / 'civic.db'}"
    return {
        "CIVIC_ENV": "production" if production else "development",
        "SECRET_KEY": secret_key(instance_path, env),
        # Keys the hashes of document numbers and of (voter, budget) for ballot secrecy. Separate from
        # SECRET_KEY so rotating the session key never orphans ballots; keep it out of the database.
        "VOTING_KEY": secret_key(instance_path, env, "VOTING_KEY"),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_ENABLED": _flag(env.get("RATELIMIT_ENABLED"), True),
        **{name: env.get(f"CIVIC_{name}", default) for name, default in RATE_LIMITS.items()},
        # Languages
        "LANGUAGES": LANGUAGES,
        "BABEL_DEFAULT_LOCALE": env.get("CIVIC_DEFAULT_LOCALE", "en"),
        "BABEL_DEFAULT_TIMEZONE": env.get("CIVIC_TIMEZONE", "UTC"),
        # Cookies: Secure whenever the site is served over HTTPS in production.
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_DURATION": 60 * 60 * 24 * 30,
        "FORCE_HTTPS": _flag(env.get("CIVIC_FORCE_HTTPS"), production),
        # Reverse proxies in front of the app: only their X-Forwarded-* headers are believed (0: none).
        # CIVIC_PROXIES is the older name of CIVIC_PROXY_COUNT.
        "PROXY_FIX": int(env.get("CIVIC_PROXY_COUNT") or env.get("CIVIC_PROXIES") or "0"),
        # Host names accepted besides the one of CIVIC_BASE_URL (production refuses any other Host).
        "CIVIC_TRUSTED_HOSTS": _list(env.get("CIVIC_TRUSTED_HOSTS")),
        # Sessions end after this long without a request: short for staff, moderators and admins.
        "STAFF_IDLE_MINUTES": int(env.get("CIVIC_STAFF_IDLE_MINUTES") or "30"),
        "IDLE_DAYS": int(env.get("CIVIC_IDLE_DAYS") or "30"),
        # A form left open for hours must still submit: the token lives as long as the session.
        "WTF_CSRF_TIME_LIMIT": None,
        # Mail: console in development, SMTP in production.
        "MAIL_BACKEND": env.get("MAIL_BACKEND", "smtp" if production else "console"),
        "MAIL_SERVER": env.get("MAIL_SERVER", "localhost"),
        "MAIL_PORT": int(env.get("MAIL_PORT", "25")),
        "MAIL_USERNAME": env.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD"),
        "MAIL_USE_TLS": _flag(env.get("MAIL_USE_TLS")),
        "MAIL_USE_SSL": _flag(env.get("MAIL_USE_SSL")),
        "MAIL_DEFAULT_SENDER": env.get("MAIL_DEFAULT_SENDER", "civic <no-reply@localhost>"),
        "PASSWORD_RESET_MAX_AGE": int(env.get("CIVIC_PASSWORD_RESET_MAX_AGE", "3600")),
        # How long the link that confirms an e-mail address works, in seconds (three days).
        "EMAIL_CONFIRMATION_MAX_AGE": int(env.get("CIVIC_EMAIL_CONFIRMATION_MAX_AGE", str(3 * 24 * 3600))),
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        # The site's public address: every absolute link (e-mails, open data, API) is built from it,
        # never from the request's Host. Required in production. With REDIS_URL set, notification
        # e-mails go through the RQ queue of this name (run `rq worker`).
        "CIVIC_BASE_URL": env.get("CIVIC_BASE_URL") or None,
        "NOTIFY_QUEUE": env.get("CIVIC_NOTIFY_QUEUE") or None,
        # Open data: the licence of every dataset, feed and API response.
        "OPEN_DATA_LICENCE": open_data_licence(env),
        # Four eyes on the vote: a document that is not on the eligibility list is verified only when a
        # second staff member approves it ("second_staff") or not at all ("refuse"); paper ballots are
        # counted only when two staff members have entered them alike (off: one entry casts them).
        "OFF_LIST_VERIFICATION": off_list_verification(env),
        "PAPER_DOUBLE_ENTRY": _flag(env.get("CIVIC_PAPER_DOUBLE_ENTRY"), True),
    }


def for_tests(database_url: str) -> dict:
    """Overrides used by the test suite on top of the environment defaults."""
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "MAIL_BACKEND": "locmem",
        "RATELIMIT_STORAGE_URI": "memory://",
        "SERVER_NAME": None,
        # The test client's host, so links in test mails match the pages it fetches.
        "CIVIC_BASE_URL": "http://localhost/",
    }
