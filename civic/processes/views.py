"""Public pages of participatory processes."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort
from flask_login import current_user
from sqlalchemy.orm import selectinload

from civic.core.db import utcnow
from civic.core.htmx import render
from civic.extensions import db
from civic.follows import services as follows
from civic.processes import services
from civic.processes.models import Process

bp = Blueprint("processes", __name__, url_prefix="/processes")


@bp.app_context_processor
def process_helpers():
    return {"phase_labels": services.PHASE_LABELS, "process_channel_labels": services.CHANNEL_LABELS,
            "process_stage": services.stage, "process_channels": services.channels,
            "local_today": lambda: services.local_date(utcnow())}


def _viewer():
    return current_user if current_user.is_authenticated else None


@bp.route("/")
def index():
    return render("processes/index.html", processes=services.list_processes(),
                  can_manage=services.can_manage(_viewer()))


@bp.route("/<int:process_id>")
def process(process_id: int):
    from civic.budgets.services import budgets_of
    from civic.proposals import queries as proposal_queries

    process = db.session.scalars(sa.select(Process).where(Process.id == process_id).options(
        selectinload(Process.phases), selectinload(Process.goals), selectinload(Process.district))).first()
    if process is None:
        abort(404)
    today = services.local_date(utcnow())
    latest = proposal_queries.latest_for_process(process, _viewer(), limit=5)
    return render("processes/process.html", process=process, today=today, latest=latest,
                  budgets=budgets_of(process), now=utcnow(),
                  following=follows.is_following(_viewer(), "process", process.id),
                  accepts_proposals=process.accepts_proposals(today), can_manage=services.can_manage(_viewer()))
