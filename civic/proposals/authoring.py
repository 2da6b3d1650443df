"""Residents' own proposal pages: submit, edit (until the first support or comment) and withdraw."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import SelectChoice

from civic.city.services import list_districts
from civic.comments.services import body_to_text
from civic.core import ratelimits
from civic.core.db import utcnow
from civic.core.errors import DomainError, NotAllowed
from civic.core.forms import optional_id, run_form
from civic.core.htmx import render
from civic.core.i18n import LANGUAGE_NAMES, current_language
from civic.extensions import db
from civic.processes.models import Process
from civic.proposals import forms, queries, services

bp = Blueprint("proposal_authoring", __name__)


def resident_label(district) -> str:
    if district is not None:
        return _("Without my name, as “a resident of %(district)s”", district=district.name.text)
    return _("Without my name, as “a resident”")


def build_form(form_class, process: Process, *, data: dict | None, name: str | None):
    form = form_class(data=data)
    districts = [process.district] if process.district else list_districts()
    form.set_choices(services.category_goals(process), districts, resident_label=resident_label(
        process.district or (current_user.district if name is not None else None)), name=name)
    form.language.choices = [SelectChoice(code, label) for code, label in LANGUAGE_NAMES.items()]
    return form


def proposal_data(form) -> services.ProposalData:
    upload = form.photo.data
    return services.ProposalData(
        title=form.title.data or "", body=form.body.data or "", category=form.category.data or "",
        district_id=optional_id(form.district.data), language=form.language.data or current_language(),
        address=form.address.data or "", latitude=form.latitude.data, longitude=form.longitude.data,
        show_name=form.show_name is not None and form.show_name.data == "yes", photo=upload.read() if upload else None,
        photo_alt=form.photo_alt.data or "", remove_photo=bool(form.remove_photo is not None and form.remove_photo.data))




def ask_for_photo_again(form) -> None:
    """Browsers never send a file twice. When other answers had problems but the photo passed its
    checks (the form's validator read its header; nothing is decoded), say it must be chosen again
    (the typed text is all kept)."""
    if getattr(form, "photo", None) is None or request.method != "POST":
        return
    upload = request.files.get(form.photo.name)
    if not (upload and upload.filename) or form.photo.errors or not (form.errors or form.form_errors):
        return
    form.form_errors.append(_("Your photo was not the problem, but it could not be kept: choose it again "
                              "before you send the form."))


def page(template: str, form, **context):
    ask_for_photo_again(form)
    failed = bool(form.errors or form.form_errors)
    return render(template, form=form, has_errors=failed, status=422 if failed else 200, **context)


def _process_or_404(process_id: int) -> Process:
    return db.get_or_404(Process, process_id)


@bp.route("/processes/<int:process_id>/proposals/new", methods=["GET", "POST"])
@login_required
def new(process_id: int):
    process = _process_or_404(process_id)
    try:
        services.check_can_submit(current_user, process, utcnow())
    except DomainError as error:
        return render("proposals/cannot_submit.html", process=process, message=error.message,
                      status=403 if isinstance(error, NotAllowed) else 409)
    data = None
    if request.method == "GET":
        data = {"show_name": "yes" if current_user.show_name_publicly else "no", "language": current_language(),
                "district": str(process.district_id or current_user.district_id or "")}
    form = build_form(forms.ProposalForm, process, data=data, name=current_user.display_name)
    del form.remove_photo
    saved = {}

    def submit():
        ratelimits.consume(ratelimits.PROPOSALS_PER_ACCOUNT, ratelimits.account_key(current_user))
        saved["proposal"] = services.submit_proposal(current_user, process, proposal_data(form), utcnow())

    if run_form(form, submit):
        proposal = saved["proposal"]
        flash(_("Thank you. A moderator will check your proposal before others can see it.")
              if proposal.awaiting_approval else _("Thank you. Your proposal has been published."), "success")
        return redirect(url_for("proposals.detail", proposal_id=proposal.id), code=303)
    return page("proposals/form.html", form, process=process, proposal=None, mode="new")


def _own_or_404(proposal_id: int):
    proposal = queries.load(proposal_id)
    if proposal is None or not services.can_see(current_user, proposal):
        abort(404)
    return proposal


@bp.route("/proposals/<int:proposal_id>/edit", methods=["GET", "POST"])
@login_required
def edit(proposal_id: int):
    proposal = _own_or_404(proposal_id)
    try:
        services.check_can_edit(current_user, proposal)
    except NotAllowed:
        abort(403)
    except DomainError as error:
        return render("proposals/cannot_submit.html", process=proposal.process, message=error.message,
                      proposal=proposal, status=409)
    data = None
    if request.method == "GET":
        data = {"title": proposal.title, "body": body_to_text(proposal.body), "language": proposal.language,
                "category": f"goal:{proposal.goal_id}" if proposal.goal_id else f"dimension:{proposal.dimension}",
                "district": str(proposal.district_id or ""), "address": proposal.address,
                "latitude": proposal.latitude, "longitude": proposal.longitude, "photo_alt": proposal.photo_alt,
                "show_name": "yes" if proposal.show_name else "no"}
    online = proposal.channel == "online"
    form = build_form(forms.ProposalForm, proposal.process, data=data,
                      name=current_user.display_name if online else None)
    if not proposal.photo_type:
        del form.remove_photo
    if run_form(form, lambda: services.edit_proposal(current_user, proposal, proposal_data(form), utcnow())):
        flash(_("Your proposal has been saved."), "success")
        return redirect(url_for("proposals.detail", proposal_id=proposal.id), code=303)
    return page("proposals/form.html", form, process=proposal.process, proposal=proposal, mode="edit")


@bp.route("/proposals/<int:proposal_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(proposal_id: int):
    proposal = _own_or_404(proposal_id)
    try:
        services.check_can_withdraw(current_user, proposal)
    except NotAllowed:
        abort(403)
    except DomainError as error:
        return render("proposals/cannot_submit.html", process=proposal.process, message=error.message,
                      proposal=proposal, status=409)
    form = forms.WithdrawForm()
    if run_form(form, lambda: services.withdraw_proposal(current_user, proposal, utcnow())):
        flash(_("Your proposal has been withdrawn."), "success")
        return redirect(url_for("proposals.detail", proposal_id=proposal.id), code=303)
    return render("proposals/withdraw.html", form=form, proposal=proposal, status=422 if form.errors else 200)
