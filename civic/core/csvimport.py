"""Uploaded CSV files, read so that one bad line never costs the good ones.

Each physical line is decoded on its own, records are parsed one at a time, and every problem (text
that is not UTF-8, a NUL, a quote never closed, a value over the field limit, too many values) is
reported by line number with a translated reason, while the reader carries on with the next line.
Only a file whose first line cannot name the columns is refused as a whole.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass

from civic.core.errors import DomainError
from civic.core.messages import lazy_gettext as _l

BOM = b"\xef\xbb\xbf"
# A quoted value may hold line breaks, up to this many lines: a stray quote costs that much reading.
MAX_RECORD_LINES = 50


@dataclass
class Record:
    line: int  # the first physical line of the record, counting from 1
    values: dict[str, str] | None  # stripped values by stripped column name; None when unreadable
    problem: object = None  # a translated reason when `values` is None


def _lines(raw: bytes) -> tuple[list[str], set[int]]:
    """The file's lines as text; the indexes of lines that were not UTF-8 (kept as empty lines)."""
    lines, broken = [], set()
    for index, line in enumerate(raw.removeprefix(BOM).splitlines(keepends=True)):
        try:
            lines.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            lines.append("\n")
            broken.add(index)
    return lines, broken


class _Feed:
    """The lines from `position` on, one at a time; `position` says how far the csv reader got."""

    def __init__(self, lines: list[str], position: int):
        self.lines, self.position, self.record_start = lines, position, position

    def __iter__(self):
        return self

    def __next__(self) -> str:
        if self.position >= len(self.lines) or self.position - self.record_start >= MAX_RECORD_LINES:
            raise StopIteration
        self.position += 1
        return self.lines[self.position - 1]


def _problem(error: csv.Error):
    if str(error) == "unexpected end of data":  # the lines ran out inside quotes
        return _l("A quoted value that starts on this line is not closed within %(max)d lines.",
                  max=MAX_RECORD_LINES)
    if str(error).startswith("field larger than field limit"):
        return _l("A value on this line is longer than %(max)d characters.", max=csv.field_size_limit())
    return _l("This line is not valid CSV: check its quotes and commas.")


def _parse(lines: list[str]) -> Iterator[tuple[int, int, list[str] | None, object]]:
    """(first line index, lines used, fields or None, problem) for each record.

    A record that cannot be read is reported on its first line, and reading starts again on the
    line after it: a stray quote must not swallow the lines that follow.
    """
    feed = _Feed(lines, 0)
    reader = csv.reader(feed, strict=True)
    while True:
        first = feed.record_start = feed.position
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield first, 1, None, _problem(error)
            feed = _Feed(lines, first + 1)
            reader = csv.reader(feed, strict=True)
            continue
        yield first, feed.position - first, fields, None


def read_csv(raw: bytes, *, required: tuple[str, ...], header_error) -> tuple[list[str], Iterator[Record]]:
    """The column names of the first line and the records after it.

    `header_error` is the translated refusal when the first line lacks one of the `required` names.
    """
    lines, broken = _lines(raw)
    records = _parse(lines)
    try:
        first, used, header, _ = next(records)
    except StopIteration:
        raise DomainError(header_error, "file") from None
    names = [name.strip() for name in header or []]
    if header is None or broken.intersection(range(first, first + used)) or not set(required) <= set(names):
        raise DomainError(header_error, "file")
    return names, _records(names, records, broken)


def _records(names: list[str], records, broken: set[int]) -> Iterator[Record]:
    for first, used, fields, problem in records:
        line = first + 1
        if broken.intersection(range(first, first + used)):
            yield Record(line, None, _l("This line is not UTF-8 text. Save the file as UTF-8 (CSV UTF-8 in a "
                                        "spreadsheet) and import this line again."))
            continue
        if fields is None:
            yield Record(line, None, problem)
            continue
        if not any(value.strip() for value in fields):
            continue  # an empty line
        if any("\x00" in value for value in fields):
            yield Record(line, None, _l("This line contains a null character, which is not allowed."))
            continue
        if len(fields) > len(names) and any(value.strip() for value in fields[len(names):]):
            yield Record(line, None, _l("This line has %(count)d values, but the first line names %(expected)d "
                                        "columns.", count=len(fields), expected=len(names)))
            continue
        # A shorter line leaves its last columns empty, as spreadsheets write them.
        yield Record(line, {name: (fields[index].strip() if index < len(fields) else "")
                            for index, name in enumerate(names)})
