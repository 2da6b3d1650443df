"""Page throughput and size: how many requests per second one app process serves, and how
heavy each page is for a phone on a slow network. Prints figures; asserts nothing.

    .venv/bin/python bench/pages.py [--requests 300]
"""

from __future__ import annotations

import argparse
import gzip
import os
import statistics
import tempfile
import time
from pathlib import Path

PAGES = ["/", "/account/sign-in", "/account/register", "/privacy", "/plans/1", "/plans/1/goals/2", "/processes/1",
         "/proposals/", "/proposals/2", "/transparency", "/api/v1/plans/1", "/api/v1/proposals",
         "/budgets/1", "/budgets/projects/1", "/budgets/6/results", "/api/v1/budgets",
         "/outcomes/", "/outcomes/4", "/processes/3/you-said-we-did", "/open-data", "/api/v1/outcomes"]
STATIC = ["/static/css/civic.css", "/static/js/civic.js", "/static/js/vendor/htmx-2.0.11.min.js"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()

    instance = tempfile.mkdtemp(prefix="civic-bench-")
    os.environ["CIVIC_INSTANCE_PATH"] = instance
    from flask_migrate import upgrade

    from civic import create_app
    from civic.demo import load_demo
    from civic.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL", f"sqlite:///{instance}/bench.db"),
                      "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        load_demo("bench-passphrase-1")
        db.session.commit()
    client = app.test_client()

    print(f"{'page':<24}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'html kB':>9}{'gzip kB':>9}")
    for path in PAGES:
        client.get(path)
        timings = []
        for _ in range(args.requests):
            start = time.perf_counter()
            body = client.get(path).data
            timings.append((time.perf_counter() - start) * 1000)
        timings.sort()
        print(f"{path:<24}{1000 / statistics.mean(timings):>8.0f}{timings[len(timings) // 2]:>9.2f}"
              f"{timings[int(len(timings) * 0.95)]:>9.2f}{len(body) / 1024:>9.1f}{len(gzip.compress(body)) / 1024:>9.1f}")

    total = sum(len(gzip.compress(client.get(path).data)) for path in STATIC)
    print(f"static assets (css + js), gzip: {total / 1024:.1f} kB")
    print(f"civic.css: {Path('static/css/civic.css').stat().st_size / 1024:.1f} kB")


if __name__ == "__main__":
    main()
