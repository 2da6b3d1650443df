"""Run by test_concurrency.py in separate processes: many threads cast one voter's ballot at once.

Usage: python concurrent_voter.py DATABASE_URL VOTER_ID BUDGET_ID THREADS START_AT PROJECT_IDS...
"""

from __future__ import annotations

import sys
import threading
import time


def hammer(app, voter_id: int, budget_id: int, threads: int, start_at: float, project_ids: list[int]) -> list:
    from civic.budgets import voting
    from civic.core.db import utcnow

    errors = []
    # Alternate between two different ballots so a mixed result would show.
    ballots = [{project_ids[0]: 1, project_ids[1]: 1}, {project_ids[2]: 1}]

    def submit(number: int) -> None:
        with app.test_request_context():
            time.sleep(max(0.0, start_at - time.time()))
            try:
                voting.cast_ballot(voter_id, budget_id, ballots[number % 2], utcnow())
            except Exception as error:  # noqa: BLE001 - every failure is reported to the test
                errors.append(repr(error))

    workers = [threading.Thread(target=submit, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return errors


def concurrent_app(url: str):
    from civic import create_app
    from civic.config import for_tests

    return create_app({**for_tests(url), "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 30, "max_overflow": 30}})


if __name__ == "__main__":
    url, voter, budget, threads, start = sys.argv[1:6]
    projects = [int(value) for value in sys.argv[6:]]
    failures = hammer(concurrent_app(url), int(voter), int(budget), int(threads), float(start), projects)
    print("\n".join(failures))
    sys.exit(1 if failures else 0)
