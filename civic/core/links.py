"""Absolute links built from the configured public address, never from the request.

A request's Host (or X-Forwarded-Host) is chosen by whoever sends it: a password reset asked for with
``Host: evil.example`` must not mail a link to evil.example, and an open data file cached by a proxy
must not carry a forged address to everyone after. Every absolute URL therefore comes from
CIVIC_BASE_URL (a fixed local default in development and tests), inside a request or outside one.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app
from werkzeug.routing import MapAdapter

# Development and tests without CIVIC_BASE_URL: the address of `flask run`, never the request host.
DEFAULT_BASE_URL = "http://127.0.0.1:5000/"


def base_url() -> str:
    """The site's public address with a trailing slash."""
    url = current_app.config.get("CIVIC_BASE_URL") or DEFAULT_BASE_URL
    return url if url.endswith("/") else url + "/"


def _adapter() -> MapAdapter:
    parts = urlsplit(base_url())
    return current_app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme)


def external_url(endpoint: str, **values) -> str:
    """Like ``url_for(endpoint, _external=True, **values)`` but rooted at the configured address.

    Works without a request (cron, the RQ worker). ``_anchor`` is honoured like in url_for.
    """
    anchor = values.pop("_anchor", None)
    current_app.inject_url_defaults(endpoint, values)
    url = _adapter().build(endpoint, values, force_external=True)
    return f"{url}#{anchor}" if anchor else url


def external_root() -> str:
    """The configured address without the trailing slash, for documents that need a server URL."""
    return base_url().rstrip("/")
