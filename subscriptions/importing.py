"""Reading a CSV of readers exported from another newsletter tool. Pure: no database.

Columns: `email` (required), `topic`, `topic_name`, `frequency`, `max_papers`, `min_upvotes`.
An empty cell means "not given". Several rows with one email add several topics to one reader.
"""

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from digest.topics.query import QueryError, parse

COLUMNS = ("email", "topic", "topic_name", "frequency", "max_papers", "min_upvotes")
FREQUENCIES = ("daily", "weekly")
MAX_PAPERS_LIMIT = 100

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


def read_readers(lines: Iterable[str]) -> tuple[list[ImportedReader], list[RowProblem]]:
    """Readers in order of first appearance, and every row that could not be used, with why."""
    records = csv.DictReader(lines)
    _check_header(records.fieldnames)
    readers: dict[str, ImportedReader] = {}
    problems = []
    for record in records:
        try:
            _add_row(readers, {k: (v or "").strip() for k, v in record.items()}, records.line_num)
        except ValueError as error:
            problems.append(RowProblem(records.line_num, str(error)))
    return list(readers.values()), problems


def _check_header(names: list[str] | None) -> None:
    if not names:
        raise ImportFileError("the file is empty: the first row must name the columns")
    if "email" not in names:
        raise ImportFileError("the header row has no `email` column")
    unknown = [name for name in names if name not in COLUMNS]
    if unknown:
        raise ImportFileError(
            f"unknown column(s) {', '.join(map(repr, unknown))}; known: {', '.join(COLUMNS)}"
        )


def _add_row(readers: dict[str, ImportedReader], cells: dict[str, str], line: int) -> None:
    """Validate the whole row first, so a bad row changes nothing."""
    if None in cells:
        raise ValueError("more cells than columns in the header")
    email = _email(cells.get("email", ""))
    frequency = _frequency(cells.get("frequency", ""))
    max_papers = _integer(cells.get("max_papers", ""), "max_papers", 1, MAX_PAPERS_LIMIT)
    topic = _topic(cells)
    reader = readers.get(email.lower()) or ImportedReader(email=email, first_line=line)
    frequency = _merge(reader.frequency, frequency, "frequency", reader.first_line)
    max_papers = _merge(reader.max_papers, max_papers, "max_papers", reader.first_line)
    reader.frequency, reader.max_papers = frequency, max_papers
    readers[email.lower()] = reader
    if topic:
        reader.topics.append(topic)


def _email(value: str) -> str:
    if not value:
        raise ValueError("the email is empty")
    try:
        validate_email(value)
    except ValidationError:
        raise ValueError(f"{value!r} is not an email address") from None
    return value


def _frequency(value: str) -> str | None:
    if value and value.lower() not in FREQUENCIES:
        raise ValueError(f"frequency {value!r} must be daily or weekly")
    return value.lower() or None


def _integer(value: str, column: str, low: int, high: int | None) -> int | None:
    if not value:
        return None
    if not value.isdigit() or int(value) < low or (high is not None and int(value) > high):
        bounds = f"from {low} to {high}" if high is not None else f"{low} or more"
        raise ValueError(f"{column} {value!r} must be a whole number {bounds}")
    return int(value)


def _topic(cells: dict[str, str]) -> tuple[str, str, int] | None:
    query = cells.get("topic", "")
    name = cells.get("topic_name", "")
    min_upvotes = _integer(cells.get("min_upvotes", ""), "min_upvotes", 0, None)
    if not query:
        if name or min_upvotes is not None:
            raise ValueError("topic_name and min_upvotes need a topic in the same row")
        return None
    try:
        parse(query)
    except QueryError as error:
        raise ValueError(f"topic {query!r}: {error.message}") from None
    return (name or query)[:200], query, min_upvotes or 0


def _merge(known: T | None, given: T | None, column: str, first_line: int) -> T | None:
    if known is not None and given is not None and given != known:
        raise ValueError(f"{column} {given!r} differs from {known!r} given on line {first_line}")
    return known if known is not None else given
