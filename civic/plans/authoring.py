"""Staff pages to write the plan. Every page also works without JavaScript; services re-check roles."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_login import current_user, login_required

from civic.config import LANGUAGES
from civic.core.db import utcnow
from civic.core.forms import run_form
from civic.core.i18n import requested_language
from civic.core.htmx import render
from civic.extensions import db
from civic.plans import forms, queries, services
from civic.plans.models import COMPLETE_POSITION, Action, Plan

bp = Blueprint("plan_authoring", __name__, url_prefix="/staff/plans")


@bp.before_request
@login_required
def _staff_only():
    if not services.can_author(current_user):
        abort(403)


def _language(plan: Plan | None) -> str:
    return requested_language(plan.original_language if plan else (current_user.locale or "en"))


def _texts(row, language: str, **fields) -> dict:
    """Form data for one language: {form field: row.<texts attribute>[language]}."""
    return {name: (getattr(row, attribute) or {}).get(language, "") for name, attribute in fields.items()}


def _save(form, action, done_url, message):
    """Run the service for a valid form, then go on; None: show the form again."""
    if not run_form(form, action):
        return None
    flash(message, "success")
    return redirect(done_url() if callable(done_url) else done_url, code=303)


def _page(template, form, **context):
    return render(template, form=form, languages=LANGUAGES, status=422 if form.errors else 200, **context)


def _goal_or_404(plan_id: int, number: int):
    return queries.load_goal(plan_id, number) or abort(404)


@bp.route("/new", methods=["GET", "POST"])
def new_plan():
    form = forms.PlanForm()
    language = _language(None)
    saved = {}

    def create():
        saved["plan"] = services.save_plan(current_user, None, _plan_data(form), language=language, now=utcnow())

    done = _save(form, create, lambda: url_for("plans.plan", plan_id=saved["plan"].id), _("The plan has been created."))
    return done or _page("plans/edit_plan.html", form, plan=None, language=language)


@bp.route("/<int:plan_id>/edit", methods=["GET", "POST"])
def edit_plan(plan_id: int):
    plan = db.get_or_404(Plan, plan_id)
    language = _language(plan)
    data = None
    if request.method == "GET":
        data = {**_texts(plan, language, title="titles", vision="visions", principles="principles"),
                "status": plan.status, "version": plan.version, "currency": plan.currency,
                "period_start": plan.period_start, "period_end": plan.period_end, "adopted_on": plan.adopted_on}
    form = forms.PlanForm(data=data)
    done = _save(form, lambda: services.save_plan(current_user, plan, _plan_data(form), language=language, now=utcnow()),
                 url_for("plans.plan", plan_id=plan.id), _("The plan has been saved."))
    return done or _page("plans/edit_plan.html", form, plan=plan, language=language)


def _plan_data(form) -> services.PlanData:
    return services.PlanData(title=form.title.data, vision=form.vision.data or "", principles=form.principles.data or "",
                             status=form.status.data, version=form.version.data, currency=form.currency.data,
                             period_start=form.period_start.data, period_end=form.period_end.data,
                             adopted_on=form.adopted_on.data)


def _local_to_utc(value):
    return value.replace(tzinfo=get_timezone()).astimezone(utcnow().tzinfo)


@bp.route("/<int:plan_id>/consultation", methods=["GET", "POST"])
def consultation(plan_id: int):
    plan = db.get_or_404(Plan, plan_id)
    timezone = get_timezone()
    data = None
    if request.method == "GET" and plan.consultation_opens_at:
        data = {"opens_at": plan.consultation_opens_at.astimezone(timezone).replace(tzinfo=None),
                "closes_at": plan.consultation_closes_at.astimezone(timezone).replace(tzinfo=None)}
    form = forms.ConsultationForm(data=data)
    done = _save(form, lambda: services.open_consultation(
        current_user, plan, opens_at=_local_to_utc(form.opens_at.data), closes_at=_local_to_utc(form.closes_at.data),
        now=utcnow()), url_for("plans.plan", plan_id=plan.id), _("The consultation window has been saved."))
    return done or _page("plans/consultation.html", form, plan=plan, timezone=str(timezone))


@bp.route("/<int:plan_id>/goals/new", methods=["GET", "POST"])
def new_goal(plan_id: int):
    plan = db.get_or_404(Plan, plan_id)
    form = forms.GoalForm(data=None if request.method == "POST" else {"number": len(plan.goals) + 1})
    language = plan.original_language
    saved = {}

    def create():
        saved["goal"] = services.save_goal(current_user, plan, None, _goal_data(form), language=language, now=utcnow())

    done = _save(form, create, lambda: url_for("plans.goal", plan_id=plan.id, number=saved["goal"].number),
                 _("The goal has been added."))
    return done or _page("plans/edit_goal.html", form, plan=plan, goal=None, language=language, locked=False)


@bp.route("/<int:plan_id>/goals/<int:number>/edit", methods=["GET", "POST"])
def edit_goal(plan_id: int, number: int):
    goal = _goal_or_404(plan_id, number)
    language = _language(goal.plan)
    data = None
    if request.method == "GET":
        data = {**_texts(goal, language, statement="statements", kpi_name="kpi_names", ismart_notes="ismart_notes",
                         desired_outcome="outcomes"),
                **{name: getattr(goal, name) for name in ("number", "dimension", "kpi_unit", "kpi_baseline",
                                                          "kpi_baseline_year", "kpi_target", "kpi_target_date",
                                                          "kpi_reference", "timeframe", "priority", "champion")}}
    form = forms.GoalForm(data=data)
    saved = {}

    def update():
        saved["goal"] = services.save_goal(current_user, goal.plan, goal, _goal_data(form), language=language,
                                           now=utcnow())

    done = _save(form, update, lambda: url_for("plans.goal", plan_id=plan_id, number=saved["goal"].number),
                 _("The goal has been saved."))
    return done or _page("plans/edit_goal.html", form, plan=goal.plan, goal=goal, language=language,
                         locked=services.statement_locked(goal))


def _goal_data(form) -> services.GoalData:
    return services.GoalData(**{name: form[name].data if form[name].data is not None else "" for name in (
        "number", "dimension", "statement", "kpi_name", "kpi_unit", "kpi_baseline", "kpi_baseline_year", "kpi_target",
        "kpi_target_date", "kpi_reference", "ismart_notes", "timeframe", "priority", "champion", "desired_outcome")})


@bp.route("/<int:plan_id>/goals/<int:number>/revise", methods=["GET", "POST"])
def revise_goal(plan_id: int, number: int):
    goal = _goal_or_404(plan_id, number)
    language = _language(goal.plan)
    form = forms.RevisionForm(data=None if request.method == "POST" else {
        "statement": goal.statements.get(language, "")})
    done = _save(form, lambda: services.revise_goal(current_user, goal, statement=form.statement.data,
                                                    note=form.note.data, language=language, now=utcnow()),
                 url_for("plans.goal", plan_id=plan_id, number=number) + "#history",
                 _("The revision has been published."))
    return done or _page("plans/revise_goal.html", form, plan=goal.plan, goal=goal, language=language,
                         consultation_over=goal.plan.consultation_over(utcnow()))


@bp.route("/<int:plan_id>/goals/<int:number>/actions/new", methods=["GET", "POST"],
          defaults={"action_id": None})
@bp.route("/<int:plan_id>/goals/<int:number>/actions/<int:action_id>/edit", methods=["GET", "POST"])
def edit_action(plan_id: int, number: int, action_id: int | None):
    goal = _goal_or_404(plan_id, number)
    action = db.get_or_404(Action, action_id) if action_id else None
    if action is not None and action.goal_id != goal.id:
        abort(404)
    language = _language(goal.plan) if action else goal.plan.original_language
    data = None
    if request.method == "GET":
        data = {"number": f"{goal.number}.{len(goal.actions) + 1}", "status": "planned"}
        if action:
            data = {**_texts(action, language, description="descriptions", resources="resources"),
                    **{name: getattr(action, name) for name in ("number", "responsible", "start_date", "end_date",
                                                                "estimated_cost", "actual_cost", "funding_source",
                                                                "status")},
                    "check_ins": "\n".join(c.due_on.isoformat() for c in action.check_ins)}
    form = forms.ActionForm(data=data)
    done = _save(form, lambda: services.save_action(current_user, goal, action, _action_data(form), language=language,
                                                    now=utcnow()),
                 url_for("plans.goal", plan_id=plan_id, number=number) + "#workplan", _("The action has been saved."))
    return done or _page("plans/edit_action.html", form, plan=goal.plan, goal=goal, action=action, language=language)


def _action_data(form) -> services.ActionData:
    return services.ActionData(
        number=form.number.data.strip(), description=form.description.data, responsible=form.responsible.data,
        start_date=form.start_date.data, end_date=form.end_date.data, resources=form.resources.data or "",
        estimated_cost=form.estimated_cost.data, actual_cost=form.actual_cost.data,
        funding_source=form.funding_source.data or "", status=form.status.data,
        check_ins=getattr(form.check_ins, "parsed", []))


@bp.route("/<int:plan_id>/goals/<int:number>/score-card", methods=["GET", "POST"])
def score_card(plan_id: int, number: int):
    goal = _goal_or_404(plan_id, number)
    language = _language(goal.plan)
    data = None
    if request.method == "GET":
        by_position = {t.position: t for t in goal.targets}
        data = {"steps": [{"description": (by_position[p].descriptions.get(language, "") if p in by_position else ""),
                           "reached_on": by_position[p].reached_on if p in by_position else None}
                          for p in range(1, COMPLETE_POSITION + 1)]}
    form = forms.ScoreCardForm(data=data)
    done = _save(form, lambda: services.save_targets(
        current_user, goal, [(step.form.description.data or "", step.form.reached_on.data) for step in form.steps],
        language=language, now=utcnow()),
        url_for("plans.goal", plan_id=plan_id, number=number) + "#score-card", _("The score card has been saved."))
    return done or _page("plans/score_card.html", form, plan=goal.plan, goal=goal, language=language)
