"""Public pages of the action plan and its workplan download."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort
from flask_login import current_user

from civic.comments.services import thread_views
from civic.core.db import utcnow
from civic.core.htmx import render
from civic.follows import services as follows
from civic.plans import display, forms, queries, services
from civic.plans.diff import word_diff

bp = Blueprint("plans", __name__, url_prefix="/plans")


@bp.app_context_processor
def plan_helpers():
    return {"kpi_sentence": display.kpi_sentence, "kpi_value": display.kpi_value, "money": display.money,
            "dimension_labels": forms.DIMENSION_LABELS, "timeframe_labels": forms.TIMEFRAME_LABELS,
            "plan_status_labels": forms.PLAN_STATUS_LABELS, "action_status_labels": forms.ACTION_STATUS_LABELS,
            "priority_labels": forms.PRIORITY_LABELS}


def _viewer():
    return current_user if current_user.is_authenticated else None


@bp.route("/")
def index():
    return render("plans/index.html", plans=queries.list_plans(), now=utcnow(),
                  can_author=services.can_author(_viewer()))


@bp.route("/<int:plan_id>")
def plan(plan_id: int):
    plan = queries.load_plan(plan_id) or abort(404)
    counts = queries.stance_counts_by_goal([goal.id for goal in plan.goals])
    return render("plans/plan.html", plan=plan, counts=counts, now=utcnow(),
                  late_actions=_late_actions([a for goal in plan.goals for a in goal.actions]),
                  can_author=services.can_author(_viewer()))


def _late_actions(actions) -> dict:
    """Which workplan actions are late, said in words in the workplan (one query for all)."""
    from civic.outcomes.services import action_reports, late_action
    from civic.processes.services import local_date

    today = local_date(utcnow())
    reports = action_reports()
    return {late.action.id: late for action in actions if (late := late_action(action, reports, today))}


@bp.route("/<int:plan_id>/goals/<int:number>")
def goal(plan_id: int, number: int):
    goal = queries.load_goal(plan_id, number) or abort(404)
    now = utcnow()
    views = thread_views([revision.thread for revision in goal.revisions], _viewer(), now)
    history = []
    previous = None
    for revision in goal.revisions:
        text = revision.text("statements")
        history.append({"revision": revision, "text": text, "thread": views[revision.thread_id],
                        "changes": word_diff(previous.text, text.text) if previous else None})
        previous = text
    from civic.outcomes import services as outcome_services
    from civic.processes.services import local_date

    outcomes = outcome_services.outcomes_for_goal(goal.id)
    return render("plans/goal.html", goal=goal, plan=goal.plan, history=list(reversed(history)),
                  current=history[-1], counts=queries.stance_counts_by_goal([goal.id])[goal.id], now=now,
                  late_actions=_late_actions(goal.actions), outcomes=outcomes, today=local_date(now),
                  costs=outcome_services.costs_by_goal([goal.id]).get(goal.id),
                  tracked_actions={o.action_id for o in outcomes if o.action_id},
                  can_track=outcome_services.can_manage(_viewer()),
                  following=follows.is_following(_viewer(), "goal", goal.id),
                  can_author=services.can_author(_viewer()))


WORKPLAN_COLUMNS = ["goal", "action", "description", "responsible", "start_date", "target_end_date", "resources",
                    "estimated_cost", "actual_cost", "currency", "funding_source", "status", "check_ins"]


@bp.route("/<int:plan_id>/workplan.csv")
def workplan_csv(plan_id: int):
    plan = queries.load_plan(plan_id) or abort(404)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(WORKPLAN_COLUMNS)
    for goal in plan.goals:
        for action in goal.actions:
            writer.writerow([goal.number, action.number, action.text("descriptions").text, action.responsible,
                             action.start_date.isoformat(), action.end_date.isoformat(),
                             action.text("resources").text, action.estimated_cost,
                             "" if action.actual_cost is None else action.actual_cost, plan.currency,
                             action.funding_source, action.status,
                             " ".join(c.due_on.isoformat() for c in action.check_ins)])
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=workplan-plan-{plan.id}.csv"})
