"""Public outcome pages: the list, one outcome with its whole chain, and "you said, we did"."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from civic.budgets.models import Budget, Project
from civic.budgets.results import published_row
from civic.core.db import utcnow
from civic.core.htmx import render
from civic.core.inputs import bounded_int
from civic.extensions import db
from civic.follows import services as follows
from civic.outcomes import services
from civic.outcomes.models import STATUSES, Outcome, OutcomeUpdate
from civic.plans.models import Goal
from civic.processes.models import Process
from civic.processes.services import local_date
from civic.proposals.models import Proposal

bp = Blueprint("outcomes", __name__)


@bp.app_context_processor
def outcome_helpers():
    from flask_babel import format_currency

    from civic.proposals.display import author_name

    return {"outcome_status_labels": services.STATUS_LABELS, "outcome_days_late": services.days_late,
            "format_currency": format_currency, "proposal_author": author_name}


def _viewer():
    return current_user if current_user.is_authenticated else None


@bp.route("/outcomes/")
def index():
    status = request.args.get("status") if request.args.get("status") in STATUSES else None
    query = sa.select(Outcome).options(selectinload(Outcome.goal).selectinload(Goal.plan),
                                       selectinload(Outcome.district)).order_by(Outcome.id)
    if status:
        query = query.where(Outcome.status == status)
    goal_id = request.args.get("goal", type=bounded_int)
    if goal_id:
        query = query.where(Outcome.goal_id == goal_id)
    return render("outcomes/index.html", outcomes=list(db.session.scalars(query)), status=status,
                  today=local_date(utcnow()), can_manage=services.can_manage(_viewer()),
                  can_update=services.can_post_updates(_viewer()))


def _load(outcome_id: int) -> Outcome:
    outcome = db.session.scalars(sa.select(Outcome).where(Outcome.id == outcome_id).options(
        selectinload(Outcome.goal).selectinload(Goal.plan), selectinload(Outcome.goal).selectinload(Goal.targets),
        selectinload(Outcome.action), selectinload(Outcome.children), selectinload(Outcome.parent),
        selectinload(Outcome.projects).selectinload(Project.budget).selectinload(Budget.publication),
        selectinload(Outcome.proposals).selectinload(Proposal.author), selectinload(Outcome.proposals).selectinload(Proposal.district), selectinload(Outcome.updates),
        selectinload(Outcome.district))).first()
    if outcome is None:
        abort(404)
    return outcome


@bp.route("/outcomes/<int:outcome_id>")
def outcome(outcome_id: int):
    outcome = _load(outcome_id)
    viewer = _viewer()
    return render("outcomes/outcome.html", outcome=outcome, today=local_date(utcnow()),
                  results={project.id: published_row(project) for project in outcome.projects},
                  successes=[t for t in (outcome.goal.targets if outcome.goal else []) if t.reached_on],
                  following=follows.is_following(viewer, "outcome", outcome.id),
                  can_manage=services.can_manage(viewer), can_update=services.can_post_updates(viewer))


@bp.route("/outcomes/<int:outcome_id>/follow", methods=["POST"])
def follow(outcome_id: int):
    outcome = db.get_or_404(Outcome, outcome_id)
    if _viewer() is None:
        flash(_("Sign in to follow outcomes."), "info")
        return redirect(url_for("accounts.sign_in", next=url_for("outcomes.outcome", outcome_id=outcome.id)))
    wanted = {"1": True, "0": False}.get(request.form.get("wanted"))
    following = follows.toggle_follow(_viewer(), "outcome", outcome.id, wanted)
    db.session.commit()
    flash(_("You follow this outcome. We will tell you when it moves.") if following
          else _("You no longer follow this outcome."), "success")
    return redirect(url_for("outcomes.outcome", outcome_id=outcome.id), code=303)


@bp.route("/outcomes/<int:outcome_id>/updates/<int:update_id>/photo")
def update_photo(outcome_id: int, update_id: int):
    update = db.session.get(OutcomeUpdate, update_id)
    if update is None or update.outcome_id != outcome_id or not update.photo_type:
        abort(404)
    response = Response(update.photo, mimetype=update.photo_type)
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.route("/processes/<int:process_id>/you-said-we-did")
def you_said_we_did(process_id: int):
    from civic.outcomes.fates import process_fates

    process = db.session.scalars(sa.select(Process).where(Process.id == process_id).options(
        selectinload(Process.goals).selectinload(Goal.revisions), selectinload(Process.goals)
        .selectinload(Goal.plan))).first()
    if process is None:
        abort(404)
    return render("outcomes/you_said_we_did.html", process=process, fates=process_fates(process),
                  today=local_date(utcnow()))
