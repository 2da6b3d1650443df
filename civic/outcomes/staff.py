"""Staff pages for outcomes: create and edit, post updates (trackers too), one-step creation from
budget winners and plan actions, the CSV import of updates, and the monitoring page."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from civic.budgets.models import Budget, Project
from civic.city.services import list_districts
from civic.config import LANGUAGES
from civic.core.db import utcnow
from civic.core.errors import DomainError
from civic.core.forms import optional_id, run_form
from civic.core.htmx import render
from civic.core.i18n import requested_language
from civic.extensions import db
from civic.outcomes import csvimport, forms, services
from civic.outcomes.models import Outcome
from civic.plans.models import Action, Goal, Plan
from civic.processes.services import local_date
from civic.proposals.models import Proposal

bp = Blueprint("outcome_staff", __name__, url_prefix="/staff/outcomes")


@bp.before_request
@login_required
def _trackers_and_staff():
    if not services.can_post_updates(current_user):
        abort(403)


def _staff_only():
    if not services.can_manage(current_user):
        abort(403)


def _status(form) -> int:
    return 422 if form.errors or form.form_errors else 200


def _outcome_form(outcome: Outcome | None, language: str) -> forms.OutcomeForm:
    data = None
    if request.method == "GET" and outcome is not None:
        data = {name: getattr(outcome, name) for name in (
            "status", "progress", "starts_on", "ends_on", "estimated_cost", "actual_cost", "currency", "responsible",
            "weight")}
        data.update(title=outcome.titles.get(language, ""), description=outcome.descriptions.get(language, ""),
                    district=str(outcome.district_id or ""), goal=str(outcome.goal_id or ""),
                    action=str(outcome.action_id or ""), parent=str(outcome.parent_id or ""),
                    projects=[p.id for p in outcome.projects], proposals=[p.id for p in outcome.proposals])
    form = forms.OutcomeForm(data=data)
    form.status.choices = forms.status_choices(services.STATUS_LABELS)
    form.district.choices = [forms.SelectChoice("", _("The whole city"))] + [
        forms.SelectChoice(str(d.id), d.name.text) for d in list_districts()]
    goals = db.session.scalars(sa.select(Goal).join(Plan).order_by(Plan.id, Goal.number))
    form.goal.choices = [forms.SelectChoice("", _("None"))] + [
        forms.SelectChoice(str(g.id), _("Goal %(number)d: %(statement)s", number=g.number,
                                        statement=g.text("statements").text)) for g in goals]
    actions = db.session.scalars(sa.select(Action).join(Goal).order_by(Goal.id, Action.position))
    form.action.choices = [forms.SelectChoice("", _("None"))] + [
        forms.SelectChoice(str(a.id), _("Action %(number)s: %(description)s", number=a.number,
                                        description=a.text("descriptions").text)) for a in actions]
    others = db.session.scalars(sa.select(Outcome).where(Outcome.id != (outcome.id if outcome else -1))
                                .order_by(Outcome.id))
    form.parent.choices = [forms.SelectChoice("", _("None"))] + [
        forms.SelectChoice(str(o.id), o.text("titles").text) for o in others]
    form.projects.choices = [forms.SelectChoice(p.id, p.text("titles").text) for p in db.session.scalars(
        sa.select(Project).join(Budget).where(Budget.source_meta.is_(None)).order_by(Project.id))]
    form.proposals.choices = [forms.SelectChoice(p.id, p.title) for p in db.session.scalars(
        sa.select(Proposal).where(Proposal.status == "accepted").order_by(Proposal.id))]
    return form


def _outcome_data(form: forms.OutcomeForm) -> services.OutcomeData:
    return services.OutcomeData(
        title=form.title.data or "", description=form.description.data or "", status=form.status.data,
        progress=form.progress.data or 0, starts_on=form.starts_on.data, ends_on=form.ends_on.data,
        estimated_cost=form.estimated_cost.data, actual_cost=form.actual_cost.data, currency=form.currency.data or "",
        responsible=form.responsible.data or "", district_id=optional_id(form.district.data),
        goal_id=optional_id(form.goal.data), action_id=optional_id(form.action.data),
        parent_id=optional_id(form.parent.data), weight=form.weight.data or 1,
        project_ids=list(form.projects.data or []), proposal_ids=list(form.proposals.data or []))


@bp.route("/new", methods=["GET", "POST"])
def new_outcome():
    _staff_only()
    language = requested_language(current_user.locale or "en")
    form = _outcome_form(None, language)
    saved = []
    if run_form(form, lambda: saved.append(services.save_outcome(current_user, None, _outcome_data(form),
                                                                 language=language, now=utcnow()))):
        flash(_("The outcome has been created."), "success")
        return redirect(url_for("outcomes.outcome", outcome_id=saved[0].id), code=303)
    return render("outcomes/staff/edit.html", form=form, outcome=None, language=language, languages=LANGUAGES,
                  status=_status(form))


@bp.route("/<int:outcome_id>/edit", methods=["GET", "POST"])
def edit_outcome(outcome_id: int):
    _staff_only()
    outcome = db.get_or_404(Outcome, outcome_id)
    language = requested_language(outcome.original_language)
    form = _outcome_form(outcome, language)
    if run_form(form, lambda: services.save_outcome(current_user, outcome, _outcome_data(form), language=language,
                                                    now=utcnow())):
        flash(_("The outcome has been saved."), "success")
        return redirect(url_for("outcomes.outcome", outcome_id=outcome.id), code=303)
    return render("outcomes/staff/edit.html", form=form, outcome=outcome, language=language, languages=LANGUAGES,
                  status=_status(form))


@bp.route("/<int:outcome_id>/updates/new", methods=["GET", "POST"])
def new_update(outcome_id: int):
    outcome = db.get_or_404(Outcome, outcome_id)
    form = forms.UpdateForm(data={"on": local_date(utcnow())} if request.method == "GET" else None)
    form.status.choices = forms.status_choices(services.STATUS_LABELS, blank=_("No change"))

    def post():
        upload = form.photo.data
        services.post_update(current_user, outcome, services.UpdateData(
            on=form.on.data, text=form.text.data or "", progress=form.progress.data,
            status=form.status.data or None, actual_cost=form.actual_cost.data,
            photo=upload.read() if upload and getattr(upload, "filename", "") else None,
            photo_alt=form.photo_alt.data or "", language=current_user.locale or outcome.original_language), utcnow())

    if run_form(form, post):
        flash(_("The update is published. Followers are told."), "success")
        return redirect(url_for("outcomes.outcome", outcome_id=outcome.id), code=303)
    return render("outcomes/staff/update.html", form=form, outcome=outcome, status=_status(form))


@bp.route("/from-budget/<int:budget_id>", methods=["POST"])
def from_budget(budget_id: int):
    _staff_only()
    budget = db.get_or_404(Budget, budget_id)
    form = forms.ConfirmForm()
    created = []
    if run_form(form, lambda: created.extend(services.from_budget_winners(current_user, budget, utcnow()))):
        flash(ngettext("%(num)d outcome created from the winning projects.",
                       "%(num)d outcomes created from the winning projects.", len(created)), "success")
    else:
        for message in form.form_errors:
            flash(str(message), "error")
    return redirect(url_for("outcomes.index"), code=303)


@bp.route("/from-action/<int:action_id>", methods=["POST"])
def from_action(action_id: int):
    _staff_only()
    action = db.get_or_404(Action, action_id)
    form = forms.ConfirmForm()
    created = []
    if run_form(form, lambda: created.append(services.from_action(current_user, action, utcnow()))):
        flash(_("The action is now a tracked outcome."), "success")
        return redirect(url_for("outcomes.outcome", outcome_id=created[0].id), code=303)
    for message in form.form_errors:
        flash(str(message), "error")
    return redirect(url_for("plans.goal", plan_id=action.goal.plan_id, number=action.goal.number), code=303)


@bp.route("/import", methods=["GET", "POST"])
def import_updates():
    form = forms.ImportForm()
    report = []

    def run():
        upload = form.file.data
        if not upload or not getattr(upload, "filename", ""):
            raise DomainError(_("Choose the CSV file to import."), "file")
        report.append(csvimport.import_updates(current_user, upload.read(), utcnow(),
                                               language=current_user.locale or "en"))

    run_form(form, run)
    return render("outcomes/staff/import.html", form=form, report=report[0] if report else None,
                  status=_status(form))


@bp.route("/monitoring")
def monitoring():
    today = local_date(utcnow())
    late_outcomes, late_actions = services.late_items(today)
    return render("outcomes/staff/monitoring.html", late_outcomes=late_outcomes, late_actions=late_actions,
                  today=today)
