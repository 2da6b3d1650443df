"""Counting speed on large real elections: reading the Pabulib file and tallying it with civic.budgets, and,
when pabutools is installed, the same rule in pabutools. Prints figures; asserts nothing.

    .venv/bin/python bench/tally.py [--repeat 3] [--no-pabutools] [--data DIR]   (default: $CIVIC_PABULIB_DIR)

"parse" is reading the file and building the ballots; "tally" is the best of --repeat runs of
civic.budgets.counting.tally. pabutools runs once (it is slow), with its own parser and rules:
greedy_utilitarian_welfare with a satisfaction of score times cost (so that it ranks by score), and
method_of_equal_shares with Cost_Sat and voter_budget_increment=1. pabutools has no threshold and no
"no skip" greedy: for those files its plain greedy rule is timed, which does the same amount of work.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from pathlib import Path

from civic.budgets import pabulib
from civic.budgets.counting import Ballot, Tally, tally

ELECTIONS = [  # file, rule (None: the rule the file names)
    ("Poland_Lodz_2022.pb", None),
    ("Poland_Krakow_2022.pb", None),
    ("Poland_Wroclaw_2020_local.pb", None),
    ("Poland_Swiecie_2023.pb", "equalshares/add1"),
]


def _default_data() -> Path:
    return Path(os.environ.get("CIVIC_PABULIB_DIR") or "CIVIC_PABULIB_DIR-is-not-set")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-pabutools", action="store_true", help="time civic.budgets only")
    parser.add_argument("--data", type=Path, default=_default_data())
    args = parser.parse_args()

    use_pabutools = not args.no_pabutools and _pabutools_installed()
    if not use_pabutools:
        print("pabutools is not installed (or --no-pabutools): timing civic.budgets only")

    print(f"{'file':<30}{'rule':<18}{'ballots':>9}{'parse s':>9}{'tally s':>9}"
          + (f"{'pabutools s':>13}{'ratio':>8}" if use_pabutools else ""))
    for name, rule in ELECTIONS:
        path = args.data / name
        if not path.exists():
            print(f"{name:<30}missing in {args.data}")
            continue
        start = time.perf_counter()
        pb = pabulib.read(path)
        ballots = [Ballot(tuple(b.vote), None if b.points is None else tuple(b.points)) for b in pb.ballots]
        parse = time.perf_counter() - start
        rule = rule or pb.meta["rule"]
        seconds, result = _best_of(args.repeat, lambda: _tally(pb, ballots, rule))
        line = f"{name:<30}{rule:<18}{len(ballots):>9,}{parse:>9.3f}{seconds:>9.3f}"
        if use_pabutools:
            theirs = _pabutools_seconds(path, rule)
            line += f"{theirs:>13.2f}{theirs / seconds:>7.0f}x"
        print(line)
        if rule == "equalshares/add1":
            details = result.details
            print(f"{'':<30}share {details['initial_share']:.2f} -> {details['final_share']:.2f}: "
                  f"{details['increments']} increments covered by {details['runs']} runs")


def _tally(pb: pabulib.PbFile, ballots: list[Ballot], rule: str) -> Tally:
    meta = pb.meta
    return tally([(p.project_id, p.cost) for p in pb.projects], ballots, vote_type=meta["vote_type"],
                 budget=int(meta["budget"]), rule=rule, threshold=int(meta.get("min_project_score_threshold", 0)),
                 max_length=int(meta["max_length"]) if "max_length" in meta else None)


def _best_of(repeat: int, run: Callable[[], Tally]) -> tuple[float, Tally]:
    best, result = float("inf"), None
    for _ in range(max(repeat, 1)):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    assert result is not None
    return best, result


def _pabutools_installed() -> bool:
    try:
        import pabutools  # noqa: F401
    except ImportError:
        return False
    return True


def _pabutools_seconds(path: Path, rule: str) -> float:
    """pabutools' time for the rule alone (its own parsing not included), one run."""
    from pabutools.election import Cost_Sat, parse_pabulib
    from pabutools.election.satisfaction import AdditiveSatisfaction
    from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares

    instance, profile = parse_pabulib(str(path))
    vote_type = instance.meta["vote_type"]
    if vote_type == "ordinal":
        length = int(instance.meta["max_length"])

        class satisfaction(AdditiveSatisfaction):  # Borda points times cost: greedy then ranks by Borda score
            def __init__(self, instance, profile, ballot):
                super().__init__(instance, profile, ballot,
                                 lambda _i, _p, ballot, project, _v: (length - ballot.position(project)) * project.cost
                                 if project in ballot else 0)
    elif vote_type == "cumulative":
        class satisfaction(AdditiveSatisfaction):  # points times cost
            def __init__(self, instance, profile, ballot):
                super().__init__(instance, profile, ballot,
                                 lambda _i, _p, ballot, project, _v: ballot.get(project, 0) * project.cost)
    else:
        satisfaction = Cost_Sat  # approvals times cost: greedy then ranks by approvals

    start = time.perf_counter()
    if rule == "equalshares/add1":
        method_of_equal_shares(instance, profile, sat_class=Cost_Sat, voter_budget_increment=1)
    else:
        greedy_utilitarian_welfare(instance, profile, sat_class=satisfaction)
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
