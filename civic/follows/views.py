"""Follow or stop following a process or a plan goal (proposals and outcomes have their own buttons)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from civic.core.forms import safe_next
from civic.extensions import db
from civic.follows import services

bp = Blueprint("follows", __name__)


def _target(kind: str, object_id: int):
    from civic.plans.models import Goal
    from civic.processes.models import Process

    model = {"process": Process, "goal": Goal}.get(kind)
    return db.session.get(model, object_id) if model else None


@bp.route("/follow/<kind>/<int:object_id>", methods=["POST"])
def toggle(kind: str, object_id: int):
    if _target(kind, object_id) is None:
        abort(404)
    back = safe_next(request.form.get("next"), url_for("pages.home"))
    if not current_user.is_authenticated:
        flash(_("Sign in to follow it and be told when it changes."), "info")
        return redirect(url_for("accounts.sign_in", next=back))
    wanted = {"1": True, "0": False}.get(request.form.get("wanted"))
    following = services.toggle_follow(current_user, kind, object_id, wanted)
    db.session.commit()
    flash(_("You follow it now. We will tell you when it changes.") if following
          else _("You no longer follow it."), "success")
    return redirect(back, code=303)
