"""Open data: the action plan as JSON (read-only, no personal data)."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request

from civic.config import LANGUAGES
from civic.core.i18n import localized
from civic.core.links import external_url
from civic.plans import queries

bp = Blueprint("plans_api", __name__, url_prefix="/api/v1/plans")


def _language(plan) -> str:
    """Texts in ?lang= when given and present, else in the plan's original language."""
    wanted = request.args.get("lang")
    return wanted if wanted in LANGUAGES else plan.original_language


def _text(texts, plan, language) -> str:
    return (texts or {}).get(language) or localized(texts, plan.original_language).text


def _number(value):
    return None if value is None else float(value)


def _date(value):
    return value.isoformat() if value else None


def _summary(plan) -> dict:
    language = _language(plan)
    return {"id": plan.id, "title": _text(plan.titles, plan, language), "status": plan.status,
            "version": plan.version, "language": language, "original_language": plan.original_language,
            "period_start": _date(plan.period_start), "period_end": _date(plan.period_end),
            "url": external_url("plans.plan", plan_id=plan.id)}


@bp.route("")
def index():
    return jsonify(plans=[_summary(plan) for plan in queries.list_plans()])


@bp.route("/<int:plan_id>")
def detail(plan_id: int):
    plan = queries.load_plan(plan_id) or abort(404)
    language = _language(plan)
    counts = queries.stance_counts_by_goal([goal.id for goal in plan.goals])
    return jsonify({
        **_summary(plan),
        "vision": _text(plan.visions, plan, language),
        "principles": [line for line in _text(plan.principles, plan, language).splitlines() if line.strip()],
        "currency": plan.currency,
        "adopted_on": _date(plan.adopted_on),
        "consultation": {"opens_at": _date(plan.consultation_opens_at), "closes_at": _date(plan.consultation_closes_at)},
        "workplan_csv": external_url("plans.workplan_csv", plan_id=plan.id),
        "goals": [_goal(goal, plan, language, counts[goal.id]) for goal in plan.goals],
    })


def _goal(goal, plan, language, counts) -> dict:
    return {
        "id": goal.id, "number": goal.number, "statement": _text(goal.statements, plan, language),
        "dimension": goal.dimension, "timeframe": goal.timeframe, "priority": goal.priority,
        "champion": goal.champion, "desired_outcome": _text(goal.outcomes, plan, language),
        "ismart_notes": _text(goal.ismart_notes, plan, language), "version": goal.version,
        "kpi": {"name": _text(goal.kpi_names, plan, language), "unit": goal.kpi_unit,
                "baseline": _number(goal.kpi_baseline), "baseline_year": goal.kpi_baseline_year,
                "target": _number(goal.kpi_target), "target_date": _date(goal.kpi_target_date),
                "reference": goal.kpi_reference},
        "actions": [{"number": a.number, "description": _text(a.descriptions, plan, language),
                     "responsible": a.responsible, "start_date": _date(a.start_date), "end_date": _date(a.end_date),
                     "resources": _text(a.resources, plan, language),
                     "estimated_cost": _number(a.estimated_cost), "actual_cost": _number(a.actual_cost),
                     "funding_source": a.funding_source, "status": a.status,
                     "check_ins": [_date(c.due_on) for c in a.check_ins]} for a in goal.actions],
        "targets": [{"order": t.position, "complete": t.is_complete_step,
                     "description": _text(t.descriptions, plan, language), "reached_on": _date(t.reached_on)}
                    for t in goal.targets],
        "revisions": [{"version": r.version, "published_at": r.published_at.isoformat(),
                       "statement": _text(r.statements, plan, language),
                       "summary": _text(r.notes, plan, language) if r.notes else None} for r in goal.revisions],
        "comments": counts,
        "url": external_url("plans.goal", plan_id=plan.id, number=goal.number),
    }
