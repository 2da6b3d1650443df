"""Ballots per second: distinct voters casting at once through the real service (keyed hash, sealing,
lock, unique constraints, commit), on SQLite or on the PostgreSQL in DATABASE_URL, then the time to
close the vote (open every sealed ballot, shuffle, write the counted tables). Prints figures; asserts nothing.

    .venv/bin/python bench/ballots.py [--voters 2000] [--threads 8]
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/civic_bench .venv/bin/python bench/ballots.py
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
from datetime import timedelta

import sqlalchemy as sa


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voters", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--sealed", type=int, default=0,
                        help="also time closing a vote of this many ballots, sealed in bulk (e.g. 90494, Łódź 2022)")
    args = parser.parse_args()

    instance = tempfile.mkdtemp(prefix="civic-bench-")
    os.environ["CIVIC_INSTANCE_PATH"] = instance
    from flask_migrate import upgrade

    from civic import create_app
    from civic.budgets import eligibility, voting
    from civic.budgets.models import Budget, Project, Voter
    from civic.core.db import utcnow
    from civic.extensions import db
    from civic.processes.models import Process

    url = os.environ.get("DATABASE_URL", f"sqlite:///{instance}/bench.db")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False,
                      "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": args.threads + 2}})
    with app.app_context():
        upgrade()
        now = utcnow()
        budget = Budget(process=Process(titles={"en": "Bench"}, created_at=now), titles={"en": "Bench"},
                        amount=10_000_000, ballot_kind="approval", max_projects=5,
                        opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=1), created_at=now)
        budget.projects = [Project(titles={"en": f"P{n}"}, cost=100_000, position=n, created_at=now)
                           for n in range(20)]
        db.session.add(budget)
        db.session.flush()
        voters = [Voter(document_hash=eligibility.document_hash(f"BENCH-{n}"), method="list", verified_at=now)
                  for n in range(args.voters)]
        db.session.add_all(voters)
        db.session.commit()
        budget_id, project_ids = budget.id, [p.id for p in budget.projects]
        voter_ids = [v.id for v in voters]

    latencies: list[float] = []
    lock = threading.Lock()

    def work(chunk: list[int]) -> None:
        for number, voter_id in enumerate(chunk):
            choices = {project_ids[(voter_id + k) % 20]: 1 for k in range(1 + number % 5)}
            with app.test_request_context():
                started = time.perf_counter()
                voting.cast_ballot(voter_id, budget_id, choices, utcnow())
                elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)

    chunks = [voter_ids[i::args.threads] for i in range(args.threads)]
    threads = [threading.Thread(target=work, args=(chunk,)) for chunk in chunks]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = time.perf_counter() - started
    latencies.sort()
    backend = url.split(":", 1)[0]
    print(f"{backend}: {len(latencies)} ballots by {args.threads} threads in {total:.1f} s = "
          f"{len(latencies) / total:.0f} ballots/s; per ballot p50 {statistics.median(latencies) * 1000:.1f} ms, "
          f"p95 {latencies[int(len(latencies) * 0.95)] * 1000:.1f} ms")

    from civic.accounts.models import User
    from civic.budgets import results

    with app.test_request_context():
        staff = User(email="bench-staff@example.org", display_name="Bench", role="staff", created_at=utcnow())
        db.session.add(staff)
        db.session.commit()
        started = time.perf_counter()
        results.close_voting(staff, db.session.get(Budget, budget_id), utcnow())
        db.session.commit()
        closing = time.perf_counter() - started
    print(f"{backend}: closing the vote opened and counted {len(latencies)} sealed ballots in {closing:.2f} s "
          f"({len(latencies) / closing:.0f} ballots/s)")
    if args.sealed:
        close_at_scale(app, args.sealed, backend)


def close_at_scale(app, count: int, backend: str) -> None:
    """Seal `count` ballots straight into the tables (the casting path is measured above), then close."""
    from civic.accounts.models import User
    from civic.budgets import results, sealing, voting
    from civic.budgets.models import Budget, Participation, Project, SealedBallot, Voter
    from civic.core.db import utcnow
    from civic.extensions import db
    from civic.processes.models import Process

    with app.test_request_context():
        now = utcnow()
        budget = Budget(process=Process(titles={"en": "Scale"}, created_at=now), titles={"en": "Scale"},
                        amount=10_000_000, ballot_kind="approval", max_projects=5,
                        opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=1), created_at=now)
        budget.projects = [Project(titles={"en": f"P{n}"}, cost=100_000, position=n, created_at=now)
                           for n in range(30)]
        db.session.add(budget)
        db.session.flush()
        project_ids = [p.id for p in budget.projects]
        db.session.execute(sa.insert(Voter), [{"document_hash": f"scale-{n}", "method": "list", "verified_at": now}
                                              for n in range(count)])
        ids = list(db.session.scalars(sa.select(Voter.id).where(Voter.document_hash.like("scale-%"))
                                      .order_by(Voter.id)))
        db.session.execute(sa.insert(Participation), [
            {"budget_id": budget.id, "voter_id": voter_id, "receipt": f"R{n}", "first_voted_at": now,
             "changed_at": now} for n, voter_id in enumerate(ids)])
        rows = []
        for n, voter_id in enumerate(ids):
            key = voting.voter_key(voter_id, budget.id)
            choices = {project_ids[(n + k) % 30]: 1 for k in range(1 + n % 5)}
            rows.append({"budget_id": budget.id, "voter_key": key,
                         "sealed": sealing.seal(sealing.ballot_context(budget.id, key), choices, 30)})
        db.session.execute(sa.insert(SealedBallot), rows)
        staff = db.session.scalars(sa.select(User).where(User.role == "staff")).first()
        db.session.commit()
        started = time.perf_counter()
        results.close_voting(staff, db.session.get(Budget, budget.id), utcnow())
        db.session.commit()
        closing = time.perf_counter() - started
    print(f"{backend}: closing a vote of {count} sealed ballots (30 projects, 1-5 chosen) took {closing:.1f} s")


if __name__ == "__main__":
    main()
