"""Render a whole page, or only its fragment for a plain (non-boosted) htmx request."""

from __future__ import annotations

from flask import render_template

from civic.extensions import htmx


def render(template: str, *, fragment: str | None = None, status: int = 200, **context):
    """Boosted navigation and plain requests get the page; htmx partial swaps get `fragment`."""
    name = fragment if fragment and htmx and not htmx.boosted else template
    form = context.get("form")
    # The page title starts with "Error:" when a form has errors, so screen readers hear it first.
    context.setdefault("has_errors", bool(form is not None and form.errors))
    return render_template(name, **context), status


def add_vary_header(response):
    # Pages differ by the HX-Request header; caches must not mix the page and the fragment.
    response.vary.add("HX-Request")
    return response
