"""Every open dataset in one registry: its name, title, description, columns and rows.

Rows never hold personal data: no e-mail addresses, no account ids, no names of people except a
proposal author who chose to show their name on a proposal they typed in themselves (the same rule as
the proposals page and API). Outcome updates never name who wrote them, moderation statistics are
counts, and ballots come from the published anonymous Pabulib files (random ids, random order).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from civic.core.messages import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload, undefer

from civic.core.csvsafe import cell
from civic.budgets import pabulib
from civic.budgets.models import Budget, Project, ResultPublication
from civic.comments.models import CommentReport
from civic.comments.services import body_to_text
from civic.core.links import external_url
from civic.extensions import db
from civic.moderation.models import ModerationAction
from civic.opendata.models import DownloadCount
from civic.outcomes.models import Outcome, OutcomeUpdate, outcome_project, outcome_proposal
from civic.plans.models import Action, Goal, GoalRevision, Plan
from civic.proposals.models import Proposal, ProposalReport

FORMATS = ("csv", "json")
TYPES = ("integer", "number", "string", "boolean", "date", "datetime", "list")
TYPE_LABELS = {"integer": _l("whole number"), "number": _l("number"), "string": _l("text"),
               "boolean": _l("true or false"), "date": _l("date (YYYY-MM-DD)"),
               "datetime": _l("date and time (ISO 8601)"), "list": _l("list (space-separated in CSV)")}


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # one of TYPES; "list" is a JSON array, and space-separated values in CSV
    description: object  # a lazy translated string


@dataclass(frozen=True)
class Dataset:
    name: str
    title: object
    description: object
    columns: tuple[Column, ...]
    rows: Callable[[], Iterator[dict]]
    last_changed: Callable[[], datetime | None]

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]


DATASETS: dict[str, Dataset] = {}


def dataset(name: str, title, description, columns: list[tuple[str, str, object]],
            last_changed: Callable[[], datetime | None]):
    """Register the decorated row generator as the dataset `name`."""

    def register(rows: Callable[[], Iterator[dict]]):
        unknown = {kind for _name, kind, _description in columns} - set(TYPES)
        if unknown:
            raise ValueError(f"dataset {name}: unknown column types {unknown}")
        DATASETS[name] = Dataset(name, title, description,
                                 tuple(Column(*column) for column in columns), rows, last_changed)
        return rows

    return register


# Values ---------------------------------------------------------------------------------------

def original(texts: dict | None, language: str) -> str:
    """An official text in the language it was written in (open data does not depend on the reader)."""
    texts = texts or {}
    return texts.get(language) or next((text for text in texts.values() if text), "")


def json_value(value):
    if isinstance(value, Decimal):
        # NaN and Infinity are not JSON (the CHECK constraints keep them out of the columns anyway).
        return float(value) if value.is_finite() else None
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return " ".join(csv_value(item) for item in value)
    return cell(value) if isinstance(value, str) else str(value)


def _latest(*columns) -> datetime | None:
    """The most recent of several timestamp columns, in one query per column."""
    values = [db.session.scalar(sa.select(sa.func.max(column))) for column in columns]
    return max((value for value in values if value is not None), default=None)


# Download counts (seed 002: track public open data usage) ------------------------------------

def count_download(name: str, fmt: str) -> None:
    """Add one download in a single UPDATE; the first download inserts the row, and if another
    request inserted it at the same moment, the UPDATE runs again."""
    increment = (sa.update(DownloadCount)
                 .where(DownloadCount.dataset == name, DownloadCount.format == fmt)
                 .values(downloads=DownloadCount.downloads + 1)
                 .execution_options(synchronize_session=False))
    if db.session.execute(increment).rowcount:
        return
    try:
        with db.session.begin_nested():
            db.session.execute(sa.insert(DownloadCount).values(dataset=name, format=fmt, downloads=1))
    except IntegrityError:
        db.session.execute(increment)


def download_counts() -> dict[tuple[str, str], int]:
    return {(row.dataset, row.format): row.downloads for row in db.session.scalars(sa.select(DownloadCount))}


# Proposals ------------------------------------------------------------------------------------

def _public_proposals():
    return sa.and_(Proposal.hidden_at.is_(None), Proposal.awaiting_approval.is_(False))


@dataset("proposals", _l("Proposals"),
         _l("Every public proposal residents made, with its status, supports and comments. Hidden proposals and "
            "proposals waiting for a moderator are left out. The author is named only when they chose to show "
            "their name."),
         [("id", "integer", _l("Number of the proposal on this site.")),
          ("process_id", "integer", _l("Number of the participatory process it was made in.")),
          ("title", "string", _l("Title, as its author wrote it.")),
          ("body", "string", _l("Text, as its author wrote it, without formatting.")),
          ("language", "string", _l("Language of the title and text (ISO 639-1 code).")),
          ("district", "string", _l("District it is about, empty for the whole city.")),
          ("category", "string", _l("Plan goal (goal:number) or dimension (dimension:name) it belongs to.")),
          ("status", "string", _l("published, under_review, accepted, rejected, merged or withdrawn.")),
          ("status_reason", "string", _l("The city's public reason, required when a proposal is rejected.")),
          ("merged_into", "integer", _l("Number of the proposal it was merged into, if any.")),
          ("channel", "string", _l("How it was received: online, phone or in_person.")),
          ("supports", "integer", _l("Number of people who support it.")),
          ("comments", "integer", _l("Number of visible comments.")),
          ("created_at", "datetime", _l("When it was submitted (UTC).")),
          ("author", "string", _l("Author's name, only when they chose to show it; empty otherwise.")),
          ("url", "string", _l("Address of its page."))],
         lambda: db.session.scalar(sa.select(sa.func.max(Proposal.updated_at)).where(_public_proposals())))
def proposal_rows() -> Iterator[dict]:
    from civic.proposals import api, queries

    proposals = list(db.session.scalars(queries.filtered(queries.Filters(), None, public=True)))
    for item in queries.items(proposals):
        proposal, record = item.proposal, api.record(item)
        yield {**record, "process_id": proposal.process_id, "language": proposal.language,
               "status_reason": proposal.status_reason or None, "merged_into": proposal.merged_into_id,
               "channel": proposal.channel, "author": record.get("author")}


# Budgets: projects, results and anonymous ballots --------------------------------------------

@dataset("projects", _l("Budget projects"),
         _l("The projects of every participatory budget, with their cost and the proposals they came from."),
         [("id", "integer", _l("Number of the project on this site.")),
          ("project_id", "string", _l("Identifier of the project in results and ballot files.")),
          ("budget_id", "integer", _l("Number of the budget.")),
          ("process_id", "integer", _l("Number of the participatory process.")),
          ("title", "string", _l("Title of the project.")),
          ("description", "string", _l("Description, without formatting.")),
          ("feasibility", "string", _l("The city's note on whether the project can be done.")),
          ("language", "string", _l("Language of the texts (ISO 639-1 code).")),
          ("cost", "integer", _l("Estimated cost, in whole units of the currency.")),
          ("currency", "string", _l("Currency (ISO 4217 code).")),
          ("proposal_ids", "list", _l("Numbers of the proposals the project came from.")),
          ("created_at", "datetime", _l("When the project was added (UTC).")),
          ("url", "string", _l("Address of its page."))],
         lambda: _latest(Project.created_at, Budget.created_at))
def project_rows() -> Iterator[dict]:
    projects = db.session.scalars(sa.select(Project).options(joinedload(Project.budget),
                                                             selectinload(Project.proposals))
                                  .order_by(Project.budget_id, Project.position, Project.id))
    for project in projects:
        language = project.original_language
        yield {"id": project.id, "project_id": project.public_id, "budget_id": project.budget_id,
               "process_id": project.budget.process_id, "title": original(project.titles, language),
               "description": body_to_text(original(project.descriptions, language)),
               "feasibility": body_to_text(original(project.feasibility, language)), "language": language,
               "cost": project.cost, "currency": project.budget.currency,
               "proposal_ids": [proposal.id for proposal in project.proposals],
               "created_at": project.created_at, "url": external_url("budgets.project", project_id=project.id)}


def _publications(*, with_ballots: bool = False) -> list[ResultPublication]:
    query = (sa.select(ResultPublication).options(joinedload(ResultPublication.budget).selectinload(Budget.projects))
             .order_by(ResultPublication.budget_id))
    if with_ballots:
        query = query.options(undefer(ResultPublication.ballots_file))
    return list(db.session.scalars(query).unique())


@dataset("results", _l("Budget results"),
         _l("Published results of every participatory budget vote: each project's votes, score and whether it "
            "was selected. Results are published once and never change."),
         [("budget_id", "integer", _l("Number of the budget.")),
          ("process_id", "integer", _l("Number of the participatory process.")),
          ("project_id", "string", _l("Identifier of the project, as in the ballot file.")),
          ("title", "string", _l("Title of the project.")),
          ("cost", "integer", _l("Cost of the project, in whole units of the currency.")),
          ("currency", "string", _l("Currency (ISO 4217 code).")),
          ("votes", "integer", _l("Number of ballots that chose the project.")),
          ("score", "integer", _l("Score under the ballot's rule: votes, points or points by rank.")),
          ("selected", "boolean", _l("Whether the project won funding.")),
          ("rank", "integer", _l("Position of the project in the published results, 1 for the first.")),
          ("rule", "string", _l("Counting rule used (Pabulib name).")),
          ("voters", "integer", _l("Number of people who voted in the budget.")),
          ("published_at", "datetime", _l("When the results were published (UTC).")),
          ("ballots_sha256", "string", _l("SHA-256 of the published anonymous ballot file, to check it."))],
         lambda: _latest(ResultPublication.published_at))
def result_rows() -> Iterator[dict]:
    for publication in _publications():
        budget = publication.budget
        titles = {project.public_id: original(project.titles, project.original_language)
                  for project in budget.projects}
        for result in publication.results["projects"]:
            yield {"budget_id": budget.id, "process_id": budget.process_id, "project_id": result["project_id"],
                   "title": titles.get(result["project_id"], ""), "cost": result["cost"],
                   "currency": budget.currency, "votes": result["votes"], "score": result["score"],
                   "selected": result["selected"], "rank": result.get("rank"), "rule": publication.rule,
                   "voters": publication.voters, "published_at": publication.published_at,
                   "ballots_sha256": publication.ballots_sha256}


@dataset("ballots", _l("Anonymous ballots"),
         _l("Every ballot of every published vote, one row per project chosen, read from the published Pabulib "
            "files. Ballot identifiers are random and the order of ballots is shuffled: nothing links a ballot "
            "to a person."),
         [("ballot_id", "string", _l("Random identifier of the ballot, as in the Pabulib file.")),
          ("budget_id", "integer", _l("Number of the budget.")),
          ("project_id", "string", _l("Identifier of the project chosen.")),
          ("points", "integer", _l("Points given to the project: 1 unless the ballot spreads points.")),
          ("rank", "integer", _l("Place of the project on a ranked ballot, 1 for the first choice; empty "
                                 "otherwise."))],
         lambda: _latest(ResultPublication.published_at))
def ballot_rows() -> Iterator[dict]:
    for publication in _publications(with_ballots=True):
        election = pabulib.read(io.StringIO(publication.ballots_file))
        ranked = election.meta.get("vote_type") == "ordinal"
        for ballot in election.ballots:
            for position, project_id in enumerate(ballot.vote):
                yield {"ballot_id": ballot.voter_id, "budget_id": publication.budget_id, "project_id": project_id,
                       "points": ballot.points[position] if ballot.points else 1,
                       "rank": position + 1 if ranked else None}


# The action plan ------------------------------------------------------------------------------

@dataset("plans", _l("Action plan goals"),
         _l("The goals of every action plan, each with its baseline indicator (KPI) and target."),
         [("plan_id", "integer", _l("Number of the plan.")),
          ("plan_title", "string", _l("Title of the plan.")),
          ("plan_status", "string", _l("draft, adopted or archived.")),
          ("plan_version", "integer", _l("Version of the plan.")),
          ("goal_id", "integer", _l("Identifier of the goal, as in the outcomes dataset.")),
          ("goal_number", "integer", _l("Number of the goal in its plan.")),
          ("statement", "string", _l("The goal, as currently worded.")),
          ("goal_version", "integer", _l("Version of the goal's wording; earlier ones stay on the site.")),
          ("dimension", "string", _l("economy, environment, society or governance.")),
          ("timeframe", "string", _l("short (under 2 years), medium (2 to 5) or long (over 5).")),
          ("priority", "integer", _l("1 is the most urgent.")),
          ("champion", "string", _l("Department or office that leads the goal.")),
          ("desired_outcome", "string", _l("What the city wants to achieve.")),
          ("kpi_name", "string", _l("Indicator that measures the goal.")),
          ("kpi_unit", "string", _l("Unit of the indicator.")),
          ("kpi_baseline", "number", _l("Value of the indicator at the start.")),
          ("kpi_baseline_year", "integer", _l("Year of the baseline value.")),
          ("kpi_target", "number", _l("Value the city aims for.")),
          ("kpi_target_date", "date", _l("Date by which the target should be reached.")),
          ("kpi_reference", "string", _l("Standard that defines the indicator (ISO 37120, ITU-T Y.4903, SDG 11...).")),
          ("targets_reached", "integer", _l("Score card steps reached so far.")),
          ("targets", "integer", _l("Score card steps in all, the final complete step included.")),
          ("language", "string", _l("Language of the texts (ISO 639-1 code).")),
          ("url", "string", _l("Address of the goal's page."))],
         lambda: _latest(Plan.updated_at, GoalRevision.published_at))
def plan_rows() -> Iterator[dict]:
    plans = db.session.scalars(sa.select(Plan).options(selectinload(Plan.goals).selectinload(Goal.targets))
                               .order_by(Plan.id))
    for plan in plans:
        language = plan.original_language
        for goal in plan.goals:
            yield {"plan_id": plan.id, "plan_title": original(plan.titles, language), "plan_status": plan.status,
                   "plan_version": plan.version, "goal_id": goal.id, "goal_number": goal.number,
                   "statement": original(goal.statements, language), "goal_version": goal.version,
                   "dimension": goal.dimension, "timeframe": goal.timeframe, "priority": goal.priority,
                   "champion": goal.champion, "desired_outcome": original(goal.outcomes, language),
                   "kpi_name": original(goal.kpi_names, language), "kpi_unit": goal.kpi_unit,
                   "kpi_baseline": goal.kpi_baseline, "kpi_baseline_year": goal.kpi_baseline_year,
                   "kpi_target": goal.kpi_target, "kpi_target_date": goal.kpi_target_date,
                   "kpi_reference": goal.kpi_reference,
                   "targets_reached": sum(1 for target in goal.targets if target.reached_on),
                   "targets": len(goal.targets), "language": language,
                   "url": external_url("plans.goal", plan_id=plan.id, number=goal.number)}


@dataset("workplans", _l("Action plan workplans"),
         _l("Every action of every plan's workplan: who is responsible, dates, costs, funding and check-ins."),
         [("plan_id", "integer", _l("Number of the plan.")),
          ("goal_id", "integer", _l("Identifier of the goal.")),
          ("goal_number", "integer", _l("Number of the goal in its plan.")),
          ("action_id", "integer", _l("Identifier of the action, as in the outcomes dataset.")),
          ("action_number", "string", _l("Number of the action in the workplan, such as 1.2.")),
          ("description", "string", _l("What will be done.")),
          ("responsible", "string", _l("Department or partner responsible.")),
          ("start_date", "date", _l("Start date.")),
          ("end_date", "date", _l("Target end date.")),
          ("resources", "string", _l("Resources needed.")),
          ("estimated_cost", "number", _l("Estimated cost.")),
          ("actual_cost", "number", _l("Actual cost so far, empty when not known.")),
          ("currency", "string", _l("Currency (ISO 4217 code).")),
          ("funding_source", "string", _l("Where the money comes from.")),
          ("status", "string", _l("planned, in_progress, completed, delayed or cancelled.")),
          ("check_ins", "list", _l("Dates when progress is checked.")),
          ("language", "string", _l("Language of the texts (ISO 639-1 code)."))],
         lambda: _latest(Plan.updated_at))
def workplan_rows() -> Iterator[dict]:
    plans = db.session.scalars(sa.select(Plan).options(
        selectinload(Plan.goals).selectinload(Goal.actions).selectinload(Action.check_ins)).order_by(Plan.id))
    for plan in plans:
        language = plan.original_language
        for goal in plan.goals:
            for action in goal.actions:
                yield {"plan_id": plan.id, "goal_id": goal.id, "goal_number": goal.number, "action_id": action.id,
                       "action_number": action.number, "description": original(action.descriptions, language),
                       "responsible": action.responsible, "start_date": action.start_date,
                       "end_date": action.end_date, "resources": original(action.resources, language),
                       "estimated_cost": action.estimated_cost, "actual_cost": action.actual_cost,
                       "currency": plan.currency, "funding_source": action.funding_source, "status": action.status,
                       "check_ins": [check_in.due_on for check_in in action.check_ins], "language": language}


# Outcomes -------------------------------------------------------------------------------------

def outcome_links(outcome_ids: list[int] | None = None) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    """Project ids and public proposal ids of the outcomes (all when `outcome_ids` is None): two queries,
    whatever their number."""
    projects: dict[int, list[int]] = {}
    proposals: dict[int, list[int]] = {}
    if outcome_ids is not None and not outcome_ids:
        return projects, proposals
    project_query = (sa.select(outcome_project.c.outcome_id, outcome_project.c.project_id)
                     .order_by(outcome_project.c.outcome_id, outcome_project.c.project_id))
    proposal_query = (sa.select(outcome_proposal.c.outcome_id, outcome_proposal.c.proposal_id)
                      .join(Proposal, Proposal.id == outcome_proposal.c.proposal_id).where(_public_proposals())
                      .order_by(outcome_proposal.c.outcome_id, outcome_proposal.c.proposal_id))
    if outcome_ids is not None:
        project_query = project_query.where(outcome_project.c.outcome_id.in_(outcome_ids))
        proposal_query = proposal_query.where(outcome_proposal.c.outcome_id.in_(outcome_ids))
    for outcome_id, project_id in db.session.execute(project_query):
        projects.setdefault(outcome_id, []).append(project_id)
    for outcome_id, proposal_id in db.session.execute(proposal_query):
        proposals.setdefault(outcome_id, []).append(proposal_id)
    return projects, proposals


@dataset("outcomes", _l("Outcomes"),
         _l("What the city delivers: each outcome's status, progress, dates and costs, and the plan goal, plan "
            "action, budget projects and proposals it comes from."),
         [("id", "integer", _l("Number of the outcome.")),
          ("title", "string", _l("Title of the outcome.")),
          ("description", "string", _l("Description of the outcome.")),
          ("status", "string", _l("planned, in_progress, completed, delayed or cancelled.")),
          ("progress", "integer", _l("Progress, in percent.")),
          ("starts_on", "date", _l("Start date.")),
          ("ends_on", "date", _l("Planned end date.")),
          ("estimated_cost", "number", _l("Estimated cost.")),
          ("actual_cost", "number", _l("Actual cost so far, empty when not known.")),
          ("currency", "string", _l("Currency (ISO 4217 code).")),
          ("responsible", "string", _l("Department or partner responsible.")),
          ("district", "string", _l("District it is in, empty for the whole city.")),
          ("goal_id", "integer", _l("Plan goal it serves.")),
          ("action_id", "integer", _l("Plan action it delivers.")),
          ("parent_id", "integer", _l("Larger outcome it is part of.")),
          ("project_ids", "list", _l("Budget projects it delivers (the id column of the projects dataset).")),
          ("proposal_ids", "list", _l("Proposals it comes from.")),
          ("language", "string", _l("Language of the texts (ISO 639-1 code).")),
          ("updated_at", "datetime", _l("When it last changed (UTC)."))],
         lambda: _latest(Outcome.updated_at, OutcomeUpdate.created_at))
def outcome_rows() -> Iterator[dict]:
    projects, proposals = outcome_links()
    for outcome in db.session.scalars(sa.select(Outcome).options(joinedload(Outcome.district)).order_by(Outcome.id)):
        language = outcome.original_language
        district = outcome.district
        yield {"id": outcome.id, "title": original(outcome.titles, language),
               "description": original(outcome.descriptions, language), "status": outcome.status,
               "progress": outcome.progress, "starts_on": outcome.starts_on, "ends_on": outcome.ends_on,
               "estimated_cost": outcome.estimated_cost, "actual_cost": outcome.actual_cost,
               "currency": outcome.currency, "responsible": outcome.responsible,
               "district": original(district.names, district.original_language) if district else None,
               "goal_id": outcome.goal_id, "action_id": outcome.action_id, "parent_id": outcome.parent_id,
               "project_ids": projects.get(outcome.id, []), "proposal_ids": proposals.get(outcome.id, []),
               "language": language, "updated_at": outcome.updated_at}


@dataset("outcome_updates", _l("Outcome updates"),
         _l("Dated progress reports on outcomes, as the city published them. Who wrote them is not included."),
         [("id", "integer", _l("Number of the update.")),
          ("outcome_id", "integer", _l("Number of the outcome.")),
          ("date", "date", _l("Date the update reports on.")),
          ("progress", "integer", _l("Progress at that date, in percent; empty when not given.")),
          ("status", "string", _l("Status set by the update; empty when unchanged.")),
          ("actual_cost", "number", _l("Actual cost at that date; empty when not given.")),
          ("text", "string", _l("What happened.")),
          ("language", "string", _l("Language of the text (ISO 639-1 code).")),
          ("created_at", "datetime", _l("When the update was published (UTC)."))],
         lambda: _latest(OutcomeUpdate.created_at))
def outcome_update_rows() -> Iterator[dict]:
    updates = db.session.execute(
        sa.select(OutcomeUpdate.id, OutcomeUpdate.outcome_id, OutcomeUpdate.on, OutcomeUpdate.progress,
                  OutcomeUpdate.status, OutcomeUpdate.actual_cost, OutcomeUpdate.text, OutcomeUpdate.language,
                  OutcomeUpdate.created_at)
        .order_by(OutcomeUpdate.outcome_id, OutcomeUpdate.on.desc(), OutcomeUpdate.id.desc()))
    for row in updates:
        yield {"id": row.id, "outcome_id": row.outcome_id, "date": row.on, "progress": row.progress,
               "status": row.status, "actual_cost": row.actual_cost, "text": row.text, "language": row.language,
               "created_at": row.created_at}


# Moderation -----------------------------------------------------------------------------------

def _month(column):
    """The UTC month of a timestamp as YYYY-MM, in SQL. Literals, not bound parameters: PostgreSQL
    must see the same expression in SELECT and GROUP BY."""
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.func.to_char(sa.func.timezone(sa.literal_column("'UTC'"), column), sa.literal_column("'YYYY-MM'"))
    return sa.func.strftime(sa.literal_column("'%Y-%m'"), column)


@dataset("moderation", _l("Moderation statistics"),
         _l("How many moderation actions and reports there were each month, by kind and reason. Counts only: no "
            "names, no identifiers and no content."),
         [("month", "string", _l("Month (YYYY-MM, UTC).")),
          ("event", "string", _l("hide, restore, dismiss, approve, block, unblock, or report for reports made "
                                 "by people.")),
          ("target", "string", _l("What it was about: proposal, comment or user.")),
          ("reason", "string", _l("Reason given (spam, personal_attack...); empty when none is needed.")),
          ("count", "integer", _l("How many."))],
         lambda: _latest(ModerationAction.created_at, ProposalReport.created_at, CommentReport.created_at))
def moderation_rows() -> Iterator[dict]:
    month = _month(ModerationAction.created_at).label("month")
    actions = db.session.execute(
        sa.select(month, ModerationAction.action, ModerationAction.target_kind, ModerationAction.reason,
                  sa.func.count()).group_by(month, ModerationAction.action, ModerationAction.target_kind,
                                            ModerationAction.reason))
    rows = [{"month": m, "event": action, "target": target, "reason": reason or None, "count": number}
            for m, action, target, reason, number in actions]
    for model, target in ((ProposalReport, "proposal"), (CommentReport, "comment")):
        month = _month(model.created_at).label("month")
        reports = db.session.execute(sa.select(month, model.reason, sa.func.count()).group_by(month, model.reason))
        rows += [{"month": m, "event": "report", "target": target, "reason": reason, "count": number}
                 for m, reason, number in reports]
    yield from sorted(rows, key=lambda row: (row["month"], row["event"], row["target"], row["reason"] or ""))
