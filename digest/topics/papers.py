"""The paper text the topic language works on."""

from __future__ import annotations

from dataclasses import dataclass, field
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
    # The arXiv ids (no version) of the papers this one is like, for the `like:` term. Worked out
    # by the caller, who has the vectoriser and the stored examples (digest/likes.py), only for
    # the ids some topic names (Compiled.likes), so usually none.
    likes: frozenset[str] = field(default=frozenset())

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
