"""Your notifications, e-mail settings, one-click unsubscribe and links to commented places."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from civic.comments.models import Comment
from civic.comments.policy import rules_for
from civic.core.db import utcnow
from civic.core.errors import NotAllowed
from civic.core.forms import run_form, safe_next
from civic.core.htmx import render
from civic.core.inputs import bounded_int
from civic.extensions import csrf, db
from civic.notifications import forms, services

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.app_context_processor
def notification_helpers():
    def unread_notifications() -> int:
        # Asked by the navigation on every page: one cheap count, only for signed-in people.
        if not current_user.is_authenticated:
            return 0
        if "unread_notifications" not in g:
            g.unread_notifications = services.unread_count(current_user)
        return g.unread_notifications

    return {"unread_notifications": unread_notifications}


@bp.route("")
@login_required
def index():
    page = services.page_for(current_user, max(request.args.get("page", 1, type=bounded_int) or 1, 1))
    return render("notifications/index.html", page=page, has_errors=False)


@bp.route("/read-all", methods=["POST"])
@login_required
def read_all():
    count = services.mark_all_read(current_user, utcnow())
    db.session.commit()
    g.pop("unread_notifications", None)
    flash(ngettext("%(num)d notification marked as read.", "%(num)d notifications marked as read.", count)
          if count else _("There was nothing unread."), "success")
    return redirect(url_for(".index"), code=303)


@bp.route("/<int:notification_id>")
@login_required
def open_notification(notification_id: int):
    """Following a notification marks it read: a harmless change, so a plain link may make it."""
    try:
        notification = services.open_notification(current_user, notification_id, utcnow())
    except services.Missing:
        abort(404)
    except NotAllowed:
        abort(403)
    db.session.commit()
    return redirect(safe_next(notification.url, url_for(".index")), code=303)


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    form = forms.SettingsForm(email=services.email_frequency(current_user))
    if run_form(form, lambda: services.set_email_frequency(current_user.id, form.email.data)):
        flash(_("Your e-mail settings are saved."), "success")
        return redirect(url_for(".settings"), code=303)
    return render("notifications/settings.html", form=form, status=422 if form.errors or form.form_errors else 200)


def _token_user(token: str):
    user = services.user_for_token(token)
    if user is None:
        return None, render("notifications/unsubscribe_invalid.html", has_errors=False, status=404)
    return user, None


@bp.route("/unsubscribe/<token>")
def unsubscribe(token: str):
    """The link in every e-mail: works without signing in; the button below does the change."""
    user, refused = _token_user(token)
    if refused:
        return refused
    return render("notifications/unsubscribe.html", token=token, email=user.email, has_errors=False)


@bp.route("/unsubscribe/<token>", methods=["POST"])
@csrf.exempt  # mail programs post here with no session (RFC 8058); the signed token is the proof
def unsubscribe_confirm(token: str):
    user, refused = _token_user(token)
    if refused:
        return refused
    services.set_email_frequency(user.id, "never")
    db.session.commit()
    return render("notifications/unsubscribed.html", email=user.email, has_errors=False)


@bp.route("/comments/<int:comment_id>")
def comment(comment_id: int):
    """Where a comment named in a notification is shown; its area knows the page."""
    found = db.get_or_404(Comment, comment_id)
    try:
        page = rules_for(found.thread, utcnow()).return_url
    except KeyError:  # an area whose comment policy is not registered
        page = url_for("pages.home")
    return redirect(f"{page}#comment-{found.id}", code=303)
