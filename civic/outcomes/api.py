"""Open data: outcomes and their progress updates as JSON (read-only, no personal data).

Titles and update texts are in `?lang=` when written in it, else in their original language. Who
wrote an update is never included. A list costs four queries, however many outcomes there are.
"""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from flask import Blueprint, abort, jsonify, request

from civic.config import LANGUAGES
from civic.core.inputs import bounded_int
from civic.extensions import db
from civic.opendata.datasets import outcome_links, original
from civic.outcomes.models import Outcome, OutcomeUpdate

bp = Blueprint("outcomes_api", __name__, url_prefix="/api/v1/outcomes")


def _number(value):
    return None if value is None else float(value)


def _title(outcome: Outcome, language: str | None) -> str:
    return (outcome.titles or {}).get(language) or original(outcome.titles, outcome.original_language)


def _updates(outcome_ids: list[int] | None) -> dict[int, list[dict]]:
    """The outcomes' updates (all when `outcome_ids` is None), newest first, in one query: dates,
    progress and texts only, never who wrote them."""
    updates: dict[int, list[dict]] = defaultdict(list)
    if outcome_ids is not None and not outcome_ids:
        return updates
    query = (sa.select(OutcomeUpdate.outcome_id, OutcomeUpdate.on, OutcomeUpdate.progress, OutcomeUpdate.text)
             .order_by(OutcomeUpdate.outcome_id, OutcomeUpdate.on.desc(), OutcomeUpdate.id.desc()))
    if outcome_ids is not None:
        query = query.where(OutcomeUpdate.outcome_id.in_(outcome_ids))
    for outcome_id, on, progress, text in db.session.execute(query):
        updates[outcome_id].append({"date": on.isoformat(), "progress": progress, "text": text})
    return updates


def records(outcomes: list[Outcome], *, every: bool = False) -> list[dict]:
    """The API records of `outcomes`; `every` says they are all the outcomes there are."""
    language = request.args.get("lang")
    language = language if language in LANGUAGES else None
    ids = None if every else [outcome.id for outcome in outcomes]
    projects, proposals = outcome_links(ids)
    updates = _updates(ids)
    return [{"id": outcome.id, "title": _title(outcome, language), "status": outcome.status,
             "progress": outcome.progress, "goal_id": outcome.goal_id, "action_id": outcome.action_id,
             "project_ids": projects.get(outcome.id, []), "proposal_ids": proposals.get(outcome.id, []),
             "estimated_cost": _number(outcome.estimated_cost), "actual_cost": _number(outcome.actual_cost),
             "updates": updates.get(outcome.id, [])} for outcome in outcomes]


@bp.route("")
def index():
    query = sa.select(Outcome).order_by(Outcome.id)
    filtered = "goal" in request.args
    if filtered:
        goal = request.args.get("goal", type=bounded_int)
        if goal is None:
            abort(400)
        query = query.where(Outcome.goal_id == goal)
    return jsonify(outcomes=records(list(db.session.scalars(query)), every=not filtered))


@bp.route("/<int:outcome_id>")
def detail(outcome_id: int):
    outcome = db.session.get(Outcome, outcome_id) or abort(404)
    return jsonify(records([outcome])[0])
