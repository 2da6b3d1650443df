from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify, redirect, request, session, url_for
from flask_login import current_user

from civic.accounts.services import set_preferred_language
from civic.city.services import list_districts
from civic.core.db import utcnow
from civic.plans.queries import list_plans
from civic.core.forms import safe_next
from civic.core.htmx import render
from civic.core.i18n import LANGUAGE_NAMES, SESSION_KEY
from civic.extensions import db

bp = Blueprint("pages", __name__)


@bp.route("/")
def home():
    from civic.budgets.services import open_budgets

    now = utcnow()
    return render("pages/home.html", districts=list_districts(), plans=list_plans(), now=now,
                  budgets=open_budgets(now))


@bp.route("/accessibility")
def accessibility():
    return render("pages/accessibility.html")


@bp.route("/privacy")
def privacy():
    return render("pages/privacy.html")


@bp.route("/language", methods=["POST"])
def set_language():
    """A plain form (no JavaScript needed); signed-in users keep the choice on their account."""
    language = request.form.get("language", "")
    if language in LANGUAGE_NAMES:
        session[SESSION_KEY] = language
        if current_user.is_authenticated:
            set_preferred_language(current_user, language)
            db.session.commit()
    return redirect(safe_next(request.form.get("next"), url_for("pages.home")), code=303)


@bp.route("/healthz")
def health():
    """For the load balancer: this app server answers and reaches the database."""
    db.session.execute(sa.text("SELECT 1"))
    return jsonify(status="ok")
