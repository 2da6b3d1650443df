"""Counting participatory-budgeting ballots: scores, and which projects a rule selects.

Pure Python with exact arithmetic: no database, no Flask, no third-party packages. The texts below are
written to be shown to residents.

Scores
    Approval and choose-1 ballots: the number of ballots that include the project.
    Cumulative ballots: the sum of the points the project received.
    Ranked (ordinal) ballots: Borda points. A first place is worth as many points as the longest
    allowed ballot has places (max_length; the longest ballot cast when it is not set), a second place
    one point less, and so on.

Rules
    greedy: projects are taken from the highest score down; each one that still fits in what is left of
    the budget is funded, and one that does not fit is passed over for the next. (A project nobody voted
    for can be funded too, if money is left when its turn comes.)
    greedy-no-skip: the same, but counting stops at the first project that does not fit.
    greedy-threshold: like greedy, but only projects whose score reaches the threshold can be funded
    (Pabulib's min_project_score_threshold: a score equal to the threshold is enough).
    equalshares/add1: the Method of Equal Shares (https://equalshares.net), for approval and choose-1
    ballots. The budget is shared equally among all voters, including those who left their ballot empty.
    A project is funded when its supporters can pay for it together from their shares; all of them pay
    the same amount, or everything they have left if that is less. Round after round, the project funded
    is the one for which each paying supporter pays the smallest part of the project's cost, until no
    project can be paid for. Then comes the "add one" completion: every voter's share is raised by one
    unit of currency (1 euro, 1 zloty...) and the count is done again, as long as the result fits in the
    budget; it stops at the first result to which no other project could be added without going over the
    budget. If a raise makes the result go over the budget, the result before that raise is kept.
    Under this rule a project that costs nothing is never funded, because it gives its supporters no
    satisfaction when satisfaction is measured by cost (this is also what pabutools does).

Ties
    Projects are published by score, highest first. When two projects have the same score, the cheaper
    one comes first; if they also cost the same, the one listed first in the project list comes first.
    The greedy rules go through the projects in exactly this published order, so a tie goes to the
    cheaper project, then to the one listed first. This reproduces the official results of all the
    Pabulib elections used in our tests.
    Equal shares: when two projects would ask each paying supporter for exactly the same part of their
    cost, the project whose identifier comes first in alphabetical order, comparing character by
    character, is funded first (so "10" comes before "9", and "c12" before "c2"). This is the rule of the
    reference implementation, pabutools, and the result is always the same as pabutools'
    method_of_equal_shares with cost satisfaction and voter_budget_increment=1.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

VOTE_TYPES = ("approval", "choose-1", "cumulative", "ordinal")
RULES = ("greedy", "greedy-no-skip", "greedy-threshold", "equalshares/add1")
EQUAL_SHARES = "equalshares/add1"
APPROVAL_TYPES = ("approval", "choose-1")  # the score is the number of votes; equal shares counts these


@dataclass(frozen=True, slots=True)  # slots: a large election holds a hundred thousand of these
class Ballot:
    projects: tuple[str, ...]  # for ordinal ballots: in rank order, first = best
    points: tuple[int, ...] | None = None  # cumulative: points per project, parallel to projects


@dataclass
class ProjectResult:
    project_id: str
    cost: int
    votes: int  # number of ballots that include the project
    score: int  # see the module docstring
    selected: bool
    rank: int  # 1-based position in the published order


@dataclass
class Tally:
    rule: str
    vote_type: str
    budget: int
    projects: list[ProjectResult]  # every project, in published order
    spent: int  # total cost of the selected projects
    ballots: int
    details: dict  # JSON-serialisable facts about the count, depending on the rule


class CountingError(ValueError):
    """The ballots or the settings cannot be counted as asked."""


def tally(projects: Sequence[tuple[str, int]], ballots: Iterable[Ballot], *, vote_type: str, budget: int,
          rule: str, threshold: int = 0, max_length: int | None = None) -> Tally:
    """Count the ballots and select projects with the given rule (see the module docstring).

    ``projects`` is (project id, cost) in list order, the last tie-break of the greedy rules. ``ballots`` is
    read once, so it can be a generator. ``threshold`` is used by greedy-threshold only, ``max_length`` by
    ordinal ballots only. Raises CountingError for settings or ballots that cannot be counted.
    """
    _check_settings(projects, vote_type, budget, rule)
    ids = [project_id for project_id, _ in projects]
    costs = [int(cost) for _, cost in projects]
    groups = Counter((ballot.projects, ballot.points) for ballot in ballots)  # identical ballots counted once
    votes, scores = _count(groups, ids, vote_type, max_length)
    published = sorted(range(len(ids)), key=lambda i: (-scores[i], costs[i], i))

    details: dict
    if rule == EQUAL_SHARES:
        chosen, details = _equal_shares(ids, costs, groups, budget)
    else:
        chosen, details = _greedy(published, ids, costs, scores, budget, rule, threshold)
    selected = set(chosen)
    results = [ProjectResult(ids[i], costs[i], votes[i], scores[i], i in selected, rank)
               for rank, i in enumerate(published, start=1)]
    return Tally(rule, vote_type, budget, results, sum(costs[i] for i in selected),
                 sum(groups.values()), details)


def _check_settings(projects: Sequence[tuple[str, int]], vote_type: str, budget: int, rule: str) -> None:
    if vote_type not in VOTE_TYPES:
        raise CountingError(f"unknown vote type {vote_type!r}; expected one of {', '.join(VOTE_TYPES)}")
    if rule not in RULES:
        raise CountingError(f"unknown rule {rule!r}; expected one of {', '.join(RULES)}")
    if rule == EQUAL_SHARES and vote_type not in APPROVAL_TYPES:
        raise CountingError(f"equal shares counts approval and choose-1 ballots, not {vote_type}")
    if budget < 0:
        raise CountingError("the budget cannot be negative")
    seen: set[str] = set()
    for project_id, cost in projects:
        if project_id in seen:
            raise CountingError(f"project {project_id!r} is listed twice")
        if cost < 0 or int(cost) != cost:
            raise CountingError(f"project {project_id!r} has cost {cost!r}; costs are whole numbers of at least 0")
        seen.add(project_id)


# --- Scores -------------------------------------------------------------------------------------------------

BallotGroups = Counter[tuple[tuple[str, ...], tuple[int, ...] | None]]


def _count(groups: BallotGroups, ids: list[str], vote_type: str,
           max_length: int | None) -> tuple[list[int], list[int]]:
    """Votes and scores, in the order of ``ids``; one pass over the distinct ballots."""
    votes: Counter[str] = Counter()
    scores: Counter[str] = Counter()
    if vote_type == "ordinal":
        longest = max((len(projects) for projects, _ in groups), default=0)
        length = longest if max_length is None else max_length
        if longest > length:
            raise CountingError(f"a ballot ranks {longest} projects but max_length is {length}")
    for (projects, points), count in groups.items():
        if len(set(projects)) != len(projects):
            raise CountingError(f"a ballot names a project twice: {', '.join(projects)}")
        for project_id in projects:
            votes[project_id] += count
        if vote_type == "cumulative":
            if len(projects) != len(points or ()):
                raise CountingError(f"a cumulative ballot needs one number of points per project: {projects}")
            for project_id, given in zip(projects, points or ()):
                scores[project_id] += given * count
        elif vote_type == "ordinal":
            for position, project_id in enumerate(projects):
                scores[project_id] += (length - position) * count
    unknown = votes.keys() - set(ids)
    if unknown:
        raise CountingError(f"ballots name projects that are not on the list: {', '.join(sorted(unknown))}")
    if vote_type in APPROVAL_TYPES:
        scores = votes
    return [votes[i] for i in ids], [scores[i] for i in ids]


# --- Greedy rules -------------------------------------------------------------------------------------------

def _greedy(published: list[int], ids: list[str], costs: list[int], scores: list[int], budget: int, rule: str,
            threshold: int) -> tuple[list[int], dict]:
    left = budget
    chosen: list[int] = []
    stopped_at = None
    for i in published:
        if rule == "greedy-threshold" and scores[i] < threshold:
            break  # published order is by score, so no later project reaches the threshold either
        if costs[i] <= left:
            chosen.append(i)
            left -= costs[i]
        elif rule == "greedy-no-skip":
            stopped_at = ids[i]
            break
    if rule == "greedy-threshold":
        return chosen, {"threshold": threshold}
    if rule == "greedy-no-skip":
        return chosen, {"stopped_at": stopped_at}
    return chosen, {}


# --- Method of Equal Shares ---------------------------------------------------------------------------------
#
# Definitions used below. With cost satisfaction, when project p (cost C, supporters with budgets b_i) is
# funded, every supporter pays the same amount q, or everything they have left if that is less than q:
# q is the smallest amount with sum(min(b_i, q)) >= C, and the project is affordable when sum(b_i) >= C.
# Each round funds the affordable project with the smallest q / C (pabutools calls it the affordability),
# ties going to the smaller identifier, until no project is affordable. This is exactly what pabutools'
# method_of_equal_shares computes (its supporters loop, poorest first, finds this q), organised differently.
#
# The add-one completion reruns this with a per-voter share of budget/n + k for k = 0, 1, 2... Rerunning it
# for every k is what makes it slow (Swiecie needs more than two hundred values of k). Instead, one run here
# covers a whole range k, k+1, ..., k+T: every amount is kept as an affine function of the increment
# t = 0..T (value + slope * t), the decisions are taken at t = 0, and T is cut down to the largest value
# for which every comparison that led to a decision comes out the same. The outcome is then provably the
# same for all of k..k+T, so those values of k are skipped without being run one by one.
#
# What keeps this fast:
# * Amounts are whole numbers in units of 1/scale of the currency; when a payment does not divide evenly,
#   the scale is multiplied up. Integer arithmetic is exact and much faster than Fraction.
# * Voters with the same budget are interchangeable, so each project keeps a histogram of its supporters'
#   budgets (budget class -> number of voters) rather than a list of voters.
# * For any split of the supporters into "pay all they have" (P) and "pay q" (R), the amount
#   (C - sum of P's budgets) / |R| is at most the true q (because sum(min(b_i, q)) <= sum_P b_i + |R| q).
#   So a value q / C computed once stays a lower bound for every t and for every later round (budgets only
#   go down within a run). Projects are examined from the lowest bound up and the search stops once the
#   bound exceeds the best found, as in pabutools; a lower bound is also enough to prove that a project
#   loses against the winner over the whole range.


def _holds_until(value: int | Fraction, slope: int | Fraction, strict: bool, limit: int) -> int:
    """Largest T <= limit with value + slope * t > 0 (strict) or >= 0 for every t in 0..T.

    The caller knows it holds at t = 0."""
    if slope >= 0:
        return limit
    last = -(-value // -slope) - 1 if strict else value // -slope  # ceil(x) - 1 or floor(x), x = value / -slope
    return min(limit, int(last))


@dataclass
class _Bound:
    """A lower bound on a project's q / C: value + slope * t."""

    value: Fraction
    slope: Fraction


@dataclass
class _Candidate:
    index: int  # position in the projects list
    cost: int
    name: str  # tie-break key
    groups: list[int]  # distinct ballots that approve it
    supporters: int
    histogram: dict[int, int]  # budget class -> number of supporters with that budget
    bound: _Bound  # valid for every t and every later round


@dataclass
class _Evaluation:
    q: int  # q = (q + q_slope * t) / payers, in units of 1/scale; exact at t = 0
    q_slope: int
    payers: int  # supporters who pay q (the others pay all they have)
    poor: list[int]  # budget classes that pay all they have
    rich: list[int]  # budget classes that pay q


class _EqualShares:
    """The Method of Equal Shares with the add-one completion, as described above."""

    def __init__(self, ids: list[str], costs: list[int], groups: BallotGroups, budget: int) -> None:
        self.ids, self.costs, self.budget = ids, costs, budget
        self.voters = sum(groups.values())
        index = {project_id: i for i, project_id in enumerate(ids)}
        supported: dict[int, list[int]] = {}
        self.ballots: list[list[int]] = []  # per distinct non-empty ballot, the projects it approves
        self.multiplicity: list[int] = []
        for (projects, _), count in groups.items():
            if not projects:
                continue  # an empty ballot holds a share of the budget but pays for nothing
            self.ballots.append([index[project_id] for project_id in projects])
            self.multiplicity.append(count)
            for i in self.ballots[-1]:
                supported.setdefault(i, []).append(len(self.ballots) - 1)
        # Only projects with supporters and a cost above zero can be funded: with cost satisfaction a free
        # project satisfies nobody, so pabutools never selects it either.
        self.candidates = {i: (supported[i], sum(self.multiplicity[g] for g in supported[i]))
                           for i in sorted(supported) if costs[i] > 0}

    def outcome(self) -> tuple[list[int], dict]:
        if self.voters == 0:  # no share to speak of; pabutools selects nothing either
            return [], {"completion": "add1", "budget_increment": 1, "increments": 0, "initial_share": None,
                        "final_share": None, "initial_share_exact": None, "final_share_exact": None,
                        "selection_order": [], "runs": 0}
        initial = Fraction(self.budget, self.voters)
        # With a share that pays for every candidate alone, every candidate is funded and the loop stops.
        last_k = max(0, math.ceil(sum(self.costs[i] for i in self.candidates) - initial)) + 1
        previous: list[int] = []
        k = previous_k = runs = 0
        while True:
            chosen, span = self._run(initial + k, last_k - k)
            runs += 1
            spent = sum(self.costs[i] for i in chosen)
            if spent > self.budget:
                return previous, self._details(initial, previous_k, previous, runs)
            if all(spent + self.costs[i] > self.budget for i in self.candidates if i not in chosen):
                return chosen, self._details(initial, k, chosen, runs)
            previous, previous_k = chosen, k + span  # every k in k..k+span gives this same outcome
            k += span + 1

    def _details(self, initial: Fraction, k: int, chosen: list[int], runs: int) -> dict:
        final = initial + k
        return {"completion": "add1", "budget_increment": 1, "increments": k,
                "initial_share": float(initial), "final_share": float(final),
                "initial_share_exact": str(initial), "final_share_exact": str(final),
                "selection_order": [self.ids[i] for i in chosen], "runs": runs}

    # One run: equal shares with ``share + t`` per voter for t = 0..limit. -----------------------------------

    def _run(self, share: Fraction, limit: int) -> tuple[list[int], int]:
        """The projects funded, in order, and the largest t up to which that order is the same."""
        self.scale = share.denominator
        self.limit = limit
        self.budgets: list[tuple[int, int]] = [(share.numerator, self.scale)]  # class -> (value, slope)
        self.class_ids = {self.budgets[0]: 0}
        self.group_class = [0] * len(self.ballots)
        # At the start everybody is in class 0 and pays cost / supporters, so q / cost = 1 / supporters.
        remaining = {i: _Candidate(i, self.costs[i], self.ids[i], groups, supporters, {0: supporters},
                                   _Bound(Fraction(1, supporters), Fraction(0)))
                     for i, (groups, supporters) in self.candidates.items()}
        order: list[int] = []
        while remaining:
            winner = self._round(remaining)
            if winner is None:
                break
            order.append(winner)
        return order, self.limit

    def _round(self, remaining: dict[int, _Candidate]) -> int | None:
        evaluated: dict[int, _Evaluation | None] = {}
        best: _Candidate | None = None
        best_rate = Fraction(0)
        for candidate in sorted(remaining.values(), key=lambda c: c.bound.value):
            if best is not None and candidate.bound.value > best_rate:
                break  # its lower bound already loses, and so do those of all the following ones
            evaluation = evaluated[candidate.index] = self._evaluate(candidate)
            if evaluation is None:
                continue
            rate = candidate.bound.value  # exact at t = 0 right after an evaluation
            if best is None or rate < best_rate or (rate == best_rate and candidate.name < best.name):
                best, best_rate = candidate, rate
        if best is None:
            for candidate in remaining.values():  # none is affordable; they must stay so over the range
                self.limit = self._unaffordable_until(candidate)
            return None
        winning = evaluated[best.index]
        assert winning is not None
        self._keep_payers(winning)
        self._keep_winner(best, remaining, evaluated)
        self._pay(best, winning, remaining)
        del remaining[best.index]
        return best.index

    def _evaluate(self, candidate: _Candidate) -> _Evaluation | None:
        """q at t = 0 as pabutools finds it, poorest supporters first; None when unaffordable at t = 0."""
        budgets = self.budgets
        classes = sorted(candidate.histogram.items(), key=lambda item: budgets[item[0]][0])
        cost = candidate.cost * self.scale
        if sum(budgets[c][0] * n for c, n in classes) < cost:
            return None
        paid = paid_slope = 0
        payers = candidate.supporters
        split = len(classes)
        for position, (c, n) in enumerate(classes):
            value, slope = budgets[c]
            if cost - paid <= value * payers:  # (cost - paid) / payers <= value: this class and the next pay q
                split = position
                break
            paid += value * n
            paid_slope += slope * n
            payers -= n
        q, q_slope = cost - paid, -paid_slope
        candidate.bound = _Bound(Fraction(q, payers * cost), Fraction(q_slope, payers * cost))
        return _Evaluation(q, q_slope, payers, [c for c, _ in classes[:split]], [c for c, _ in classes[split:]])

    def _unaffordable_until(self, candidate: _Candidate) -> int:
        total = slope = 0
        for c, n in candidate.histogram.items():
            total += self.budgets[c][0] * n
            slope += self.budgets[c][1] * n
        return _holds_until(candidate.cost * self.scale - total, -slope, True, self.limit)

    def _keep_payers(self, evaluation: _Evaluation) -> None:
        """The same supporters must pay all they have (budget < q) or q (budget >= q) over the whole range."""
        q, q_slope, payers = evaluation.q, evaluation.q_slope, evaluation.payers
        for c in evaluation.poor:
            value, slope = self.budgets[c]
            self.limit = _holds_until(q - value * payers, q_slope - slope * payers, True, self.limit)
        for c in evaluation.rich:
            value, slope = self.budgets[c]
            self.limit = _holds_until(value * payers - q, slope * payers - q_slope, False, self.limit)

    def _keep_winner(self, winner: _Candidate, remaining: dict[int, _Candidate],
                     evaluated: dict[int, _Evaluation | None]) -> None:
        """Every other project must lose against the winner, or be unaffordable, over the whole range."""
        dropped = []
        for candidate in remaining.values():
            if candidate is winner:
                continue
            until = self._loses_until(candidate, winner)
            if until < self.limit and candidate.index not in evaluated:
                # A stale lower bound may be what cuts the range short: refresh it and look again.
                evaluated[candidate.index] = self._evaluate(candidate)
                until = self._loses_until(candidate, winner)
            if evaluated.get(candidate.index, True) is None:
                unaffordable = self._unaffordable_until(candidate)
                until = max(until, unaffordable)
                if unaffordable >= min(self.limit, until):
                    dropped.append(candidate.index)  # unaffordable over the whole range, now and later
            self.limit = min(self.limit, until)
        for index in dropped:
            del remaining[index]

    def _loses_until(self, candidate: _Candidate, winner: _Candidate) -> int:
        value = candidate.bound.value - winner.bound.value
        strict = candidate.name < winner.name  # a tie goes to the smaller identifier
        if value < 0 or (strict and value == 0):
            return -1  # only possible for a project found unaffordable at t = 0
        return _holds_until(value, candidate.bound.slope - winner.bound.slope, strict, self.limit)

    def _pay(self, winner: _Candidate, evaluation: _Evaluation, remaining: dict[int, _Candidate]) -> None:
        q, q_slope, payers = evaluation.q, evaluation.q_slope, evaluation.payers
        factor = payers // math.gcd(payers, q, q_slope)
        if factor > 1:  # q is not a whole number of units: make the units finer
            self._rescale(factor)
            q, q_slope = q * factor, q_slope * factor
        moved = {c: self._class(0, 0) for c in evaluation.poor}
        for c in evaluation.rich:
            value, slope = self.budgets[c]
            moved[c] = self._class(value - q // payers, slope - q_slope // payers)
        multiplicity, group_class = self.multiplicity, self.group_class
        for group in winner.groups:
            old = group_class[group]
            new = group_class[group] = moved[old]
            count = multiplicity[group]
            for i in self.ballots[group]:
                candidate = remaining.get(i)
                if candidate is None or candidate is winner:
                    continue
                histogram = candidate.histogram
                left = histogram[old] - count
                if left:
                    histogram[old] = left
                else:
                    del histogram[old]
                histogram[new] = histogram.get(new, 0) + count

    def _rescale(self, factor: int) -> None:
        self.scale *= factor
        self.budgets = [(value * factor, slope * factor) for value, slope in self.budgets]
        self.class_ids = {budget: c for c, budget in enumerate(self.budgets)}

    def _class(self, value: int, slope: int) -> int:
        c = self.class_ids.get((value, slope))
        if c is None:
            c = self.class_ids[(value, slope)] = len(self.budgets)
            self.budgets.append((value, slope))
        return c


def _equal_shares(ids: list[str], costs: list[int], groups: BallotGroups, budget: int) -> tuple[list[int], dict]:
    return _EqualShares(ids, costs, groups, budget).outcome()
