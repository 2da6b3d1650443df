"""Administrators appoint moderators and staff."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from civic.accounts import services
from civic.accounts.forms import ROLE_LABELS, RoleForm, role_choices
from civic.accounts.models import Role, User
from civic.core.errors import DomainError, NotAllowed
from civic.core.htmx import render
from civic.extensions import db

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/users")
@login_required
def users():
    search = request.args.get("q", "")[:100]
    try:
        page = services.list_users(current_user, search=search, page=request.args.get("page", 1, type=int))
    except NotAllowed:
        abort(403)
    forms = {}
    for user in page.items:
        form = RoleForm(prefix=f"user-{user.id}", data={"role": user.role})
        form.role.choices = role_choices()
        forms[user.id] = form
    return render("admin/users.html", page=page, forms=forms, search=search)


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@login_required
def change_role(user_id: int):
    user = db.get_or_404(User, user_id)
    form = RoleForm(prefix=f"user-{user.id}")
    form.role.choices = role_choices()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.set_role(current_user, user, Role(form.role.data))
    except NotAllowed:
        abort(403)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        db.session.commit()
        flash(_("%(name)s is now: %(role)s.", name=user.display_name, role=ROLE_LABELS[user.role]),
              "success")
    return redirect(url_for("admin.users", q=request.args.get("q") or None))
