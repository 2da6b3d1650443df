"""Plans built through the real services, as staff would."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from civic.core.db import utcnow
from civic.plans import services


def goal_data(number: int, **overrides) -> services.GoalData:
    values = dict(number=number, dimension="environment", statement=f"Goal statement {number}",
                  kpi_name="Share of trips made by bicycle", kpi_unit="%", kpi_baseline=Decimal("31"),
                  kpi_baseline_year=2023, kpi_target=Decimal("50"), kpi_target_date=date(2030, 12, 31),
                  kpi_reference="ITU-T Y.4903", ismart_notes="", timeframe="medium", priority=1,
                  champion="Mobility Department", desired_outcome="")
    values.update(overrides)
    return services.GoalData(**values)


def action_data(number: str, **overrides) -> services.ActionData:
    values = dict(number=number, description=f"Action {number}", responsible="Public Works",
                  start_date=date(2026, 1, 1), end_date=date(2026, 12, 31), resources="", estimated_cost=Decimal("25000"),
                  actual_cost=None, funding_source="City budget", status="planned", check_ins=[date(2026, 6, 30)])
    values.update(overrides)
    return services.ActionData(**values)


@pytest.fixture
def make_plan(db, make_user):
    """make_plan(goals=2, actions=2, consultation="open"|"closed"|None) -> Plan (committed)."""

    def make(goals: int = 2, actions: int = 2, consultation: str | None = None, language: str = "en"):
        staff = make_user("staff")
        now = utcnow()
        plan = services.save_plan(staff, None, services.PlanData(
            title="Riverford Action Plan", vision="A green city.", principles="Inclusive\nTransparent",
            status="draft", version=1, currency="EUR", period_start=date(2025, 1, 1), period_end=date(2030, 12, 31),
            adopted_on=None), language=language, now=now)
        for number in range(1, goals + 1):
            goal = services.save_goal(staff, plan, None, goal_data(number), language=language, now=now)
            for position in range(1, actions + 1):
                services.save_action(staff, goal, None, action_data(f"{number}.{position}"), language=language, now=now)
        if consultation == "open":
            plan.consultation_opens_at, plan.consultation_closes_at = now - timedelta(days=1), now + timedelta(days=10)
        elif consultation == "closed":
            plan.consultation_opens_at, plan.consultation_closes_at = now - timedelta(days=20), now - timedelta(days=1)
        db.session.commit()
        return plan

    return make
