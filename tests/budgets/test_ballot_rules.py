"""Each ballot kind's rule, as residents meet it: every refusal names the problem."""

from __future__ import annotations

import pytest

from civic.budgets import rules


def _errors(budget, choices, final=True):
    return [str(error.message) for error in rules.check(budget, choices, final=final).errors]


def test_approval_between_min_and_max(ctx, make_budget):
    budget = make_budget(ballot_kind="approval", min_projects=2, max_projects=3, costs=(1, 2, 3, 4))
    a, b, c, d = [p.id for p in budget.projects]
    assert _errors(budget, {}) == ["Choose at least one project."]
    assert _errors(budget, {a: 1}) == ["Choose at least 2 projects."]
    assert _errors(budget, {a: 1}, final=False) == []  # the live summary does not nag
    assert _errors(budget, {a: 1, b: 1}) == []
    assert _errors(budget, {a: 1, b: 1, c: 1, d: 1}) == ["Choose at most 3 projects."]


def test_knapsack_must_fit_the_budget_and_reach_the_minimum_spend(ctx, make_budget):
    budget = make_budget(ballot_kind="knapsack", amount=1_000_000, min_spend=500_000,
                         costs=(300_000, 500_000, 400_000))
    a, b, c = [p.id for p in budget.projects]
    assert _errors(budget, {a: 1, b: 1}) == []  # 800,000
    over = _errors(budget, {a: 1, b: 1, c: 1})  # 1,200,000
    assert over == ["The projects you chose cost €1,200,000, more than the budget of €1,000,000. "
                    "Remove a project."]
    assert _errors(budget, {a: 1}) == ["Choose projects worth at least €500,000 in total; your choice "
                                       "costs €300,000."]
    check = rules.check(budget, {a: 1, b: 1}, final=False)
    assert check.summary() == ["2 projects chosen.", "€200,000 of €1,000,000 left."]


def test_choose_one_takes_exactly_one(ctx, make_budget):
    budget = make_budget(ballot_kind="choose_one")
    a, b, *_ = [p.id for p in budget.projects]
    assert _errors(budget, {}) == ["Choose one project."]
    assert _errors(budget, {a: 1, b: 1}) == ["Choose one project."]
    assert _errors(budget, {b: 1}) == []


def test_cumulative_points_per_project_and_in_total(ctx, make_budget):
    budget = make_budget(ballot_kind="cumulative", max_points_total=10, max_points_per_project=4)
    a, b, c, d = [p.id for p in budget.projects]
    assert _errors(budget, {a: 4, b: 4, c: 2}) == []
    assert _errors(budget, {a: 5}) == ["Project 1: you can give at most 4 points to one project."]
    assert _errors(budget, {a: 4, b: 4, c: 3}) == ["You gave 11 points; you have 10 in total. Take some "
                                                   "points away."]
    assert _errors(budget, {}) == ["Give points to at least one project."]
    assert rules.check(budget, {a: 3}, final=False).summary() == ["3 of 10 points given; 7 left."]


def test_ranked_places_are_unique_consecutive_and_limited(ctx, make_budget):
    budget = make_budget(ballot_kind="ranked", max_ranks=3)
    a, b, c, d = [p.id for p in budget.projects]
    assert _errors(budget, {a: 2, b: 1}) == []
    assert [p.id for p, _ in rules.check(budget, {a: 2, b: 1}).chosen] == [b, a]  # in rank order
    assert _errors(budget, {a: 1, b: 1}) == [
        "Project 2: place 1 is already given to another project. Each place can go to one project only."]
    assert _errors(budget, {a: 1, b: 3}) == ["Place 2 is empty. Fill the places in order, starting with 1."]
    assert _errors(budget, {a: 4}) == ["Project 1: choose a place from 1 to 3."]


@pytest.mark.parametrize("kind", ["approval", "knapsack", "choose_one"])
def test_a_project_of_another_budget_is_refused(ctx, make_budget, kind):
    budget = make_budget(ballot_kind=kind)
    other = make_budget()
    assert "not part of this budget" in _errors(budget, {other.projects[0].id: 1})[0]
