"""Staff pages for four eyes on the vote: the record of assisted ballots and in-person verifications,
approving a colleague's verification of a document that is not on the list, and reconciling paper
ballots whose two entries differ."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from civic.budgets import entry, foureyes, forms, record, rules, services, voting
from civic.budgets.eligibility import document_hash
from civic.budgets.models import PaperBallot, VerificationRequest, Voter
from civic.budgets.views import _budget
from civic.city.services import list_districts
from civic.core import audit
from civic.core.db import utcnow
from civic.core.errors import DomainError
from civic.core.forms import run_form, show_domain_error
from civic.core.htmx import render
from civic.core.inputs import bounded_int
from civic.core.messages import lazy_gettext as _l
from civic.extensions import db

bp = Blueprint("desk", __name__, url_prefix="/staff")

audit.register_subject_types({"verification_request": _l("verification request"),
                              "paper_ballot": _l("paper ballot being entered"),
                              "participation": _l("participation in a vote"), "voter": _l("verified voter")})

CHANNEL_LABELS = {"desk": _l("At a service desk"), "paper": _l("Paper ballot"), "phone": _l("By phone")}
VERIFICATION_LABELS = {"listed": _l("On the eligibility list"),
                       "off_list": _l("Not on the list, approved by a second staff member")}


@bp.before_request
@login_required
def _staff_only():
    if not services.can_manage(current_user):
        abort(403)


class RecordFilterForm(FlaskForm):
    """Filters read from the query string; no CSRF, they change nothing."""

    class Meta:
        csrf = False

    channel = SelectField(_l("Channel"), choices=[], validate_choice=False)
    staff = SelectField(_l("Staff member"), choices=[], validate_choice=False)
    day = DateField(_l("Day"), validators=[Optional()])


class ApproveForm(FlaskForm):
    document_number = StringField(
        _l("Document number, as you read it on the resident's document"),
        validators=[InputRequired(message=_l("Enter the document number.")), Length(max=40)],
        description=_l("Type it yourself from the document: it must match the number your colleague entered."),
        render_kw={"autocomplete": "off", "spellcheck": "false"})


class DecideForm(FlaskForm):
    """Refuse or withdraw: nothing to type, the CSRF token is the form."""


def _filters(kinds: dict) -> tuple[RecordFilterForm, record.Filters]:
    form = RecordFilterForm(formdata=request.args)
    form.channel.choices = [("", _("Any"))] + [(code, str(label)) for code, label in kinds.items()]
    form.validate()
    staff = request.args.get("staff", type=bounded_int)
    return form, record.Filters(channel=form.channel.data if form.channel.data in kinds else None, staff_id=staff,
                                day=None if form.day.errors else form.day.data)


def _with_staff(form: RecordFilterForm, found: record.Record) -> None:
    form.staff.choices = [("", _("Anyone"))] + [(str(staff_id), name) for staff_id, name in found.staff]


@bp.route("/budgets/<int:budget_id>/channels")
def channels(budget_id: int):
    budget = _budget(budget_id)
    form, filters = _filters(CHANNEL_LABELS)
    found = record.assisted_ballots(budget, filters, get_timezone())
    _with_staff(form, found)
    return render("budgets/staff/channels.html", budget=budget, form=form, found=found, labels=CHANNEL_LABELS,
                  counts=record.channel_counts(budget), pending=entry.pending_paper(budget),
                  double_entry=entry.double_entry(), state=voting.state(budget, utcnow()))


@bp.route("/budgets/<int:budget_id>/paper/<int:paper_id>", methods=["GET", "POST"])
def reconcile(budget_id: int, paper_id: int):
    """Read the paper again and enter it: cast as soon as it agrees with a colleague's entry."""
    budget = _budget(budget_id)
    paper = db.session.get(PaperBallot, paper_id)
    if paper is None or paper.budget_id != budget.id:
        abort(404)
    form = forms.ballot_form_class(budget, assisted=True)()
    check = rules.check(budget, forms.choices_from(form, budget), final=False)
    if form.validate_on_submit():
        choices = forms.choices_from(form, budget)
        check = rules.check(budget, choices)
        voter = db.session.get(Voter, paper.voter_id)
        try:
            if voter is None or voter.document_hash != document_hash(form.document_number.data):
                raise DomainError(_("This is not the document number of this paper ballot."), "document_number")
            outcome = entry.enter_paper(current_user, budget, voter, choices, utcnow(), form.replace.data)
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            flash_paper(outcome)
            return redirect(url_for("desk.channels", budget_id=budget.id), code=303)
    entries = next((item.entries for item in entry.pending_paper(budget) if item.paper.id == paper.id), [])
    return render("budgets/staff/reconcile.html", budget=budget, paper=paper, entries=entries, form=form,
                  check=check, state=voting.state(budget, utcnow()),
                  status=422 if form.errors or form.form_errors else 200)


def flash_paper(outcome: entry.PaperOutcome) -> None:
    if outcome.status == "cast":
        flash(_("The two entries agree: the paper ballot is recorded. Receipt: %(receipt)s",
                receipt=outcome.participation.receipt), "success")
    elif outcome.status == "mismatch":
        flash(_("Your entry differs from a colleague's entry of the same paper ballot, so nothing was recorded. "
                "It is listed for reconciliation: read the paper again and enter it there."), "error")
    else:
        flash(_("First entry saved. It does not count yet: a colleague must now enter the same paper ballot "
                "without looking at your entry."), "success")


@bp.route("/voters/record")
def verification_record():
    form, filters = _filters(VERIFICATION_LABELS)
    found = record.verifications(filters, get_timezone())
    _with_staff(form, found)
    districts = {district.id: district for district in list_districts()}
    return render("budgets/staff/verification_record.html", form=form, found=found, labels=VERIFICATION_LABELS,
                  waiting=foureyes.waiting_requests(), decided=record.decided_requests(), districts=districts,
                  mode=foureyes.off_list_mode())


@bp.route("/voters/requests/<int:request_id>", methods=["GET", "POST"])
def decide(request_id: int):
    waiting = db.get_or_404(VerificationRequest, request_id)
    approve_form, decide_form = ApproveForm(prefix="approve"), DecideForm(prefix="decide")
    if request.form.get("form") == "approve":
        approved = run_form(approve_form, lambda: foureyes.approve(current_user, waiting,
                                                                   approve_form.document_number.data, utcnow()))
        if approved:
            flash(_("Approved. The resident is verified and can vote."), "success")
            return redirect(url_for("desk.verification_record"), code=303)
    elif request.form.get("form") == "refuse":
        if run_form(decide_form, lambda: foureyes.refuse(current_user, waiting, utcnow())):
            flash(_("The request is closed. The document verifies no one."), "success")
            return redirect(url_for("desk.verification_record"), code=303)
    districts = {district.id: district for district in list_districts()}
    errors = approve_form.errors or approve_form.form_errors or decide_form.errors or decide_form.form_errors
    return render("budgets/staff/decide.html", waiting=waiting, approve_form=approve_form, decide_form=decide_form,
                  districts=districts, own=waiting.requested_by_id == current_user.id,
                  status=422 if errors else 200)
