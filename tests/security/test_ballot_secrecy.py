"""The database administrator's attack on ballot secrecy, on SQLite and on PostgreSQL.

Residents vote (some change their ballot), each commit for real in a database of its own, as in
production. The attacker holds a copy of the database and not VOTING_KEY. While the vote is open
they find nothing readable; once it is closed they try to pair each counted ballot with its
participation by everything the storage gives away: SQLite `rowid` order (also after VACUUM),
PostgreSQL `ctid` order and `xmin` (also after VACUUM FULL), against the order of first votes and of
changes. Every final ballot is different, so the test knows which pairings are right. A random
pairing of n ballots gets one right on average; the attack must do no better than chance.

Before ballots were sealed, the rowid pairing matched every ballot (shown when this test was
written, against commit fcaed3e).
"""

from __future__ import annotations

import json
import random
from datetime import timedelta
from itertools import combinations

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from civic.accounts.models import User
from civic.budgets import results, voting
from civic.budgets.models import Budget, Project, Voter
from civic.core.db import utcnow
from civic.extensions import db
from civic.processes.models import Process
from tests.budgets.concurrent_voter import concurrent_app
from tests.conftest import BACKENDS, separate_database

VOTERS = 60
PROJECTS = 12
# P(a random pairing of 60 gets 8 or more right) is about 1e-5.
CHANCE_LIMIT = 7


@pytest.fixture(params=BACKENDS)
def election(request, tmp_path):
    """A closed approval vote of VOTERS residents in a fresh database, and each voter's final ballot."""
    url = separate_database(request.param, tmp_path, "secrecy")
    app = concurrent_app(url)
    rng = random.Random(20261204)
    with app.app_context(), app.test_request_context():
        upgrade()
        start = utcnow() - timedelta(hours=6)
        staff = User(email="staff@example.org", display_name="Staff", role="staff", created_at=start)
        process = Process(titles={"en": "P"}, original_language="en", created_at=start)
        budget = Budget(process=process, titles={"en": "B"}, amount=10_000, ballot_kind="approval",
                        opens_at=start, closes_at=utcnow() + timedelta(days=1), created_at=start)
        budget.projects = [Project(titles={"en": f"P{n}"}, cost=100, position=n, created_at=start)
                           for n in range(PROJECTS)]
        voters = [Voter(document_hash=f"{n:064x}", method="list", verified_at=start) for n in range(VOTERS)]
        db.session.add_all([staff, process, budget, *voters])
        db.session.commit()
        project_ids = [p.id for p in budget.projects]
        ballots = [frozenset(c) for size in (1, 2, 3) for c in combinations(project_ids, size)]
        final = dict(zip((v.id for v in voters), rng.sample(ballots, VOTERS)))
        changers = set(rng.sample(list(final), VOTERS // 3))
        moment = start
        for voter_id, choices in final.items():  # first votes, one commit each, in voting order
            moment += timedelta(minutes=1)
            first = frozenset({rng.choice(project_ids)}) if voter_id in changers else choices
            voting.cast_ballot(voter_id, budget.id, dict.fromkeys(first, 1), moment)
        for voter_id in rng.sample(sorted(changers), len(changers)):  # they change their mind later
            moment += timedelta(minutes=1)
            voting.cast_ballot(voter_id, budget.id, dict.fromkeys(final[voter_id], 1), moment)
        budget_id, staff_id = budget.id, staff.id
        open_copy = _copy_of_the_database(request.param)
        results.close_voting(db.session.get(User, staff_id), db.session.get(Budget, budget_id), utcnow())
        db.session.commit()
        db.session.remove()
    yield request.param, app, budget_id, final, open_copy
    with app.app_context():
        db.engine.dispose()


def _copy_of_the_database(backend: str) -> dict:
    """What the attacker reads while the vote is open: every row of the voting tables, raw."""
    present = set(sa.inspect(db.session.connection()).get_table_names())
    tables = [t for t in ("participation", "sealed_ballot", "ballot", "ballot_choice") if t in present]
    return {table: db.session.execute(sa.text(f"SELECT * FROM {table}")).mappings().all() for table in tables}


def _counted_ballots(backend: str, order: str) -> list[frozenset[int]]:
    """Counted ballots in storage order: what the attacker would pair with participations."""
    rows = db.session.execute(sa.text(
        f"SELECT b.id, c.project_id FROM ballot b JOIN ballot_choice c ON c.ballot_id = b.id ORDER BY {order}")).all()
    grouped: dict[str, set[int]] = {}
    for ballot_id, project_id in rows:
        grouped.setdefault(ballot_id, set()).add(project_id)
    return [frozenset(choices) for choices in grouped.values()]


def _participations(column: str) -> list[int]:
    return list(db.session.scalars(sa.text(f"SELECT voter_id FROM participation ORDER BY {column}, id")))


def _right_pairings(ballots: list[frozenset[int]], voters: list[int], final: dict[int, frozenset[int]]) -> int:
    return sum(1 for ballot, voter_id in zip(ballots, voters) if final[voter_id] == ballot)


def _storage_orders(backend: str) -> list[str]:
    if backend == "sqlite":
        return ["b.rowid, c.rowid", "c.rowid"]
    return ["b.ctid, c.ctid", "c.ctid"]


def _attack(backend: str, final: dict[int, frozenset[int]]) -> dict[str, int]:
    scores = {}
    for order in _storage_orders(backend):
        ballots = _counted_ballots(backend, order)
        assert sorted(map(sorted, ballots)) == sorted(map(sorted, final.values()))  # every ballot, once
        for column in ("first_voted_at", "changed_at", "id"):
            for voters in (_participations(column), _participations(column)[::-1]):
                scores[f"{order} ~ {column}"] = max(scores.get(f"{order} ~ {column}", 0),
                                                    _right_pairings(ballots, voters, final))
    if backend == "postgresql":
        scores["xmin"] = _xmin_pairings(final)
    return scores


def _xmin_pairings(final: dict[int, frozenset[int]]) -> int:
    """Rows written by one transaction share xmin: pair each ballot with the participation that does."""
    rows = db.session.execute(sa.text(
        "SELECT b.id, c.project_id, p.voter_id FROM ballot b JOIN ballot_choice c ON c.ballot_id = b.id "
        "JOIN participation p ON p.xmin::text = b.xmin::text")).all()
    pairs: dict[str, tuple[set[int], set[int]]] = {}
    for ballot_id, project_id, voter_id in rows:
        choices, voters = pairs.setdefault(ballot_id, (set(), set()))
        choices.add(project_id)
        voters.add(voter_id)
    return sum(1 for choices, voters in pairs.values() if len(voters) == 1 and final[next(iter(voters))] == choices)


def _vacuum(backend: str) -> None:
    raw = db.engine.raw_connection()  # outside any transaction, as VACUUM needs
    try:
        if backend == "postgresql":
            raw.driver_connection.autocommit = True
        cursor = raw.cursor()
        cursor.execute("VACUUM" if backend == "sqlite" else "VACUUM FULL ballot, ballot_choice, participation")
        cursor.close()
    finally:
        raw.invalidate()


def test_nothing_readable_while_the_vote_is_open(election):
    _backend, _app, budget_id, final, open_copy = election
    assert open_copy["ballot"] == [] and open_copy["ballot_choice"] == []  # no interim count is possible
    sealed = open_copy["sealed_ballot"]
    assert len(sealed) == VOTERS == len(open_copy["participation"])
    # One size for every ballot, whether it names one project or three.
    assert len({len(bytes(row["sealed"])) for row in sealed}) == 1
    plaintexts = [json.dumps(sorted(dict.fromkeys(b, 1).items()), separators=(",", ":")).encode()
                  for b in final.values()]
    for row in sealed:
        assert not any(text in bytes(row["sealed"]) for text in plaintexts)
    assert {row["voter_key"] for row in sealed}.isdisjoint({str(row["voter_id"]) for row in open_copy["participation"]})


def test_the_administrator_cannot_pair_ballots_with_voters(election):
    backend, app, budget_id, final, _open_copy = election
    with app.app_context():
        scores = _attack(backend, final)
        if backend == "postgresql":
            # Every counted ballot was written by the one closing transaction: xmin tells nothing.
            assert db.session.scalar(sa.text("SELECT count(DISTINCT xmin::text) FROM ballot")) == 1
            assert db.session.scalar(sa.text("SELECT count(DISTINCT xmin::text) FROM ballot_choice")) == 1
        db.session.rollback()
        # The page layout after compaction is still the shuffle's, not the voting order.
        _vacuum(backend)
        scores |= {f"after vacuum: {k}": v for k, v in _attack(backend, final).items()}
    assert max(scores.values()) <= CHANCE_LIMIT, scores


def test_closed_ballots_do_not_name_their_voters_even_with_the_key(election):
    """After the count nothing points back to a voter: not a key, not a time, not a channel."""
    _backend, app, budget_id, final, _open_copy = election
    with app.app_context():
        assert db.session.scalar(sa.text("SELECT count(*) FROM sealed_ballot")) == 0
        columns = set(db.session.execute(sa.text("SELECT * FROM ballot LIMIT 1")).keys())
        assert columns == {"id", "budget_id"}
        with app.test_request_context():
            voter = db.session.scalars(sa.select(Voter).order_by(Voter.id)).first()
            assert voting.choices_of(db.session.get(Budget, budget_id), voter) == {}
