"""Staff pages to set up and change a process. Services re-check the role."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from civic.city.services import list_districts
from civic.config import LANGUAGES
from civic.core.db import utcnow
from civic.core.forms import optional_id, run_form
from civic.core.i18n import requested_language
from civic.core.htmx import render
from civic.extensions import db
from civic.plans.models import Goal, Plan
from civic.processes import forms, services
from civic.processes.models import PHASES, Process

bp = Blueprint("process_staff", __name__, url_prefix="/staff/processes")


@bp.before_request
@login_required
def _staff_only():
    if not services.can_manage(current_user):
        abort(403)


def _language(process: Process | None) -> str:
    return requested_language(process.original_language if process else (current_user.locale or "en"))


def _all_goals() -> list[Goal]:
    return list(db.session.scalars(sa.select(Goal).join(Plan).order_by(Plan.period_start.desc(), Plan.id,
                                                                        Goal.number)))


def _form(process: Process | None, language: str) -> forms.ProcessForm:
    data = None
    if request.method == "GET" and process is not None:
        data = {name: (getattr(process, attribute) or {}).get(language, "") for name, attribute in (
            ("title", "titles"), ("description", "descriptions"), ("decides", "decides"), ("impacts", "impacts"))}
        data.update(scope=str(process.district_id or ""), channel_online=process.channel_online,
                    channel_phone=process.channel_phone, channel_in_person=process.channel_in_person,
                    premoderation=process.premoderation, goals=[goal.id for goal in process.goals])
        for phase in process.phases:
            data[f"{phase.kind}_starts"], data[f"{phase.kind}_ends"] = phase.starts_on, phase.ends_on
    form = forms.ProcessForm(data=data)
    form.set_choices(list_districts(), _all_goals())
    return form


def _data(form: forms.ProcessForm) -> services.ProcessData:
    return services.ProcessData(
        title=form.title.data or "", description=form.description.data or "", decides=form.decides.data or "",
        impacts=form.impacts.data or "", district_id=optional_id(form.scope.data),
        channel_online=form.channel_online.data, channel_phone=form.channel_phone.data,
        channel_in_person=form.channel_in_person.data, premoderation=form.premoderation.data,
        phases={kind: (form[f"{kind}_starts"].data, form[f"{kind}_ends"].data) for kind in PHASES},
        goal_ids=list(form.goals.data or []))


def _save_and_go(form, process: Process | None, language: str, message: str):
    saved = []

    def save():
        saved.append(services.save_process(current_user, process, _data(form), language=language, now=utcnow()))

    if not run_form(form, save):
        return None
    flash(message, "success")
    return redirect(url_for("processes.process", process_id=saved[0].id), code=303)


def _page(form, process, language):
    return render("processes/edit.html", form=form, process=process, language=language, languages=LANGUAGES,
                  phases=PHASES, status=422 if form.errors or form.form_errors else 200)


@bp.route("/new", methods=["GET", "POST"])
def new_process():
    language = _language(None)
    form = _form(None, language)
    return _save_and_go(form, None, language, _("The process has been created.")) or _page(form, None, language)


@bp.route("/<int:process_id>/edit", methods=["GET", "POST"])
def edit_process(process_id: int):
    process = db.get_or_404(Process, process_id)
    language = _language(process)
    form = _form(process, language)
    return _save_and_go(form, process, language, _("The process has been saved.")) or _page(form, process, language)
