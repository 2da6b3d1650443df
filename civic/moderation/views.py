"""Moderation pages: reporting a proposal, the queue, actions, the log and the public transparency page.

Every action is a plain form that works without JavaScript; services re-check who may act."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from civic.accounts.models import User
from civic.comments.models import Comment
from civic.comments.policy import rules_for
from civic.core import ratelimits
from civic.core.db import utcnow
from civic.core.errors import DomainError, NotAllowed
from civic.core.forms import run_form, safe_next
from civic.core.htmx import render
from civic.core.inputs import bounded_int
from civic.core.sanitize import to_plain_text
from civic.extensions import db
from civic.moderation import forms, services
from civic.proposals.models import Proposal

bp = Blueprint("moderation", __name__)

KINDS = {"proposals": "proposal", "comments": "comment"}


def _actor():
    return current_user._get_current_object() if current_user.is_authenticated else None


def moderators_only(view):
    @wraps(view)
    @login_required
    def checked(*args, **kwargs):
        if not services.can_moderate(_actor()):
            abort(403)
        return view(*args, **kwargs)

    return checked


@bp.context_processor
def moderation_helpers():
    return {"action_labels": forms.ACTION_LABELS, "target_label": forms.target_label, "to_plain_text": to_plain_text}


def proposal_url(proposal_id: int) -> str:
    return f"/proposals/{proposal_id}"


def _comment_urls(comments: list[Comment], now) -> dict[int, str | None]:
    """Each comment's place on the page that shows its thread (one policy call per thread)."""
    pages: dict[int, str | None] = {}
    urls = {}
    for comment in comments:
        if comment.thread_id not in pages:
            try:
                pages[comment.thread_id] = rules_for(comment.thread, now).return_url
            except KeyError:  # an area whose comment policy is not registered
                pages[comment.thread_id] = None
        page = pages[comment.thread_id]
        urls[comment.id] = f"{page}#comment-{comment.id}" if page else None
    return urls


# Reporting ------------------------------------------------------------------------------------

@bp.route("/moderation/proposals/<int:proposal_id>/report", methods=["GET", "POST"])
@login_required
def report_proposal(proposal_id: int):
    proposal = db.get_or_404(Proposal, proposal_id)
    back = proposal_url(proposal.id)
    try:
        services.check_can_report_proposal(_actor(), proposal)
    except NotAllowed:
        abort(403)
    except DomainError as error:
        flash(str(error.message), "error")
        return redirect(back, code=303)
    form = forms.ReportProposalForm()

    def send() -> None:
        ratelimits.consume(ratelimits.REPORTS_PER_ACCOUNT, ratelimits.account_key(_actor()))
        services.report_proposal(_actor(), proposal, reason=form.reason.data, details=form.details.data,
                                 now=utcnow())

    if run_form(form, send):
        flash(_("Thank you. A moderator will look at this proposal."), "success")
        return redirect(back, code=303)
    return render("moderation/report_proposal.html", form=form, proposal=proposal, back=back,
                  status=422 if form.errors or form.form_errors else 200)


# The queue and the actions --------------------------------------------------------------------

@bp.route("/moderation/queue")
@moderators_only
def queue():
    now = utcnow()
    work = services.queue(_actor())
    groups = work.reported + work.awaiting
    comment_urls = _comment_urls([g.item for g in groups if g.kind == "comment"], now)
    urls = {(g.kind, g.id): proposal_url(g.id) if g.kind == "proposal" else comment_urls[g.id] for g in groups}
    return render("moderation/queue.html", queue=work, urls=urls, form=forms.ActionForm(formdata=None))


def _done(action: str, back: str, run):
    """Run one moderation service; flash its result or its refusal, and go back."""
    try:
        run()
    except services.Missing:
        abort(404)
    except NotAllowed as error:
        if not services.can_moderate(_actor()):
            abort(403)
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(back, code=303)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(back, code=303)
    db.session.commit()
    flash(str(forms.DONE_MESSAGES[action]), "success")
    return redirect(back, code=303)


@bp.route("/moderation/<any(proposals, comments):kind>/<int:item_id>/<any(hide, restore, dismiss, approve):action>",
          methods=["POST"])
@moderators_only
def act(kind: str, item_id: int, action: str):
    form = forms.ActionForm()
    form.validate_on_submit()  # CSRF is checked for every POST; the service checks the rest
    back = safe_next(form.next.data, url_for(".queue"))
    actor, now, code = _actor(), utcnow(), KINDS[kind]
    if action == "hide":
        return _done(action, back, lambda: services.hide(actor, code, item_id, form.reason.data, form.note.data, now))
    return _done(action, back, lambda: services.ITEM_ACTIONS[action](actor, code, item_id, form.note.data, now))


@bp.route("/moderation/users/<int:user_id>/<any(block, unblock):action>", methods=["POST"])
@moderators_only
def block(user_id: int, action: str):
    user = db.get_or_404(User, user_id)
    form = forms.ActionForm()
    form.validate_on_submit()
    back = safe_next(form.next.data, url_for(".queue"))
    actor, now = _actor(), utcnow()
    if action == "block":
        return _done(action, back, lambda: services.block_user(actor, user, form.reason.data, form.note.data, now))
    return _done(action, back, lambda: services.unblock_user(actor, user, form.note.data, now))


@bp.route("/moderation/comments/<int:comment_id>")
@moderators_only
def comment_link(comment_id: int):
    """Where a comment named in the log is shown."""
    comment = db.get_or_404(Comment, comment_id)
    url = _comment_urls([comment], utcnow())[comment.id]
    return redirect(url or url_for(".queue"), code=303)


# The log and the public summary ---------------------------------------------------------------

@bp.route("/moderation/log")
@moderators_only
def log():
    page = request.args.get("page", 1, type=bounded_int)
    return render("moderation/log.html", log=services.log_page(_actor(), page),
                  form=forms.ActionForm(formdata=None))


@bp.route("/transparency")
def transparency():
    return render("moderation/transparency.html", summary=services.transparency(utcnow()))
