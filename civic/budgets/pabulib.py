"""Read and write participatory-budgeting elections in the Pabulib text format (https://pabulib.org/format).

A file has three sections, in this order, each introduced by a line holding only its name:

* ``META``: a ``key;value`` header, then one ``key;value`` line per setting (budget, vote_type, rule...);
* ``PROJECTS``: a header naming the columns (``project_id`` and ``cost`` are required), then one line per project;
* ``VOTES``: a header (``voter_id`` and ``vote`` are required, ``points`` is optional), then one line per ballot.
  ``vote`` lists project ids separated by commas (in rank order for ordinal ballots) and ``points`` gives the
  points for each of them, in the same order.

Lines are split on ``;`` with the :mod:`csv` module, so a field may be double-quoted when it holds a ``;`` or a
quote. Every field is stripped of surrounding spaces. Blank lines are ignored. Nothing here knows about the
database or Flask: the import and export views build on :func:`read` and :func:`write`.
"""

from __future__ import annotations

import csv
import gc
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from typing import TextIO

SECTIONS = ("meta", "projects", "votes")
PROGRESS_EVERY = 5_000

# Columns the dataclasses hold as attributes; every other column travels in ``fields``.
_BALLOT_COLUMNS = ("voter_id", "vote", "points")


@dataclass
class PbProject:
    project_id: str
    cost: int
    name: str = ""
    fields: dict[str, str] = field(default_factory=dict)  # every column of the row as read


@dataclass
class PbBallot:
    voter_id: str
    vote: list[str]  # project ids, in the order given (the ranking for ordinal ballots)
    points: list[int] | None = None  # parallel to vote when the file has a points column
    fields: dict[str, str] = field(default_factory=dict)  # the other columns (age, sex, voting_method...)


@dataclass
class PbFile:
    meta: dict[str, str]
    projects: list[PbProject]
    ballots: list[PbBallot]
    project_columns: list[str]
    vote_columns: list[str]


class PbFormatError(ValueError):
    """The file does not follow the Pabulib format; the message starts with the line number."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


def read(source: str | os.PathLike | TextIO, progress: Callable[[int], None] | None = None) -> PbFile:
    """Read a Pabulib file from a path or an open text handle.

    ``progress(n)`` is called after every 5,000 ballots with the number read so far.
    """
    # A large file makes hundreds of thousands of small objects, none in a reference cycle; left on, the
    # cyclic garbage collector rescans them again and again and takes two thirds of the reading time.
    collecting = gc.isenabled()
    gc.disable()
    try:
        if isinstance(source, (str, os.PathLike)):
            # utf-8-sig drops the byte order mark some exporters write.
            with open(source, encoding="utf-8-sig", newline="") as handle:
                return _Reader(handle, progress).read()
        return _Reader(source, progress).read()
    finally:
        if collecting:
            gc.enable()


class _Reader:
    def __init__(self, handle: TextIO, progress: Callable[[int], None] | None) -> None:
        self.rows = csv.reader(handle, delimiter=";")
        self.progress = progress
        self.meta: dict[str, str] = {}
        self.projects: list[PbProject] = []
        self.project_ids: set[str] = set()
        self.ballots: list[PbBallot] = []
        self.project_columns: list[str] = []
        self.vote_columns: list[str] = []

    @property
    def line(self) -> int:
        # Physical line of the row last read (a quoted field may span lines; this is where it ends).
        return self.rows.line_num

    def read(self) -> PbFile:
        seen: list[str] = []
        section: str | None = None
        header: list[str] = []
        for row in self._rows():
            if section == "votes" and len(row) == len(header):
                self._ballot_row(row)  # most of a file: tried first
                continue
            name = _section_name(row)
            if name is not None:
                section = self._start_section(name, seen)
                header = self._header(section)
                continue
            if section is None:
                raise PbFormatError(self.line, "expected a META, PROJECTS or VOTES section line before any data")
            if len(row) != len(header):
                if len(row) == 1:
                    raise PbFormatError(self.line, f"{row[0]!r} is not a section name (META, PROJECTS, VOTES) and "
                                                   f"the {section.upper()} section expects {len(header)} fields")
                raise PbFormatError(self.line, f"expected {len(header)} fields as in the {section.upper()} header, "
                                               f"found {len(row)}")
            if section == "meta":
                self._meta_row(row)
            else:
                self._project_row(header, row)
        for name in SECTIONS:
            if name not in seen:
                raise PbFormatError(self.line, f"the file has no {name.upper()} section")
        return PbFile(self.meta, self.projects, self.ballots, self.project_columns, self.vote_columns)

    def _rows(self) -> Iterator[list[str]]:
        first = True
        for row in self.rows:
            if first and row:
                # A handle opened without utf-8-sig still carries the byte order mark.
                row[0] = row[0].lstrip("\ufeff")
                first = False
            row = [value.strip() for value in row]
            if any(row):
                yield row

    def _start_section(self, name: str, seen: list[str]) -> str:
        if name in seen:
            raise PbFormatError(self.line, f"the {name.upper()} section appears twice")
        expected = SECTIONS[len(seen)]
        if name != expected:
            raise PbFormatError(self.line, f"expected the {expected.upper()} section, found {name.upper()}")
        seen.append(name)
        return name

    def _header(self, section: str) -> list[str]:
        row = next(self._rows(), None)
        if row is None:
            raise PbFormatError(self.line, f"the {section.upper()} section has no header line")
        header = row
        if len(set(header)) != len(header):
            raise PbFormatError(self.line, f"the {section.upper()} header names a column twice")
        required = {"meta": ("key", "value"), "projects": ("project_id", "cost"), "votes": ("voter_id", "vote")}
        for column in required[section]:
            if column not in header:
                raise PbFormatError(self.line, f"the {section.upper()} header has no {column} column")
        if section == "meta" and len(header) != 2:
            raise PbFormatError(self.line, "the META header must be key;value")
        if section == "projects":
            self.project_columns = header
        elif section == "votes":
            self.vote_columns = header
            # Column positions, looked up once: VOTES can have a hundred thousand rows.
            self.voter_at, self.vote_at = header.index("voter_id"), header.index("vote")
            self.points_at = header.index("points") if "points" in header else None
            self.other_fields = _picker([key for key in header if key not in _BALLOT_COLUMNS], header)
        return header

    def _meta_row(self, row: list[str]) -> None:
        key, value = row
        if key in self.meta:
            raise PbFormatError(self.line, f"META key {key!r} appears twice")
        self.meta[key] = value

    def _project_row(self, header: list[str], row: list[str]) -> None:
        values = dict(zip(header, row))
        project_id = values["project_id"]
        if not project_id:
            raise PbFormatError(self.line, "empty project_id")
        if "," in project_id:
            raise PbFormatError(self.line, f"project_id {project_id!r} contains a comma")
        if project_id in self.project_ids:
            raise PbFormatError(self.line, f"project_id {project_id!r} appears twice")
        cost = _whole_number(values["cost"])
        if cost is None or cost < 0:
            raise PbFormatError(self.line, f"cost {values['cost']!r} of project {project_id!r} is not a whole "
                                           "number of at least 0")
        self.project_ids.add(project_id)
        self.projects.append(PbProject(project_id, cost, values.get("name", ""), values))

    def _ballot_row(self, row: list[str]) -> None:
        if not row[self.voter_at]:
            raise PbFormatError(self.line, "empty voter_id")
        vote = _split(row[self.vote_at])
        if not self.project_ids.issuperset(vote):
            unknown = next(project_id for project_id in vote if project_id not in self.project_ids)
            raise PbFormatError(self.line, f"vote names {unknown!r}, which is not in PROJECTS")
        points = None if self.points_at is None else self._points(row[self.points_at], vote)
        self.ballots.append(PbBallot(row[self.voter_at], vote, points, self.other_fields(row)))
        if self.progress is not None and len(self.ballots) % PROGRESS_EVERY == 0:
            self.progress(len(self.ballots))

    def _points(self, text: str, vote: list[str]) -> list[int]:
        points = [_whole_number(item) for item in _split(text)]
        if any(value is None for value in points):
            raise PbFormatError(self.line, f"points {text!r} are not whole numbers")
        if len(points) != len(vote):
            raise PbFormatError(self.line, f"{len(vote)} projects in vote but {len(points)} values in points")
        return points  # type: ignore[return-value]  # no None left, checked above


def _picker(keys: list[str], header: list[str]) -> Callable[[list[str]], dict[str, str]]:
    """A function from a row to {key: value} for these columns; itemgetter, as it runs for every ballot."""
    if not keys:
        return lambda row: {}
    if len(keys) == 1:
        key, at = keys[0], header.index(keys[0])
        return lambda row: {key: row[at]}
    values = itemgetter(*(header.index(key) for key in keys))
    return lambda row: dict(zip(keys, values(row)))


def _section_name(row: list[str]) -> str | None:
    name = row[0].lower()
    if name in SECTIONS and not any(row[1:]):
        return name
    return None


def _split(text: str) -> list[str]:
    """A comma-separated list; an empty field is an empty list."""
    if not text:
        return []
    items = text.split(",")
    return [item.strip() for item in items] if " " in text else items


def _whole_number(text: str) -> int | None:
    """ "25750" and "25750.0" are 25750; "25750.5", "" and "abc" are None."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        return None
    # Above 2**53 a float no longer holds every whole number exactly; refuse rather than round.
    if not number.is_integer() or abs(number) > 2**53:
        return None
    return int(number)


def write(handle: TextIO, meta: dict[str, str], projects: list[PbProject], ballots: list[PbBallot]) -> None:
    """Write an election in the Pabulib format.

    PROJECTS has ``project_id;cost;name`` then every other column found in the projects' ``fields`` (in the
    order first met); VOTES has ``voter_id;vote``, ``points`` when any ballot has points, then the other
    columns of the ballots' ``fields``. A project or ballot without a value for a column gets an empty field.
    """
    writer = csv.writer(handle, delimiter=";", lineterminator="\n")
    writer.writerow(["META"])
    writer.writerow(["key", "value"])
    writer.writerows([key, str(value)] for key, value in meta.items())

    project_columns = ["project_id", "cost", "name"] + _extra_columns((p.fields for p in projects),
                                                                       ("project_id", "cost", "name"))
    writer.writerow(["PROJECTS"])
    writer.writerow(project_columns)
    for project in projects:
        if not project.project_id or "," in project.project_id:
            raise ValueError(f"project id {project.project_id!r} is empty or contains a comma")
        own = {"project_id": project.project_id, "cost": str(project.cost), "name": project.name}
        writer.writerow([own[c] if c in own else project.fields.get(c, "") for c in project_columns])

    with_points = any(ballot.points is not None for ballot in ballots)
    vote_columns = ["voter_id", "vote"] + (["points"] if with_points else [])
    vote_columns += _extra_columns((b.fields for b in ballots), _BALLOT_COLUMNS)
    writer.writerow(["VOTES"])
    writer.writerow(vote_columns)
    for ballot in ballots:
        own = {"voter_id": ballot.voter_id, "vote": ",".join(ballot.vote)}
        if with_points:
            own["points"] = ",".join(str(p) for p in _ballot_points(ballot))
        writer.writerow([own[c] if c in own else ballot.fields.get(c, "") for c in vote_columns])


def _extra_columns(rows: Iterable[dict[str, str]], own: tuple[str, ...]) -> list[str]:
    columns: dict[str, None] = {}  # a dict keeps first-seen order
    for fields in rows:
        for key in fields:
            if key not in own:
                columns.setdefault(key)
    return list(columns)


def _ballot_points(ballot: PbBallot) -> list[int]:
    points = ballot.points if ballot.points is not None else []
    if len(points) != len(ballot.vote):
        # A points column must line up with vote, or the file cannot be read back.
        raise ValueError(f"ballot {ballot.voter_id!r} has {len(ballot.vote)} projects but {len(points)} points")
    return points
