"""Counting: scores and selections on small hand-built elections and on eight real Pabulib elections.

The real elections must give back the `votes`, `score` and `selected` columns of their files, and the same
selection as the reference implementation pabutools when it is installed. No database: these tests run once,
not once per database backend.
"""

from __future__ import annotations

import functools
import random
from fractions import Fraction
from itertools import takewhile
from pathlib import Path

import pytest

from civic.budgets import pabulib
from civic.budgets.counting import Ballot, CountingError, Tally, tally

from tests.budgets.pabulib_data import DATA, counted_files
FILES = counted_files()
ELECTIONS = [pytest.param(path, id=path.stem) for path in FILES] or [
    pytest.param(None, marks=pytest.mark.skip(reason=f"the Pabulib files are not in {DATA}"))]


def approval(*ballots: str) -> list[Ballot]:
    """approval("AB", "C") is two ballots, one for A and B, one for C (one-letter project ids)."""
    return [Ballot(tuple(ballot)) for ballot in ballots]


def selected(result: Tally) -> set[str]:
    return {project.project_id for project in result.projects if project.selected}


def by_id(result: Tally) -> dict[str, tuple[int, int, int]]:
    """project id -> (votes, score, rank)."""
    return {p.project_id: (p.votes, p.score, p.rank) for p in result.projects}


# --- Greedy rules -------------------------------------------------------------------------------------------

PROJECTS = [("A", 60), ("B", 50), ("C", 30)]
# A has 3 votes, B 2, C 1: the greedy order is A, B, C.
BALLOTS = approval("AB", "AB", "AC")


def test_greedy_skips_a_project_that_does_not_fit():
    result = tally(PROJECTS, BALLOTS, vote_type="approval", budget=100, rule="greedy")
    # A (60) leaves 40; B (50) does not fit and is passed over; C (30) fits.
    assert selected(result) == {"A", "C"}
    assert result.spent == 90
    assert result.ballots == 3
    assert by_id(result) == {"A": (3, 3, 1), "B": (2, 2, 2), "C": (1, 1, 3)}


def test_greedy_no_skip_stops_at_the_first_project_that_does_not_fit():
    result = tally(PROJECTS, BALLOTS, vote_type="approval", budget=100, rule="greedy-no-skip")
    # A (60) leaves 40; B (50) does not fit, so counting stops and C is not funded although it would fit.
    assert selected(result) == {"A"}
    assert result.spent == 60
    assert result.details == {"stopped_at": "B"}


def test_greedy_threshold_funds_only_projects_at_or_above_it():
    projects = [("A", 10), ("B", 10), ("C", 10)]
    ballots = approval("ABC", "ABC", "AB", "A", "A")  # A 5 votes, B 3, C 2
    result = tally(projects, ballots, vote_type="approval", budget=100, rule="greedy-threshold", threshold=3)
    # The budget pays for all three, but C's 2 votes are below the threshold; B's 3 are exactly enough.
    assert selected(result) == {"A", "B"}
    assert result.details == {"threshold": 3}


def test_ties_go_to_the_cheaper_project_then_to_the_one_listed_first():
    # All four have two votes. Cheapest first: p9 and p10 (30 each, p9 listed first), then x (40), then y (45).
    projects = [("x", 40), ("p9", 30), ("p10", 30), ("y", 45)]
    ballots = approval(("x", "p9", "p10", "y"), ("x", "p9", "p10", "y"))
    result = tally(projects, ballots, vote_type="approval", budget=30, rule="greedy")
    assert [p.project_id for p in result.projects] == ["p9", "p10", "x", "y"]
    assert [p.rank for p in result.projects] == [1, 2, 3, 4]
    # Only one project of 30 fits: p9 wins the tie because it is listed before p10 (not "p10" < "p9" as text).
    assert selected(result) == {"p9"}
    # With 70, p9 and p10 take 60 and x (40) no longer fits. In list order alone, x and p9 would be bought.
    assert selected(tally(projects, ballots, vote_type="approval", budget=70, rule="greedy")) == {"p9", "p10"}


def test_choose_one_counts_like_approval():
    result = tally([("A", 5), ("B", 5)], approval("A", "B", "A", ""), vote_type="choose-1", budget=5, rule="greedy")
    assert by_id(result) == {"A": (2, 2, 1), "B": (1, 1, 2)}
    assert selected(result) == {"A"}
    assert result.ballots == 4  # the empty ballot is counted


# --- Scores: Borda and cumulative -----------------------------------------------------------------------------

def test_borda_points_are_max_length_minus_the_position():
    projects = [("a", 50), ("b", 40), ("c", 10)]
    ballots = [Ballot(("a", "b", "c")), Ballot(("a", "c")), Ballot(("b",))]
    # Longest ballot is 3: first place 3 points, second 2, third 1.
    # a: 3 + 3 = 6; b: 2 + 3 = 5; c: 1 + 2 = 3. Each project is on two ballots.
    result = tally(projects, ballots, vote_type="ordinal", budget=60, rule="greedy")
    assert by_id(result) == {"a": (2, 6, 1), "b": (2, 5, 2), "c": (2, 3, 3)}
    # a (50) leaves 10: b (40) does not fit, c (10) does. Counting votes only (a tie) would put c and b first.
    assert selected(result) == {"a", "c"}
    # With max_length 4 a first place is worth 4: a 4 + 4 = 8, b 3 + 4 = 7, c 2 + 3 = 5.
    result = tally(projects, ballots, vote_type="ordinal", budget=60, rule="greedy", max_length=4)
    assert by_id(result) == {"a": (2, 8, 1), "b": (2, 7, 2), "c": (2, 5, 3)}


def test_a_ballot_longer_than_max_length_is_refused():
    with pytest.raises(CountingError, match="max_length"):
        tally([("a", 1), ("b", 1)], [Ballot(("a", "b"))], vote_type="ordinal", budget=1, rule="greedy", max_length=1)


def test_cumulative_scores_are_summed_points():
    projects = [("a", 30), ("b", 20), ("c", 10)]
    ballots = [Ballot(("a", "b"), (3, 1)), Ballot(("b", "c"), (2, 2)), Ballot(("a",), (1,)), Ballot((), ())]
    # a: 3 + 1 = 4 on 2 ballots; b: 1 + 2 = 3 on 2 ballots; c: 2 on 1 ballot.
    result = tally(projects, ballots, vote_type="cumulative", budget=40, rule="greedy")
    assert by_id(result) == {"a": (2, 4, 1), "b": (2, 3, 2), "c": (1, 2, 3)}
    assert selected(result) == {"a", "c"}  # a (30) leaves 10: b (20) does not fit, c (10) does


@pytest.mark.parametrize("ballot", [Ballot(("a", "b")), Ballot(("a", "b"), (1,))])
def test_cumulative_ballots_need_one_number_of_points_per_project(ballot):
    with pytest.raises(CountingError, match="points"):
        tally([("a", 1), ("b", 1)], [ballot], vote_type="cumulative", budget=1, rule="greedy")


@pytest.mark.parametrize("settings, words", [
    ({"vote_type": "scoring", "rule": "greedy"}, "vote type"),
    ({"vote_type": "approval", "rule": "phragmen"}, "rule"),
    ({"vote_type": "cumulative", "rule": "equalshares/add1"}, "equal shares"),
    ({"vote_type": "ordinal", "rule": "equalshares/add1"}, "equal shares"),
])
def test_unknown_settings_are_refused(settings, words):
    with pytest.raises(CountingError, match=words):
        tally([("a", 1)], approval("a"), budget=1, **settings)


def test_ballots_naming_unknown_or_repeated_projects_are_refused():
    with pytest.raises(CountingError, match="not on the list: z"):
        tally([("a", 1)], approval("az"), vote_type="approval", budget=1, rule="greedy")
    with pytest.raises(CountingError, match="twice"):
        tally([("a", 1)], approval("aa"), vote_type="approval", budget=1, rule="greedy")


# --- Method of Equal Shares -----------------------------------------------------------------------------------

def test_equal_shares_gives_the_minority_its_share():
    projects = [("A", 60), ("B", 40), ("C", 30)]
    # Ten voters, budget 100: a share of 10 each. Voters 1-7 approve A, voters 1-6 also B; voters 8-10 only C.
    ballots = approval(*["AB"] * 6, "A", "C", "C", "C")
    # Greedy by votes: A (7 votes, 60) and B (6 votes, 40) spend the whole budget; C (3 votes) gets nothing.
    assert selected(tally(projects, ballots, vote_type="approval", budget=100, rule="greedy")) == {"A", "B"}
    # Equal shares: A costs its 7 supporters 60/7 each, i.e. 1/7 of what they get (the best ratio: B is 1/6, C 1/3).
    # They keep 10/7 each, and B's 6 supporters hold 60/7 < 40: B is out of reach. C's 3 supporters pay 10 each.
    # Spent 90; B would go over 100, so the first share already gives an exhaustive result.
    result = tally(projects, ballots, vote_type="approval", budget=100, rule="equalshares/add1")
    assert selected(result) == {"A", "C"}
    assert result.details["selection_order"] == ["A", "C"]
    assert result.details["completion"] == "add1"
    assert result.details["initial_share"] == result.details["final_share"] == 10
    assert result.details["increments"] == 0


def test_add_one_completion_funds_an_extra_project():
    projects = [("A", 60), ("B", 30)]
    # Four voters, budget 100: a share of 25. Voters 1-3 approve A, voter 4 approves B.
    ballots = approval("A", "A", "A", "B")
    # With 25 each, A costs its supporters 20 each, but B (30) is more than voter 4 has. Spent 60, and B would
    # still fit (90 <= 100), so the share goes up by 1 at a time: at 30, voter 4 pays for B alone. A is still
    # funded first (ratio 20/60 = 1/3 against 30/30 = 1), the total is 90, and nothing is left to add.
    result = tally(projects, ballots, vote_type="approval", budget=100, rule="equalshares/add1")
    assert selected(result) == {"A", "B"}
    assert result.details["selection_order"] == ["A", "B"]
    assert result.details["initial_share"] == 25
    assert result.details["final_share"] == 30
    assert result.details["increments"] == 5


def test_add_one_completion_keeps_the_last_result_that_fits():
    projects = [("A", 6), ("B", 6)]
    # Two voters, budget 10: a share of 5, and each approves one project costing 6: nothing is affordable.
    # At a share of 6 both are, A first (same ratio, "A" before "B"), and together they cost 12 > 10.
    # So the completion goes back to the result with a share of 5: nothing at all.
    result = tally(projects, approval("A", "B"), vote_type="approval", budget=10, rule="equalshares/add1")
    assert selected(result) == set()
    assert result.spent == 0
    assert result.details["final_share"] == 5
    assert result.details["selection_order"] == []


def test_equal_shares_ties_go_to_the_first_identifier_as_text():
    # Both voters approve both projects; each costs 10 and the budget is 10: whichever goes first takes it all.
    # "10" comes before "9" as text, as in pabutools; the greedy rules would take "9", listed first.
    projects = [("9", 10), ("10", 10)]
    ballots = approval(("9", "10"), ("9", "10"))
    assert selected(tally(projects, ballots, vote_type="approval", budget=10, rule="equalshares/add1")) == {"10"}
    assert selected(tally(projects, ballots, vote_type="approval", budget=10, rule="greedy")) == {"9"}


def test_equal_shares_never_funds_a_free_project_or_one_nobody_approved():
    # As in pabutools: with cost satisfaction a free project satisfies nobody, so it is never selected.
    projects = [("A", 0), ("B", 10), ("C", 5)]
    result = tally(projects, approval("AB", "AB"), vote_type="approval", budget=20, rule="equalshares/add1")
    assert selected(result) == {"B"}


def test_equal_shares_without_ballots_selects_nothing():
    result = tally([("A", 10)], [], vote_type="approval", budget=10, rule="equalshares/add1")
    assert selected(result) == set()
    assert result.ballots == 0


def reference_equal_shares(projects: list[tuple[str, int]], ballots: list[tuple[str, ...]],
                           budget: int) -> list[str]:
    """Equal shares with the add-one completion, written as plainly as possible: one voter at a time,
    one share at a time. Slow, but easy to check against the definition."""
    costs = dict(projects)
    candidates = [p for p, cost in projects if cost > 0 and any(p in ballot for ballot in ballots)]

    def run(share: Fraction) -> list[str]:
        money = [share] * len(ballots)
        chosen: list[str] = []
        while True:
            best = None
            for p in sorted(set(candidates) - set(chosen)):  # sorted: a tie goes to the first id as text
                supporters = sorted((money[i] for i, ballot in enumerate(ballots) if p in ballot))
                if sum(supporters) < costs[p]:
                    continue
                paid, payers = Fraction(0), len(supporters)
                for budget_left in supporters:  # the poorest pay all they have, the others q
                    if (costs[p] - paid) / payers <= budget_left:
                        break
                    paid, payers = paid + budget_left, payers - 1
                q = (costs[p] - paid) / payers
                if best is None or q / costs[p] < best[0]:
                    best = (q / costs[p], p, q)
            if best is None:
                return chosen
            _, p, q = best
            chosen.append(p)
            money = [m - min(m, q) if p in ballots[i] else m for i, m in enumerate(money)]

    share, previous = Fraction(budget, len(ballots)), []
    while True:
        chosen = run(share)
        spent = sum(costs[p] for p in chosen)
        if spent > budget:
            return previous
        if all(spent + costs[p] > budget for p in candidates if p not in chosen):
            return chosen
        share, previous = share + 1, chosen


def random_election(seed: int) -> tuple[list[tuple[str, int]], list[tuple[str, ...]], int]:
    rng = random.Random(seed)
    ids = list(dict.fromkeys(f"{rng.choice('ab')}{rng.randint(1, 20)}" for _ in range(rng.randint(2, 7))))
    unit = rng.choice([1, 10, 25])
    projects = [(p, unit * rng.choice([1, 2, 2, 3, 4, rng.randint(1, 12)])) for p in ids]
    popularity = {p: rng.random() for p in ids}
    ballots = [tuple(p for p in ids if rng.random() < popularity[p]) for _ in range(rng.randint(1, 14))]
    budget = rng.randint(unit, sum(cost for _, cost in projects))
    return projects, ballots, budget


@pytest.mark.parametrize("seed", range(150))
def test_equal_shares_agrees_with_a_plain_reference(seed):
    # Many small elections, with ties, empty ballots and budgets that need many increments: the skipping of
    # increments must never change the outcome.
    projects, ballots, budget = random_election(seed)
    result = tally(projects, [Ballot(b) for b in ballots], vote_type="approval", budget=budget,
                   rule="equalshares/add1")
    assert result.details["selection_order"] == reference_equal_shares(projects, ballots, budget)


@pytest.mark.parametrize("seed", range(0, 150, 5))
def test_equal_shares_agrees_with_pabutools_on_small_elections(seed):
    election = pytest.importorskip("pabutools.election")
    rules = pytest.importorskip("pabutools.rules")
    projects, ballots, budget = random_election(seed)
    instance = election.Instance(budget_limit=budget)
    objects = {p: election.Project(p, cost) for p, cost in projects}
    instance.update(objects.values())
    profile = election.ApprovalProfile([election.ApprovalBallot([objects[p] for p in b]) for b in ballots])
    expected = rules.method_of_equal_shares(instance, profile, sat_class=election.Cost_Sat, voter_budget_increment=1)
    result = tally(projects, [Ballot(b) for b in ballots], vote_type="approval", budget=budget,
                   rule="equalshares/add1")
    assert result.details["selection_order"] == [p.name for p in expected]


# --- The eight real elections ---------------------------------------------------------------------------------

@functools.cache
def election(path: Path) -> tuple[pabulib.PbFile, list[Ballot]]:
    """Each file is read once per test session: Lodz, Wroclaw and Krakow are several megabytes."""
    pb = pabulib.read(path)
    ballots = [Ballot(tuple(b.vote), None if b.points is None else tuple(b.points)) for b in pb.ballots]
    return pb, ballots


@functools.cache
def count(path: Path, rule: str | None = None) -> Tally:
    pb, ballots = election(path)
    meta = pb.meta
    return tally([(p.project_id, p.cost) for p in pb.projects], ballots, vote_type=meta["vote_type"],
                 budget=int(meta["budget"]), rule=rule or meta["rule"],
                 threshold=int(meta.get("min_project_score_threshold", 0)),
                 max_length=int(meta["max_length"]) if "max_length" in meta else None)


@pytest.mark.parametrize("path", ELECTIONS)
def test_real_election_gives_back_the_published_results(path):
    pb, _ = election(path)
    result = count(path)
    assert result.ballots == len(pb.ballots) == int(pb.meta["num_votes"])
    assert len(result.projects) == len(pb.projects) == int(pb.meta["num_projects"])
    columns = {p.project_id: p.fields for p in pb.projects}
    for project in result.projects:
        assert project.votes == int(columns[project.project_id]["votes"]), project.project_id
        if "score" in pb.project_columns:
            assert project.score == int(columns[project.project_id]["score"]), project.project_id
    if "selected" in pb.project_columns:
        assert selected(result) == {p.project_id for p in pb.projects if p.fields["selected"] == "1"}
    assert result.spent == sum(p.cost for p in result.projects if p.selected) <= result.budget
    assert [p.rank for p in result.projects] == list(range(1, len(pb.projects) + 1))
    assert [p.score for p in result.projects] == sorted((p.score for p in result.projects), reverse=True)


def pabutools_selection(path: Path) -> tuple[set[str], list[str]]:
    """pabutools' own greedy or equal shares selection for the file's rule, and its selection order.

    pabutools' greedy ranks projects by total satisfaction divided by cost, so the satisfaction of a voter
    for a project is its score on the ballot times the cost (cost satisfaction for approval ballots).
    It has no threshold, so projects below the threshold are left out of the instance, and no "no skip"
    variant: for those files it runs the ordinary greedy rule, and the test compares with our "greedy".
    """
    election_module = pytest.importorskip("pabutools.election")
    rules = pytest.importorskip("pabutools.rules")
    from pabutools.election.satisfaction import AdditiveSatisfaction

    pb, _ = election(path)
    meta, vote_type = pb.meta, pb.meta["vote_type"]
    objects = {p.project_id: election_module.Project(p.project_id, p.cost) for p in pb.projects}
    if vote_type in ("approval", "choose-1"):
        profile = election_module.ApprovalProfile(
            [election_module.ApprovalBallot([objects[p] for p in b.vote]) for b in pb.ballots])
        satisfaction = election_module.Cost_Sat
    elif vote_type == "cumulative":
        profile = election_module.CumulativeProfile(
            [election_module.CumulativeBallot({objects[p]: n for p, n in zip(b.vote, b.points)}) for b in pb.ballots])

        class satisfaction(AdditiveSatisfaction):  # points times cost
            def __init__(self, instance, profile, ballot):
                super().__init__(instance, profile, ballot,
                                 lambda _i, _p, ballot, project, _v: ballot.get(project, 0) * project.cost)
    else:
        length = int(meta["max_length"])
        profile = election_module.OrdinalProfile(
            [election_module.OrdinalBallot([objects[p] for p in b.vote]) for b in pb.ballots])

        class satisfaction(AdditiveSatisfaction):  # Borda points times cost
            def __init__(self, instance, profile, ballot):
                super().__init__(instance, profile, ballot,
                                 lambda _i, _p, ballot, project, _v: (length - ballot.position(project)) * project.cost
                                 if project in ballot else 0)

    threshold = int(meta.get("min_project_score_threshold", 0))
    instance = election_module.Instance(budget_limit=int(meta["budget"]))
    instance.update(objects[p.project_id] for p in pb.projects
                    if int(p.fields.get("score", p.fields["votes"])) >= threshold)
    # Identical ballots counted once, with a multiplicity: the same result, several times faster.
    profile = profile.as_multiprofile()
    if meta["rule"] == "equalshares/add1":
        outcome = rules.method_of_equal_shares(instance, profile, sat_class=satisfaction, voter_budget_increment=1)
    else:
        outcome = rules.greedy_utilitarian_welfare(instance, profile, sat_class=satisfaction)
    return {p.name for p in outcome}, [p.name for p in outcome]


@pytest.mark.parametrize("path", ELECTIONS)
def test_real_election_selection_matches_pabutools(path):
    expected, order = pabutools_selection(path)
    rule = election(path)[0].meta["rule"]
    if rule == "equalshares/add1":
        assert count(path).details["selection_order"] == order
    elif rule == "greedy-no-skip":
        greedy = count(path, "greedy")
        assert selected(greedy) == expected
        # Without skipping, counting stops where greedy first passes over a project.
        assert selected(count(path)) == {p.project_id for p in takewhile(lambda p: p.selected, greedy.projects)}
        return
    assert selected(count(path)) == expected
