"""Pages served the production way: gunicorn (wsgi:app, sync workers) on 127.0.0.1 with PostgreSQL and Redis,
CIVIC_ENV=production and rate limits on, loaded with wrk. Prints figures; asserts nothing.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/civic_bench REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/http.py [--duration 10] [--connections 50] [--workers 4] [--pages home,ballot] [--json]

For each page: requests per second, latency p50/p95/p99, throughput as a share of /healthz's, the app
workers' CPU milliseconds per request (from /proc), PostgreSQL backends' CPU milliseconds per request (when
the server runs on this machine), and the size of one answer, as sent and gzipped. The ids (busiest and
median proposal, biggest published vote, an open budget) are read from the database. Signed-in pages use the
session cookie of one bench account signed in through the real form.
"""

if __name__ != "__main__":
    # Every script in bench/ has bench/ first on sys.path, so `import http` (Flask, http.client...) would find
    # this file instead of the standard library's package. Hand the importer the real one.
    import importlib.util as _util
    import os as _os
    import sys as _sys

    _spec = _util.spec_from_file_location(
        "http", _os.path.join(_os.path.dirname(_os.__file__), "http", "__init__.py"),
        submodule_search_locations=[_os.path.join(_os.path.dirname(_os.__file__), "http")])
    _module = _util.module_from_spec(_spec)
    _sys.modules["http"] = _module
    _spec.loader.exec_module(_module)
else:
    import argparse
    import gzip
    import json
    import shutil
    import subprocess
    import sys
    import time
    from pathlib import Path

    sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).resolve().parent]
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

    from bench import appserver  # noqa: E402

    WRK_SCRIPT = Path(__file__).resolve().with_name("wrk_report.lua")
    SIGNED_IN = {"proposals-signed-in", "ballot"}
    ORDER = ["healthz", "home", "proposals", "proposal-median", "proposal-busiest", "search", "plan", "goal",
             "budget", "results", "open-data", "api-proposals", "proposals-signed-in", "ballot"]


def discover(app) -> tuple[dict[str, str], dict[str, str]]:
    """The pages to load, {name: path}, with ids read from the database, and notes on what was chosen."""
    import sqlalchemy as sa

    from civic.budgets.models import Budget, Project, ResultPublication
    from civic.comments.models import Comment
    from civic.core.db import utcnow
    from civic.extensions import db
    from civic.plans.models import Action, Goal, Plan
    from civic.proposals.models import Proposal

    pages = {"healthz": "/healthz", "home": "/", "proposals": "/proposals/", "open-data": "/open-data",
             "api-proposals": "/api/v1/proposals", "proposals-signed-in": "/proposals/"}
    notes: dict[str, str] = {}
    with app.app_context():
        comments = (sa.select(Proposal.id, Proposal.title, sa.func.count(Comment.id).label("comments"))
                    .outerjoin(Comment, sa.and_(Comment.thread_id == Proposal.thread_id, Comment.deleted_at.is_(None),
                                                Comment.hidden_at.is_(None)))
                    .where(Proposal.hidden_at.is_(None), Proposal.awaiting_approval.is_(False))
                    .group_by(Proposal.id, Proposal.title).order_by(sa.desc("comments"), Proposal.id))
        ranked = db.session.execute(comments).all()
        if ranked:
            busiest, median = ranked[0], ranked[len(ranked) // 2]
            pages["proposal-busiest"] = f"/proposals/{busiest.id}"
            pages["proposal-median"] = f"/proposals/{median.id}"
            notes["proposal-busiest"] = f"{busiest.comments} comments (the most of {len(ranked)} proposals)"
            notes["proposal-median"] = f"{median.comments} comments (the median)"
            word = max((w.strip(".,:;!?()\"'") for w in busiest.title.split()), key=len)
            pages["search"] = f"/proposals/?q={word}"
            notes["search"] = "a word of the busiest proposal's title"
        plan = db.session.scalars(sa.select(Plan).order_by(Plan.id)).first()
        if plan is not None:
            pages["plan"] = f"/plans/{plan.id}"
            goal = db.session.execute(
                sa.select(Goal.number, sa.func.count(Action.id).label("actions")).outerjoin(Action, Action.goal_id == Goal.id)
                .where(Goal.plan_id == plan.id).group_by(Goal.id, Goal.number)
                .order_by(sa.desc("actions"), Goal.number)).first()
            if goal is not None:
                pages["goal"] = f"/plans/{plan.id}/goals/{goal.number}"
                notes["goal"] = f"{goal.actions} actions (the most)"
        now = utcnow()
        projects = sa.func.count(Project.id).label("projects")
        open_budgets = db.session.execute(
            sa.select(Budget.id, Budget.district_id, Budget.ballot_kind, Budget.titles, projects).outerjoin(Project)
            .where(Budget.closed_at.is_(None), Budget.opens_at <= now, Budget.closes_at > now)
            .group_by(Budget.id).order_by(sa.desc("projects"), Budget.district_id.is_not(None), Budget.id)).all()
        # Not the budgets bench/vote_http.py makes for itself (one left open by an interrupted run).
        open_budget = next((b for b in open_budgets if not (b.titles or {}).get("en", "").startswith("Bench ")), None)
        if open_budget is not None:
            pages["budget"] = f"/budgets/{open_budget.id}"
            pages["ballot"] = f"/budgets/{open_budget.id}/ballot"
            notes["budget"] = notes["ballot"] = (f"open, {open_budget.projects} projects, {open_budget.ballot_kind}"
                                                 f" (the open budget with the most projects)")
        biggest = db.session.execute(sa.select(ResultPublication.budget_id, ResultPublication.voters)
                                     .order_by(ResultPublication.voters.desc())).first()
        if biggest is not None:
            pages["results"] = f"/budgets/{biggest.budget_id}/results"
            notes["results"] = f"{biggest.voters} voters (the biggest published vote)"
    return pages, notes


def bench_session(app, server, budget_district: int | None) -> dict[str, str]:
    """One bench account, a verified voter who may vote in the chosen budget, signed in through the form."""
    import sqlalchemy as sa

    from civic.budgets.models import Voter
    from civic.extensions import db

    with app.app_context():
        _, voter_id, email = appserver.bench_accounts(1, "bench-http", budget_district)[0]
        db.session.execute(sa.update(Voter).where(Voter.id == voter_id).values(district_id=budget_district))
        db.session.commit()
    return appserver.sign_in(server.base, email, appserver.BENCH_PASSWORD)


def run_wrk(url: str, duration: int, connections: int, cookie: str | None) -> dict:
    headers = dict(appserver.PROXY_HEADERS)
    if cookie:
        headers["Cookie"] = cookie
    command = ["wrk", "--latency", "-t", str(min(2, connections)), "-c", str(connections), "-d", f"{duration}s",
               "--timeout", "10s", "-s", str(WRK_SCRIPT)]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=False).stdout
    for line in output.splitlines():
        if line.startswith("CIVIC_WRK "):
            return json.loads(line[len("CIVIC_WRK "):])
    raise RuntimeError(f"wrk gave no figures:\n{output}")


def measure(server, name: str, path: str, args, cookies: dict[str, str] | None, database: str) -> dict:
    cookie_jar = dict(cookies) if cookies else None
    status, headers, body = appserver.request("GET", server.base + path, cookies=cookie_jar)
    cookie = "; ".join(f"{k}={v}" for k, v in (cookies or {}).items()) or None
    cpu_before, pg_before, started = server.cpu_seconds(), appserver.postgres_backends(database), time.monotonic()
    figures = run_wrk(server.base + path, args.duration, args.connections, cookie)
    elapsed = time.monotonic() - started
    cpu = server.cpu_seconds() - cpu_before
    pg = appserver.postgres_cpu_between(pg_before, appserver.postgres_backends(database))
    requests = max(figures["requests"], 1)
    errors = {key: figures[key] for key in ("connect", "read", "write", "status", "timeout") if figures[key]}
    return {"page": name, "path": path, "status": status, "requests": figures["requests"],
            "rps": figures["requests"] / (figures["duration_us"] / 1e6),
            "p50_ms": figures["p50_us"] / 1000, "p95_ms": figures["p95_us"] / 1000, "p99_ms": figures["p99_us"] / 1000,
            "app_cpu_ms": cpu * 1000 / requests, "pg_cpu_ms": None if pg is None else pg * 1000 / requests,
            "cores_busy": cpu / elapsed, "html_bytes": len(body), "gzip_bytes": len(gzip.compress(body)),
            "content_type": headers.get("content-type", ""), "errors": errors,
            "signed_in": b"/account/sign-out" in body}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per page (default 10)")
    parser.add_argument("--connections", type=int, default=50, help="wrk connections (default 50)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers (default 4)")
    parser.add_argument("--pages", help=f"comma-separated subset of: {','.join(ORDER)} (healthz always runs)")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of a table")
    parser.add_argument("--sqlite", action="store_true", help="allow a SQLite DATABASE_URL")
    args = parser.parse_args()

    if shutil.which("wrk") is None:
        print("wrk is not installed: install it with: apt-get install -y wrk", file=sys.stderr)
        sys.exit(2)
    url, redis = appserver.database_url(args.sqlite), appserver.redis_url()
    wanted = ORDER if not args.pages else ["healthz", *[p.strip() for p in args.pages.split(",") if p.strip() != "healthz"]]
    unknown = [page for page in wanted if page not in ORDER]
    if unknown:
        sys.exit(f"unknown page(s): {', '.join(unknown)}; known: {', '.join(ORDER)}")

    app = appserver.in_process_app(url)
    pages, notes = discover(app)
    missing = [page for page in wanted if page not in pages]
    wanted = [page for page in wanted if page in pages]
    server = appserver.Server(url, redis, workers=args.workers)
    log = (lambda text: print(text, file=sys.stderr)) if args.json else print
    server.start()
    try:
        log(f"server: {server.describe()}")
        log("rate limits: on, in Redis, " + "; ".join(f"{k}={v!r}" for k, v in appserver.rate_limit_settings().items()))
        log("  the load comes from one address (127.0.0.1, as X-Forwarded-For from the benchmark acting as the one "
            "proxy); the bench account signs in once, correctly, and per-address sign-in limits count failures only")
        log(f"load: wrk, {args.connections} connections, {args.duration} s per page, {min(2, args.connections)} threads")
        for page in missing:
            log(f"  {page}: not in this database (skipped)")
        cookies = None
        if SIGNED_IN & set(wanted):
            district = None
            if "ballot" in pages:
                with app.app_context():
                    from civic.budgets.models import Budget
                    from civic.extensions import db
                    district = db.session.get(Budget, int(pages["ballot"].split("/")[2])).district_id
            cookies = bench_session(app, server, district)
        results = []
        if not args.json:
            print(f"{'page':<20}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'%healthz':>9}{'app ms':>8}"
                  f"{'pg ms':>7}{'html kB':>9}{'gzip kB':>8}  path")
        healthz_rps = None
        for name in wanted:
            row = measure(server, name, pages[name], args, cookies if name in SIGNED_IN else None,
                          appserver.database_name(url))
            healthz_rps = healthz_rps or row["rps"]
            row["share_of_healthz"] = row["rps"] / healthz_rps if healthz_rps else None
            row["note"] = notes.get(name, "")
            results.append(row)
            if not args.json:
                pg = "-" if row["pg_cpu_ms"] is None else f"{row['pg_cpu_ms']:.1f}"
                extra = "" if row["status"] == 200 else f"  [answered {row['status']}]"
                if name in SIGNED_IN and not row["signed_in"]:
                    extra += "  [NOT signed in]"
                if row["errors"]:
                    extra += "  [wrk errors: " + ", ".join(f"{k} {v}" for k, v in row["errors"].items()) + "]"
                print(f"{name:<20}{row['rps']:>8.0f}{row['p50_ms']:>9.1f}{row['p95_ms']:>9.1f}{row['p99_ms']:>9.1f}"
                      f"{row['share_of_healthz'] * 100:>8.0f}%{row['app_cpu_ms']:>8.1f}{pg:>7}"
                      f"{row['html_bytes'] / 1024:>9.1f}{row['gzip_bytes'] / 1024:>8.1f}  {row['path']}{extra}", flush=True)
        problems = server.log_problems()
    finally:
        server.stop()
    if args.json:
        print(json.dumps({"server": server.settings | {"workers": args.workers}, "connections": args.connections,
                          "duration": args.duration, "pages": results, "server_log_problems": problems[:50]}, indent=2))
    else:
        for name in wanted:
            if notes.get(name):
                print(f"  {name}: {notes[name]}")
        print("app ms: CPU of the gunicorn workers per request; pg ms: CPU of the PostgreSQL backends per request")
        if problems:
            print(f"gunicorn logged {len(problems)} problem line(s) (log {server.log_path}), first ones:")
            for line in problems[:10]:
                print("  " + line)


if __name__ == "__main__":
    main()
