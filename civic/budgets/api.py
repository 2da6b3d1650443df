"""Open data of budgets: projects, and results once published. Nothing personal, ever."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, jsonify
from sqlalchemy.orm import selectinload

from civic.budgets.models import Budget, Project
from civic.core.db import utcnow
from civic.core.links import external_url
from civic.extensions import db

bp = Blueprint("budgets_api", __name__)


def _record(budget: Budget, now) -> dict:
    from civic.budgets.voting import state

    publication = budget.publication
    results = {p["project_id"]: p for p in publication.results["projects"]} if publication else {}
    return {
        "id": budget.id, "process_id": budget.process_id, "title": budget.text("titles").text,
        "amount": budget.amount, "currency": budget.currency,
        "district": budget.district.names.get(budget.district.original_language) if budget.district else None,
        "opens_at": budget.opens_at.isoformat() if budget.opens_at else None,
        "closes_at": budget.closes_at.isoformat() if budget.closes_at else None,
        "ballot_kind": budget.ballot_kind, "counting_rule": budget.counting_rule, "state": state(budget, now),
        "url": external_url("budgets.budget", budget_id=budget.id),
        "projects": [{"id": project.id, "project_id": project.public_id, "title": project.text("titles").text,
                      "cost": project.cost, "proposal_ids": [p.id for p in project.proposals],
                      **({key: results[project.public_id][key] for key in ("votes", "score", "selected")}
                         if project.public_id in results else {})}
                     for project in budget.projects],
        "results": None if publication is None else {
            "published_at": publication.published_at.isoformat(), "rule": publication.rule,
            "voters": publication.voters, "spent": publication.results["spent"],
            "ballots_sha256": publication.ballots_sha256,
            # Ballots per channel (online, desk, paper, phone); empty for imports and older publications.
            "channels": publication.results.get("channels", {}),
            "ballots_url": external_url("budgets.published_ballots", budget_id=budget.id)},
    }


def _query():
    return sa.select(Budget).options(selectinload(Budget.projects).selectinload(Project.proposals),
                                     selectinload(Budget.district), selectinload(Budget.publication))


@bp.route("/api/v1/budgets")
def index():
    now = utcnow()
    return jsonify(budgets=[_record(b, now) for b in db.session.scalars(_query().order_by(Budget.id))])


@bp.route("/api/v1/budgets/<int:budget_id>")
def detail(budget_id: int):
    budget = db.session.scalars(_query().where(Budget.id == budget_id)).first()
    if budget is None:
        abort(404)
    return jsonify(_record(budget, utcnow()))
