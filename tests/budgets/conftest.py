"""Budgets built through the real services, voters verified through the real eligibility rules."""

from __future__ import annotations

from datetime import timedelta
from contextlib import nullcontext
from itertools import count

import pytest
from flask import has_app_context

from civic.accounts.models import User
from civic.budgets import eligibility, services
from civic.budgets.models import Budget, EligibleDocument, Voter
from civic.core.db import utcnow
from civic.processes.models import Process

_documents = count(1)


def budget_data(**overrides) -> services.BudgetData:
    values = dict(title="District budget", description="", amount=1_000_000, currency="EUR", district_id=None,
                  opens_at=None, closes_at=None, ballot_kind="approval", counting_rule="greedy")
    values.update(overrides)
    return services.BudgetData(**values)


@pytest.fixture
def make_budget(db, make_user):
    """make_budget(costs=[...], window="open"|"upcoming"|"ended"|None, **BudgetData overrides) -> Budget.

    Service tests call the factories inside one `with app.test_request_context():` block, so that the
    test, the factories and the services share one session (see tests/conftest.py on sessions).
    """

    def make(costs=(300_000, 500_000, 200_000, 400_000), window="open", **overrides):
        now = utcnow()
        staff = make_user("staff")
        process = Process(titles={"en": "Budget process"}, decides={"en": "x"}, impacts={"en": "y"},
                          original_language="en", created_at=now)
        db.session.add(process)
        db.session.flush()
        budget = services.save_budget(staff, process, None, budget_data(**overrides), language="en", now=now)
        for number, cost in enumerate(costs, start=1):
            services.save_project(staff, budget, None, services.ProjectData(
                title=f"Project {number}", description="<p>About it</p>", feasibility="", cost=cost),
                language="en", now=now)
        windows = {"open": (now - timedelta(days=1), now + timedelta(days=7)),
                   "upcoming": (now + timedelta(days=1), now + timedelta(days=7)),
                   "ended": (now - timedelta(days=7), now - timedelta(minutes=1)), None: (None, None)}
        budget.opens_at, budget.closes_at = windows[window]
        db.session.commit()
        return budget

    return make


@pytest.fixture
def make_voter(app, db):
    """make_voter(user=None, district=None) -> Voter, verified from the eligibility list."""

    def make(user=None, district=None) -> Voter:
        number = f"TEST-{next(_documents):05d}"
        # Read ids before the app context: its session must not interleave savepoints with the test's.
        user_id, district_id = (user.id if user else None), (district.id if district else None)
        with (nullcontext() if has_app_context() else app.app_context()):  # the keyed hash needs the app's voting key
            db.session.add(EligibleDocument(document_hash=eligibility.document_hash(number),
                                            district_id=district_id, imported_at=utcnow()))
            db.session.flush()
            if user_id is not None:
                voter = eligibility.verify_self(db.session.get(User, user_id), number, utcnow())
            else:
                voter = Voter(document_hash=eligibility.document_hash(number), district_id=district_id,
                              method="list", verified_at=utcnow())
                db.session.add(voter)
            db.session.commit()
            voter_id = voter.id
        voter = db.session.get(Voter, voter_id)
        voter.document_number = number  # for tests only: the database never holds it
        return voter

    return make


def project_ids(budget: Budget) -> list[int]:
    return [project.id for project in budget.projects]
