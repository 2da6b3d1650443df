"""Comment views: plain forms that work without JavaScript; htmx swaps the thread fragment."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from civic.accounts.public import public_name
from civic.comments import forms, services
from civic.comments.models import Comment, CommentThread
from civic.comments.policy import ThreadRules, rules_for
from civic.core import ratelimits
from civic.core.db import utcnow
from civic.core.errors import DomainError, NotAllowed
from civic.core.forms import optional_id, run_form, show_domain_error
from civic.core.htmx import render
from civic.extensions import db, htmx

bp = Blueprint("comments", __name__, url_prefix="/comments")
bp.add_app_template_filter(public_name, "public_name")


def _form_prefix(thread_id: int, parent_id: int | None) -> str:
    return f"comment-{parent_id}-reply" if parent_id else f"thread-{thread_id}-new"


@bp.app_template_global()
def comment_form(view: services.ThreadView, parent_id: int | None = None) -> forms.CommentForm:
    """The form for a new comment (or a reply to `parent_id`); the one just posted, with its errors."""
    posted = g.get("comment_form")
    if posted is not None and g.comment_form_key == (view.thread.id, parent_id):
        return posted
    form = forms.CommentForm(formdata=None)
    form.parent_id.data = str(parent_id) if parent_id else ""
    return form.give_ids(_form_prefix(view.thread.id, parent_id))


def _actor():
    return current_user._get_current_object() if current_user.is_authenticated else None


def _partial() -> bool:
    return bool(htmx) and not htmx.boosted


def _heading_level() -> int:
    try:
        return min(max(int(request.form.get("heading_level", 2)), 2), 5)
    except ValueError:
        return 2


def _anchor(rules: ThreadRules, comment: Comment) -> str:
    return f"{rules.return_url}#comment-{comment.id}"


def _to_sign_in(rules: ThreadRules):
    target = url_for("accounts.sign_in", next=rules.return_url)
    if _partial():
        return Response(status=204, headers={"HX-Redirect": target})
    flash(_("Sign in to comment."), "info")
    return redirect(target, code=303)


def _thread_fragment(thread: CommentThread, *, status: str, focus_id: int | None = None, code: int = 200):
    view = services.thread_view(thread, _actor(), utcnow())
    return render_template("comments/_thread.html", view=view, heading_level=_heading_level(),
                           comment_status=status, comment_focus_id=focus_id), code


@bp.route("/threads/<int:thread_id>", methods=["POST"])
def post(thread_id: int):
    thread = db.get_or_404(CommentThread, thread_id)
    rules = rules_for(thread, utcnow())
    if not current_user.is_authenticated:
        return _to_sign_in(rules)
    form = forms.CommentForm()
    parent_id = optional_id(form.parent_id.data)
    form.give_ids(_form_prefix(thread.id, parent_id))
    if form.validate_on_submit():
        try:
            ratelimits.consume(ratelimits.COMMENTS_PER_ACCOUNT, ratelimits.account_key(_actor()))
            comment = services.post_comment(_actor(), thread, body=form.body.data, stance=form.stance.data,
                                            parent_id=parent_id, now=utcnow(), channel=form.channel.data or "online")
        except NotAllowed:
            abort(403)
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            message = (_("Your comment will appear once a moderator has approved it.") if comment.awaiting_approval
                       else _("Your comment has been posted."))
            if _partial():
                return _thread_fragment(thread, status=message, focus_id=comment.id)
            flash(message, "success")
            return redirect(_anchor(rules, comment), code=303)
    g.comment_form, g.comment_form_key = form, (thread.id, parent_id)
    if _partial():
        # The problem box in the form is an alert: screen readers announce it without a status.
        return _thread_fragment(thread, status="", code=422)
    return render("comments/form_page.html", form=form, thread=thread, rules=rules,
                  is_reply=parent_id is not None, status=422)


def _comment_or_404(comment_id: int) -> tuple[Comment, ThreadRules]:
    comment = db.get_or_404(Comment, comment_id)
    return comment, rules_for(comment.thread, utcnow())


def _refused(error: DomainError, back: str):
    """Someone else's comment is forbidden; a closed window is explained on the thread page."""
    if isinstance(error, NotAllowed):
        abort(403)
    flash(str(error.message), "error")
    return redirect(back, code=303)


@bp.route("/<int:comment_id>/edit", methods=["GET", "POST"])
@login_required
def edit(comment_id: int):
    comment, rules = _comment_or_404(comment_id)
    back = _anchor(rules, comment)
    try:
        services.check_can_edit(_actor(), comment, utcnow())
    except DomainError as error:
        return _refused(error, back)
    form = forms.EditCommentForm(data=None if request.method == "POST" else
                                 {"body": services.body_to_text(comment.body)})
    if form.validate_on_submit():
        try:
            services.edit_comment(_actor(), comment, body=form.body.data, now=utcnow())
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Your comment has been changed."), "success")
            return redirect(back, code=303)
    return render("comments/edit.html", form=form, comment=comment, back=back,
                  minutes=services.EDIT_WINDOW.seconds // 60,
                  status=422 if form.errors or form.form_errors else 200)


@bp.route("/<int:comment_id>/delete", methods=["GET", "POST"])
@login_required
def delete(comment_id: int):
    comment, rules = _comment_or_404(comment_id)
    back = _anchor(rules, comment)
    try:
        services.check_can_delete(_actor(), comment)
    except DomainError as error:
        return _refused(error, back)
    form = forms.DeleteCommentForm()
    if form.validate_on_submit():
        services.delete_comment(_actor(), comment, utcnow())
        db.session.commit()
        flash(_("Your comment has been deleted."), "success")
        return redirect(back, code=303)
    return render("comments/delete.html", form=form, comment=comment, back=back)


@bp.route("/<int:comment_id>/report", methods=["GET", "POST"])
@login_required
def report(comment_id: int):
    comment, rules = _comment_or_404(comment_id)
    back = _anchor(rules, comment)
    try:
        services.check_can_report(_actor(), comment)
    except DomainError as error:
        return _refused(error, back)
    form = forms.ReportForm()

    def send() -> None:
        ratelimits.consume(ratelimits.REPORTS_PER_ACCOUNT, ratelimits.account_key(_actor()))
        services.report_comment(_actor(), comment, reason=form.reason.data, details=form.details.data, now=utcnow())

    if run_form(form, send):
        flash(_("Thank you. A moderator will look at this comment."), "success")
        return redirect(back, code=303)
    return render("comments/report.html", form=form, comment=comment, back=back,
                  status=422 if form.errors or form.form_errors else 200)
