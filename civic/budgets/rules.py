"""What a valid ballot is, for each kind of vote, and what a voter has left to give.

The same check runs for the live summary (htmx), for the no-JavaScript "check my ballot" button
and, finally, in the service that stores the ballot.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from civic.core.messages import lazy_gettext as _l
from civic.core.messages import lazy_ngettext

from civic.budgets.display import whole_money
from civic.budgets.models import Budget, Project
from civic.core.errors import DomainError

Choices = dict[int, int]  # project id -> 1 (chosen), points (cumulative) or rank (ranked, 1 = first)


@dataclass
class BallotCheck:
    budget: Budget
    chosen: list[tuple[Project, int]]  # (project, value), ranked ballots in rank order
    errors: list[DomainError] = field(default_factory=list)

    @property
    def total_cost(self) -> int:
        return sum(project.cost for project, _ in self.chosen)

    @property
    def points_used(self) -> int:
        return sum(value for _, value in self.chosen)

    @property
    def valid(self) -> bool:
        return not self.errors

    def summary(self) -> list[str]:
        """Sentences for the live region: what is chosen and what is left."""
        budget, count = self.budget, len(self.chosen)
        kind = budget.ballot_kind
        lines = []
        if kind in ("approval", "knapsack"):
            lines.append(lazy_ngettext("%(num)d project chosen.", "%(num)d projects chosen.", count))
            if kind == "knapsack":
                left = budget.amount - self.total_cost
                money = {"left": whole_money(max(left, 0), budget.currency),
                         "budget": whole_money(budget.amount, budget.currency)}
                if left >= 0:
                    lines.append(_l("%(left)s of %(budget)s left.", **money))
                else:
                    lines.append(_l("%(over)s over the budget of %(budget)s.",
                                    over=whole_money(-left, budget.currency), budget=money["budget"]))
            elif budget.max_projects:
                lines.append(lazy_ngettext("You can choose %(num)d more.", "You can choose %(num)d more.",
                                           max(budget.max_projects - count, 0)))
        elif kind == "choose_one":
            if self.chosen:
                lines.append(_l("Chosen: %(title)s.", title=self.chosen[0][0].text("titles").text))
            else:
                lines.append(_l("No project chosen yet."))
        elif kind == "cumulative":
            total = budget.max_points_total or 0
            lines.append(_l("%(used)d of %(total)d points given; %(left)d left.", used=self.points_used,
                            total=total, left=max(total - self.points_used, 0)))
        elif kind == "ranked":
            lines.append(_l("%(used)d of %(total)d places filled.", used=count, total=budget.max_ranks or 0))
        return [str(line) for line in lines]


def _field(budget: Budget) -> str:
    return "project" if budget.ballot_kind == "choose_one" else "projects"


def check(budget: Budget, choices: Choices, *, final: bool = True) -> BallotCheck:
    """Check `choices` against the budget's rule. `final=False` (live summary) skips 'too few' errors."""
    projects = {project.id: project for project in budget.projects}
    result = BallotCheck(budget, [])
    unknown = [project_id for project_id in choices if project_id not in projects]
    if unknown:
        result.errors.append(DomainError(_l("One of the projects is not part of this budget. Reload the page "
                                            "and choose again."), _field(budget)))
        return result
    values = {project_id: value for project_id, value in choices.items() if value}
    if any(value < 0 for value in values.values()):
        result.errors.append(DomainError(_l("Numbers cannot be negative."), _field(budget)))
        return result
    ordered = sorted(values.items(), key=lambda item: (item[1], projects[item[0]].position, item[0])) \
        if budget.ballot_kind == "ranked" else \
        sorted(values.items(), key=lambda item: (projects[item[0]].position, item[0]))
    result.chosen = [(projects[project_id], value) for project_id, value in ordered]
    _CHECKS[budget.ballot_kind](budget, result, final)
    return result


def _check_count(budget: Budget, result: BallotCheck, final: bool) -> None:
    count, name = len(result.chosen), _field(budget)
    if final and count == 0:
        result.errors.append(DomainError(_l("Choose at least one project."), name))
    elif final and budget.min_projects and count < budget.min_projects:
        result.errors.append(DomainError(lazy_ngettext("Choose at least %(num)d project.",
                                                       "Choose at least %(num)d projects.", budget.min_projects),
                                         name))
    if budget.max_projects and count > budget.max_projects:
        result.errors.append(DomainError(lazy_ngettext("Choose at most %(num)d project.",
                                                       "Choose at most %(num)d projects.", budget.max_projects),
                                         name))


def _check_approval(budget: Budget, result: BallotCheck, final: bool) -> None:
    _check_count(budget, result, final)


def _check_knapsack(budget: Budget, result: BallotCheck, final: bool) -> None:
    _check_count(budget, result, final)
    total = result.total_cost
    if total > budget.amount:
        result.errors.append(DomainError(_l(
            "The projects you chose cost %(total)s, more than the budget of %(budget)s. Remove a project.",
            total=whole_money(total, budget.currency), budget=whole_money(budget.amount, budget.currency)),
            "projects"))
    elif final and budget.min_spend and result.chosen and total < budget.min_spend:
        result.errors.append(DomainError(_l(
            "Choose projects worth at least %(minimum)s in total; your choice costs %(total)s.",
            minimum=whole_money(budget.min_spend, budget.currency), total=whole_money(total, budget.currency)),
            "projects"))


def _check_choose_one(budget: Budget, result: BallotCheck, final: bool) -> None:
    if len(result.chosen) > 1 or (final and not result.chosen):
        result.errors.append(DomainError(_l("Choose one project."), "project"))


def _check_cumulative(budget: Budget, result: BallotCheck, final: bool) -> None:
    per_project, total = budget.max_points_per_project or 0, budget.max_points_total or 0
    for project, value in result.chosen:
        if value > per_project:
            result.errors.append(DomainError(lazy_ngettext(
                "%(title)s: you can give at most %(num)d point to one project.",
                "%(title)s: you can give at most %(num)d points to one project.", per_project,
                title=project.text("titles").text), f"points-{project.id}"))
    if result.points_used > total:
        result.errors.append(DomainError(_l("You gave %(used)d points; you have %(total)d in total. Take some "
                                            "points away.", used=result.points_used, total=total), "projects"))
    if final and not result.chosen:
        result.errors.append(DomainError(_l("Give points to at least one project."), "projects"))


def _check_ranked(budget: Budget, result: BallotCheck, final: bool) -> None:
    ranks = [value for _, value in result.chosen]
    limit = budget.max_ranks or 0
    seen: set[int] = set()
    for project, rank in result.chosen:
        if rank > limit:
            result.errors.append(DomainError(_l("%(title)s: choose a place from 1 to %(num)d.",
                                                title=project.text("titles").text, num=limit),
                                             f"rank-{project.id}"))
        elif rank in seen:
            result.errors.append(DomainError(_l("%(title)s: place %(rank)d is already given to another project. "
                                                "Each place can go to one project only.",
                                                title=project.text("titles").text, rank=rank),
                                             f"rank-{project.id}"))
        seen.add(rank)
    if final and not ranks:
        result.errors.append(DomainError(_l("Give place 1 to the project you want most."), "projects"))
    elif final and not result.errors:
        missing = next((rank for rank in range(1, max(ranks) + 1) if rank not in seen), None)
        if missing is not None:
            result.errors.append(DomainError(_l("Place %(rank)d is empty. Fill the places in order, starting "
                                                "with 1.", rank=missing), "projects"))


_CHECKS = {"approval": _check_approval, "knapsack": _check_knapsack, "choose_one": _check_choose_one,
           "cumulative": _check_cumulative, "ranked": _check_ranked}
