"""Outcomes for the demo city: last year's winning projects (one completed with its costs, one
late), three plan actions (one missing its check-in), a parent rolling up its parts, a score-card
success on a linked goal, and a community group following several items."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from civic.budgets.models import Budget
from civic.extensions import db
from civic.follows.models import Follow
from civic.groups.models import CommunityGroup, GroupFollow, GroupMembership
from civic.outcomes import services
from civic.outcomes.models import Outcome
from civic.plans.models import Action, Goal, GoalTarget

# English project title -> (responsible, [(days ago, progress, status or None, text, actual cost or None)])
WINNER_UPDATES = {
    "Library opening on Sundays": ("Libraries Department", [
        (200, 30, "in_progress", "The library hired two librarians for Sundays.", None),
        (120, 100, "completed", "The library has opened every Sunday since July. About 300 visitors a week.",
         Decimal("138500.00"))]),
    "New trees in Eastgate park": ("Parks Department", [
        (150, 20, "in_progress", "Planting plan agreed with the neighbours: 40 trees, mostly limes and oaks.", None),
        (60, 60, None, "28 of the 40 trees are planted. The rest follow after the summer drought.",
         Decimal("96000.00"))]),
    "Bus shelter benches": ("Transport Department", [
        (140, 40, "in_progress", "Ten bus shelters measured; the benches are ordered.", None),
        (90, 50, "delayed", "The supplier is late: benches now expected in the autumn.", None)]),
    "Community garden in Riverside": ("Parks Department", [
        (100, 100, "completed", "The garden opened with 24 plots, all taken.", Decimal("65800.00"))]),
    "Pedestrian crossing at Mill Lane": ("Road Safety Team", [
        (45, 10, "in_progress", "Design approved by the road safety team.", None)]),
}
LATE_WINNER = "Bus shelter benches"  # was due a month ago: shows as late


def load_outcome_demo(people: dict, now) -> None:
    if db.session.scalar(sa.select(sa.func.count(Outcome.id))):
        return
    staff = people["staff"]
    today = now.date()
    winners = _winners(staff, now)
    goal = _goal_with_success()
    actions = list(db.session.scalars(sa.select(Action).where(Action.goal_id == goal.id).order_by(Action.position)
                                      .limit(2))) if goal else []
    tracked = [services.from_action(staff, action, now - timedelta(days=200)) for action in actions]
    db.session.flush()
    # The group follows before anything moves, so its page shows what changed since.
    followed = [o for o in winners if o.titles.get("en") in ("Library opening on Sundays", LATE_WINNER)]
    _community(people, followed + tracked[:1], goal, now)
    for outcome in winners:
        for days, progress, status, text, cost in WINNER_UPDATES.get(outcome.titles.get("en"), ("", []))[1]:
            services.post_update(staff, outcome, services.UpdateData(
                on=today - timedelta(days=days), text=text, progress=progress, status=status, actual_cost=cost),
                now - timedelta(days=days))
    if tracked:
        # The first tracked action reported recently; the second never did and misses its check-in.
        services.post_update(staff, tracked[0], services.UpdateData(
            on=today - timedelta(days=20), text="Half of the buildings are done; the rest are contracted.",
            progress=50, status="in_progress"), now - timedelta(days=20))
    db.session.flush()


def _winners(staff, now) -> list[Outcome]:
    """Last year's funded projects as outcomes, parts of one parent whose progress rolls up."""
    today = now.date()
    budget = db.session.scalars(sa.select(Budget).where(Budget.closed_at.is_not(None), Budget.source_meta.is_(None))
                                .order_by(Budget.id)).first()
    if budget is None or budget.publication is None:
        return []
    parent = Outcome(titles={"en": "Riverford 2025 budget: every funded project",
                             "es": "Presupuesto de Riverford 2025: todos los proyectos financiados"},
                     original_language="en", status="in_progress", responsible="Participation Office",
                     starts_on=today - timedelta(days=250), ends_on=today + timedelta(days=120),
                     created_at=now - timedelta(days=250), updated_at=now)
    db.session.add(parent)
    db.session.flush()
    winners = services.from_budget_winners(staff, budget, now - timedelta(days=250))
    for position, outcome in enumerate(winners):
        title = outcome.titles.get("en")
        outcome.parent_id, outcome.weight = parent.id, max(int(outcome.estimated_cost or 0) // 10_000, 1)
        outcome.starts_on = today - timedelta(days=240)
        outcome.ends_on = today - timedelta(days=30) if title == LATE_WINNER else today + timedelta(days=90 + 30 * position)
        outcome.responsible = WINNER_UPDATES.get(title, ("Participation Office", []))[0]
    db.session.flush()
    return winners


def _goal_with_success() -> Goal | None:
    """A goal with a reached score-card target, so its outcomes show a success."""
    return db.session.scalars(sa.select(Goal).join(GoalTarget).where(GoalTarget.reached_on.is_not(None))
                              .order_by(Goal.number)).first()


def _community(people: dict, outcomes: list[Outcome], goal: Goal | None, now) -> None:
    group = CommunityGroup(slug="riverside-residents", name="Riverside Residents' Association",
                           description="Neighbours of Riverside who keep an eye on what the city promised.",
                           language="en", created_at=now - timedelta(days=300))
    db.session.add(group)
    db.session.flush()
    for key, role in (("yusuf", "organiser"), ("marie", "member"), ("amina", "member")):
        db.session.add(GroupMembership(group_id=group.id, user_id=people[key].id, role=role,
                                       joined_at=now - timedelta(days=290)))
    follows = [("outcome", outcome.id) for outcome in outcomes] + ([("goal", goal.id)] if goal else [])
    for kind, object_id in follows:
        db.session.add(GroupFollow(group_id=group.id, kind=kind, object_id=object_id,
                                   created_by_id=people["yusuf"].id, created_at=now - timedelta(days=280)))
    if outcomes:
        db.session.add(Follow(user_id=people["chen"].id, kind="outcome", object_id=outcomes[0].id,
                              created_at=now - timedelta(days=280)))
    db.session.flush()
