"""Action-plan rules: who authors, what can change when, consultation windows and revisions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask import url_for
from civic.core.messages import lazy_gettext as _l

from civic.accounts.models import User
from civic.comments.models import Comment, CommentThread
from civic.comments.policy import ThreadRules, register_policy
from civic.core import audit
from civic.core.errors import DomainError, NotAllowed
from civic.core.i18n import format_when, set_text
from civic.extensions import db
from civic.notifications.services import notify_followers
from civic.plans.models import (COMPLETE_POSITION, GOAL_THREAD_KIND, Action, ActionCheckIn, Goal,
                                GoalRevision, GoalTarget, Plan)


audit.register_actions({
    "plan.saved": _l("Saved an action plan"),
    "plan.consultation_scheduled": _l("Set the consultation window of an action plan"),
    "goal.saved": _l("Saved a plan goal"),
    "goal.revised": _l("Published a revision of a plan goal"),
    "goal.score_card_saved": _l("Saved the score card of a plan goal"),
    "plan_action.saved": _l("Saved a workplan action"),
})
audit.register_subject_types({"plan": _l("action plan"), "goal": _l("plan goal"),
                              "plan_action": _l("workplan action")})


def _record(actor: User, action: str, subject_type: str, row, created: bool, changed: list[str],
            now: datetime) -> None:
    details = {"created": True} if created else {"changed": changed}
    audit.record(actor, action, subject_type=subject_type, subject_id=row.id, now=now, details=details)


def require_author(actor: User | None) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_staff:
        raise NotAllowed(_l("Only city staff can write and edit the action plan."))


def can_author(actor: User | None) -> bool:
    return bool(actor is not None and getattr(actor, "is_authenticated", False) and actor.is_staff)


def _require_original(row, field: str, original: str, label) -> None:
    if not (getattr(row, field) or {}).get(original):
        raise DomainError(_l("Enter the %(field)s in the plan's original language.", field=label), field)


@dataclass
class PlanData:
    title: str
    vision: str
    principles: str
    status: str
    version: int
    currency: str
    period_start: date
    period_end: date | None
    adopted_on: date | None


def save_plan(actor: User, plan: Plan | None, data: PlanData, *, language: str, now: datetime) -> Plan:
    require_author(actor)
    before = audit.snapshot(plan)
    if plan is None:
        plan = Plan(original_language=language, created_at=now)
        db.session.add(plan)
    if data.period_end and data.period_end < data.period_start:
        raise DomainError(_l("The end of the plan period must come after its start."), "period_end")
    for field, value in (("titles", data.title), ("visions", data.vision), ("principles", data.principles)):
        set_text(plan, field, language, value)
    _require_original(plan, "titles", plan.original_language, _l("title"))
    plan.status, plan.version, plan.currency = data.status, data.version, data.currency.upper()
    plan.period_start, plan.period_end, plan.adopted_on = data.period_start, data.period_end, data.adopted_on
    plan.updated_at = now
    db.session.flush()
    _record(actor, "plan.saved", "plan", plan, before is None, audit.changed_since(before, plan), now)
    return plan


def open_consultation(actor: User, plan: Plan, *, opens_at: datetime, closes_at: datetime, now: datetime) -> None:
    require_author(actor)
    if closes_at <= opens_at:
        raise DomainError(_l("The consultation must close after it opens."), "closes_at")
    if closes_at <= now:
        raise DomainError(_l("The closing time is already past. Choose a later one."), "closes_at")
    plan.consultation_opens_at, plan.consultation_closes_at = opens_at, closes_at
    plan.updated_at = now
    audit.record(actor, "plan.consultation_scheduled", subject_type="plan", subject_id=plan.id, now=now,
                 details={"opens_at": opens_at.isoformat(), "closes_at": closes_at.isoformat()})


@dataclass
class GoalData:
    number: int
    dimension: str
    statement: str
    kpi_name: str
    kpi_unit: str
    kpi_baseline: Decimal
    kpi_baseline_year: int
    kpi_target: Decimal
    kpi_target_date: date
    kpi_reference: str
    ismart_notes: str
    timeframe: str
    priority: int
    champion: str
    desired_outcome: str


def _goal_has_comments(goal: Goal) -> bool:
    threads = sa.select(GoalRevision.thread_id).where(GoalRevision.goal_id == goal.id)
    return bool(db.session.scalar(sa.select(sa.func.count(Comment.id)).where(Comment.thread_id.in_(threads))))


def statement_locked(goal: Goal) -> bool:
    """Once residents have commented, the text only changes through a published revision."""
    return goal.id is not None and _goal_has_comments(goal)


def save_goal(actor: User, plan: Plan, goal: Goal | None, data: GoalData, *, language: str, now: datetime) -> Goal:
    require_author(actor)
    if data.kpi_baseline_year > data.kpi_target_date.year:
        raise DomainError(_l("The target date must come after the baseline year."), "kpi_target_date")
    creating, before = goal is None, audit.snapshot(goal)
    clash = db.session.scalar(sa.select(Goal.id).where(Goal.plan_id == plan.id, Goal.number == data.number,
                                                       Goal.id != (0 if creating else goal.id)))
    if clash:
        raise DomainError(_l("Another goal of this plan already has number %(number)d.", number=data.number), "number")
    if creating:
        goal = Goal(plan=plan)
    current = (goal.statements or {}).get(language, "")
    # After comments, a translation may still be added, but an existing text may not change.
    if not creating and current and data.statement.strip() != current and statement_locked(goal):
        raise DomainError(_l("Residents have commented on this goal: change its text by publishing a revision."),
                          "statement")
    for field, value in (("statements", data.statement), ("kpi_names", data.kpi_name),
                         ("ismart_notes", data.ismart_notes), ("outcomes", data.desired_outcome)):
        set_text(goal, field, language, value)
    _require_original(goal, "statements", plan.original_language, _l("statement"))
    _require_original(goal, "kpi_names", plan.original_language, _l("indicator name"))
    for name in ("number", "dimension", "kpi_unit", "kpi_baseline", "kpi_baseline_year", "kpi_target",
                 "kpi_target_date", "kpi_reference", "timeframe", "priority", "champion"):
        setattr(goal, name, getattr(data, name))
    if creating:
        db.session.add(goal)
        goal.revisions.append(GoalRevision(version=1, statements=dict(goal.statements), published_at=now,
                                           published_by_id=actor.id, thread=CommentThread(kind=GOAL_THREAD_KIND)))
    else:
        goal.revisions[-1].statements = dict(goal.statements)  # same revision, corrected text
    plan.updated_at = now
    db.session.flush()
    _record(actor, "goal.saved", "goal", goal, creating, audit.changed_since(before, goal), now)
    return goal


def revise_goal(actor: User, goal: Goal, *, statement: str, note: str, language: str, now: datetime) -> GoalRevision:
    require_author(actor)
    if not goal.plan.consultation_over(now):
        raise DomainError(_l("Revisions are published after the consultation has closed."))
    if not note.strip():
        raise DomainError(_l("Explain how the comments were used. Residents read this note."), "note")
    if not statement.strip():
        raise DomainError(_l("Enter the revised statement."), "statement")
    statements = {**goal.statements, language: statement.strip()}
    revision = GoalRevision(goal=goal, version=goal.version + 1, statements=statements,
                            notes={language: note.strip()}, published_at=now, published_by_id=actor.id,
                            thread=CommentThread(kind=GOAL_THREAD_KIND))
    db.session.add(revision)
    goal.statements, goal.version = statements, revision.version
    goal.plan.updated_at = now
    db.session.flush()
    audit.record(actor, "goal.revised", subject_type="goal", subject_id=goal.id, now=now,
                 details={"version": revision.version, "language": language})
    # Followers of the goal hear about the revision (notifications area).
    notify_followers("goal", goal.id, "goal_revision", params={
        "titles": statements, "original": goal.plan.original_language, "number": goal.number,
        "version": revision.version}, url=f"/plans/{goal.plan_id}/goals/{goal.number}", actor=actor, now=now)
    return revision


@dataclass
class ActionData:
    number: str
    description: str
    responsible: str
    start_date: date
    end_date: date
    resources: str
    estimated_cost: Decimal
    actual_cost: Decimal | None
    funding_source: str
    status: str
    check_ins: list[date]


def save_action(actor: User, goal: Goal, action: Action | None, data: ActionData, *, language: str,
                now: datetime) -> Action:
    require_author(actor)
    if data.end_date < data.start_date:
        raise DomainError(_l("The target end date must come after the start date."), "end_date")
    clash = db.session.scalar(sa.select(Action.id).where(Action.goal_id == goal.id, Action.number == data.number,
                                                         Action.id != (action.id if action else 0)))
    if clash:
        raise DomainError(_l("Another action of this goal already has number %(number)s.", number=data.number),
                          "number")
    created, before = action is None, audit.snapshot(action)
    if created:
        action = Action(goal=goal, position=len(goal.actions) + 1)
    set_text(action, "descriptions", language, data.description)
    set_text(action, "resources", language, data.resources)
    _require_original(action, "descriptions", goal.plan.original_language, _l("description"))
    for name in ("number", "responsible", "start_date", "end_date", "estimated_cost", "actual_cost",
                 "funding_source", "status"):
        setattr(action, name, getattr(data, name))
    db.session.add(action)
    wanted = sorted(set(data.check_ins))
    action.check_ins = [c for c in action.check_ins if c.due_on in wanted] + [
        ActionCheckIn(due_on=day) for day in wanted if day not in {c.due_on for c in action.check_ins}]
    goal.plan.updated_at = now
    db.session.flush()
    _record(actor, "plan_action.saved", "plan_action", action, created, audit.changed_since(before, action), now)
    return action


def save_targets(actor: User, goal: Goal, steps: list[tuple[str, date | None]], *, language: str,
                 now: datetime) -> None:
    """`steps`: up to five targets then "complete", as (description, reached_on); blanks are removed."""
    require_author(actor)
    if len(steps) != COMPLETE_POSITION:
        raise DomainError(_l("A score card has five targets and a final “complete” step."))
    existing = {target.position: target for target in goal.targets}
    for position, (description, reached_on) in enumerate(steps, start=1):
        target = existing.get(position)
        if not description.strip() and reached_on is None:
            if target is not None and (set(target.descriptions) - {language}):
                set_text(target, "descriptions", language, "")  # keep the other languages
            elif target is not None:
                goal.targets.remove(target)
            continue
        if target is None:
            target = GoalTarget(goal=goal, position=position)
            goal.targets.append(target)
        set_text(target, "descriptions", language, description)
        if not target.descriptions.get(goal.plan.original_language):
            raise DomainError(_l("Describe step %(position)d in the plan's original language.", position=position),
                              f"steps-{position - 1}-description")
        target.reached_on = reached_on
    goal.plan.updated_at = now
    db.session.flush()
    audit.record(actor, "goal.score_card_saved", subject_type="goal", subject_id=goal.id, now=now,
                 details={"language": language, "reached": sorted(t.position for t in goal.targets if t.reached_on)})


def goal_thread_rules(thread: CommentThread, now: datetime) -> ThreadRules:
    revision = db.session.scalars(sa.select(GoalRevision).where(GoalRevision.thread_id == thread.id)).one()
    goal, plan = revision.goal, revision.goal.plan
    url = url_for("plans.goal", plan_id=plan.id, number=goal.number)
    if revision.version != goal.version:
        return ThreadRules(open=False, stance=True, return_url=url,
                           closed_message=str(_l("This version has been replaced; comments are closed.")))
    if plan.consultation_open(now):
        return ThreadRules(open=True, stance=True, return_url=url)
    if plan.consultation_over(now):
        message = _l("The consultation closed on %(date)s.", date=format_when(plan.consultation_closes_at))
    elif plan.consultation_opens_at:
        message = _l("Comments open on %(date)s.", date=format_when(plan.consultation_opens_at))
    else:
        message = _l("This goal is not open for comments.")
    return ThreadRules(open=False, stance=True, return_url=url, closed_message=str(message))


register_policy(GOAL_THREAD_KIND, goal_thread_rules)
