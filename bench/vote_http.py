"""A real election's ballots cast through HTTP, each by a distinct signed-in verified voter, against gunicorn
served the production way (as bench/http.py), then checked in the database. Prints figures; asserts nothing.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/civic_bench REDIS_URL=redis://127.0.0.1:6379/0 \\
    CIVIC_PABULIB_DIR=<folder of .pb files> .venv/bin/python bench/vote_http.py [--pabulib FILE.pb] [--limit N]
        [--synthetic N] [--clients 32] [--workers 4] [--fault [--kill-every 0.5]] [--json]

A new open budget is made with the election's projects and ballot rule; one account and verified voter per
ballot is made beforehand with bulk inserts (one shared password hash), reused from run to run, unless the
database holds enough verified voters of a city built by bench/city.py (then those are used). Each client
thread, for each of its ballots: signs in through the real form, GETs the ballot page, POSTs the ballot with
its CSRF token. A 303 to /voted is an acknowledged ballot. Ballots the rule refuses are replayed too and must
be refused (422). Then the database is checked: one participation and one sealed ballot (opened with the
voting key: the same choices) per acknowledged voter, none for refused ones; the vote is closed through
civic.budgets.results.close_voting and the counted ballots must be the acknowledged ones, as a multiset.

--fault kills a random gunicorn worker with SIGKILL every --kill-every seconds during the replay; a request
that got no answer is sent again (a ballot sent again replaces the first: one ballot per voter).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import appserver  # noqa: E402

DEFAULT_FILE = "Poland_Lodz_2024_Katedralna.pb"  # approval, up to 5 of 20 projects, 1,692 ballots
NO_ANSWER = (OSError, http.client.HTTPException)  # reset, refused, closed without an answer


def election(args) -> tuple[dict, list[dict], list[list[tuple[str, int]]], str]:
    """(budget settings, projects, ballots as [(project external id, value)], description)."""
    if args.synthetic:
        rng = random.Random(11)
        projects = [{"external_id": f"S{n}", "name": f"Synthetic project {n}", "cost": rng.randrange(20, 200) * 1000}
                    for n in range(1, 31)]
        ballots = [[(f"S{n}", 1) for n in rng.sample(range(1, 31), rng.randint(1, 5))] for _ in range(args.synthetic)]
        settings = {"ballot_kind": "approval", "min_projects": None, "max_projects": 5, "amount": 1_500_000,
                    "counting_rule": "greedy", "threshold": 0}
        return settings, projects, ballots, f"{args.synthetic} synthetic approval ballots (1 to 5 of 30 projects)"

    from civic.budgets import pabulib
    from civic.budgets.models import COUNTING_RULES
    from civic.budgets.pbio import _ballot_kind

    folder = os.environ.get("CIVIC_PABULIB_DIR", "")
    path = Path(args.pabulib or DEFAULT_FILE)
    if not path.exists() and folder:
        path = Path(folder) / path
    if not path.exists():
        sys.exit(f"{path} not found: set CIVIC_PABULIB_DIR to a folder of Pabulib files (https://pabulib.org), "
                 "pass --pabulib FILE.pb, or use --synthetic N")
    data = pabulib.read(path)
    settings = _ballot_kind(data.meta)
    if settings["ballot_kind"] == "ranked" and not settings.get("max_ranks"):
        settings["max_ranks"] = max((len(b.vote) for b in data.ballots), default=1)
    rule = data.meta.get("rule", "greedy")
    settings.update(amount=int(data.meta.get("budget") or 0), counting_rule=rule if rule in COUNTING_RULES else "greedy",
                    threshold=int(data.meta.get("min_project_score_threshold") or 0))
    projects = [{"external_id": p.project_id, "name": p.name or p.project_id, "cost": p.cost} for p in data.projects]
    kind = settings["ballot_kind"]
    ballots = []
    for ballot in data.ballots[:args.limit or None]:
        if kind == "cumulative":
            ballots.append([(pid, points) for pid, points in zip(ballot.vote, ballot.points or [1] * len(ballot.vote))
                            if points > 0])
        elif kind == "ranked":
            ballots.append([(pid, rank) for rank, pid in enumerate(ballot.vote, start=1)])
        else:
            ballots.append([(pid, 1) for pid in ballot.vote])
    return settings, projects, ballots, f"{path.name}: {len(ballots)} of {len(data.ballots)} ballots, {kind}"


def make_budget(app, settings: dict, projects: list[dict], title: str) -> tuple[int, dict[str, int]]:
    from civic.budgets.models import Budget, Project
    from civic.core.db import utcnow
    from civic.extensions import db
    from civic.processes.models import Process

    with app.app_context():
        now = utcnow()
        budget = Budget(process=Process(titles={"en": title}, created_at=now), titles={"en": title},
                        opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=1), created_at=now,
                        **settings)
        budget.projects = [Project(titles={"en": p["name"]}, external_id=p["external_id"], cost=p["cost"],
                                   position=n, created_at=now) for n, p in enumerate(projects, start=1)]
        db.session.add(budget)
        db.session.commit()
        return budget.id, {p.external_id: p.id for p in budget.projects}


def scale_city_voters(count: int, password: str | None) -> list[tuple[int, int, str]] | None:
    """The verified voters of a city built by bench/city.py (user<n>@scale.example), if it has `count` of them."""
    import sqlalchemy as sa

    from civic.accounts.models import User
    from civic.budgets.models import Voter
    from civic.extensions import db

    try:
        from civic.scale import EMAIL_DOMAIN
    except ImportError:
        return None
    rows = db.session.execute(sa.select(User.id, Voter.id, User.email).join(Voter, Voter.user_id == User.id)
                              .where(User.email.like(f"user%@{EMAIL_DOMAIN}"), User.deleted_at.is_(None))
                              .order_by(User.id).limit(count)).all()
    if len(rows) < count or password is None:
        return None
    return [tuple(row) for row in rows]


def expected_valid(app, budget_id: int, ballots: list[dict[int, int]]) -> list[bool]:
    """Which ballots the budget's rule accepts (the server must acknowledge those and refuse the rest)."""
    from civic.budgets import rules
    from civic.budgets.models import Budget
    from civic.extensions import db

    with app.test_request_context():
        budget = db.session.get(Budget, budget_id)
        return [rules.check(budget, choices).valid for choices in ballots]


def form_fields(kind: str, choices: dict[int, int]) -> dict:
    if kind in ("approval", "knapsack"):
        return {"projects": [str(pid) for pid in choices]}
    if kind == "choose_one":
        return {"project": [str(pid) for pid in choices]}
    prefix = "points" if kind == "cumulative" else "rank"
    return {f"{prefix}-{pid}": str(value) for pid, value in choices.items()}


class Replay:
    def __init__(self, base: str, budget_id: int, kind: str, voters: list[tuple[int, int, str]],
                 ballots: list[dict[int, int]], password: str):
        self.base, self.budget_id, self.kind, self.password = base, budget_id, kind, password
        self.voters, self.ballots = voters, ballots
        self.outcome: list[str | None] = [None] * len(ballots)  # "acknowledged", "refused <status>", "failed: ..."
        self.post_ms: list[float] = []
        self.voter_ms: list[float] = []
        self.step_ms: dict[str, list[float]] = {"sign-in": [], "ballot page": []}
        self.retries = Counter()
        self.statuses = Counter()
        self.lock = threading.Lock()
        self.next = 0

    def _retry(self, step: str, call):
        for attempt in range(30):
            try:
                return call()
            except NO_ANSWER:
                with self.lock:
                    self.retries[step] += 1
                time.sleep(min(0.05 * (attempt + 1), 1.0))
        raise RuntimeError(f"{step}: no answer after 30 tries")

    def _timed(self, step: str, call):
        begun = time.perf_counter()
        result = self._retry(step, call)
        with self.lock:
            self.step_ms[step].append((time.perf_counter() - begun) * 1000)
        return result

    def _sign_in(self, email: str) -> dict[str, str]:
        return self._timed("sign-in", lambda: appserver.sign_in(self.base, email, self.password))

    def one(self, index: int) -> None:
        _, _, email = self.voters[index]
        choices = self.ballots[index]
        started = time.perf_counter()
        cookies = self._sign_in(email)
        url = f"{self.base}/budgets/{self.budget_id}/ballot"
        status, _, page = self._timed("ballot page", lambda: appserver.request("GET", url, cookies=cookies))
        if status != 200:
            self.outcome[index] = f"ballot page answered {status}"
            return
        body = {"csrf_token": appserver.csrf_token(page), **form_fields(self.kind, choices)}

        def post():
            begun = time.perf_counter()
            answer = appserver.request("POST", url, body, cookies=cookies)
            return answer, (time.perf_counter() - begun) * 1000

        (status, headers, _), elapsed = self._retry("ballot post", post)
        with self.lock:
            self.statuses[status] += 1
            if status == 303 and headers.get("location", "").endswith(f"/budgets/{self.budget_id}/voted"):
                self.outcome[index] = "acknowledged"
                self.post_ms.append(elapsed)
                self.voter_ms.append((time.perf_counter() - started) * 1000)
            else:
                self.outcome[index] = f"refused {status}"

    def worker(self) -> None:
        while True:
            with self.lock:
                index, self.next = self.next, self.next + 1
            if index >= len(self.ballots):
                return
            try:
                self.one(index)
            except Exception as error:  # noqa: BLE001 - reported, never hidden
                self.outcome[index] = f"failed: {error}"


def killer(server, every: float, min_age: float, stop: threading.Event, kills: list[int]) -> None:
    """Every `every` seconds, SIGKILL one random worker among those up for `min_age` seconds (a worker still
    importing the app serves no one: killing only those would stop the service rather than test it)."""
    rng = random.Random()
    while not stop.wait(every):
        pids = [pid for pid in server.worker_pids() if appserver.process_age(pid) >= min_age]
        if pids:
            pid = rng.choice(pids)
            try:
                os.kill(pid, signal.SIGKILL)
                kills.append(pid)
            except ProcessLookupError:
                pass


def check_database(app, budget_id: int, voters, ballots, outcome, staff_id: int) -> dict:
    import sqlalchemy as sa

    from civic.accounts.models import User
    from civic.budgets import results, sealing, voting
    from civic.budgets.models import Ballot, BallotChoice, Budget, Participation, SealedBallot
    from civic.core.db import utcnow
    from civic.extensions import db

    with app.test_request_context():
        participations = Counter(db.session.scalars(sa.select(Participation.voter_id)
                                                    .where(Participation.budget_id == budget_id)))
        sealed = dict(db.session.execute(sa.select(SealedBallot.voter_key, SealedBallot.sealed)
                                         .where(SealedBallot.budget_id == budget_id)).all())
        lost = duplicated = wrong = stored_refused = 0
        for (_, voter_id, _), choices, result in zip(voters, ballots, outcome):
            key = voting.voter_key(voter_id, budget_id)
            count, blob = participations.get(voter_id, 0), sealed.get(key)
            if result == "acknowledged":
                if count == 0 or blob is None:
                    lost += 1
                elif sealing.unseal(sealing.ballot_context(budget_id, key), blob) != choices:
                    wrong += 1
                duplicated += max(count - 1, 0)
            elif count or blob is not None:
                stored_refused += 1
        acknowledged = outcome.count("acknowledged")
        figures = {"acknowledged": acknowledged, "stored_participations": sum(participations.values()),
                   "stored_sealed": len(sealed), "lost": lost, "duplicated": duplicated, "wrong": wrong,
                   "stored_for_refused": stored_refused}
        # Close through the service, as staff do, and compare what is counted with what was acknowledged.
        started = time.perf_counter()
        results.close_voting(db.session.get(User, staff_id), db.session.get(Budget, budget_id), utcnow())
        db.session.commit()
        figures["close_s"] = time.perf_counter() - started
        counted = {}
        for ballot_id, project_id, points, rank in db.session.execute(
                sa.select(BallotChoice.ballot_id, BallotChoice.project_id, BallotChoice.points, BallotChoice.rank)
                .join(Ballot).where(Ballot.budget_id == budget_id)):
            counted.setdefault(ballot_id, {})[project_id] = rank if rank is not None else points
        counted_ballots = db.session.scalar(sa.select(sa.func.count()).select_from(Ballot)
                                            .where(Ballot.budget_id == budget_id))
        counted_sets = Counter(frozenset(c.items()) for c in counted.values())
        counted_sets[frozenset()] += counted_ballots - len(counted)  # ballots with no choices at all
        expected = Counter(frozenset(choices.items()) for choices, result in zip(ballots, outcome)
                           if result == "acknowledged")
        figures.update(counted=counted_ballots, counted_missing=sum((expected - counted_sets).values()),
                       counted_extra=sum((counted_sets - expected).values()))
    return figures


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pabulib", help=f"a .pb file, or its name in $CIVIC_PABULIB_DIR (default {DEFAULT_FILE})")
    parser.add_argument("--limit", type=int, default=0, help="replay only the first N ballots of the file")
    parser.add_argument("--synthetic", type=int, default=0, metavar="N", help="N synthetic approval ballots instead")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients, 16 to 64 (default 32)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers (default 4)")
    parser.add_argument("--fault", action="store_true", help="SIGKILL random gunicorn workers during the replay")
    parser.add_argument("--kill-every", type=float, default=0.5, help="seconds between kills with --fault")
    parser.add_argument("--min-age", type=float, default=3.0,
                        help="with --fault, kill only workers up for at least this many seconds (default 3)")
    parser.add_argument("--password", default="scale-city-password",
                        help="password of bench/city.py's accounts, used when the database has enough of its verified "
                             "voters (default: bench/city.py's default)")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--sqlite", action="store_true", help="allow a SQLite DATABASE_URL")
    args = parser.parse_args()

    url, redis = appserver.database_url(args.sqlite), appserver.redis_url()
    log = (lambda text: print(text, file=sys.stderr, flush=True)) if args.json else \
        (lambda text: print(text, flush=True))
    app = appserver.in_process_app(url)
    with app.app_context():
        settings, projects, raw, description = election(args)
    title = f"Bench vote_http {time.strftime('%Y-%m-%d %H:%M:%S')}"
    budget_id, ids = make_budget(app, settings, projects, title)
    ballots = [{ids[pid]: value for pid, value in ballot} for ballot in raw]
    valid = expected_valid(app, budget_id, ballots)

    import sqlalchemy as sa

    from civic.accounts.models import User
    from civic.extensions import db

    started = time.perf_counter()
    with app.app_context():
        voters, password, origin = scale_city_voters(len(ballots), args.password), args.password, "bench/city.py's"
        if voters is None:
            voters, password = appserver.bench_accounts(len(ballots), "bench-voter"), appserver.BENCH_PASSWORD
            origin = "bench"
        staff_id = appserver.bench_accounts(1, "bench-staff")[0][0]
        db.session.execute(sa.update(User).where(User.id == staff_id).values(role="staff"))
        db.session.commit()
    accounts_s = time.perf_counter() - started

    server = appserver.Server(url, redis, workers=args.workers)
    server.start()
    kills: list[int] = []
    try:
        log(f"server: {server.describe()}")
        log("rate limits: on, in Redis, at " + ("their defaults" if not any(
            k in os.environ for k in appserver.rate_limit_settings()) else "the environment's values") +
            f"; sign-in per account {appserver.rate_limit_settings()['CIVIC_LIMIT_SIGN_IN_PER_ACCOUNT']!r}: each voter "
            "signs in once (again only after a request got no answer); all from 127.0.0.1 (X-Forwarded-For)")
        log(f"election: {description}; budget {budget_id} ({settings['ballot_kind']}), "
            f"{sum(valid)} ballots the rule accepts, {len(valid) - sum(valid)} it refuses")
        log(f"voters: {len(voters)} distinct {origin} accounts ({voters[0][2]} ...), verified voters, ready in "
            f"{accounts_s:.1f} s")
        replay = Replay(server.base, budget_id, settings["ballot_kind"], voters, ballots, password)
        threads = [threading.Thread(target=replay.worker) for _ in range(args.clients)]
        stop = threading.Event()
        chaos = threading.Thread(target=killer, args=(server, args.kill_every, args.min_age, stop, kills)) if args.fault else None
        log(f"replay: {args.clients} clients" + (f", a worker SIGKILLed every {args.kill_every} s (one up for {args.min_age} s or more)"
                                          if args.fault else ""))
        cpu_before, begun = server.cpu_seconds(), time.perf_counter()
        for thread in threads:
            thread.start()
        if chaos:
            chaos.start()
        while any(thread.is_alive() for thread in threads):
            threads[0].join(5)
            done = sum(1 for result in replay.outcome if result is not None)
            print(f"  {time.perf_counter() - begun:5.0f} s: {done} of {len(ballots)} voters done"
                  + (f", {len(kills)} workers killed" if args.fault else ""), file=sys.stderr, flush=True)
        stop.set()
        if chaos:
            chaos.join()
        elapsed = time.perf_counter() - begun
        cpu = server.cpu_seconds() - cpu_before
        # With --fault, the master's "Worker (pid:…) was sent SIGKILL!" lines are the kills themselves.
        problems = [line for line in server.log_problems() if not (args.fault and "was sent SIGKILL" in line)]
    finally:
        server.stop()

    outcome = replay.outcome
    mismatched = sum(1 for ok, result in zip(valid, outcome) if (result == "acknowledged") != ok)
    figures = check_database(app, budget_id, voters, ballots, outcome, staff_id)
    acknowledged = figures["acknowledged"]
    summary = {
        "election": description, "budget_id": budget_id, "clients": args.clients, "workers": args.workers,
        "fault": args.fault, "workers_killed": len(kills), "ballots": len(ballots), "expected_valid": sum(valid),
        "seconds": elapsed, "ballots_per_s": acknowledged / elapsed if elapsed else 0,
        "post_p50_ms": percentile(replay.post_ms, 0.5), "post_p95_ms": percentile(replay.post_ms, 0.95),
        "voter_p50_ms": percentile(replay.voter_ms, 0.5), "voter_p95_ms": percentile(replay.voter_ms, 0.95),
        **{f"{step.replace(' ', '_').replace('-', '_')}_p50_ms": percentile(values, 0.5)
           for step, values in replay.step_ms.items()},
        "app_cpu_ms_per_voter": cpu * 1000 / max(len(ballots), 1), "retries": dict(replay.retries),
        "post_statuses": {str(k): v for k, v in sorted(replay.statuses.items())},
        "answer_not_as_the_rule_says": mismatched,
        "failed": Counter(r for r in outcome if r and r.startswith(("failed", "ballot page"))),
        **figures, "server_log_problems": len(problems),
    }
    if args.json:
        summary["failed"] = dict(summary["failed"])
        print(json.dumps(summary, indent=2))
        return
    print(f"replayed {len(ballots)} ballots in {elapsed:.1f} s: {summary['ballots_per_s']:.1f} acknowledged ballots/s "
          f"({args.clients} clients, {args.workers} workers"
          + (f", {len(kills)} workers killed" if args.fault else "") + ")")
    print(f"ballot POST latency p50 {summary['post_p50_ms']:.0f} ms, p95 {summary['post_p95_ms']:.0f} ms; whole voter "
          f"(sign in, ballot page, POST) p50 {summary['voter_p50_ms']:.0f} ms, p95 {summary['voter_p95_ms']:.0f} ms; "
          f"app CPU {summary['app_cpu_ms_per_voter']:.0f} ms per voter")
    print(f"  steps p50: sign-in (GET and POST the form) {summary['sign_in_p50_ms']:.0f} ms, ballot page "
          f"{summary['ballot_page_p50_ms']:.0f} ms, ballot POST {summary['post_p50_ms']:.0f} ms")
    print(f"answers: POST statuses {summary['post_statuses']}, requests sent again after no answer "
          f"{dict(replay.retries) or 0}, answers not as the rule says {mismatched}, failed voters "
          f"{sum(summary['failed'].values())}")
    print(f"database: acknowledged {acknowledged}, participations {figures['stored_participations']}, sealed "
          f"{figures['stored_sealed']}; lost {figures['lost']}, duplicated {figures['duplicated']}, wrong "
          f"{figures['wrong']}, stored for refused {figures['stored_for_refused']}")
    print(f"closed in {figures['close_s']:.2f} s: counted {figures['counted']} ballots; missing from the count "
          f"{figures['counted_missing']}, extra in the count {figures['counted_extra']}")
    for reason, count in summary["failed"].most_common(5):
        print(f"  {count} x {reason}")
    if problems:
        print(f"gunicorn logged {len(problems)} problem line(s) (log {server.log_path}), first ones:")
        for line in problems[:8]:
            print("  " + line)


if __name__ == "__main__":
    main()
