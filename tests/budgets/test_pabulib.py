"""The Pabulib reader and writer: errors with line numbers, round trips, and what pabutools reads back.

No database: these tests run once, not once per database backend.
"""

from __future__ import annotations

import io

import pytest

from civic.budgets import pabulib
from civic.budgets.pabulib import PbBallot, PbFormatError, PbProject

from tests.budgets.pabulib_data import DATA

SMALL = """META
key;value
description;A small test
budget;100
vote_type;cumulative
PROJECTS
project_id;cost;name
1;60;Park
2;25750.0;Bench
VOTES
voter_id;vote;points;age
v1;1,2;3,2;30
v2;;;
v3;2;5;41

"""


def read_text(text: str) -> pabulib.PbFile:
    return pabulib.read(io.StringIO(text))


def error_of(text: str) -> PbFormatError:
    with pytest.raises(PbFormatError) as caught:
        read_text(text)
    return caught.value


def test_reads_sections_numbers_and_empty_ballots():
    pb = read_text(SMALL)
    assert pb.meta == {"description": "A small test", "budget": "100", "vote_type": "cumulative"}
    assert [(p.project_id, p.cost, p.name) for p in pb.projects] == [("1", 60, "Park"), ("2", 25750, "Bench")]
    assert pb.projects[1].fields == {"project_id": "2", "cost": "25750.0", "name": "Bench"}
    assert pb.project_columns == ["project_id", "cost", "name"]
    assert pb.vote_columns == ["voter_id", "vote", "points", "age"]
    assert pb.ballots == [PbBallot("v1", ["1", "2"], [3, 2], {"age": "30"}),
                          PbBallot("v2", [], [], {"age": ""}),
                          PbBallot("v3", ["2"], [5], {"age": "41"})]


def test_ballots_without_points_column_have_none():
    pb = read_text(SMALL.replace("voter_id;vote;points;age", "voter_id;vote;age")
                   .replace("v1;1,2;3,2;30", "v1;1,2;30").replace("v2;;;", "v2;;").replace("v3;2;5;41", "v3;2;41"))
    assert [b.points for b in pb.ballots] == [None, None, None]
    assert pb.ballots[1].vote == []


def test_byte_order_mark_and_quoting():
    text = '\ufeff' + SMALL.replace("1;60;Park", '1;60;"Park; with ""quotes"""')
    pb = read_text(text)
    assert pb.meta["description"] == "A small test"
    assert pb.projects[0].name == 'Park; with "quotes"'


def test_reads_a_path_with_byte_order_mark(tmp_path):
    path = tmp_path / "bom.pb"
    path.write_text(SMALL, encoding="utf-8-sig")
    assert pabulib.read(path).meta["budget"] == "100"
    assert pabulib.read(str(path)).projects[0].name == "Park"


@pytest.mark.parametrize("text, line, words", [
    ("description;x\n" + SMALL, 1, "section"),  # data before any section
    (SMALL.replace("PROJECTS\n", "PROJECTZ\n"), 6, "section"),  # PROJECTZ is a META row of one field
    (SMALL.replace("VOTES\n", "META\n"), 10, "twice"),
    (SMALL.replace("PROJECTS", "VOTES", 1), 6, "expected the PROJECTS section"),
    (SMALL.replace("1;60;Park", "1;60;Park;extra"), 8, "expected 3 fields"),
    (SMALL.replace("v3;2;5;41", "v3;2;5"), 14, "expected 4 fields"),
    (SMALL.replace("1;60;Park", "1;60.5;Park"), 8, "cost"),
    (SMALL.replace("1;60;Park", "1;sixty;Park"), 8, "cost"),
    (SMALL.replace("1;60;Park", "1;-60;Park"), 8, "cost"),
    (SMALL.replace("2;25750.0;Bench", "1;25;Bench"), 9, "appears twice"),
    (SMALL.replace("v3;2;5;41", "v3;7;5;41"), 14, "'7'"),
    (SMALL.replace("v3;2;5;41", ";2;5;41"), 14, "voter_id"),
    (SMALL.replace("v1;1,2;3,2;30", "v1;1,2;3;30"), 12, "points"),
    (SMALL.replace("v1;1,2;3,2;30", "v1;1,2;3,two;30"), 12, "whole numbers"),
    (SMALL.replace("project_id;cost;name", "project_id;name"), 7, "no cost column"),
    (SMALL.split("VOTES")[0], 9, "no VOTES section"),
])
def test_format_errors_name_the_line(text, line, words):
    error = error_of(text)
    assert error.line == line
    assert str(error).startswith(f"line {line}: ")
    assert words in str(error)


def test_progress_is_reported_every_5000_ballots():
    rows = "\n".join(f"v{i};1" for i in range(12_001))
    seen: list[int] = []
    pb = pabulib.read(io.StringIO(SMALL.split("VOTES")[0] + "VOTES\nvoter_id;vote\n" + rows + "\n"), seen.append)
    assert len(pb.ballots) == 12_001
    assert seen == [5_000, 10_000]


def round_trip_election() -> tuple[dict[str, str], list[PbProject], list[PbBallot]]:
    meta = {"description": 'Quotes " and ; semicolons', "budget": "1000", "vote_type": "cumulative",
            "rule": "greedy"}
    projects = [
        PbProject("p1", 400, "Łąki kwietne; etap 2", {"category": "green", "votes": "2"}),
        PbProject("p2", 600, 'A "quoted" name', {"district": "Nord"}),
        PbProject("p3", 250, "Plain", {}),
    ]
    ballots = [
        PbBallot("a", ["p2", "p1"], [4, 1], {"age": "34", "sex": "F"}),
        PbBallot("b", [], [], {"age": "71"}),
        PbBallot("c", ["p3"], [5], {"voting_method": "paper; by post"}),
    ]
    return meta, projects, ballots


def test_write_then_read_gives_the_same_election():
    meta, projects, ballots = round_trip_election()
    handle = io.StringIO()
    pabulib.write(handle, meta, projects, ballots)
    pb = read_text(handle.getvalue())

    assert pb.meta == meta
    assert pb.project_columns == ["project_id", "cost", "name", "category", "votes", "district"]
    assert [(p.project_id, p.cost, p.name) for p in pb.projects] == [(p.project_id, p.cost, p.name)
                                                                      for p in projects]
    assert pb.projects[0].fields["category"] == "green"
    assert pb.projects[1].fields["district"] == "Nord"
    assert pb.projects[2].fields["district"] == ""  # a column another project has
    assert pb.vote_columns == ["voter_id", "vote", "points", "age", "sex", "voting_method"]
    assert [(b.voter_id, b.vote, b.points) for b in pb.ballots] == [(b.voter_id, b.vote, b.points) for b in ballots]
    assert pb.ballots[0].fields == {"age": "34", "sex": "F", "voting_method": ""}
    assert pb.ballots[2].fields["voting_method"] == "paper; by post"


def test_write_leaves_out_points_when_no_ballot_has_them():
    meta, projects, _ = round_trip_election()
    handle = io.StringIO()
    pabulib.write(handle, meta, projects, [PbBallot("a", ["p1", "p3"], None, {})])
    assert "voter_id;vote\na;p1,p3\n" in handle.getvalue()
    assert read_text(handle.getvalue()).ballots[0].points is None


def test_write_refuses_points_that_do_not_line_up():
    meta, projects, _ = round_trip_election()
    with pytest.raises(ValueError, match="2 projects but 1 points"):
        pabulib.write(io.StringIO(), meta, projects, [PbBallot("a", ["p1", "p3"], [1], {})])


def test_pabutools_reads_what_we_write(tmp_path):
    election = pytest.importorskip("pabutools.election")
    meta, projects, ballots = round_trip_election()
    ballots = [ballot for ballot in ballots if ballot.vote]  # pabutools cannot read empty cumulative ballots
    path = tmp_path / "written.pb"
    with path.open("w", encoding="utf-8", newline="") as handle:
        pabulib.write(handle, meta, projects, ballots)

    instance, profile = election.parse_pabulib(str(path))

    assert instance.budget_limit == 1000
    assert {p.name: p.cost for p in instance} == {"p1": 400, "p2": 600, "p3": 250}
    assert instance.project_meta[instance.get_project("p1")]["name"] == "Łąki kwietne; etap 2"
    assert instance.project_meta[instance.get_project("p2")]["name"] == 'A "quoted" name'
    assert [{p.name: points for p, points in ballot.items()} for ballot in profile] == [{"p2": 4, "p1": 1}, {"p3": 5}]
    assert [ballot.meta.get("voting_method") for ballot in profile] == ["", "paper; by post"]


@pytest.mark.skipif(not (DATA / "Poland_Swiecie_2023.pb").exists(), reason=f"the Pabulib files are not in {DATA}")
def test_pabutools_reads_a_real_election_we_rewrote(tmp_path):
    election = pytest.importorskip("pabutools.election")
    pb = pabulib.read(DATA / "Poland_Swiecie_2023.pb")
    path = tmp_path / "swiecie.pb"
    with path.open("w", encoding="utf-8", newline="") as handle:
        pabulib.write(handle, pb.meta, pb.projects, pb.ballots)

    instance, profile = election.parse_pabulib(str(path))

    assert instance.budget_limit == int(pb.meta["budget"])
    assert {p.name: p.cost for p in instance} == {p.project_id: p.cost for p in pb.projects}
    assert [sorted(p.name for p in ballot) for ballot in profile] == [sorted(b.vote) for b in pb.ballots]
