"""Administrators appoint moderators and staff, and read the audit trail of staff actions."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, request, stream_with_context, url_for
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_login import current_user, login_required

from civic.accounts import audit as trail
from civic.accounts import services
from civic.accounts.forms import ROLE_LABELS, AuditFilterForm, RoleForm, role_choices
from civic.accounts.models import Role, User
from civic.core import audit
from civic.core.db import utcnow
from civic.core.errors import DomainError, NotAllowed
from civic.core.htmx import render
from civic.core.inputs import bounded_int
from civic.extensions import db

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/users")
@login_required
def users():
    search = request.args.get("q", "")[:100]
    try:
        page = services.list_users(current_user, search=search, page=request.args.get("page", 1, type=bounded_int))
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
        services.set_role(current_user, user, Role(form.role.data), now=utcnow())
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


def _audit_filter() -> tuple[AuditFilterForm, trail.AuditFilter]:
    """The filters from the query string; a field that does not parse is shown with its error and ignored."""
    form = AuditFilterForm(formdata=request.args)
    form.action.choices = [("", _("Any action"))] + [(code, str(label))
                                                     for code, label in audit.action_labels().items()]
    form.subject_type.choices = [("", _("Any kind"))] + [(kind, str(audit.subject_label(kind)))
                                                         for kind in trail.subject_types()]
    form.validate()
    return form, trail.AuditFilter(action=form.action.data or "", actor=_valid(form.actor) or "",
                                   subject_type=form.subject_type.data or "", subject_id=_valid(form.subject_id),
                                   since=_valid(form.since), until=_valid(form.until))


def _valid(field):
    return None if field.errors else field.data


def _admin_only() -> None:
    try:
        trail.require_admin(current_user)
    except NotAllowed:
        abort(403)


@bp.route("/audit")
@login_required
def audit_trail():
    _admin_only()
    form, where = _audit_filter()
    page = trail.list_entries(current_user, where, zone=get_timezone(),
                              page=request.args.get("page", 1, type=bounded_int))
    return render("admin/audit.html", form=form, page=page, where=where, role_labels=ROLE_LABELS,
                  label_for=audit.label_for, subject_label=audit.subject_label)


@bp.route("/audit.<any(csv, json):extension>")
@login_required
def audit_export(extension: str):
    _admin_only()
    _form, where = _audit_filter()
    export = trail.export_csv if extension == "csv" else trail.export_json
    body = export(current_user, where, zone=get_timezone())
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    return Response(stream_with_context(body), mimetype="text/csv" if extension == "csv" else "application/json",
                    headers={"Content-Disposition": f'attachment; filename="audit-trail-{stamp}.{extension}"'})
