"""Staff pages for proposals: decide a status, record a proposal received by phone or in person."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import SelectChoice

from civic.core.db import utcnow
from civic.core.forms import optional_id, run_form
from civic.core.i18n import current_language
from civic.extensions import db
from civic.processes.models import Process
from civic.processes.services import can_manage
from civic.proposals import forms, queries, services
from civic.proposals.authoring import build_form, page, proposal_data
from civic.proposals.models import Proposal

bp = Blueprint("proposal_staff", __name__, url_prefix="/staff")


@bp.before_request
@login_required
def _staff_only():
    if not can_manage(current_user):
        abort(403)


@bp.route("/proposals/<int:proposal_id>/status", methods=["GET", "POST"])
def status(proposal_id: int):
    proposal = queries.load(proposal_id) or abort(404)
    data = None
    if request.method == "GET":
        data = {"status": proposal.status if proposal.status in services.STAFF_STATUSES else "published",
                "reason": proposal.status_reason, "merged_into": str(proposal.merged_into_id or "")}
    form = forms.StatusForm(data=data)
    form.merged_into.choices = [SelectChoice("", _("Not merged"))] + [
        SelectChoice(str(p.id), _("#%(id)d %(title)s", id=p.id, title=p.title)) for p in queries.same_process(proposal)]

    def decide():
        target_id = optional_id(form.merged_into.data)
        target = db.session.get(Proposal, target_id) if target_id else None
        services.set_status(current_user, proposal, form.status.data, form.reason.data or "", target, utcnow())

    if run_form(form, decide):
        flash(_("The proposal's status has been saved."), "success")
        return redirect(url_for("proposals.detail", proposal_id=proposal.id), code=303)
    return page("proposals/status.html", form, proposal=proposal)


@bp.route("/processes/<int:process_id>/proposals/record", methods=["GET", "POST"])
def record(process_id: int):
    process = db.get_or_404(Process, process_id)
    data = {"language": current_language()} if request.method == "GET" else None
    form = build_form(forms.RecordForm, process, data=data, name=None)
    del form.remove_photo
    del form.show_name  # the resident is always shown as "a resident of <district>"
    saved = {}

    def save():
        saved["proposal"] = services.record_on_behalf(current_user, process, proposal_data(form),
                                                      form.channel.data, utcnow())

    if run_form(form, save):
        flash(_("The proposal has been recorded and published."), "success")
        return redirect(url_for("proposals.detail", proposal_id=saved["proposal"].id), code=303)
    return page("proposals/form.html", form, process=process, proposal=None, mode="record")
