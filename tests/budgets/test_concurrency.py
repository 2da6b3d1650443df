"""50 submissions of the same voter's ballot at the same moment store exactly one ballot, whole.

These tests commit for real, so they run on their own database (a SQLite file, and a separate
PostgreSQL database when CIVIC_TEST_DATABASE_URL is set), not in the rolled-back test transaction.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from civic.budgets import eligibility, sealing, voting
from civic.budgets.models import Ballot, Budget, Participation, Project, SealedBallot, Voter
from civic.core.db import utcnow
from civic.extensions import db
from civic.processes.models import Process
from tests.budgets.concurrent_voter import concurrent_app, hammer
from tests.conftest import BACKENDS, separate_database

HERE = Path(__file__).resolve().parent


@pytest.fixture(params=BACKENDS)
def election(request, tmp_path):
    """(url, app, voter id, budget id, project ids) in a freshly migrated database of its own."""
    url = separate_database(request.param, tmp_path, "concurrency")
    app = concurrent_app(url)
    with app.app_context():
        upgrade()
        now = utcnow()
        process = Process(titles={"en": "P"}, original_language="en", created_at=now)
        budget = Budget(process=process, titles={"en": "B"}, amount=1000, ballot_kind="approval",
                        opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=1), created_at=now)
        budget.projects = [Project(titles={"en": f"P{n}"}, cost=100, position=n, created_at=now) for n in range(3)]
        voter = Voter(document_hash=eligibility.document_hash("CONC-1"), method="list", verified_at=now)
        db.session.add_all([process, budget, voter])
        db.session.commit()
        ids = (voter.id, budget.id, [p.id for p in budget.projects])
    yield (request.param, url, app, *ids)
    with app.app_context():
        db.engine.dispose()


def _stored(app, budget_id: int, project_ids: list[int]):
    with app.app_context():
        participations = db.session.scalar(sa.select(sa.func.count()).select_from(Participation)
                                           .where(Participation.budget_id == budget_id))
        sealed = db.session.execute(sa.select(SealedBallot.voter_key, SealedBallot.sealed)
                                    .where(SealedBallot.budget_id == budget_id)).all()
        # Nothing readable is stored while the vote is open; the key opens what was kept.
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Ballot)) == 0
        chosen = set().union(*(sealing.unseal(sealing.ballot_context(budget_id, key), blob) for key, blob in sealed))
    return participations, len(sealed), chosen


def test_fifty_simultaneous_submissions_store_one_whole_ballot(election):
    _backend, _url, app, voter_id, budget_id, project_ids = election
    errors = hammer(app, voter_id, budget_id, 50, time.time() + 0.5, project_ids)
    assert errors == []
    participations, ballots, chosen = _stored(app, budget_id, project_ids)
    assert (participations, ballots) == (1, 1)
    # One of the two ballots, never a mix of both.
    assert chosen in ({project_ids[0], project_ids[1]}, {project_ids[2]})


def test_two_app_processes_against_one_database_keep_one_ballot(election):
    backend, url, app, voter_id, budget_id, project_ids = election
    if backend != "postgresql":
        pytest.skip("several app servers share PostgreSQL in production; SQLite is the single-server default")
    start = time.time() + 3  # both processes are up and waiting by then
    command = [sys.executable, str(HERE / "concurrent_voter.py"), url, str(voter_id), str(budget_id), "25",
               str(start), *map(str, project_ids)]
    env = {**os.environ, "PYTHONPATH": str(HERE.parents[1])}
    processes = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                 for _ in range(2)]
    outputs = [process.communicate(timeout=120)[0] for process in processes]
    assert [process.returncode for process in processes] == [0, 0], outputs
    participations, ballots, chosen = _stored(app, budget_id, project_ids)
    assert (participations, ballots) == (1, 1)
    assert chosen in ({project_ids[0], project_ids[1]}, {project_ids[2]})
    with app.test_request_context():
        assert voting.choices_of(db.session.get(Budget, budget_id), db.session.get(Voter, voter_id))
