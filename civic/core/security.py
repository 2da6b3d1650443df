"""Security headers, trusted hosts and proxies, and no caching of personal pages.

No inline script or style is allowed anywhere, so the CSP can be strict.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, g, request, session
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix

from civic.extensions import talisman

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "form-action": "'self'",
    "base-uri": "'self'",
    "object-src": "'none'",
    "frame-ancestors": "'none'",
}


class ConfigurationError(RuntimeError):
    """The app must not start: a setting that production needs is missing or wrong."""


def check_public_address(app: Flask) -> None:
    """In production, require CIVIC_BASE_URL and refuse requests for any other host.

    Links are built from CIVIC_BASE_URL (civic.core.links); refusing other Host headers as well
    keeps anything else that reads the host (redirects, HSTS, logs) from being steered by a client.
    Development and tests accept any host: the test client says "localhost", the browser tests'
    live server 127.0.0.1 with a random port.
    """
    if app.config["CIVIC_ENV"] != "production":
        return
    base = app.config.get("CIVIC_BASE_URL") or ""
    parts = urlsplit(base)
    if not base:
        raise ConfigurationError(
            "CIVIC_BASE_URL is not set. In production it must be the site's public address, e.g. "
            "CIVIC_BASE_URL=https://participate.example.org/ — every link in e-mails is built from it.")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(f"CIVIC_BASE_URL={base!r} is not an http(s) address with a host name.")
    if app.config.get("TRUSTED_HOSTS") is None:
        app.config["TRUSTED_HOSTS"] = [parts.hostname, *app.config.get("CIVIC_TRUSTED_HOSTS", [])]


def _untrusted_host(error: SecurityError) -> Response:
    # No URL adapter exists for a host that is not served, so the usual error page (which builds
    # links) cannot be drawn: answer in plain text.
    return Response(_("This site is not served at this address."), status=400, mimetype="text/plain")


def _note_signed_in() -> None:
    # Whether the request arrived signed in: signing out must not make its answer cacheable.
    g.civic_arrived_signed_in = "_user_id" in session


def no_store_for_personal_pages(response):
    """Pages rendered for someone signed in must never be kept by a browser or proxy cache.

    The same goes for a response that signs someone in or out (its cookie carries the account).
    Anonymous public pages, and responses a view marked `public`, are left as they are, cacheable.
    """
    if request.endpoint == "static" or response.cache_control.public:
        return response  # the view declared the content the same for everyone (a public photo)
    if (current_user.is_authenticated or g.get("civic_arrived_signed_in")
            or "_user_id" in session or "_remember" in session):
        response.headers["Cache-Control"] = "private, no-store"
        response.vary.add("Cookie")
    return response


def init_security(app: Flask) -> None:
    check_public_address(app)
    if app.config["PROXY_FIX"]:
        # Only as many X-Forwarded-* values as there are proxies are believed; the client can write
        # the rest. The client address then comes from X-Forwarded-For for the rate limits too.
        hops = app.config["PROXY_FIX"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_prefix=hops)
    app.register_error_handler(SecurityError, _untrusted_host)
    # First of all before-request functions: one that signs an idle session out may answer early.
    app.before_request_funcs.setdefault(None, []).insert(0, _note_signed_in)
    app.after_request(no_store_for_personal_pages)
    talisman.init_app(
        app,
        force_https=app.config["FORCE_HTTPS"],
        # Talisman only sends HSTS on requests that arrived over HTTPS.
        strict_transport_security=True,
        strict_transport_security_max_age=60 * 60 * 24 * 365,
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=True,
        permissions_policy={"geolocation": "()", "camera": "()", "microphone": "()"},
    )
