"""Pabulib files in and out: import an election with its anonymous ballots, export any budget.

Exports never carry personal data: ballot ids are random for every file, ballots are in random
order, and only the chosen projects (with points or rank order) are written.
"""

from __future__ import annotations

import io
import random
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from civic.budgets import counting, pabulib
from civic.budgets.models import COUNTING_RULES, Ballot, BallotChoice, Budget, Project
from civic.city.services import current_city
from civic.core import audit
from civic.core.errors import DomainError
from civic.extensions import db
from civic.processes.models import Process

BATCH = 5_000


class ImportError_(DomainError):
    pass


def _int(meta: dict[str, str], key: str) -> int | None:
    value = meta.get(key, "").strip()
    if not value:
        return None
    try:
        return int(float(value))
    except ValueError:
        raise ImportError_(f"META {key}: not a number: {value!r}") from None


def _ballot_kind(meta: dict[str, str]) -> dict:
    vote_type = meta.get("vote_type", "approval")
    if vote_type == "approval":
        kind = "knapsack" if meta.get("max_sum_cost") else "approval"
        return {"ballot_kind": kind, "min_projects": _int(meta, "min_length"),
                "max_projects": _int(meta, "max_length")}
    if vote_type == "choose-1":
        return {"ballot_kind": "choose_one"}
    if vote_type == "cumulative":
        total = _int(meta, "max_sum_points")
        return {"ballot_kind": "cumulative", "max_points_total": total,
                "max_points_per_project": _int(meta, "max_points") or total}
    if vote_type == "ordinal":
        return {"ballot_kind": "ranked", "max_ranks": _int(meta, "max_length")}
    raise ImportError_(f"META vote_type: {vote_type!r} is not supported")


def import_file(path, now: datetime, progress: Callable[[int], None] | None = None) -> tuple[Budget, int]:
    """Create a process, a budget, its projects (keeping their ids) and the anonymous ballots."""
    election = pabulib.read(path, progress=progress)
    meta = election.meta
    rule = meta.get("rule", "greedy")
    if rule not in COUNTING_RULES:
        raise ImportError_(f"META rule: {rule!r} is not supported; supported: {', '.join(COUNTING_RULES)}")
    language = (meta.get("language") or "en")[:8]
    title = " ".join(part for part in (meta.get("unit"), meta.get("district") or meta.get("subunit"),
                                       meta.get("instance")) if part) or meta.get("description", "Pabulib")
    kind = _ballot_kind(meta)
    if kind["ballot_kind"] == "ranked" and not kind["max_ranks"]:
        kind["max_ranks"] = max((len(b.vote) for b in election.ballots), default=1)
    process = Process(titles={language: title}, descriptions={language: meta.get("description", "")},
                      original_language=language, created_at=now)
    budget = Budget(process=process, titles={language: title}, descriptions={}, original_language=language,
                    amount=_int(meta, "budget") or 0, currency=(meta.get("currency") or "EUR")[:3].upper(),
                    counting_rule=rule, threshold=_int(meta, "min_project_score_threshold") or 0,
                    source_meta=dict(meta), closed_at=now, created_at=now, **kind)
    db.session.add_all([process, budget])
    projects = []
    for position, row in enumerate(election.projects, start=1):
        project = Project(budget=budget, external_id=row.project_id, titles={language: row.name or row.project_id},
                          original_language=language, cost=row.cost, position=position, created_at=now)
        projects.append(project)
    db.session.add_all(projects)
    db.session.flush()
    ids = {project.external_id: project.id for project in projects}
    ranked, cumulative = budget.ballot_kind == "ranked", budget.ballot_kind == "cumulative"
    ballot_rows, choice_rows = [], []

    def flush_rows():
        if ballot_rows:
            db.session.execute(sa.insert(Ballot), ballot_rows)
        if choice_rows:
            db.session.execute(sa.insert(BallotChoice), choice_rows)
        ballot_rows.clear()
        choice_rows.clear()

    for number, ballot in enumerate(election.ballots, start=1):
        ballot_id = uuid.uuid4().hex
        ballot_rows.append({"id": ballot_id, "budget_id": budget.id})
        for position, project_id in enumerate(ballot.vote):
            if project_id not in ids:
                raise ImportError_(f"ballot {ballot.voter_id}: unknown project {project_id!r}")
            points = ballot.points[position] if cumulative and ballot.points else 1
            if points <= 0:
                continue
            choice_rows.append({"ballot_id": ballot_id, "project_id": ids[project_id], "points": points,
                                "rank": position + 1 if ranked else None})
        if number % BATCH == 0:
            flush_rows()
            if progress:
                progress(number)
    flush_rows()
    # From the command line: no person to name, but the trail still says a vote was brought in.
    audit.record(None, "budget.imported", subject_type="budget", subject_id=budget.id, now=now,
                 details={"file": Path(path).name, "counted": len(election.ballots), "rule": rule})
    return budget, len(election.ballots)


def _meta(budget: Budget, tally: counting.Tally | None, ballots: int) -> dict[str, str]:
    from civic.budgets.results import VOTE_TYPES

    meta = dict(budget.source_meta or {})
    if not budget.imported:
        city = current_city()
        meta.update({"description": budget.text("titles").text, "country": "",
                     "unit": city.name.text if city else "", "instance": str(budget.created_at.year),
                     "language": budget.original_language})
        if budget.district is not None:
            meta["district"] = budget.district.name.text
        if budget.opens_at and budget.closes_at:
            meta["date_begin"] = budget.opens_at.strftime("%d.%m.%Y")
            meta["date_end"] = budget.closes_at.strftime("%d.%m.%Y")
    meta.update({"num_projects": str(len(budget.projects)), "num_votes": str(ballots),
                 "budget": str(budget.amount), "vote_type": VOTE_TYPES[budget.ballot_kind],
                 "rule": budget.counting_rule, "currency": budget.currency})
    limits = {"min_length": budget.min_projects, "max_length": budget.max_projects or budget.max_ranks,
              "max_sum_cost": budget.amount if budget.ballot_kind == "knapsack" else None,
              "min_sum_cost": budget.min_spend, "max_points": budget.max_points_per_project,
              "max_sum_points": budget.max_points_total,
              "min_project_score_threshold": budget.threshold if budget.counting_rule == "greedy-threshold" else None}
    for key, value in limits.items():
        if value is not None:
            meta[key] = str(value)
    return {key: value for key, value in meta.items() if value != "" or key in ("description",)}


def export_text(budget: Budget, tally: counting.Tally | None = None) -> str:
    from civic.budgets.results import count, load_ballots

    ballots = load_ballots(budget)
    tally = tally or count(budget, ballots=ballots)
    results = {result.project_id: result for result in tally.projects}
    projects = []
    for project in budget.projects:
        result = results[project.public_id]
        projects.append(pabulib.PbProject(
            project_id=project.public_id, cost=project.cost, name=project.text("titles").text,
            fields={"votes": str(result.votes), "score": str(result.score),
                    "selected": "1" if result.selected else "0"}))
    # Random ids and order: nothing in the file follows the order people voted in.
    shuffled = list(ballots)
    random.SystemRandom().shuffle(shuffled)
    rows = [pabulib.PbBallot(voter_id=uuid.uuid4().hex[:16], vote=list(ballot.projects),
                             points=list(ballot.points) if ballot.points is not None else None, fields={})
            for ballot in shuffled]
    handle = io.StringIO()
    pabulib.write(handle, _meta(budget, tally, len(rows)), projects, rows)
    return handle.getvalue()
