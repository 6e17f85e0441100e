"""Reading a CSV of readers exported from another newsletter tool. Pure: no database.

Columns: `email` (required), `topic`, `topic_name`, `frequency`, `max_papers`, `min_upvotes`.
An empty cell means "not given". Several rows with one email add several topics to one reader.
A row is held to the site's own limits: an address of at most 254 characters, at most MAX_TOPICS
topics per reader, a query the topic parser accepts (MAX_LENGTH characters at most), no control
characters in any cell, and numbers in the ranges the manage page allows.
"""

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from digest.actions import check_query
from digest.topics.query import QueryError
from subscriptions.forms import MAX_TOPICS, topic_key
from subscriptions.manage_forms import MAX_UPVOTES

COLUMNS = ("email", "topic", "topic_name", "frequency", "max_papers", "min_upvotes")
FREQUENCIES = ("daily", "weekly")
MAX_PAPERS_LIMIT = 100
MAX_EMAIL_LENGTH = 254  # the longest address SMTP can carry, as on the subscribe form
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

T = TypeVar("T")


class ImportFileError(ValueError):
    """The file as a whole cannot be read (no header, no email column, unknown columns)."""


@dataclass(frozen=True)
class RowProblem:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass
class ImportedReader:
    email: str
    first_line: int
    frequency: str | None = None
    max_papers: int | None = None
    topics: list[tuple[str, str, int]] = field(default_factory=list)
    topic_lines: list[int] = field(default_factory=list)  # the line each topic came from


def read_readers(lines: Iterable[str]) -> tuple[list[ImportedReader], list[RowProblem]]:
    """Readers in order of first appearance, and every row that could not be used, with why.
    Raises ImportFileError when the file as a whole cannot be read."""
    records = csv.reader(lines)
    readers: dict[str, ImportedReader] = {}
    problems = []
    try:
        header = _checked_header(next(records, None))
        for row in filter(None, records):  # a blank line is no row
            try:
                _add_row(readers, _cells(header, row), records.line_num)
            except ValueError as error:
                problems.append(RowProblem(records.line_num, str(error)))
    except csv.Error as error:  # a cell beyond the csv module's size limit, say
        raise ImportFileError(f"line {records.line_num}: {error}") from None
    return list(readers.values()), problems


def _cells(header: list[str], row: list[str]) -> dict[str, str]:
    if len(row) != len(header):
        raise ValueError(f"{len(row)} cell(s), but the header names {len(header)} column(s)")
    for cell in row:
        if _CONTROL.search(cell):
            raise ValueError(f"{_shown(cell)} holds a control character")
    return {name: cell.strip() for name, cell in zip(header, row, strict=True)}


def _checked_header(names: list[str] | None) -> list[str]:
    if not names:
        raise ImportFileError("the file is empty: the first row must name the columns")
    if "email" not in names:
        raise ImportFileError("the header row has no `email` column")
    if len(set(names)) < len(names):
        raise ImportFileError("the header row names a column twice")
    unknown = [name for name in names if name not in COLUMNS]
    if unknown:
        raise ImportFileError(
            f"unknown column(s) {', '.join(map(repr, unknown))}; known: {', '.join(COLUMNS)}"
        )
    return names


def _add_row(readers: dict[str, ImportedReader], cells: dict[str, str], line: int) -> None:
    """Validate the whole row first, so a bad row changes nothing."""
    email = _email(cells.get("email", ""))
    frequency = _frequency(cells.get("frequency", ""))
    max_papers = _integer(cells.get("max_papers", ""), "max_papers", 1, MAX_PAPERS_LIMIT)
    topic = _topic(cells)
    reader = readers.get(email.lower()) or ImportedReader(email=email, first_line=line)
    frequency = _merge(reader.frequency, frequency, "frequency", reader.first_line)
    max_papers = _merge(reader.max_papers, max_papers, "max_papers", reader.first_line)
    known = {topic_key(query) for _, query, _ in reader.topics}
    new_topic = topic is not None and topic_key(topic[1]) not in known
    if new_topic and len(reader.topics) >= MAX_TOPICS:
        raise ValueError(f"{email} already has {MAX_TOPICS} topics, the most a reader may have")
    reader.frequency, reader.max_papers = frequency, max_papers
    readers[email.lower()] = reader
    if topic and new_topic:
        reader.topics.append(topic)
        reader.topic_lines.append(line)


def _email(value: str) -> str:
    if not value:
        raise ValueError("the email is empty")
    if len(value) > MAX_EMAIL_LENGTH:
        raise ValueError(
            f"the email is {len(value)} characters long; the most is {MAX_EMAIL_LENGTH}"
        )
    try:
        validate_email(value)
    except ValidationError:
        raise ValueError(f"{_shown(value)} is not an email address") from None
    return value


def _frequency(value: str) -> str | None:
    if value and value.lower() not in FREQUENCIES:
        raise ValueError(f"frequency {_shown(value)} must be daily or weekly")
    return value.lower() or None


def _integer(value: str, column: str, low: int, high: int) -> int | None:
    if not value:
        return None
    number = _small_number(value, len(str(high)))
    if number is None or not low <= number <= high:
        raise ValueError(f"{column} {_shown(value)} must be a whole number from {low} to {high}")
    return number


def _small_number(value: str, max_digits: int) -> int | None:
    """`value` as a number when it is ASCII digits, at most `max_digits` after leading zeros.
    (int() of a long digit string is slow or refused; "²" is a digit to isdigit, not to int.)"""
    if not (value.isascii() and value.isdigit()):
        return None
    significant = value.lstrip("0") or "0"
    return int(significant) if len(significant) <= max_digits else None


def _topic(cells: dict[str, str]) -> tuple[str, str, int] | None:
    query = cells.get("topic", "")
    name = cells.get("topic_name", "")
    min_upvotes = _integer(cells.get("min_upvotes", ""), "min_upvotes", 0, MAX_UPVOTES)
    if not query:
        if name or min_upvotes is not None:
            raise ValueError("topic_name and min_upvotes need a topic in the same row")
        return None
    try:
        check_query(query)
    except QueryError as error:
        raise ValueError(f"topic {_shown(query)}: {error.message}") from None
    return (name or query)[:200], query, min_upvotes or 0


def _shown(value: str, limit: int = 60) -> str:
    """A cell quoted for a message, cut short: a 10,000-character cell is no message."""
    return repr(value if len(value) <= limit else value[:limit] + "...")


def _merge(known: T | None, given: T | None, column: str, first_line: int) -> T | None:
    if known is not None and given is not None and given != known:
        raise ValueError(f"{column} {given!r} differs from {known!r} given on line {first_line}")
    return known if known is not None else given
