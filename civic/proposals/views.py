"""Public proposal pages: the list, one proposal, its photo, supporting and following."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from civic.city.services import list_districts
from civic.comments.services import thread_views
from civic.config import RTL_LANGUAGES
from civic.core import ratelimits
from civic.core.db import utcnow
from civic.core.errors import DomainError, NotAllowed
from civic.core.htmx import render
from civic.core.inputs import bounded_int
from civic.extensions import db, htmx
from civic.follows import services as follows
from civic.plans.models import Goal, Plan
from civic.processes.models import Process
from civic.proposals import display, forms, queries, services
from civic.proposals.models import STATUSES
from wtforms import SelectChoice

bp = Blueprint("proposals", __name__)


@bp.app_context_processor
def proposal_helpers():
    return {"proposal_author": display.author_name, "proposal_category": display.category_label,
            "proposal_status_labels": display.STATUS_LABELS,
            "text_dir": lambda code: "rtl" if code in RTL_LANGUAGES else "ltr"}


def _viewer():
    return current_user._get_current_object() if current_user.is_authenticated else None


def _partial() -> bool:
    return bool(htmx) and not htmx.boosted


def _filter_form(filters: queries.Filters):
    form = forms.filter_form(request.args)
    processes = db.session.scalars(sa.select(Process).order_by(Process.created_at.desc())).all()
    form["process"].choices = [SelectChoice("", _("All processes"))] + [
        SelectChoice(str(p.id), p.text("titles").text) for p in processes]
    form["district"].choices = forms.district_choices(list_districts(), _("All districts"))
    goals = db.session.scalars(sa.select(Goal).join(Plan).order_by(Plan.id, Goal.number)).all()
    form["category"].choices = [SelectChoice("", _("All categories")), *forms.category_choices(goals)[1:]]
    form["status"].choices = [SelectChoice("", _("Any status"))] + [
        SelectChoice(code, display.STATUS_LABELS[code]) for code in STATUSES]
    return form


@bp.route("/proposals/")
def index():
    filters = queries.parse_filters(request.args)
    page = max(request.args.get("page", 1, type=bounded_int) or 1, 1)
    pagination = queries.paginate(filters, _viewer(), page)
    args = {key: value for key, value in request.args.items() if key != "page" and value}
    return render("proposals/index.html", form=_filter_form(filters), filters=filters, pagination=pagination,
                  items=queries.items(list(pagination.items)), args=args, has_errors=False)


def _visible_or_404(proposal_id: int, *, with_photo: bool = False):
    proposal = queries.load(proposal_id, with_photo=with_photo)
    if proposal is None or not services.can_see(_viewer(), proposal):
        abort(404)
    return proposal


def _support_context(proposal, *, status: str = "", focus: bool = False) -> dict:
    viewer = _viewer()
    try:
        services.check_can_support(viewer, proposal)
        can_support = True
    except DomainError:
        can_support = False
    return {"proposal": proposal, "supported": services.has_supported(viewer, proposal),
            "can_support": can_support, "support_status": status, "support_focus": focus}


@bp.route("/proposals/<int:proposal_id>")
def detail(proposal_id: int):
    proposal = _visible_or_404(proposal_id)
    viewer = _viewer()
    show_content = services.can_see_content(viewer, proposal)
    thread = thread_views([proposal.thread], viewer, utcnow())[proposal.thread_id] if show_content else None
    from civic.budgets.services import projects_for_proposal

    return render("proposals/detail.html", show_content=show_content, thread=thread,
                  projects=projects_for_proposal(proposal),
                  comments=thread.total if thread else 0,
                  following=follows.is_following(viewer, "proposal", proposal.id),
                  can_edit=services.can_edit(viewer, proposal),
                  can_withdraw=services.is_author(viewer, proposal) and proposal.status in services.OPEN_STATUSES,
                  is_staff=bool(viewer and viewer.is_staff),
                  can_report_link="moderation.report_proposal" in current_app.view_functions
                  and not services.is_author(viewer, proposal),
                  **_support_context(proposal))


@bp.route("/proposals/<int:proposal_id>/photo")
def photo(proposal_id: int):
    proposal = _visible_or_404(proposal_id, with_photo=True)
    if proposal.photo is None or not services.can_see_content(_viewer(), proposal):
        abort(404)
    public = proposal.hidden_at is None and not proposal.awaiting_approval
    response = Response(proposal.photo, mimetype=proposal.photo_type)
    # The address changes with every edit (?v=), so a public photo can be cached for a year.
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable" if public else "private, no-store"
    response.headers["Content-Disposition"] = f"inline; filename=proposal-{proposal.id}.webp"
    return response


def _wanted() -> bool | None:
    value = request.form.get("wanted")
    return {"1": True, "0": False}.get(value)


def _to_sign_in(proposal_id: int):
    target = url_for("accounts.sign_in", next=url_for("proposals.detail", proposal_id=proposal_id))
    if _partial():
        return Response(status=204, headers={"HX-Redirect": target})
    flash(_("Sign in to support proposals."), "info")
    return redirect(target, code=303)


@bp.route("/proposals/<int:proposal_id>/support", methods=["POST"])
def support(proposal_id: int):
    proposal = _visible_or_404(proposal_id)
    if not current_user.is_authenticated:
        return _to_sign_in(proposal.id)
    code = 200
    try:
        ratelimits.consume(ratelimits.SUPPORTS_PER_ACCOUNT, ratelimits.account_key(_viewer()))
        supported = services.toggle_support(_viewer(), proposal, utcnow(), _wanted())
    except DomainError as error:
        db.session.rollback()
        message, code = str(error.message), 403 if isinstance(error, NotAllowed) else 409
    else:
        db.session.commit()
        message = _("You support this proposal.") if supported else _("You no longer support this proposal.")
    if _partial():
        proposal = queries.load(proposal_id)
        return render_template("proposals/_support.html", **_support_context(proposal, status=message,
                                                                               focus=True)), code
    flash(message, "success" if code == 200 else "error")
    return redirect(url_for("proposals.detail", proposal_id=proposal_id) + "#support", code=303)


@bp.route("/proposals/<int:proposal_id>/follow", methods=["POST"])
def follow(proposal_id: int):
    proposal = _visible_or_404(proposal_id)
    if not current_user.is_authenticated:
        flash(_("Sign in to follow proposals."), "info")
        return redirect(url_for("accounts.sign_in", next=url_for("proposals.detail", proposal_id=proposal.id)),
                        code=303)
    following = follows.toggle_follow(_viewer(), "proposal", proposal.id, _wanted())
    db.session.commit()
    flash(_("You follow this proposal.") if following else _("You no longer follow this proposal."), "success")
    return redirect(url_for("proposals.detail", proposal_id=proposal.id), code=303)
