"""Outcomes built through the real services; service tests run in one request context (see tests/budgets)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from civic.core.db import utcnow
from civic.outcomes import services
from tests.budgets.conftest import make_budget, make_voter  # noqa: F401  (shared fixtures)
from tests.plans.conftest import make_plan  # noqa: F401


@pytest.fixture
def make_outcome(db, make_user):
    """make_outcome(title="…", **OutcomeData overrides) -> Outcome, created by a staff member."""

    def make(title: str = "New footbridge", **overrides):
        staff = make_user("staff")
        outcome = services.save_outcome(staff, None, services.OutcomeData(title=title, **overrides), language="en",
                                        now=utcnow())
        db.session.commit()
        return outcome

    return make


def today() -> date:
    return utcnow().date()


def days_ago(days: int) -> date:
    return today() - timedelta(days=days)
