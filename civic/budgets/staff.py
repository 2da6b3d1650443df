"""Staff pages: set up budgets and projects, verify voters, enter assisted ballots, close and publish.

Every service re-checks the role; the before_request check only saves a trip.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from civic.accounts.models import User
from civic.budgets import eligibility, entry, forms, results, rules, services, voting
from civic.budgets.desk import flash_paper
from civic.budgets.models import Budget, Project, VerificationRequest
from civic.budgets.views import _budget
from civic.city.services import list_districts
from civic.config import LANGUAGES
from civic.core.db import utcnow
from civic.core.errors import DomainError
from civic.core.forms import optional_id, run_form, show_domain_error
from civic.core.htmx import render
from civic.core.i18n import requested_language
from civic.core.inputs import bounded_int
from civic.extensions import db
from civic.processes.models import Process

bp = Blueprint("budget_staff", __name__, url_prefix="/staff/budgets")


@bp.before_request
@login_required
def _staff_only():
    if not services.can_manage(current_user):
        abort(403)


def _status(form) -> int:
    return 422 if form.errors or form.form_errors else 200


def _aware(value: datetime | None) -> datetime | None:
    # The form shows the city's local time; the database keeps UTC.
    return None if value is None else value.replace(tzinfo=get_timezone())


def _local(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(get_timezone()).replace(tzinfo=None)


def _budget_form(budget: Budget | None, language: str) -> forms.BudgetForm:
    data = None
    if request.method == "GET" and budget is not None:
        data = {name: getattr(budget, name) for name in (
            "amount", "currency", "ballot_kind", "counting_rule", "min_projects", "max_projects", "min_spend",
            "max_points_total", "max_points_per_project", "max_ranks", "threshold")}
        data.update(title=(budget.titles or {}).get(language, ""),
                    description=(budget.descriptions or {}).get(language, ""),
                    district=str(budget.district_id or ""), opens_at=_local(budget.opens_at),
                    closes_at=_local(budget.closes_at))
    form = forms.BudgetForm(data=data)
    form.set_choices(list_districts(), services.BALLOT_KIND_LABELS, services.COUNTING_RULE_LABELS)
    return form


def _budget_data(form: forms.BudgetForm) -> services.BudgetData:
    return services.BudgetData(
        title=form.title.data or "", description=form.description.data or "", amount=form.amount.data,
        currency=form.currency.data or "", district_id=optional_id(form.district.data),
        opens_at=_aware(form.opens_at.data), closes_at=_aware(form.closes_at.data),
        ballot_kind=form.ballot_kind.data, counting_rule=form.counting_rule.data,
        min_projects=form.min_projects.data, max_projects=form.max_projects.data, min_spend=form.min_spend.data,
        max_points_per_project=form.max_points_per_project.data, max_points_total=form.max_points_total.data,
        max_ranks=form.max_ranks.data, threshold=form.threshold.data)


@bp.route("/new", methods=["GET", "POST"])
def new_budget():
    process = db.get_or_404(Process, request.args.get("process", type=bounded_int))
    language = requested_language(process.original_language)
    form = _budget_form(None, language)
    saved = []
    if run_form(form, lambda: saved.append(services.save_budget(current_user, process, None, _budget_data(form),
                                                                language=language, now=utcnow()))):
        flash(_("The budget has been created. Now add its projects."), "success")
        return redirect(url_for("budget_staff.manage", budget_id=saved[0].id), code=303)
    return render("budgets/staff/edit_budget.html", form=form, process=process, budget=None, language=language,
                  languages=LANGUAGES, status=_status(form))


@bp.route("/<int:budget_id>/edit", methods=["GET", "POST"])
def edit_budget(budget_id: int):
    budget = _budget(budget_id)
    language = requested_language(budget.original_language)
    form = _budget_form(budget, language)
    if run_form(form, lambda: services.save_budget(current_user, budget.process, budget, _budget_data(form),
                                                   language=language, now=utcnow())):
        flash(_("The budget has been saved."), "success")
        return redirect(url_for("budget_staff.manage", budget_id=budget.id), code=303)
    return render("budgets/staff/edit_budget.html", form=form, process=budget.process, budget=budget,
                  language=language, languages=LANGUAGES, status=_status(form))


@bp.route("/<int:budget_id>")
def manage(budget_id: int):
    budget = _budget(budget_id)
    now = utcnow()
    return render("budgets/staff/manage.html", budget=budget, state=voting.state(budget, now),
                  voters=results.voter_count(budget), eligible=results.eligible_count(budget),
                  close_form=forms.ConfirmForm(), has_votes=services.has_votes(budget),
                  unlinked=len(services.unlinked_accepted_proposals(budget)))


def _project_form(project: Project | None, budget: Budget, language: str) -> forms.ProjectForm:
    data = None
    if request.method == "GET" and project is not None:
        data = {"title": project.titles.get(language, ""), "description": project.descriptions.get(language, ""),
                "feasibility": project.feasibility.get(language, ""), "cost": project.cost,
                "proposals": [p.id for p in project.proposals], "photo_alt": project.photo_alt}
    form = forms.ProjectForm(data=data)
    form.proposals.choices = [forms.SelectChoice(p.id, p.title) for p in services.accepted_proposals(budget)]
    return form


def _project_data(form: forms.ProjectForm) -> services.ProjectData:
    upload = form.photo.data
    return services.ProjectData(
        title=form.title.data or "", description=form.description.data or "",
        feasibility=form.feasibility.data or "", cost=form.cost.data, proposal_ids=list(form.proposals.data or []),
        photo=upload.read() if upload and getattr(upload, "filename", "") else None,
        photo_alt=form.photo_alt.data or "", remove_photo=form.remove_photo.data)


def _project_page(form, budget, project, language):
    return render("budgets/staff/edit_project.html", form=form, budget=budget, project=project, language=language,
                  languages=LANGUAGES, status=_status(form))


@bp.route("/<int:budget_id>/projects/new", methods=["GET", "POST"])
def new_project(budget_id: int):
    budget = _budget(budget_id)
    language = requested_language(budget.original_language)
    form = _project_form(None, budget, language)
    if run_form(form, lambda: services.save_project(current_user, budget, None, _project_data(form),
                                                    language=language, now=utcnow())):
        flash(_("The project has been added."), "success")
        return redirect(url_for("budget_staff.manage", budget_id=budget.id), code=303)
    return _project_page(form, budget, None, language)


@bp.route("/projects/<int:project_id>/edit", methods=["GET", "POST"])
def edit_project(project_id: int):
    project = db.get_or_404(Project, project_id)
    budget = _budget(project.budget_id)
    language = requested_language(project.original_language)
    form = _project_form(project, budget, language)
    if run_form(form, lambda: services.save_project(current_user, budget, project, _project_data(form),
                                                    language=language, now=utcnow())):
        flash(_("The project has been saved."), "success")
        return redirect(url_for("budget_staff.manage", budget_id=budget.id), code=303)
    return _project_page(form, budget, project, language)


@bp.route("/projects/<int:project_id>/delete", methods=["GET", "POST"])
def delete_project(project_id: int):
    project = db.get_or_404(Project, project_id)
    budget_id = project.budget_id
    form = forms.ConfirmForm()
    if run_form(form, lambda: services.delete_project(current_user, project, utcnow())):
        flash(_("The project has been removed."), "success")
        return redirect(url_for("budget_staff.manage", budget_id=budget_id), code=303)
    return render("budgets/staff/delete_project.html", form=form, project=project, status=_status(form))


def _from_proposals_form(proposals):
    class FromProposalsForm(forms.FlaskForm):
        pass

    for proposal in proposals:
        setattr(FromProposalsForm, f"use-{proposal.id}", forms.BooleanField(
            _("Make “%(title)s” a project", title=proposal.title)))
        setattr(FromProposalsForm, f"cost-{proposal.id}", forms.IntegerField(
            _("Cost of “%(title)s”", title=proposal.title), validators=[forms.Optional()],
            render_kw={"inputmode": "numeric"}))
    return FromProposalsForm()


@bp.route("/<int:budget_id>/from-proposals", methods=["GET", "POST"])
def from_proposals(budget_id: int):
    budget = _budget(budget_id)
    proposals = services.unlinked_accepted_proposals(budget)
    form = _from_proposals_form(proposals)
    created = []

    def create():
        costs = {p.id: form[f"cost-{p.id}"].data for p in proposals if form[f"use-{p.id}"].data}
        created.extend(services.projects_from_proposals(current_user, budget, costs, utcnow()))

    if run_form(form, create):
        flash(ngettext("%(num)d project created from accepted proposals.",
                       "%(num)d projects created from accepted proposals.", len(created)), "success")
        return redirect(url_for("budget_staff.manage", budget_id=budget.id), code=303)
    return render("budgets/staff/from_proposals.html", form=form, budget=budget, proposals=proposals,
                  status=_status(form))


@bp.route("/<int:budget_id>/close", methods=["GET", "POST"])
def close(budget_id: int):
    budget = _budget(budget_id)
    form = forms.ConfirmForm()
    if run_form(form, lambda: results.close_voting(current_user, budget, utcnow())):
        flash(_("Voting is closed. Review the count, then publish it."), "success")
        return redirect(url_for("budgets.results_page", budget_id=budget.id), code=303)
    return render("budgets/staff/close.html", form=form, budget=budget, state=voting.state(budget, utcnow()),
                  pending_paper=entry.pending_paper_count(budget), status=_status(form))


@bp.route("/<int:budget_id>/publish", methods=["POST"])
def publish(budget_id: int):
    budget = _budget(budget_id)
    form = forms.ConfirmForm()
    if run_form(form, lambda: results.publish(current_user, budget, utcnow())):
        flash(_("The results are published."), "success")
    else:
        for message in [*form.form_errors, *form.confirm.errors]:
            flash(str(message), "error")
    return redirect(url_for("budgets.results_page", budget_id=budget.id), code=303)


@bp.route("/<int:budget_id>/export.pb")
def export(budget_id: int):
    from civic.budgets.pbio import export_text

    budget = _budget(budget_id)
    if budget.closed_at is None:
        abort(403)  # no one, staff included, sees ballots while the vote can still change
    text = budget.publication.ballots_file if budget.publication is not None else export_text(budget)
    response = Response(text, mimetype="text/plain")
    response.headers["Content-Disposition"] = f'attachment; filename="civic-budget-{budget.id}.pb"'
    return response


@bp.route("/<int:budget_id>/assisted", methods=["GET", "POST"])
def assisted(budget_id: int):
    """A ballot received at a desk, on paper or by phone: staff check the document, then enter it."""
    budget = _budget(budget_id)
    form = forms.ballot_form_class(budget, assisted=True)()
    check, waiting = None, None
    if form.validate_on_submit():
        choices = forms.choices_from(form, budget)
        check = rules.check(budget, choices)
        if request.form.get("action") != "check" and check.valid:
            try:
                waiting = _enter_assisted(budget, form, choices)
            except DomainError as error:
                db.session.rollback()
                show_domain_error(form, error)
            else:
                if waiting is None:
                    return redirect(url_for("budget_staff.assisted", budget_id=budget.id), code=303)
        for error in check.errors:
            show_domain_error(form, error)
    if check is None:
        check = rules.check(budget, forms.choices_from(form, budget), final=False)
    return render("budgets/staff/assisted.html", budget=budget, form=form, check=check, waiting=waiting,
                  double_entry=entry.double_entry(), state=voting.state(budget, utcnow()), status=_status(form))


def _enter_assisted(budget: Budget, form, choices) -> VerificationRequest | None:
    """Check the document, then enter the ballot. A document that is not on the list enters nothing:
    it waits for a second staff member (the request is returned and the form shown again as typed)."""
    now = utcnow()
    verified = eligibility.verify_in_person(current_user, form.document_number.data, budget.district_id, now)
    # The check of the document stands on its own (a request stays waiting); the ballot below may retry.
    db.session.commit()
    if isinstance(verified, VerificationRequest):
        form.document_number.errors = [*form.document_number.errors, _(
            "This document is not on the eligibility list. A second staff member must check the document and "
            "approve it before a ballot can be entered for it. Nothing has been recorded; what you entered is "
            "kept below, so you can send it again once a colleague has approved.")]
        return verified
    if form.channel.data == "paper" and entry.double_entry():
        flash_paper(entry.enter_paper(current_user, budget, verified, choices, now, form.replace.data))
        return None
    how = voting.Cast(channel=form.channel.data, entered_by=current_user, replace=form.replace.data)
    participation = entry.enter_assisted(current_user, budget, verified, choices, now, how)
    flash(_("Ballot recorded. Read this receipt to the resident: %(receipt)s", receipt=participation.receipt),
          "success")
    return None


voters_bp = Blueprint("voter_staff", __name__, url_prefix="/staff/voters")


@voters_bp.before_request
@login_required
def _voters_staff_only():
    if not services.can_manage(current_user):
        abort(403)


@voters_bp.route("/", methods=["GET", "POST"])
def voters():
    import sqlalchemy as sa

    from civic.budgets.models import EligibleDocument, Voter

    list_form = forms.EligibilityListForm(prefix="list")
    person_form = forms.VerifyInPersonForm(prefix="person")
    person_form.set_districts(list_districts())
    report = None
    if request.form.get("form") == "list":
        outcome = []

        def import_list():
            upload = list_form.file.data
            if not upload or not getattr(upload, "filename", ""):
                raise DomainError(_("Choose the CSV file to import."), "file")
            outcome.append(eligibility.import_list(current_user, upload.read(), utcnow()))

        if run_form(list_form, import_list):
            report = outcome[0]
    elif request.form.get("form") == "person":
        def verify():
            user = None
            if person_form.email.data:
                user = db.session.scalars(sa.select(User).where(
                    sa.func.lower(User.email) == person_form.email.data.strip().lower())).first()
                if user is None:
                    raise DomainError(_("No account uses this e-mail address."), "email")
            outcome.append(eligibility.verify_in_person(current_user, person_form.document_number.data,
                                                        optional_id(person_form.district.data), utcnow(), user=user))

        outcome = []
        if run_form(person_form, verify):
            if isinstance(outcome[0], VerificationRequest):
                flash(_("This document is not on the eligibility list, so the resident is not verified yet. A "
                        "second staff member must check the document and approve the request."), "error")
                return redirect(url_for("desk.verification_record"), code=303)
            flash(_("The resident is verified and can vote."), "success")
            return redirect(url_for("voter_staff.voters"), code=303)
    counts = {"listed": db.session.scalar(sa.select(sa.func.count()).select_from(EligibleDocument)),
              "verified": db.session.scalar(sa.select(sa.func.count()).select_from(Voter))}
    errors = list_form.errors or list_form.form_errors or person_form.errors or person_form.form_errors
    return render("budgets/staff/voters.html", list_form=list_form, person_form=person_form, report=report,
                  counts=counts, status=422 if errors else 200)
