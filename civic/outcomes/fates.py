"""What became of each proposal of a process: the answer to "you said, we did"."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from civic.budgets.models import Budget, Project, project_proposal
from civic.budgets.results import published_row
from civic.extensions import db
from civic.outcomes import services
from civic.outcomes.models import Outcome
from civic.processes.models import Process
from civic.proposals.models import Proposal


@dataclass
class ProjectFate:
    project: Project
    result: dict | None  # the published row (votes, selected), or None while the vote is not counted


@dataclass
class Fate:
    proposal: Proposal
    projects: list[ProjectFate] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)


def process_fates(process: Process) -> list[Fate]:
    """Every public proposal of the process with its projects, vote results and outcomes, in four queries."""
    proposals = list(db.session.scalars(
        sa.select(Proposal).where(Proposal.process_id == process.id, Proposal.hidden_at.is_(None),
                                  Proposal.awaiting_approval.is_(False))
        .options(selectinload(Proposal.merged_into), selectinload(Proposal.district)).order_by(Proposal.id)))
    ids = [proposal.id for proposal in proposals]
    projects: dict[int, list[Project]] = {}
    if ids:
        rows = db.session.execute(sa.select(project_proposal.c.proposal_id, Project)
                                  .join(Project, Project.id == project_proposal.c.project_id)
                                  .where(project_proposal.c.proposal_id.in_(ids))
                                  .options(selectinload(Project.budget).selectinload(Budget.publication)))
        for proposal_id, project in rows:
            projects.setdefault(proposal_id, []).append(project)
    direct = services.outcomes_for_proposals(ids)
    by_project = services.outcomes_for_projects([p.id for found in projects.values() for p in found])
    fates = []
    for proposal in proposals:
        fate = Fate(proposal, [ProjectFate(p, published_row(p)) for p in projects.get(proposal.id, [])])
        seen = {}
        for outcome in direct.get(proposal.id, []) + [o for p in projects.get(proposal.id, [])
                                                       for o in by_project.get(p.id, [])]:
            seen[outcome.id] = outcome
        fate.outcomes = list(seen.values())
        fates.append(fate)
    return fates
