"""Ballots per second: distinct voters casting at once through the real service (keyed hash, lock,
unique constraints, commit), on SQLite or on the PostgreSQL in DATABASE_URL. Prints figures; asserts nothing.

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voters", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=8)
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


if __name__ == "__main__":
    main()
