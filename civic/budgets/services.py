"""Staff rules for budgets and projects: who may set them up, and what may change once people vote."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from civic.core.messages import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from civic.accounts.models import User
from civic.budgets import audit as _audit_labels  # noqa: F401  (registers this area's audit actions)
from civic.budgets.models import (BALLOT_KINDS, COUNTING_RULES, EQUAL_SHARES_KINDS, Budget, Participation, Project,
                                  project_proposal)
from civic.city.models import District
from civic.core import audit
from civic.core.errors import DomainError, NotAllowed
from civic.core.inputs import MAX_COUNT, MAX_MONEY
from civic.core.sanitize import clean_rich_text
from civic.core.i18n import set_text
from civic.extensions import db
from civic.processes.models import Process
from civic.proposals.models import Proposal

BALLOT_KIND_LABELS = {
    "approval": _l("Approval: choose several projects"),
    "knapsack": _l("Knapsack: choose projects that fit in the budget"),
    "choose_one": _l("Choose one project"),
    "cumulative": _l("Cumulative: spread points over projects"),
    "ranked": _l("Ranked: put projects in order of preference"),
}
COUNTING_RULE_LABELS = {
    "greedy": _l("Greedy: most votes first, skipping projects that no longer fit"),
    "greedy-no-skip": _l("Greedy without skipping: most votes first, stop at the first that does not fit"),
    "greedy-threshold": _l("Greedy with a threshold: only projects with at least a minimum score"),
    "equalshares/add1": _l("Method of Equal Shares: every voter controls an equal share of the budget"),
}


def can_manage(actor: User | None) -> bool:
    return bool(actor is not None and getattr(actor, "is_authenticated", False) and actor.is_staff)


def require_staff(actor: User | None) -> None:
    if not can_manage(actor):
        raise NotAllowed(_l("Only city staff can manage participatory budgets."))


def has_votes(budget: Budget) -> bool:
    if budget.id is None:
        return False
    if budget.imported:
        return True
    return bool(db.session.scalar(sa.select(sa.exists().where(Participation.budget_id == budget.id))))


def budgets_of(process: Process) -> list[Budget]:
    return list(db.session.scalars(sa.select(Budget).where(Budget.process_id == process.id)
                                   .options(selectinload(Budget.district), selectinload(Budget.publication))
                                   .order_by(Budget.district_id.is_not(None), Budget.id)))


@dataclass
class BudgetData:
    title: str
    description: str
    amount: int | None
    currency: str
    district_id: int | None
    opens_at: datetime | None
    closes_at: datetime | None
    ballot_kind: str
    counting_rule: str
    min_projects: int | None = None
    max_projects: int | None = None
    min_spend: int | None = None
    max_points_per_project: int | None = None
    max_points_total: int | None = None
    max_ranks: int | None = None
    threshold: int | None = None


def _rule_errors(data: BudgetData) -> None:
    if data.amount is None or data.amount <= 0:
        raise DomainError(_l("Enter the amount as a whole number greater than zero."), "amount")
    if data.amount > MAX_MONEY:
        raise DomainError(_l("Enter an amount of at most %(max)d.", max=MAX_MONEY), "amount")
    if data.ballot_kind not in BALLOT_KINDS:
        raise DomainError(_l("Choose a kind of ballot from the list."), "ballot_kind")
    if data.counting_rule not in COUNTING_RULES:
        raise DomainError(_l("Choose a counting rule from the list."), "counting_rule")
    if data.counting_rule == "equalshares/add1" and data.ballot_kind not in EQUAL_SHARES_KINDS:
        raise DomainError(_l("The Method of Equal Shares counts approval ballots only: choose approval, knapsack "
                             "or choose one."), "counting_rule")
    if (data.opens_at is None) != (data.closes_at is None):
        raise DomainError(_l("Enter both voting dates, or leave both empty."),
                          "opens_at" if data.opens_at is None else "closes_at")
    if data.opens_at and data.closes_at <= data.opens_at:
        raise DomainError(_l("Voting must close after it opens."), "closes_at")
    for name in ("min_projects", "max_projects", "min_spend", "max_points_per_project", "max_points_total",
                 "max_ranks", "threshold"):
        value = getattr(data, name)
        if value is not None and value < (0 if name == "threshold" else 1):
            raise DomainError(_l("Enter a whole number greater than zero."), name)
        if value is not None and value > (MAX_MONEY if name == "min_spend" else MAX_COUNT):
            raise DomainError(_l("Enter a whole number of at most %(max)d.",
                                 max=MAX_MONEY if name == "min_spend" else MAX_COUNT), name)
    if data.min_projects and data.max_projects and data.max_projects < data.min_projects:
        raise DomainError(_l("The most projects must be at least the fewest projects."), "max_projects")
    if data.min_spend and data.min_spend > data.amount:
        raise DomainError(_l("The minimum spend cannot be more than the budget."), "min_spend")
    if data.ballot_kind == "cumulative" and not (data.max_points_total and data.max_points_per_project):
        raise DomainError(_l("Enter the points each voter has and the most for one project."),
                          "max_points_total" if not data.max_points_total else "max_points_per_project")
    if data.ballot_kind == "ranked" and not data.max_ranks:
        raise DomainError(_l("Enter how many projects a voter can rank."), "max_ranks")
    if data.counting_rule == "greedy-threshold" and not data.threshold:
        raise DomainError(_l("Enter the minimum score a project needs."), "threshold")


def _rule_fields(data: BudgetData) -> dict:
    kind = data.ballot_kind
    return {
        "amount": data.amount, "currency": data.currency.upper(), "ballot_kind": kind,
        "counting_rule": data.counting_rule,
        "min_projects": data.min_projects if kind in ("approval", "knapsack") else None,
        "max_projects": data.max_projects if kind in ("approval", "knapsack") else None,
        "min_spend": data.min_spend if kind == "knapsack" else None,
        "max_points_per_project": data.max_points_per_project if kind == "cumulative" else None,
        "max_points_total": data.max_points_total if kind == "cumulative" else None,
        "max_ranks": data.max_ranks if kind == "ranked" else None,
        "threshold": (data.threshold or 0) if data.counting_rule == "greedy-threshold" else 0,
    }


def save_budget(actor: User | None, process: Process, budget: Budget | None, data: BudgetData, *, language: str,
                now: datetime) -> Budget:
    require_staff(actor)
    _rule_errors(data)
    if len(data.currency.strip()) != 3 or not data.currency.strip().isalpha():
        raise DomainError(_l("Enter the currency as a three-letter code, such as EUR."), "currency")
    if data.district_id is not None and db.session.get(District, data.district_id) is None:
        raise DomainError(_l("Choose a district from the list."), "district")
    rule_fields = _rule_fields(data)
    before = audit.snapshot(budget)
    if budget is None:
        budget = Budget(process=process, original_language=language, created_at=now)
        db.session.add(budget)
    elif budget.publication is not None or budget.closed_at is not None:
        raise DomainError(_l("Voting has closed; this budget can no longer be changed."))
    elif has_votes(budget):
        # The rule people voted under must not change under their feet; the end date may move.
        changed = [name for name, value in rule_fields.items() if getattr(budget, name) != value]
        if changed or budget.district_id != data.district_id or budget.opens_at != data.opens_at:
            raise DomainError(_l("People have already voted: only the texts and the closing date can change."))
        if data.closes_at is not None and data.closes_at <= now:
            raise DomainError(_l("Voting is under way: the closing date must be in the future."), "closes_at")
    set_text(budget, "titles", language, data.title)
    set_text(budget, "descriptions", language, clean_rich_text(data.description) if data.description else "")
    if not (budget.titles or {}).get(budget.original_language):
        raise DomainError(_l("Enter the budget's title in its original language."), "title")
    for name, value in rule_fields.items():
        setattr(budget, name, value)
    budget.district_id, budget.opens_at, budget.closes_at = data.district_id, data.opens_at, data.closes_at
    db.session.flush()
    audit.record(actor, "budget.saved", subject_type="budget", subject_id=budget.id, now=now,
                 details={"language": language, "changed": audit.changed_since(before, budget)})
    return budget


@dataclass
class ProjectData:
    title: str
    description: str
    feasibility: str
    cost: int | None
    proposal_ids: list[int] = field(default_factory=list)
    photo: bytes | None = None
    photo_alt: str = ""
    remove_photo: bool = False


def _check_open_for_projects(budget: Budget, now: datetime) -> None:
    from civic.budgets.voting import state

    if has_votes(budget) or state(budget, now) not in ("draft", "upcoming"):
        raise DomainError(_l("Voting has started: projects can no longer be added, removed or re-priced."))


def accepted_proposals(budget: Budget) -> list[Proposal]:
    return list(db.session.scalars(sa.select(Proposal).where(Proposal.process_id == budget.process_id,
                                                             Proposal.status == "accepted")
                                   .order_by(Proposal.id)))


def _proposals(budget: Budget, ids: list[int]) -> list[Proposal]:
    if not ids:
        return []
    found = [p for p in accepted_proposals(budget) if p.id in set(ids)]
    if len(found) != len(set(ids)):
        raise DomainError(_l("Choose accepted proposals of this process."), "proposals")
    return found


def save_project(actor: User | None, budget: Budget, project: Project | None, data: ProjectData, *,
                 language: str, now: datetime) -> Project:
    from civic.proposals.photos import reencode

    require_staff(actor)
    if data.cost is None or data.cost <= 0:
        raise DomainError(_l("Enter the cost as a whole number greater than zero."), "cost")
    if project is None or project.cost != data.cost:
        _check_open_for_projects(budget, now)
    if data.cost > budget.amount:
        raise DomainError(_l("The cost is more than the whole budget."), "cost")
    if data.photo and not data.photo_alt.strip():
        raise DomainError(_l("Describe the photo for people who cannot see it."), "photo_alt")
    proposals = _proposals(budget, data.proposal_ids)
    before = audit.snapshot(project)
    if project is None:
        position = db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(Project.position), 0))
                                     .where(Project.budget_id == budget.id)) + 1
        project = Project(budget=budget, original_language=language, position=position, created_at=now)
        db.session.add(project)
    set_text(project, "titles", language, data.title)
    set_text(project, "descriptions", language, clean_rich_text(data.description) if data.description else "")
    set_text(project, "feasibility", language, data.feasibility)
    if not (project.titles or {}).get(project.original_language):
        raise DomainError(_l("Enter the project's title in its original language."), "title")
    project.cost = data.cost
    project.proposals = proposals
    if data.photo:
        project.photo, project.photo_type = reencode(data.photo), "image/webp"
        project.photo_alt = data.photo_alt.strip()
    elif data.remove_photo:
        project.photo, project.photo_type, project.photo_alt = None, None, ""
    elif project.photo_type and data.photo_alt.strip():
        project.photo_alt = data.photo_alt.strip()
    db.session.flush()
    audit.record(actor, "project.saved", subject_type="project", subject_id=project.id, now=now,
                 details={"budget_id": budget.id, "language": language,
                          "changed": audit.changed_since(before, project, ignore=("photo",))})
    return project


def delete_project(actor: User | None, project: Project, now: datetime) -> None:
    require_staff(actor)
    _check_open_for_projects(project.budget, now)
    audit.record(actor, "project.removed", subject_type="project", subject_id=project.id, now=now,
                 details={"budget_id": project.budget_id, "cost": project.cost})
    db.session.delete(project)
    db.session.flush()


def projects_from_proposals(actor: User | None, budget: Budget, costs: dict[int, int | None],
                            now: datetime) -> list[Project]:
    """One step: each chosen accepted proposal becomes a project with its title, text and link."""
    require_staff(actor)
    _check_open_for_projects(budget, now)
    if not costs:
        raise DomainError(_l("Choose at least one proposal."), "proposals")
    proposals = _proposals(budget, list(costs))
    for proposal in proposals:
        cost = costs[proposal.id]
        if cost is None or cost <= 0 or cost > budget.amount:
            raise DomainError(_l("Enter a cost for “%(title)s”, greater than zero and within the budget.",
                                 title=proposal.title), f"cost-{proposal.id}")
    created = []
    for proposal in proposals:
        created.append(save_project(actor, budget, None, ProjectData(
            title=proposal.title, description=proposal.body, feasibility="", cost=costs[proposal.id],
            proposal_ids=[proposal.id]), language=proposal.language, now=now))
    return created


def unlinked_accepted_proposals(budget: Budget) -> list[Proposal]:
    linked = sa.select(project_proposal.c.proposal_id).join(Project, Project.id == project_proposal.c.project_id) \
        .where(Project.budget_id == budget.id)
    return list(db.session.scalars(sa.select(Proposal).where(Proposal.process_id == budget.process_id,
                                                             Proposal.status == "accepted",
                                                             Proposal.id.not_in(linked)).order_by(Proposal.id)))


def projects_for_proposal(proposal: Proposal) -> list[Project]:
    return list(db.session.scalars(sa.select(Project).join(project_proposal).where(
        project_proposal.c.proposal_id == proposal.id).options(selectinload(Project.budget))
        .order_by(Project.id)))


def open_budgets(now) -> list[Budget]:
    """Budgets people can vote in right now, for the home page."""
    return list(db.session.scalars(sa.select(Budget).where(Budget.opens_at <= now, Budget.closes_at > now,
                                                           Budget.closed_at.is_(None))
                                   .options(selectinload(Budget.district), selectinload(Budget.publication))
                                   .order_by(Budget.closes_at, Budget.id)))
