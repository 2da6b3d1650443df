"""Read side of the plans area: each page in a fixed number of queries, whatever the plan's size."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from civic.comments.models import Comment
from civic.comments.models import STANCES
from civic.extensions import db
from civic.plans.models import Action, Goal, GoalRevision, Plan


def list_plans() -> list[Plan]:
    return list(db.session.scalars(sa.select(Plan).order_by(Plan.period_start.desc(), Plan.id.desc())))


def _plan_query():
    return sa.select(Plan).options(
        selectinload(Plan.goals).selectinload(Goal.actions).selectinload(Action.check_ins),
        selectinload(Plan.goals).selectinload(Goal.targets),
        selectinload(Plan.goals).selectinload(Goal.revisions),
    )


def load_plan(plan_id: int) -> Plan | None:
    return db.session.scalars(_plan_query().where(Plan.id == plan_id)).first()


def load_goal(plan_id: int, number: int) -> Goal | None:
    query = sa.select(Goal).where(Goal.plan_id == plan_id, Goal.number == number).options(
        selectinload(Goal.plan),
        selectinload(Goal.actions).selectinload(Action.check_ins),
        selectinload(Goal.targets),
        selectinload(Goal.revisions).selectinload(GoalRevision.thread),
    )
    return db.session.scalars(query).first()


def stance_counts_by_goal(goal_ids: list[int]) -> dict[int, dict[str, int]]:
    """Top-level, not deleted comments per goal and stance, over all of each goal's revisions."""
    counts = {goal_id: dict.fromkeys(STANCES, 0) for goal_id in goal_ids}
    if not goal_ids:
        return counts
    rows = db.session.execute(
        sa.select(GoalRevision.goal_id, Comment.stance, sa.func.count(Comment.id))
        .join(Comment, Comment.thread_id == GoalRevision.thread_id)
        .where(GoalRevision.goal_id.in_(goal_ids), Comment.parent_id.is_(None), Comment.deleted_at.is_(None),
               Comment.stance.is_not(None))
        .group_by(GoalRevision.goal_id, Comment.stance)
    )
    for goal_id, stance, number in rows:
        counts[goal_id][stance] = number
    return counts
