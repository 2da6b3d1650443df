"""A city at scale, on top of the demo city: many accounts, proposals, supports and comments, an
eligibility list, verified voters, an open vote of 30 projects and a big published election.

Built fast and valid: rows go in through the real models with `insert()` in batches (no per-row
flush), document numbers and ballots through the real keyed hashes and sealing, one password hash
shared by every account, the election through the Pabulib importer and the real publish path. Every
CHECK, unique and trigger of the schema holds, and `proposal.support_count` equals the supports.

What a benchmark can rely on (see `describe`):
- accounts user000001@scale.example ... (width 6, more digits past 999,999), all confirmed, one password;
- document SCALE-000001 belongs to account 1 and so on; accounts 1..verified are verified voters;
- the last `cast` verified voters have already voted in the open budget; the others have not.
"""

from __future__ import annotations

import itertools
import math
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from civic.accounts import passwords
from civic.accounts.models import Role, User
from civic.budgets import eligibility, sealing, voting
from civic.budgets.models import Budget, EligibleDocument, Participation, Project, SealedBallot, Voter
from civic.city.models import District
from civic.comments.models import Comment, CommentThread
from civic.core.db import utcnow
from civic.core.sanitize import clean_rich_text
from civic.extensions import db
from civic.plans.models import DIMENSIONS, Goal, GoalRevision, Plan
from civic.processes.models import Process, ProcessPhase
from civic.proposals.models import PROPOSAL_THREAD_KIND, Proposal, Support

BATCH = 5_000
EMAIL_DOMAIN = "scale.example"
DOCUMENT_PREFIX = "SCALE-"
ELECTION = "Poland_Lodz_2022.pb"  # 90,494 ballots
SMALL_ELECTION = "Poland_Czestochowa_2025_Bleszno.pb"
OPEN_BUDGET_TITLE = "City-wide vote at scale"


@dataclass(frozen=True)
class Sizes:
    accounts: int = 100_000
    proposals: int = 20_000
    supports: int = 200_000
    comments: int = 50_000
    busiest: int = 186  # comments on the busiest proposal
    documents: int | None = None  # on the eligibility list; default: one per account
    verified: int | None = None  # accounts with a Voter row; default: half of them
    cast: int | None = None  # of those, already voted in the open budget; default: 1 in 20 accounts
    projects: int = 30
    election: str | None = ELECTION  # file name in $CIVIC_PABULIB_DIR; None: no election

    @property
    def document_count(self) -> int:
        return max(self.accounts, self.documents or 0)

    @property
    def verified_count(self) -> int:
        return min(self.accounts, self.accounts // 2 if self.verified is None else self.verified)

    @property
    def cast_count(self) -> int:
        return min(self.verified_count, self.accounts // 20 if self.cast is None else self.cast)


FULL = Sizes()
SMALL = Sizes(accounts=1_000, proposals=200, supports=2_000, comments=500, busiest=40, election=SMALL_ELECTION)


def email_of(number: int, accounts: int) -> str:
    return f"user{number:0{max(6, len(str(accounts)))}d}@{EMAIL_DOMAIN}"


def document_of(number: int, documents: int) -> str:
    return f"{DOCUMENT_PREFIX}{number:0{max(6, len(str(documents)))}d}"


@dataclass
class Report:
    steps: list[tuple[str, float, str]] = field(default_factory=list)  # (step, seconds, what was built)
    counts: dict[str, int] = field(default_factory=dict)
    open_budget_id: int | None = None
    election_budget_id: int | None = None
    election_skipped: str | None = None
    busiest_proposal_id: int | None = None


class ScaleError(Exception):
    pass


class _Timer:
    def __init__(self, report: Report, echo: Callable[[str], None]):
        self.report, self.echo = report, echo

    def step(self, name: str, action: Callable[[], str]) -> None:
        started = time.perf_counter()
        what = action()
        seconds = time.perf_counter() - started
        self.report.steps.append((name, seconds, what))
        self.echo(f"  {name:<22} {seconds:7.1f} s  {what}")


def _insert(model, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        db.session.execute(sa.insert(model), rows[start:start + BATCH])


def _next_id(model) -> int:
    return (db.session.scalar(sa.select(sa.func.max(model.id))) or 0) + 1


def _sync_sequences(models) -> None:
    """Rows were inserted with their ids: PostgreSQL's sequences must go on after them."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for model in models:
        table = model.__tablename__
        db.session.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                   f"(SELECT coalesce(max(id), 1) FROM {table}))"))


def _zipf_weights(count: int, exponent: float) -> list[float]:
    return [(rank + 1) ** -exponent for rank in range(count)]


def _exponent_for_top(count: int, top_share: float) -> float:
    """The Zipf exponent whose first of `count` ranks takes `top_share` of the total."""
    if count <= 1 or top_share <= 1 / count:
        return 0.0
    low, high = 0.0, 6.0
    for _ in range(50):
        middle = (low + high) / 2
        weights = _zipf_weights(count, middle)
        if weights[0] / sum(weights) < top_share:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def _allocate(total: int, weights: list[float]) -> list[int]:
    """`total` split in proportion to `weights` (largest remainders), so the counts add up exactly."""
    if not weights:
        return []
    whole = sum(weights)
    shares = [total * weight / whole for weight in weights]
    counts = [math.floor(share) for share in shares]
    left = total - sum(counts)
    by_remainder = sorted(range(len(weights)), key=lambda i: shares[i] - counts[i], reverse=True)
    for i in by_remainder[:left]:
        counts[i] += 1
    return counts


WORDS = {
    "what": ["Shade trees", "A bike lane", "Benches", "A drinking fountain", "Street lighting", "A playground",
             "A community garden", "Public toilets", "A pedestrian crossing", "Bike parking", "A skate park",
             "Free Wi-Fi", "A bus shelter", "Recycling bins", "A dog park", "An outdoor gym", "Flower beds",
             "A library corner", "Solar panels", "A mural"],
    "where": ["on Market Street", "by the school", "in the park", "near the station", "on the river bank",
              "at the square", "by the library", "on Mill Lane", "at the market", "near the clinic"],
}
PROPOSAL_BODIES = [
    "Many neighbours walk here every day and there is nothing for them.\n\nThis would make the place safer "
    "and more pleasant for children and older people.",
    "We talked about this at the residents' meeting and everyone agreed.\n\nIt is cheap, quick to build and "
    "would be used all year.",
    "The street is busy, hot in summer and dark in winter. A small change would help a lot of people.",
    "Families with small children have nowhere to go nearby. Please consider this for next year's budget.",
]
COMMENT_TEXTS = [
    "Yes, please! I pass here every day.", "Good idea, but who would maintain it?",
    "How much would this cost?", "I would use this every week.", "This is needed in other districts too.",
    "Could it be combined with the plan for the square?", "Great, my children would love it.",
    "I am not sure this is the priority right now.", "Please think of people in wheelchairs too.",
    "We asked for this years ago. Thank you for proposing it.", "What about the noise at night?",
    "The city did something similar in Riverside and it works well.",
]
REPLY_TEXTS = ["I agree.", "The city's technical services could answer that.", "Good point, thank you.",
               "There is a similar proposal; maybe they could be merged.", "I disagree, it is not expensive.",
               "See the budget page: the costs are checked before the vote."]
REJECTION = "The city already plans this work in its 2027 maintenance programme."


def build_city(sizes: Sizes, password: str, *, seed: int = 2027, pabulib_dir: str | Path | None = None,
               echo: Callable[[str], None] = print) -> Report:
    """Add the city at scale to a database holding the demo city (load_demo, committed). Commits."""
    rng = random.Random(seed)
    report = Report()
    timer = _Timer(report, echo)
    if db.session.scalar(sa.select(User.id).where(User.email == email_of(1, sizes.accounts))) is not None:
        raise ScaleError("This database already holds the city at scale (its first account exists).")
    staff = db.session.scalars(sa.select(User).where(User.role == Role.STAFF.value).order_by(User.id)).first()
    ideas = db.session.scalars(sa.select(Process).join(ProcessPhase).where(ProcessPhase.kind == "proposals")
                               .order_by(ProcessPhase.ends_on.desc())).first()
    plan = db.session.scalars(sa.select(Plan).order_by(Plan.id)).first()
    if staff is None or ideas is None or plan is None:
        raise ScaleError("Load the demo city first (civic.demo.load_demo): the city at scale builds on it.")
    districts = [d.id for d in db.session.scalars(sa.select(District).order_by(District.position))]
    now = utcnow()
    state: dict = {}

    def accounts() -> str:
        password_hash = passwords.hash_password(password)  # once: every account shares it
        first = state["first_user"] = _next_id(User)
        rows = []
        for n in range(1, sizes.accounts + 1):
            created = now - timedelta(days=60, minutes=n % 50_000)
            rows.append({"id": first + n - 1, "email": email_of(n, sizes.accounts),
                         "display_name": f"Resident {n}", "password_hash": password_hash,
                         "role": Role.RESIDENT.value, "locale": None,
                         "district_id": districts[n % len(districts)] if n % 7 else None,
                         "show_name_publicly": n % 3 == 0, "session_version": 1, "created_at": created,
                         "email_confirmed_at": created + timedelta(minutes=5)})
        _insert(User, rows)
        state["user_ids"] = [row["id"] for row in rows]
        state["shows_name"] = {row["id"]: row["show_name_publicly"] for row in rows}
        return (f"{sizes.accounts:,} accounts {email_of(1, sizes.accounts)} .. "
                f"{email_of(sizes.accounts, sizes.accounts)}, one shared password hash")

    def eligibility_list() -> str:
        rows, voters = [], []
        first_voter = _next_id(Voter)
        user_ids = state["user_ids"]
        for n in range(1, sizes.document_count + 1):
            digest = eligibility.document_hash(document_of(n, sizes.document_count))
            district = districts[n % len(districts)]
            rows.append({"document_hash": digest, "district_id": district, "imported_at": now - timedelta(days=20)})
            if n <= sizes.verified_count:
                voters.append({"id": first_voter + n - 1, "document_hash": digest, "user_id": user_ids[n - 1],
                               "district_id": district, "method": "list", "verified_by_id": None,
                               "verified_at": now - timedelta(days=10, minutes=n % 10_000)})
        _insert(EligibleDocument, rows)
        _insert(Voter, voters)
        state["voter_ids"] = [row["id"] for row in voters]
        return (f"{len(rows):,} documents {document_of(1, sizes.document_count)} .. on the list, "
                f"{len(voters):,} verified voters (accounts 1..{sizes.verified_count:,})")

    def proposals() -> str:
        goals = [goal.id for goal in plan.goals]
        bodies = [_body(text) for text in PROPOSAL_BODIES]
        first_thread, first = _next_id(CommentThread), _next_id(Proposal)
        threads, rows = [], []
        statuses = ["published"] * 85 + ["under_review"] * 10 + ["accepted"] * 3 + ["rejected"] * 2
        user_ids = state["user_ids"]
        for n in range(sizes.proposals):
            created = now - timedelta(days=19, seconds=-rng.randrange(18 * 86_400))
            status = rng.choice(statuses)
            decided = status in ("accepted", "rejected")
            goal = rng.choice(goals) if goals and n % 4 == 0 else None
            threads.append({"id": first_thread + n, "kind": PROPOSAL_THREAD_KIND, "created_at": created})
            rows.append({"id": first + n, "process_id": ideas.id, "author_id": rng.choice(user_ids),
                         "title": f"{rng.choice(WORDS['what'])} {rng.choice(WORDS['where'])} (idea {n + 1})",
                         "body": rng.choice(bodies), "language": "en",
                         "district_id": rng.choice(districts) if n % 5 else None, "goal_id": goal,
                         "dimension": None if goal else rng.choice(DIMENSIONS), "address": "",
                         "latitude": None, "longitude": None, "photo_type": None, "photo_alt": "",
                         "show_name": n % 2 == 0, "status": status,
                         "status_reason": REJECTION if status == "rejected" else "", "merged_into_id": None,
                         "channel": "online", "recorded_by_id": None, "thread_id": first_thread + n,
                         "support_count": 0, "hidden_at": None, "hidden_reason": None, "awaiting_approval": False,
                         "created_at": created, "updated_at": now - timedelta(hours=1) if decided else created})
        # Popularity: a random order of the proposals, the first ones much busier (Zipf-like).
        order = list(range(sizes.proposals))
        rng.shuffle(order)
        state["proposal_rows"], state["thread_rows"], state["popularity"] = rows, threads, order
        return f"{sizes.proposals:,} proposals in '{ideas.titles.get('en', ideas.id)}', each with its thread"

    def supports() -> str:
        rows, order, user_ids = state["proposal_rows"], state["popularity"], state["user_ids"]
        open_ranked = [i for i in order if rows[i]["status"] in ("published", "under_review", "accepted")]
        if sizes.supports > len(open_ranked) * len(user_ids) // 2:
            raise ScaleError(f"{sizes.supports:,} supports do not fit {len(open_ranked):,} supportable proposals "
                             f"and {len(user_ids):,} accounts.")
        cumulative = list(itertools.accumulate(_zipf_weights(len(open_ranked), 0.8)))
        pairs: set[tuple[int, int]] = set()
        for _round in range(100):
            missing = sizes.supports - len(pairs)
            if missing <= 0:
                break
            picked = rng.choices(open_ranked, cum_weights=cumulative, k=missing)
            for index in picked:
                pairs.add((index, rng.randrange(len(user_ids))))
        else:
            raise ScaleError("Could not draw enough distinct supports; ask for fewer.")
        support_rows = []
        for index, user in sorted(pairs):
            proposal = rows[index]
            rows[index]["support_count"] += 1
            span = max(int((now - proposal["created_at"]).total_seconds()) - 60, 1)
            support_rows.append({"proposal_id": proposal["id"], "user_id": user_ids[user],
                                 "created_at": proposal["created_at"] + timedelta(seconds=rng.randrange(span))})
        _insert(CommentThread, state["thread_rows"])
        _insert(Proposal, rows)
        _insert(Support, support_rows)
        most = max(rows, key=lambda row: row["support_count"], default=None)
        return (f"{len(support_rows):,} distinct supports; proposal counters set to match "
                f"(most supported: {most['support_count'] if most else 0})")

    def comments() -> str:
        rows, order, user_ids = state["proposal_rows"], state["popularity"], state["user_ids"]
        revisions = db.session.execute(
            sa.select(GoalRevision.thread_id).join(Goal).where(Goal.plan_id == plan.id)
            .where(GoalRevision.version == Goal.version)).scalars().all()
        on_goals = min(sizes.comments // 10, len(revisions) * max(sizes.busiest * 2 // 3, 1))
        on_proposals = sizes.comments - on_goals
        if order and on_proposals > sizes.busiest * len(order):
            raise ScaleError(f"{on_proposals:,} comments do not fit {len(order):,} proposals of at most "
                             f"{sizes.busiest} comments; raise --busiest or add proposals.")
        exponent = _exponent_for_top(len(order), sizes.busiest / on_proposals if on_proposals else 1)
        per_proposal = _allocate(on_proposals, _zipf_weights(len(order), exponent))
        # The busiest get the most comments; most proposals get a few or none.
        threads = [(rows[i]["thread_id"], rows[i]["created_at"], now - timedelta(hours=2), False, count)
                   for i, count in zip(order, per_proposal, strict=True) if count]
        consultation = (plan.consultation_opens_at or now - timedelta(days=60),
                        plan.consultation_closes_at or now - timedelta(days=1))
        threads += [(thread_id, consultation[0], consultation[1], True, count)
                    for thread_id, count in zip(revisions, _allocate(on_goals, [1.0] * len(revisions)), strict=True)]
        texts = [clean_rich_text(f"<p>{text}</p>") for text in COMMENT_TEXTS]
        replies = [clean_rich_text(f"<p>{text}</p>") for text in REPLY_TEXTS]
        shows_name = state["shows_name"]
        next_id = _next_id(Comment)
        comment_rows = []
        for thread_id, start, end, stance, count in threads:
            span = max(int((end - start).total_seconds()) - 120, count)
            moments = sorted(rng.sample(range(60, 60 + span), count))
            tops: list[int] = []
            for moment in moments:
                author = rng.choice(user_ids)
                reply = bool(tops) and rng.random() < 0.4
                comment_rows.append({
                    "id": next_id, "thread_id": thread_id, "parent_id": rng.choice(tops) if reply else None,
                    "author_id": author, "body": rng.choice(replies if reply else texts),
                    "stance": rng.choice(("for", "against", "neutral")) if stance and not reply else None,
                    "created_at": start + timedelta(seconds=moment), "edited_at": None, "deleted_at": None,
                    "hidden_at": None, "hidden_reason": None, "awaiting_approval": False,
                    "show_name": shows_name[author], "channel": "online", "recorded_by_id": None})
                if not reply:
                    tops.append(next_id)
                next_id += 1
        _insert(Comment, comment_rows)
        if order and per_proposal:
            report.busiest_proposal_id = rows[order[0]]["id"]
        top_level = sum(1 for row in comment_rows if row["parent_id"] is None)
        return (f"{len(comment_rows):,} comments ({top_level:,} top-level, {len(comment_rows) - top_level:,} "
                f"replies), {on_goals:,} on {len(revisions)} plan goals; busiest proposal "
                f"{max(per_proposal, default=0)}")

    def open_budget() -> str:
        today = now.date()
        process = Process(titles={"en": OPEN_BUDGET_TITLE}, descriptions={"en": "A large city-wide vote."},
                          decides={"en": "Which of 30 projects the city builds."}, impacts={"en": "The winners are built."},
                          original_language="en", channel_online=True, channel_phone=True, channel_in_person=True,
                          created_at=now - timedelta(days=30))
        process.phases = [ProcessPhase(kind="voting", starts_on=today - timedelta(days=1),
                                       ends_on=today + timedelta(days=30))]
        budget = Budget(process=process, titles={"en": OPEN_BUDGET_TITLE}, descriptions={}, original_language="en",
                        amount=3_000_000, currency="EUR", district=None, ballot_kind="approval", max_projects=5,
                        counting_rule="greedy", opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=30),
                        created_at=now - timedelta(days=30))
        budget.projects = [Project(titles={"en": f"Project {n}: {WORDS['what'][n % len(WORDS['what'])]}"},
                                   descriptions={"en": "<p>Checked by the city's technical services.</p>"},
                                   original_language="en", cost=rng.randrange(50, 600) * 1_000, position=n,
                                   created_at=now - timedelta(days=10)) for n in range(1, sizes.projects + 1)]
        db.session.add(budget)
        db.session.flush()
        report.open_budget_id = budget.id
        project_ids = [project.id for project in budget.projects]
        voter_ids = state["voter_ids"][sizes.verified_count - sizes.cast_count:]
        participations, sealed = [], []
        for voter_id in voter_ids:
            key = voting.voter_key(voter_id, budget.id)
            choices = {project: 1 for project in rng.sample(project_ids, rng.randint(1, min(5, len(project_ids))))}
            sealed.append({"budget_id": budget.id, "voter_key": key,
                           "sealed": sealing.seal(sealing.ballot_context(budget.id, key), choices, len(project_ids))})
            voted = now - timedelta(minutes=rng.randrange(1, 1_400))
            participations.append({"budget_id": budget.id, "voter_id": voter_id, "channel": "online",
                                   "entered_by_id": None, "receipt": voting._new_receipt(), "first_voted_at": voted,
                                   "changed_at": voted, "inherited": False, "age_band": None, "gender": None})
        _insert(Participation, participations)
        _insert(SealedBallot, sealed)
        return (f"budget {budget.id}: approval, up to 5 of {len(project_ids)} projects, open for 30 days; "
                f"{len(sealed):,} sealed ballots already cast")

    def election() -> str:
        from civic.budgets import pbio, results

        directory = pabulib_dir if pabulib_dir is not None else os.environ.get("CIVIC_PABULIB_DIR")
        path = Path(directory) / sizes.election if directory else None
        if path is None or not path.is_file():
            report.election_skipped = (
                f"not imported: CIVIC_PABULIB_DIR is not set, so {sizes.election} cannot be found" if not directory
                else f"not imported: {sizes.election} is not in CIVIC_PABULIB_DIR ({directory})")
            return report.election_skipped
        budget, ballots = pbio.import_file(path, now)
        db.session.flush()
        results.publish(staff, budget, now)
        report.election_budget_id = budget.id
        return f"{sizes.election}: budget {budget.id}, {len(budget.projects)} projects, {ballots:,} ballots, published"

    echo(f"Building the city at scale (seed {seed}):")
    timer.step("accounts", accounts)
    timer.step("eligibility, voters", eligibility_list)
    timer.step("proposals (in memory)", proposals)
    timer.step("threads, supports", supports)
    timer.step("comments", comments)
    _sync_sequences([User, Voter, CommentThread, Proposal, Comment])
    timer.step("commit", lambda: (db.session.commit(), "")[1])
    timer.step("open budget", open_budget)
    db.session.commit()
    if sizes.election:
        timer.step("election", election)
        db.session.commit()
    report.counts = {
        "accounts": sizes.accounts, "proposals": sizes.proposals, "supports": sizes.supports,
        "comments": sizes.comments, "documents": sizes.document_count, "verified": sizes.verified_count,
        "cast": sizes.cast_count}
    return report


def _body(text: str) -> str:
    from civic.comments.services import body_to_html

    return body_to_html(text)


def describe(sizes: Sizes, report: Report, password: str) -> list[str]:
    """How a benchmark finds its way in: accounts, password, documents, budgets."""
    first, last = email_of(1, sizes.accounts), email_of(sizes.accounts, sizes.accounts)
    verified, cast = sizes.verified_count, sizes.cast_count
    lines = [
        f"Accounts:   {first} .. {last} (user<n>@{EMAIL_DOMAIN}), all confirmed, password {password}",
        f"Voters:     accounts 1..{verified:,} are verified (document {document_of(1, sizes.document_count)} is "
        f"account 1's); accounts {verified + 1:,}..{sizes.accounts:,} can verify with their own number",
    ]
    if report.open_budget_id is not None:
        lines.append(f"Open vote:  budget {report.open_budget_id} (/budgets/{report.open_budget_id}); accounts "
                     f"1..{verified - cast:,} have not voted yet, {verified - cast + 1:,}..{verified:,} have")
    if report.busiest_proposal_id is not None:
        lines.append(f"Busiest:    proposal {report.busiest_proposal_id} (/proposals/{report.busiest_proposal_id})")
    if report.election_budget_id is not None:
        lines.append(f"Election:   budget {report.election_budget_id}, results at "
                     f"/budgets/{report.election_budget_id}/results")
    elif report.election_skipped:
        lines.append(f"Election:   {report.election_skipped}")
    return lines


def sizes_from(preset: Sizes, **overrides) -> Sizes:
    return replace(preset, **{key: value for key, value in overrides.items() if value is not None})


__all__ = ["FULL", "SMALL", "Report", "ScaleError", "Sizes", "build_city", "describe", "document_of", "email_of",
           "sizes_from"]
