"""Translated error pages, also used for CSRF failures and rate limits."""

from __future__ import annotations

from flask import Flask
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from civic.core.htmx import render

HANDLED = (400, 403, 404, 405, 413, 429, 500)


def _page(error: HTTPException):
    return render("errors/error.html", code=error.code, csrf_failed=isinstance(error, CSRFError),
                  message=getattr(error, "message", None), status=error.code)


def register_error_pages(app: Flask) -> None:
    for code in HANDLED:
        app.register_error_handler(code, _page)
