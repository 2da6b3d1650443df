"""Public budget pages: the budget and its projects, verification, the ballot, results."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask_babel import format_percent
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from civic.budgets import eligibility, forms, results, rules, services, voting
from civic.budgets.display import whole_money
from civic.budgets.models import Budget, Project
from civic.city.services import list_districts
from civic.core import ratelimits
from civic.core.db import utcnow
from civic.core.errors import DomainError
from civic.core.forms import run_form, safe_next, show_domain_error
from civic.core.htmx import render
from civic.core.i18n import text_direction
from civic.extensions import db

bp = Blueprint("budgets", __name__, url_prefix="/budgets")


@bp.app_context_processor
def budget_helpers():
    return {"whole_money": whole_money, "ballot_kind_labels": services.BALLOT_KIND_LABELS,
            "counting_rule_labels": services.COUNTING_RULE_LABELS, "budget_state": voting.state,
            "format_percent": format_percent, "text_direction": text_direction, "age_labels": forms.AGE_LABELS,
            "gender_labels": forms.GENDER_LABELS}


def _viewer():
    return current_user if current_user.is_authenticated else None


def _budget(budget_id: int) -> Budget:
    budget = db.session.scalars(sa.select(Budget).where(Budget.id == budget_id).options(
        selectinload(Budget.projects).selectinload(Project.proposals), selectinload(Budget.process),
        selectinload(Budget.district), selectinload(Budget.publication))).first()
    if budget is None:
        abort(404)
    return budget


def _voting_context(budget: Budget) -> dict:
    now = utcnow()
    voter = eligibility.voter_for(_viewer())
    return {"now": now, "voter": voter, "refusal": voting.refusal(budget, _viewer(), voter, now),
            "participation": voting.own_participation(budget, voter), "state": voting.state(budget, now),
            "closes_at": voting.voting_closes_at(budget)}


@bp.route("/<int:budget_id>")
def budget(budget_id: int):
    budget = _budget(budget_id)
    return render("budgets/budget.html", budget=budget, can_manage=services.can_manage(_viewer()),
                  **_voting_context(budget))


@bp.route("/projects/<int:project_id>")
def project(project_id: int):
    project = db.session.scalars(sa.select(Project).where(Project.id == project_id).options(
        selectinload(Project.proposals), selectinload(Project.budget).selectinload(Budget.publication))).first()
    if project is None:
        abort(404)
    outcome = results.published_row(project)
    from civic.outcomes.services import outcomes_for_projects

    return render("budgets/project.html", project=project, budget=project.budget, outcome=outcome,
                  deliveries=outcomes_for_projects([project.id]).get(project.id, []),
                  can_manage=services.can_manage(_viewer()))


@bp.route("/projects/<int:project_id>/photo")
def project_photo(project_id: int):
    project = db.session.get(Project, project_id)
    if project is None or not project.photo_type:
        abort(404)
    response = Response(project.photo, mimetype=project.photo_type)
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


def _verify_self(user, document_number: str) -> None:
    """A few tries per account (enough for typing mistakes, far too few to guess numbers), and a cap
    on wrong numbers across the whole site, so fresh accounts cannot share the guessing out."""
    ratelimits.consume(ratelimits.VERIFY_PER_ACCOUNT, ratelimits.account_key(user))
    ratelimits.check(ratelimits.VERIFY_FAILURES, ratelimits.SITE)
    try:
        eligibility.verify_self(user, document_number, utcnow())
    except DomainError:
        ratelimits.hit(ratelimits.VERIFY_FAILURES, ratelimits.SITE)
        raise


@bp.route("/verify", methods=["GET", "POST"])
@login_required
def verify():
    target = safe_next(request.args.get("next"), url_for("accounts.profile"))
    voter = eligibility.voter_for(current_user)
    form = forms.VerifyForm()
    if voter is None and run_form(form, lambda: _verify_self(current_user, form.document_number.data)):
        flash(_("Thank you: your account is verified and you can vote."), "success")
        return redirect(target, code=303)
    return render("budgets/verify.html", form=form, voter=voter, target=target,
                  status=422 if form.errors or form.form_errors else 200)


def _ballot_form(budget: Budget, choices: dict[int, int], participation=None):
    form_class = forms.ballot_form_class(budget)
    if request.method == "POST":
        return form_class()
    data = forms.ballot_data(budget, choices)
    if participation is not None:
        data.update(age_band=participation.age_band or "", gender=participation.gender or "")
    return form_class(data=data)


@bp.route("/<int:budget_id>/ballot", methods=["GET", "POST"])
def ballot(budget_id: int):
    budget = _budget(budget_id)
    context = _voting_context(budget)
    if context["refusal"] is not None:
        if context["refusal"] == "sign_in" and request.method == "GET":
            return redirect(url_for("accounts.sign_in", next=request.path))
        return render("budgets/budget.html", budget=budget, can_manage=services.can_manage(_viewer()),
                      status=403 if request.method == "POST" else 200, **context)
    voter = context["voter"]
    current = voting.choices_of(budget, voter) if request.method == "GET" else {}
    form = _ballot_form(budget, current, context["participation"])
    check = None
    if request.method == "POST" and form.validate_on_submit():
        choices = forms.choices_from(form, budget)
        check = rules.check(budget, choices)
        if request.form.get("action") != "check" and check.valid:
            how = voting.Cast(age_band=form.age_band.data or None, gender=form.gender.data or None)
            try:
                voting.cast_ballot(voter.id, budget.id, choices, utcnow(), how)
            except DomainError as error:
                db.session.rollback()
                show_domain_error(form, error)
            else:
                return redirect(url_for("budgets.voted", budget_id=budget.id), code=303)
        for error in check.errors:
            show_domain_error(form, error)
    if check is None:  # first view, or a form that did not parse: still say what is chosen and left
        check = rules.check(budget, forms.choices_from(form, budget), final=False)
    status = 422 if (form.errors or form.form_errors) else 200
    return render("budgets/ballot.html", budget=budget, form=form, check=check, status=status, **context)


@bp.route("/<int:budget_id>/ballot/summary", methods=["POST"])
def ballot_summary(budget_id: int):
    """The live summary while a ballot is filled in (htmx); nothing is stored."""
    budget = _budget(budget_id)
    form = forms.ballot_form_class(budget)()
    form.validate()
    check = rules.check(budget, forms.choices_from(form, budget), final=False)
    return render("budgets/_summary.html", budget=budget, check=check)


@bp.route("/<int:budget_id>/voted")
@login_required
def voted(budget_id: int):
    budget = _budget(budget_id)
    context = _voting_context(budget)
    if context["participation"] is None:
        return redirect(url_for("budgets.budget", budget_id=budget.id))
    choices = voting.choices_of(budget, context["voter"])
    check = rules.check(budget, choices, final=False)
    return render("budgets/voted.html", budget=budget, check=check, **context)


@bp.route("/<int:budget_id>/results")
def results_page(budget_id: int):
    budget = _budget(budget_id)
    publication = budget.publication
    staff = services.can_manage(_viewer())
    if publication is not None:
        data, voters, eligible = publication.results, publication.voters, publication.eligible
    elif staff and budget.closed_at is not None:
        data = results.as_json(results.count(budget))
        voters, eligible = results.voter_count(budget), results.eligible_count(budget)
    else:
        abort(404)
    projects = {project.public_id: project for project in budget.projects}
    report = results.representativeness(budget) if not budget.imported else None
    districts = {district.id: district for district in list_districts()}
    return render("budgets/results.html", budget=budget, publication=publication, data=data, voters=voters,
                  districts=districts,
                  eligible=eligible, projects=projects, report=report, can_manage=staff,
                  publish_form=forms.ConfirmForm() if staff and publication is None else None)


@bp.route("/<int:budget_id>/ballots.pb")
def published_ballots(budget_id: int):
    budget = db.get_or_404(Budget, budget_id)
    if budget.publication is None:
        abort(404)
    response = Response(budget.publication.ballots_file, mimetype="text/plain")
    response.headers["Content-Disposition"] = f'attachment; filename="civic-budget-{budget.id}.pb"'
    return response
