"""`civic pb import/tally/export` on the eight real elections in shared/pabulib.

Import and tally reproduce each file's `votes`, `score` and (where given) `selected` columns. The
three large files (40,000-90,000 ballots) run on SQLite only, so CI counts them once, not per database.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from civic.budgets import pabulib
from civic.cli import main

from tests.budgets.pabulib_data import DATA, counted_files
FILES = counted_files()
LARGE = {"Poland_Krakow_2022.pb", "Poland_Lodz_2022.pb", "Poland_Wroclaw_2020_local.pb"}


def _run(app, *args):
    result = app.test_cli_runner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def _json_line(output: str) -> dict:
    # The progress bar goes to stderr; stdout is exactly one JSON line.
    return json.loads(output.strip().splitlines()[-1])


@pytest.mark.skipif(not FILES, reason=f"no Pabulib files in {DATA}")
@pytest.mark.parametrize("path", FILES, ids=[path.stem for path in FILES])
def test_import_and_tally_reproduce_the_official_columns(app, db, path):
    if path.name in LARGE and not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("large election: counted once per run, on SQLite")
    election = pabulib.read(path)
    result = _run(app, "pb", "import", str(path), "--json")
    assert len(result.stdout.strip().splitlines()) == 1  # scripts read stdout; the progress is on stderr
    imported = _json_line(result.stdout)
    assert imported["projects"] == len(election.projects) and imported["ballots"] == len(election.ballots)

    tally = _json_line(_run(app, "pb", "tally", str(imported["budget_id"]), "--json").output)
    assert tally["budget_id"] == imported["budget_id"] and tally["rule"] == election.meta["rule"]
    counted = {row["project_id"]: row for row in tally["projects"]}
    assert set(counted) == {project.project_id for project in election.projects}
    for project in election.projects:
        row = counted[project.project_id]
        assert row["cost"] == project.cost
        assert row["votes"] == int(project.fields["votes"]), project.project_id
        if "score" in project.fields:
            assert row["score"] == int(project.fields["score"]), project.project_id
        if "selected" in project.fields:
            assert row["selected"] == (project.fields["selected"] == "1"), project.project_id


@pytest.mark.skipif(not FILES, reason=f"no Pabulib files in {DATA}")
def test_tally_with_another_rule(app, db):
    path = DATA / "Netherlands_Assen_2024.pb"
    imported = _json_line(_run(app, "pb", "import", str(path), "--json").output)
    own = _json_line(_run(app, "pb", "tally", str(imported["budget_id"]), "--json").output)
    greedy = _json_line(_run(app, "pb", "tally", str(imported["budget_id"]), "--json", "--rule", "greedy").output)
    assert (own["rule"], greedy["rule"]) == ("equalshares/add1", "greedy")
    selected = {rule["rule"]: {p["project_id"] for p in rule["projects"] if p["selected"]} for rule in (own, greedy)}
    assert selected["equalshares/add1"] != selected["greedy"]  # Assen is a case where the rules differ


@pytest.mark.skipif(not FILES, reason=f"no Pabulib files in {DATA}")
@pytest.mark.parametrize("name", ["Netherlands_Assen_2024.pb", "Poland_Czestochowa_2025_Bleszno.pb",
                                  "France_Toulouse_2019.pb"])
def test_export_is_read_back_by_pabutools(app, db, tmp_path, name):
    parse = pytest.importorskip("pabutools.election").parse_pabulib
    source = DATA / name
    imported = _json_line(_run(app, "pb", "import", str(source), "--json").output)
    exported = tmp_path / "export.pb"
    _run(app, "pb", "export", str(imported["budget_id"]), "-o", str(exported))

    original_instance, original_profile = parse(str(source))
    instance, profile = parse(str(exported))
    assert instance.budget_limit == original_instance.budget_limit
    assert {(p.name, p.cost) for p in instance} == {(p.name, p.cost) for p in original_instance}
    assert len(profile) == len(original_profile)

    def ballots(profile):
        if hasattr(profile[0], "items"):  # cumulative: project -> points
            return Counter(frozenset((p.name, int(points)) for p, points in ballot.items()) for ballot in profile)
        return Counter(frozenset(p.name for p in ballot) for ballot in profile)

    assert ballots(profile) == ballots(original_profile)
    # Random ids: none of the file's voter ids survive.
    original_ids = {b.voter_id for b in pabulib.read(source).ballots}
    assert original_ids.isdisjoint({b.voter_id for b in pabulib.read(exported).ballots})


def test_tally_of_an_unknown_budget_fails_clearly(app, db):
    result = app.test_cli_runner().invoke(main, ["pb", "tally", "987654", "--json"])
    assert result.exit_code != 0 and "No budget with id 987654" in result.output
