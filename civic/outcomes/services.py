"""Outcome rules: who may change what, progress that rolls up, updates that notify followers, and
one-step creation from budget winners and plan actions. The CSV import of updates is in csvimport."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import format_number
from civic.core.messages import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from civic.accounts.models import Role, User
from civic.accounts.personal_data import register_exporter
from civic.budgets.models import Budget, Project
from civic.city.models import District
from civic.core import audit
from civic.core.errors import DomainError, NotAllowed
from civic.core.inputs import MAX_COUNT, MAX_DECIMAL_MONEY, MAX_MONEY
from civic.core.sanitize import clean_rich_text
from civic.core.i18n import set_text
from civic.extensions import db
from civic.outcomes import audit as _audit_labels  # noqa: F401  (registers this area's audit actions)
from civic.outcomes.models import CLOSED_STATUSES, STATUSES, Outcome, OutcomeUpdate, outcome_project
from civic.plans.models import Action, Goal
from civic.processes.services import local_date

STATUS_LABELS = {"planned": _l("Planned"), "in_progress": _l("In progress"), "completed": _l("Completed"),
                 "delayed": _l("Delayed"), "cancelled": _l("Cancelled")}


def can_manage(actor: User | None) -> bool:
    return bool(actor is not None and getattr(actor, "is_authenticated", False) and actor.is_staff)


def can_post_updates(actor: User | None) -> bool:
    return can_manage(actor) or bool(actor is not None and getattr(actor, "is_authenticated", False)
                                     and actor.role == Role.TRACKER.value and actor.deleted_at is None)


def require_manager(actor: User | None) -> None:
    if not can_manage(actor):
        raise NotAllowed(_l("Only city staff can manage outcomes."))


def require_tracker(actor: User | None) -> None:
    if not can_post_updates(actor):
        raise NotAllowed(_l("Only city staff and department trackers can post progress updates."))


@dataclass
class OutcomeData:
    title: str
    description: str = ""
    status: str = "planned"
    progress: int = 0
    starts_on: date | None = None
    ends_on: date | None = None
    estimated_cost: Decimal | None = None
    actual_cost: Decimal | None = None
    currency: str = "EUR"
    responsible: str = ""
    district_id: int | None = None
    goal_id: int | None = None
    action_id: int | None = None
    parent_id: int | None = None
    weight: int = 1
    project_ids: list[int] = field(default_factory=list)
    proposal_ids: list[int] = field(default_factory=list)


def _check_cost(value: Decimal | None, field: str) -> None:
    """Costs are 0 or more and fit the column (numeric(14, 2)), as the CHECK constraints say too."""
    if value is None:
        return
    if not value.is_finite():
        raise DomainError(_l("Enter the cost as a number, for example 125000.50."), field)
    if value < 0:
        raise DomainError(_l("Costs cannot be negative."), field)
    if value > MAX_DECIMAL_MONEY:
        raise DomainError(_l("Enter a cost of at most %(max)s.", max=format_number(MAX_MONEY)), field)


def _check(data: OutcomeData, outcome: Outcome | None) -> None:
    if data.status not in STATUSES:
        raise DomainError(_l("Choose a status from the list."), "status")
    if not 0 <= data.progress <= 100:
        raise DomainError(_l("Progress is a percentage from 0 to 100."), "progress")
    if data.status == "completed" and data.progress != 100:
        raise DomainError(_l("A completed outcome has a progress of 100: change one or the other."), "progress")
    if data.starts_on and data.ends_on and data.ends_on < data.starts_on:
        raise DomainError(_l("The end date must be on or after the start date."), "ends_on")
    for name in ("estimated_cost", "actual_cost"):
        _check_cost(getattr(data, name), name)
    if not 1 <= data.weight <= MAX_COUNT:
        raise DomainError(_l("The weight is a whole number from 1 to %(max)s.", max=format_number(MAX_COUNT)),
                          "weight")
    if data.district_id is not None and db.session.get(District, data.district_id) is None:
        raise DomainError(_l("Choose a district from the list."), "district")
    if data.goal_id is not None and db.session.get(Goal, data.goal_id) is None:
        raise DomainError(_l("Choose a goal from the list."), "goal")
    if data.action_id is not None and db.session.get(Action, data.action_id) is None:
        raise DomainError(_l("Choose an action from the list."), "action")
    if data.parent_id is not None:
        parent = db.session.get(Outcome, data.parent_id)
        if parent is None:
            raise DomainError(_l("Choose a parent outcome from the list."), "parent")
        # No cycles: the parent must not be this outcome or one of its descendants.
        seen = parent
        while seen is not None:
            if outcome is not None and seen.id == outcome.id:
                raise DomainError(_l("An outcome cannot be part of itself."), "parent")
            seen = seen.parent


def save_outcome(actor: User | None, outcome: Outcome | None, data: OutcomeData, *, language: str,
                 now: datetime) -> Outcome:
    from civic.proposals.models import Proposal

    require_manager(actor)
    _check(data, outcome)
    old_status, old_parent = (outcome.status, outcome.parent_id) if outcome else (None, None)
    before = audit.snapshot(outcome)
    if outcome is not None and outcome.children and data.status == "completed" and outcome.progress < 100:
        raise DomainError(_l("An outcome with parts is completed when all its parts are."), "status")
    if outcome is None:
        outcome = Outcome(original_language=language, created_at=now)
        db.session.add(outcome)
    set_text(outcome, "titles", language, data.title)
    set_text(outcome, "descriptions", language, clean_rich_text(data.description) if data.description else "")
    if not (outcome.titles or {}).get(outcome.original_language):
        raise DomainError(_l("Enter the outcome's title in its original language."), "title")
    if data.action_id is not None and db.session.scalar(sa.select(Outcome.id).where(
            Outcome.action_id == data.action_id, Outcome.id != (outcome.id or -1))) is not None:
        raise DomainError(_l("This action already has an outcome."), "action")
    for name in ("status", "starts_on", "ends_on", "estimated_cost", "actual_cost", "responsible", "district_id",
                 "goal_id", "action_id", "parent_id", "weight"):
        setattr(outcome, name, getattr(data, name))
    outcome.currency = (data.currency or "EUR").upper()[:3]
    if not outcome.children:
        outcome.progress = 100 if data.status == "completed" else data.progress
    outcome.projects = list(db.session.scalars(sa.select(Project).where(Project.id.in_(data.project_ids)))) \
        if data.project_ids else []
    outcome.proposals = list(db.session.scalars(sa.select(Proposal).where(Proposal.id.in_(data.proposal_ids)))) \
        if data.proposal_ids else []
    outcome.updated_at = now
    db.session.flush()
    audit.record(actor, "outcome.saved", subject_type="outcome", subject_id=outcome.id, now=now,
                 details={"created": True} if before is None else
                 {"changed": audit.changed_since(before, outcome), "status": outcome.status})
    for parent_id in {old_parent, outcome.parent_id} - {None}:
        roll_up(db.session.get(Outcome, parent_id))
    if old_status is not None and old_status != outcome.status:
        _notify_status(outcome, actor, now)
    return outcome


def roll_up(outcome: Outcome | None) -> None:
    """A parent's progress is its children's, weighted; cancelled children do not count."""
    while outcome is not None:
        children = [child for child in outcome.children if child.status != "cancelled"]
        if children:
            total = sum(child.weight for child in children)
            outcome.progress = round(sum(child.progress * child.weight for child in children) / total)
            if outcome.status == "completed" and outcome.progress < 100:
                outcome.status = "in_progress"
        outcome = outcome.parent
    db.session.flush()


@dataclass
class UpdateData:
    on: date
    text: str
    progress: int | None = None
    status: str | None = None
    actual_cost: Decimal | None = None
    photo: bytes | None = None
    photo_alt: str = ""
    language: str = "en"


def post_update(actor: User | None, outcome: Outcome, data: UpdateData, now: datetime,
                source: str = "web") -> OutcomeUpdate:
    from civic.proposals.photos import reencode

    require_tracker(actor)
    text = (data.text or "").strip()
    if not text:
        raise DomainError(_l("Say what happened."), "text")
    if data.progress is not None and not 0 <= data.progress <= 100:
        raise DomainError(_l("Progress is a percentage from 0 to 100."), "progress")
    if data.status is not None and data.status not in STATUSES:
        raise DomainError(_l("Choose a status from the list."), "status")
    _check_cost(data.actual_cost, "actual_cost")
    if data.photo and not data.photo_alt.strip():
        raise DomainError(_l("Describe the photo for people who cannot see it."), "photo_alt")
    if data.on > local_date(now):  # the city's calendar day, as the form shows it
        raise DomainError(_l("The date of an update cannot be in the future."), "on")
    progress = 100 if data.status == "completed" else data.progress
    if data.status == "completed" and data.progress not in (None, 100):
        raise DomainError(_l("A completed outcome has a progress of 100: change one or the other."), "progress")
    update = OutcomeUpdate(outcome=outcome, on=data.on, text=text, language=data.language, progress=progress,
                           status=data.status, actual_cost=data.actual_cost, source=source,
                           author_id=actor.id, created_at=now)
    if data.photo:
        update.photo, update.photo_type, update.photo_alt = reencode(data.photo), "image/webp", data.photo_alt.strip()
    db.session.add(update)
    old_status = outcome.status
    if progress is not None and not outcome.children:
        outcome.progress = progress
    if data.status is not None:
        outcome.status = data.status
    elif progress == 100 and not outcome.children:
        outcome.status = "completed"
    elif progress and outcome.status == "planned":
        outcome.status = "in_progress"
    if data.actual_cost is not None:
        outcome.actual_cost = data.actual_cost
    outcome.updated_at = now
    db.session.flush()
    audit.record(actor, "outcome.update_posted", subject_type="outcome", subject_id=outcome.id, now=now,
                 details={"update_id": update.id, "source": source, "progress": progress, "status": data.status})
    roll_up(outcome.parent)
    _notify(outcome, "outcome_update", {**_titles(outcome), "progress": outcome.progress}, actor, now)
    if outcome.status != old_status:
        _notify_status(outcome, actor, now)
    return update


def _notify(outcome: Outcome, event: str, params: dict, actor: User | None, now: datetime) -> None:
    from civic.notifications.services import notify_followers

    notify_followers("outcome", outcome.id, event, params=params, url=f"/outcomes/{outcome.id}", actor=actor,
                     now=now)


def _notify_status(outcome: Outcome, actor: User | None, now: datetime) -> None:
    _notify(outcome, "outcome_status", {**_titles(outcome), "status": outcome.status}, actor, now)


def _titles(outcome: Outcome) -> dict:
    # Every language the title has: each follower reads it in theirs.
    return {"titles": dict(outcome.titles), "original": outcome.original_language}


def from_budget_winners(actor: User | None, budget: Budget, now: datetime) -> list[Outcome]:
    """One step: every funded project of a published budget becomes an outcome, linked to the
    project and to the proposals it came from. Projects that already have one are skipped."""
    require_manager(actor)
    if budget.publication is None:
        raise DomainError(_l("Publish the results first: only winning projects become outcomes."))
    funded = {row["project_id"] for row in budget.publication.results["projects"] if row["selected"]}
    existing = set(db.session.scalars(sa.select(outcome_project.c.project_id)))
    goals = budget.process.goals
    created = []
    for project in budget.projects:
        if project.public_id not in funded or project.id in existing:
            continue
        outcome = Outcome(titles=dict(project.titles), descriptions=dict(project.descriptions),
                          original_language=project.original_language, status="planned", progress=0,
                          estimated_cost=Decimal(project.cost), currency=budget.currency,
                          district_id=budget.district_id, goal_id=goals[0].id if len(goals) == 1 else None,
                          created_at=now, updated_at=now)
        outcome.projects = [project]
        outcome.proposals = list(project.proposals)
        db.session.add(outcome)
        created.append(outcome)
    db.session.flush()
    audit.record(actor, "outcome.created_from_budget", subject_type="budget", subject_id=budget.id, now=now,
                 details={"outcome_ids": [outcome.id for outcome in created]})
    return created


def from_action(actor: User | None, action: Action, now: datetime) -> Outcome:
    """One step: a workplan action becomes a tracked outcome of its goal."""
    require_manager(actor)
    if db.session.scalar(sa.select(Outcome.id).where(Outcome.action_id == action.id)) is not None:
        raise DomainError(_l("This action already has an outcome."))
    status = action.status if action.status in STATUSES else "planned"
    outcome = Outcome(titles=dict(action.descriptions), descriptions={}, original_language=action.goal.plan.original_language,
                      status=status, progress=100 if status == "completed" else 0, starts_on=action.start_date,
                      ends_on=action.end_date, estimated_cost=action.estimated_cost, actual_cost=action.actual_cost,
                      currency=action.goal.plan.currency, responsible=action.responsible, goal_id=action.goal_id,
                      action_id=action.id, created_at=now, updated_at=now)
    db.session.add(outcome)
    db.session.flush()
    audit.record(actor, "outcome.created_from_action", subject_type="outcome", subject_id=outcome.id, now=now,
                 details={"action_id": action.id})
    return outcome


def days_late(outcome: Outcome, today: date) -> int | None:
    """Days past the end date for an outcome not completed or cancelled; None when on time."""
    if outcome.ends_on is None or outcome.status in CLOSED_STATUSES or outcome.ends_on >= today:
        return None
    return (today - outcome.ends_on).days


@dataclass
class LateAction:
    action: Action
    reason: str  # "end" (past its end date) or "check_in" (a check-in passed without an update)
    since: date
    days: int


CHECK_IN_GRACE_DAYS = 30  # an update up to 30 days before a check-in date counts for it


def late_action(action: Action, reports: dict[int, date | None], today: date) -> LateAction | None:
    """Past its end date, or (for an action tracked as an outcome, whose updates are its reports) a
    check-in date passed with no update since 30 days before it."""
    if action.status in CLOSED_STATUSES:
        return None
    if action.end_date < today:
        return LateAction(action, "end", action.end_date, (today - action.end_date).days)
    if action.id not in reports:
        return None
    passed = [check_in.due_on for check_in in action.check_ins if check_in.due_on < today]
    if passed:
        due, last_update = max(passed), reports[action.id]
        if last_update is None or (due - last_update).days > CHECK_IN_GRACE_DAYS:
            return LateAction(action, "check_in", due, (today - due).days)
    return None


def action_reports() -> dict[int, date | None]:
    """Actions tracked as outcomes, with the date of their outcome's latest update (None: none yet)."""
    rows = db.session.execute(sa.select(Outcome.action_id, sa.func.max(OutcomeUpdate.on))
                              .outerjoin(OutcomeUpdate, OutcomeUpdate.outcome_id == Outcome.id)
                              .where(Outcome.action_id.is_not(None)).group_by(Outcome.action_id))
    return {action_id: on for action_id, on in rows}


def late_items(today: date) -> tuple[list[tuple[Outcome, int]], list[LateAction]]:
    outcomes = db.session.scalars(sa.select(Outcome).where(Outcome.ends_on < today,
                                                           Outcome.status.not_in(CLOSED_STATUSES))
                                  .options(selectinload(Outcome.goal)).order_by(Outcome.ends_on))
    late_outcomes = [(outcome, days_late(outcome, today)) for outcome in outcomes]
    reports = action_reports()
    actions = db.session.scalars(sa.select(Action).where(Action.status.not_in(CLOSED_STATUSES))
                                 .options(selectinload(Action.check_ins), selectinload(Action.goal))
                                 .order_by(Action.goal_id, Action.position))
    late_actions = [late for action in actions if (late := late_action(action, reports, today))]
    late_actions.sort(key=lambda late: -late.days)
    return late_outcomes, late_actions


def costs_by_goal(goal_ids: list[int]) -> dict[int, tuple[Decimal, Decimal]]:
    """(estimated, actual) summed over each goal's outcomes; parents are not counted twice."""
    rows = db.session.execute(sa.select(Outcome.goal_id, sa.func.coalesce(sa.func.sum(Outcome.estimated_cost), 0),
                                        sa.func.coalesce(sa.func.sum(Outcome.actual_cost), 0))
                              .where(Outcome.goal_id.in_(goal_ids), ~Outcome.children.any())
                              .group_by(Outcome.goal_id))
    return {goal_id: (Decimal(estimated), Decimal(actual)) for goal_id, estimated, actual in rows}


def outcomes_for_goal(goal_id: int) -> list[Outcome]:
    return list(db.session.scalars(sa.select(Outcome).where(Outcome.goal_id == goal_id)
                                   .options(selectinload(Outcome.children)).order_by(Outcome.id)))


def outcomes_for_projects(project_ids: list[int]) -> dict[int, list[Outcome]]:
    if not project_ids:
        return {}
    rows = db.session.execute(sa.select(outcome_project.c.project_id, Outcome)
                              .join(Outcome, Outcome.id == outcome_project.c.outcome_id)
                              .where(outcome_project.c.project_id.in_(project_ids)))
    found: dict[int, list[Outcome]] = {}
    for project_id, outcome in rows:
        found.setdefault(project_id, []).append(outcome)
    return found


def outcomes_for_proposals(proposal_ids: list[int]) -> dict[int, list[Outcome]]:
    from civic.outcomes.models import outcome_proposal

    if not proposal_ids:
        return {}
    rows = db.session.execute(sa.select(outcome_proposal.c.proposal_id, Outcome)
                              .join(Outcome, Outcome.id == outcome_proposal.c.outcome_id)
                              .where(outcome_proposal.c.proposal_id.in_(proposal_ids)))
    found: dict[int, list[Outcome]] = {}
    for proposal_id, outcome in rows:
        found.setdefault(proposal_id, []).append(outcome)
    return found


def export_updates(user: User) -> list[dict]:
    """Progress updates this person posted (staff and trackers)."""
    rows = db.session.scalars(sa.select(OutcomeUpdate).where(OutcomeUpdate.author_id == user.id)
                              .order_by(OutcomeUpdate.id))
    return [{"outcome_id": u.outcome_id, "date": u.on.isoformat(), "text": u.text, "progress": u.progress,
             "created_at": u.created_at.isoformat()} for u in rows]


register_exporter("outcome_updates", export_updates)
