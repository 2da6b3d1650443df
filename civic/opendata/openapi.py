"""The OpenAPI 3.1 document of the read-only JSON API (/api/v1/...).

The schemas describe the real responses closely (required fields, no others), so the tests can
check every documented GET route against them. A new /api/v1 route must be described here: a test
fails while the url_map has a route this document does not describe.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from civic.budgets.models import BALLOT_KINDS, COUNTING_RULES, VOTE_CHANNELS
from civic.comments.models import STANCES
from civic.config import LANGUAGES
from civic.core.links import external_root
from civic.outcomes.models import STATUSES as OUTCOME_STATUSES
from civic.plans.models import ACTION_STATUSES, DIMENSIONS, PLAN_STATUSES, TIMEFRAMES
from civic.proposals.models import STATUSES as PROPOSAL_STATUSES

bp = Blueprint("openapi", __name__)

BUDGET_STATES = ("draft", "upcoming", "open", "ended", "closed", "published")


# Schema helpers -------------------------------------------------------------------------------

def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict, optional: tuple[str, ...] = (), description: str | None = None) -> dict:
    schema = {"type": "object", "properties": properties,
              "required": [name for name in properties if name not in optional], "additionalProperties": False}
    if description:
        schema["description"] = description
    return schema


def nullable(schema: dict) -> dict:
    return {**schema, "type": [schema["type"], "null"]}


def array(items: dict) -> dict:
    return {"type": "array", "items": items}


def enum(values) -> dict:
    return {"type": "string", "enum": list(values)}


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
NUMBER = {"type": "number"}
BOOLEAN = {"type": "boolean"}
DATE = {"type": "string", "format": "date"}
DATE_TIME = {"type": "string", "format": "date-time"}
URI = {"type": "string", "format": "uri"}
PERCENT = {"type": "integer", "minimum": 0, "maximum": 100}


# Components -----------------------------------------------------------------------------------

PLAN_SUMMARY = {
    "id": INTEGER, "title": STRING, "status": enum(PLAN_STATUSES), "version": INTEGER,
    "language": {**STRING, "description": "Language of the texts: ?lang= when given, else the original."},
    "original_language": STRING, "period_start": DATE, "period_end": nullable(DATE), "url": URI,
}

ACTION = obj({
    "number": STRING, "description": STRING, "responsible": STRING, "start_date": DATE, "end_date": DATE,
    "resources": STRING, "estimated_cost": nullable(NUMBER), "actual_cost": nullable(NUMBER),
    "funding_source": STRING, "status": enum(ACTION_STATUSES), "check_ins": array(DATE)})

GOAL = obj({
    "id": INTEGER, "number": INTEGER, "statement": STRING, "dimension": enum(DIMENSIONS),
    "timeframe": enum(TIMEFRAMES), "priority": INTEGER, "champion": STRING, "desired_outcome": STRING,
    "ismart_notes": STRING, "version": INTEGER,
    "kpi": obj({"name": STRING, "unit": STRING, "baseline": nullable(NUMBER), "baseline_year": INTEGER,
                "target": nullable(NUMBER), "target_date": DATE, "reference": STRING}),
    "actions": array(ACTION),
    "targets": array(obj({"order": INTEGER, "complete": BOOLEAN, "description": STRING,
                          "reached_on": nullable(DATE)})),
    "revisions": array(obj({"version": INTEGER, "published_at": DATE_TIME, "statement": STRING,
                            "summary": nullable(STRING)})),
    "comments": obj({stance: INTEGER for stance in STANCES},
                    description="Top-level comments on the goal, by stance."),
    "url": URI})

PROPOSAL = obj({
    "id": INTEGER, "title": STRING, "body": {**STRING, "description": "Plain text."},
    "district": nullable(STRING),
    "category": {**STRING, "description": "goal:<id> or dimension:<name>, empty when none."},
    "status": enum(PROPOSAL_STATUSES), "supports": INTEGER, "comments": INTEGER, "created_at": DATE_TIME,
    "author": {**STRING, "description": "Only when the author chose to show their name."},
    "url": URI}, optional=("author",))

BUDGET = obj({
    "id": INTEGER, "process_id": INTEGER, "title": STRING, "amount": INTEGER, "currency": STRING,
    "district": nullable(STRING), "opens_at": nullable(DATE_TIME), "closes_at": nullable(DATE_TIME),
    "ballot_kind": enum(BALLOT_KINDS), "counting_rule": enum(COUNTING_RULES), "state": enum(BUDGET_STATES),
    "url": URI,
    "projects": array(obj({"id": INTEGER, "project_id": STRING, "title": STRING, "cost": INTEGER,
                           "proposal_ids": array(INTEGER), "votes": INTEGER, "score": INTEGER,
                           "selected": BOOLEAN},
                          optional=("votes", "score", "selected"),
                          description="votes, score and selected appear once results are published.")),
    "results": {"oneOf": [{"type": "null"}, obj({
        "published_at": DATE_TIME, "rule": enum(COUNTING_RULES), "voters": INTEGER, "spent": INTEGER,
        "ballots_sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"}, "ballots_url": URI,
        "channels": obj({channel: INTEGER for channel in VOTE_CHANNELS}, optional=VOTE_CHANNELS,
                        description="Ballots per channel; empty when not known (imported budgets).")})]},
})

OUTCOME = obj({
    "id": INTEGER, "title": STRING, "status": enum(OUTCOME_STATUSES), "progress": PERCENT,
    "goal_id": nullable(INTEGER), "action_id": nullable(INTEGER), "project_ids": array(INTEGER),
    "proposal_ids": array(INTEGER), "estimated_cost": nullable(NUMBER), "actual_cost": nullable(NUMBER),
    "updates": array(obj({"date": DATE, "progress": nullable(PERCENT), "text": STRING},
                         description="Newest first.")),
})

SCHEMAS = {
    "PlanSummary": obj(PLAN_SUMMARY),
    "PlanList": obj({"plans": array(ref("PlanSummary"))}),
    "Plan": obj({**PLAN_SUMMARY, "vision": STRING, "principles": array(STRING), "currency": STRING,
                 "adopted_on": nullable(DATE),
                 "consultation": obj({"opens_at": nullable(DATE_TIME), "closes_at": nullable(DATE_TIME)}),
                 "workplan_csv": URI, "goals": array(ref("Goal"))}),
    "Goal": GOAL,
    "Proposal": PROPOSAL,
    "ProposalPage": obj({"proposals": array(ref("Proposal")), "page": INTEGER, "pages": INTEGER,
                         "total": INTEGER, "per_page": INTEGER}),
    "Budget": BUDGET,
    "BudgetList": obj({"budgets": array(ref("Budget"))}),
    "Outcome": OUTCOME,
    "OutcomeList": obj({"outcomes": array(ref("Outcome"))}),
    "OpenAPIDocument": {"type": "object", "required": ["openapi", "info", "paths"]},
}


# Paths ----------------------------------------------------------------------------------------

def _query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def _path_id(name: str, description: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": INTEGER, "description": description}


LANG = _query("lang", enum(LANGUAGES), "Language of the texts, when they are written in it.")


def _get(summary: str, schema: str, parameters: list | None = None, missing: str | None = None) -> dict:
    responses = {"200": {"description": summary,
                         "content": {"application/json": {"schema": ref(schema)}}}}
    if missing:
        responses["404"] = {"description": missing}
    operation = {"summary": summary, "responses": responses}
    if parameters:
        operation["parameters"] = parameters
    return {"get": operation}


PATHS = {
    "/api/v1/plans": _get("Action plans", "PlanList", [LANG]),
    "/api/v1/plans/{plan_id}": _get("An action plan with its goals, workplan, score cards and revisions", "Plan",
                                    [_path_id("plan_id", "Number of the plan."), LANG], "No such plan."),
    "/api/v1/proposals": _get("Public proposals, newest first, a page at a time", "ProposalPage", [
        _query("process", INTEGER, "Only proposals of this process."),
        _query("district", INTEGER, "Only proposals about this district."),
        _query("status", enum(PROPOSAL_STATUSES), "Only proposals with this status."),
        _query("page", {"type": "integer", "minimum": 1}, "Page number, from 1."),
        _query("per_page", {"type": "integer", "minimum": 1, "maximum": 100}, "Proposals per page (20).")]),
    "/api/v1/budgets": _get("Participatory budgets with their projects and published results", "BudgetList"),
    "/api/v1/budgets/{budget_id}": _get("A participatory budget", "Budget",
                                        [_path_id("budget_id", "Number of the budget.")], "No such budget."),
    "/api/v1/outcomes": _get("Outcomes with their links and progress updates", "OutcomeList", [
        _query("goal", INTEGER, "Only outcomes serving this plan goal."), LANG]),
    "/api/v1/outcomes/{outcome_id}": _get("An outcome with its links and progress updates", "Outcome",
                                          [_path_id("outcome_id", "Number of the outcome."), LANG],
                                          "No such outcome."),
    "/api/v1/openapi.json": _get("This document", "OpenAPIDocument"),
}
PATHS["/api/v1/outcomes"]["get"]["responses"]["400"] = {"description": "goal is not a number."}


def document(server: str) -> dict:
    licence = current_app.config["OPEN_DATA_LICENCE"]
    info_licence = {"name": licence["name"]}
    if licence.get("url"):
        info_licence["url"] = licence["url"]
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {"title": "civic open data API", "version": "1.0.0",
                 "description": "Read-only JSON about action plans, proposals, participatory budgets and outcomes. "
                                "No personal data: authors are named only when they chose to be.",
                 "license": info_licence},
        "servers": [{"url": server}],
        "paths": PATHS,
        "components": {"schemas": SCHEMAS},
    }


@bp.route("/api/v1/openapi.json")
def openapi():
    return jsonify(document(external_root()))
