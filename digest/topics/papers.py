"""The paper text the topic language works on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

# The columns of digest.models.Paper that PaperText.of reads: what to load for matching.
MATCHED_FIELDS = ("id", "title", "abstract", "authors", "categories", "upvotes", "first_seen_at")


@dataclass(frozen=True, slots=True)
class PaperText:
    """What matching needs to know about a paper."""

    id: int
    title: str
    abstract: str
    authors: tuple[str, ...]
    categories: tuple[str, ...]
    upvotes: int | None
    first_seen_at: datetime

    @classmethod
    def of(cls, paper: PaperLike) -> PaperText:
        """The paper (a Paper row or anything shaped like one) as matching sees it."""
        return cls(
            id=paper.pk,
            title=paper.title,
            abstract=paper.abstract,
            authors=tuple(paper.authors),
            categories=tuple(paper.categories),
            upvotes=paper.upvotes,
            first_seen_at=paper.first_seen_at,
        )


class PaperLike(Protocol):
    """What PaperText.of reads: the fields of digest.models.Paper, without importing the ORM."""

    pk: int
    title: str
    abstract: str
    authors: list[str]
    categories: list[str]
    upvotes: int | None
    first_seen_at: datetime
