"""Counting a budget from the database, closing the vote and publishing results for good.

Published results carry the anonymous ballots as a Pabulib file and its SHA-256: anyone can
download the file, check the hash and count again with any Pabulib tool.
"""

from __future__ import annotations

import hashlib
import secrets
from collections import defaultdict
from datetime import datetime

import sqlalchemy as sa
from civic.core.messages import lazy_gettext as _l

from civic.accounts.models import User
from civic.budgets import counting, sealing
from civic.budgets.models import (AGE_BANDS, GENDERS, Ballot, BallotChoice, Budget, Participation, ResultPublication,
                                  SealedBallot, Voter)
from civic.budgets.services import require_staff
from civic.core import audit
from civic.core.errors import DomainError
from civic.extensions import db
from civic.notifications.services import notify_followers

VOTE_TYPES = {"approval": "approval", "knapsack": "approval", "choose_one": "choose-1", "cumulative": "cumulative",
              "ranked": "ordinal"}
SMALL_GROUP = 10  # representativeness cells with fewer people are not shown


def load_ballots(budget: Budget) -> list[counting.Ballot]:
    """Every ballot of the budget, projects named by their public id, ranked ballots in rank order."""
    public = {project.id: project.public_id for project in budget.projects}
    rows = db.session.execute(
        sa.select(Ballot.id, BallotChoice.project_id, BallotChoice.points, BallotChoice.rank)
        .outerjoin(BallotChoice, BallotChoice.ballot_id == Ballot.id)
        .where(Ballot.budget_id == budget.id)
        .order_by(Ballot.id, BallotChoice.rank, BallotChoice.project_id))
    grouped: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for ballot_id, project_id, points, _rank in rows:
        choices = grouped[ballot_id]
        if project_id is not None:
            choices.append((public[project_id], points))
    cumulative = budget.ballot_kind == "cumulative"
    return [counting.Ballot(tuple(p for p, _ in choices), tuple(n for _, n in choices) if cumulative else None)
            for choices in grouped.values()]


def count(budget: Budget, rule: str | None = None, ballots: list[counting.Ballot] | None = None) -> counting.Tally:
    ballots = load_ballots(budget) if ballots is None else ballots
    return counting.tally([(project.public_id, project.cost) for project in budget.projects], ballots,
                          vote_type=VOTE_TYPES[budget.ballot_kind], budget=budget.amount,
                          rule=rule or budget.counting_rule, threshold=budget.threshold,
                          max_length=budget.max_ranks if budget.ballot_kind == "ranked" else None)


def voter_count(budget: Budget) -> int:
    if budget.imported:
        return db.session.scalar(sa.select(sa.func.count()).select_from(Ballot).where(Ballot.budget_id == budget.id))
    return db.session.scalar(sa.select(sa.func.count()).select_from(Participation)
                             .where(Participation.budget_id == budget.id))


def eligible_count(budget: Budget) -> int | None:
    """Verified voters who could vote in this budget (None for imports: unknown)."""
    if budget.imported:
        return None
    query = sa.select(sa.func.count()).select_from(Voter)
    if budget.district_id is not None:
        query = query.where(Voter.district_id == budget.district_id)
    return db.session.scalar(query)


def close_voting(actor: User | None, budget: Budget, now: datetime) -> None:
    """End the vote and open its sealed ballots into the counted tables, all in one transaction."""
    from civic.budgets.voting import state

    require_staff(actor)
    # Exclusive: waits for ballots being cast (they hold a share lock), and makes later ones see the close.
    db.session.execute(sa.select(Budget.id).where(Budget.id == budget.id).with_for_update())
    db.session.refresh(budget)
    if state(budget, now) not in ("open", "ended"):
        raise DomainError(_l("Only a vote that has opened can be closed."))
    budget.closed_at = now
    db.session.flush()
    counted = unseal_ballots(budget)
    audit.record(actor, "budget.closed", subject_type="budget", subject_id=budget.id, now=now,
                 details={"counted": counted})


def unseal_ballots(budget: Budget) -> int:
    """Write every sealed ballot of the closed budget, once, in a fresh random order, then delete
    the sealed rows. Nothing written here points back to a voter: random ids, one transaction
    (so one PostgreSQL `xmin` for all), and `rowid`/`ctid` order is the shuffle's, not the voting order."""
    sealed_rows = db.session.execute(sa.select(SealedBallot.voter_key, SealedBallot.sealed)
                                     .where(SealedBallot.budget_id == budget.id)).all()
    participations = db.session.scalar(sa.select(sa.func.count()).select_from(Participation)
                                       .where(Participation.budget_id == budget.id))
    if len(sealed_rows) != participations:  # a lost or extra ballot: refuse to close rather than miscount
        raise DomainError(_l("The number of sealed ballots does not match the number of voters. Nothing was "
                             "changed; contact the system administrator."))
    opened = [sealing.unseal(sealing.ballot_context(budget.id, key), blob) for key, blob in sealed_rows]
    secrets.SystemRandom().shuffle(opened)
    ranked = budget.ballot_kind == "ranked"
    ballot_rows, choice_rows = [], []
    for choices in opened:
        ballot_id = secrets.token_hex(16)
        ballot_rows.append({"id": ballot_id, "budget_id": budget.id})
        choice_rows.extend({"ballot_id": ballot_id, "project_id": project_id, "points": 1 if ranked else value,
                            "rank": value if ranked else None} for project_id, value in choices.items())
    if ballot_rows:
        db.session.execute(sa.insert(Ballot), ballot_rows)
    if choice_rows:
        db.session.execute(sa.insert(BallotChoice), choice_rows)
    db.session.execute(sa.delete(SealedBallot).where(SealedBallot.budget_id == budget.id))
    db.session.flush()
    return len(ballot_rows)


def publish(actor: User | None, budget: Budget, now: datetime) -> ResultPublication:
    """Publish for good. Ballots per channel are published exactly, even when few: a channel count says
    how many voted that way, not who, nor what they chose (SMALL_GROUP is for the voluntary answers).
    Paper ballots whose two entries never agreed were not counted; their number is published too."""
    from civic.budgets.entry import discard_unresolved
    from civic.budgets.pbio import export_text
    from civic.budgets.record import channel_counts

    require_staff(actor)
    if budget.publication is not None:
        raise DomainError(_l("The results have already been published."))
    if budget.closed_at is None:
        raise DomainError(_l("Close the vote before publishing the results."))
    ballots = load_ballots(budget)
    tally = count(budget, ballots=ballots)
    text = export_text(budget, tally=tally)
    publication = ResultPublication(
        budget_id=budget.id, published_at=now, published_by_id=actor.id, rule=tally.rule,
        results=as_json(tally, channels=channel_counts(budget), unresolved_paper=discard_unresolved(budget)),
        voters=voter_count(budget), eligible=eligible_count(budget),
        ballots_file=text, ballots_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest())
    db.session.add(publication)
    db.session.flush()
    audit.record(actor, "budget.published", subject_type="budget", subject_id=budget.id, now=now,
                 details={"rule": tally.rule, "voters": publication.voters,
                          "file_sha256": publication.ballots_sha256})
    # Followers of the process hear that the results are out (notifications area).
    notify_followers("process", budget.process_id, "results_published",
                     params={"titles": budget.titles, "original": budget.original_language},
                     url=f"/budgets/{budget.id}/results", actor=actor, now=now)
    return publication


def published_row(project) -> dict | None:
    """The project's line in its budget's published results (votes, score, selected), if published."""
    publication = project.budget.publication
    if publication is None:
        return None
    return next((row for row in publication.results["projects"] if row["project_id"] == project.public_id), None)


def as_json(tally: counting.Tally, channels: dict[str, int] | None = None, unresolved_paper: int = 0) -> dict:
    """The tally as published; with `channels` (at publication) the ballots per channel as well."""
    data = {"rule": tally.rule, "vote_type": tally.vote_type, "budget": tally.budget, "spent": tally.spent,
            "ballots": tally.ballots, "details": tally.details,
            "projects": [{"project_id": p.project_id, "cost": p.cost, "votes": p.votes, "score": p.score,
                          "selected": p.selected, "rank": p.rank} for p in tally.projects]}
    if channels is not None:
        data["channels"] = channels
        data["unresolved_paper"] = unresolved_paper
    return data


def representativeness(budget: Budget) -> dict[str, list[tuple[str, int | None]]]:
    """Voluntary answers, counted per group; groups under SMALL_GROUP people are hidden (None)."""
    report = {}
    for column, values in (("age_band", AGE_BANDS), ("gender", GENDERS)):
        rows = dict(db.session.execute(
            sa.select(getattr(Participation, column), sa.func.count())
            .where(Participation.budget_id == budget.id).group_by(getattr(Participation, column))).all())
        report[column] = [(value, rows.get(value, 0) if rows.get(value, 0) >= SMALL_GROUP else None)
                          for value in values]
        unanswered = rows.get(None, 0)
        report[column].append((None, unanswered if unanswered >= SMALL_GROUP else None))
    district_rows = db.session.execute(
        sa.select(Voter.district_id, sa.func.count()).join(Participation, Participation.voter_id == Voter.id)
        .where(Participation.budget_id == budget.id).group_by(Voter.district_id)).all()
    report["district"] = [(district_id, people if people >= SMALL_GROUP else None)
                          for district_id, people in district_rows]
    return report
