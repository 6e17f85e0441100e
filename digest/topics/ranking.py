"""The order papers are shown in."""

from collections.abc import Iterable

from digest.topics.papers import PaperText


def rank(papers: Iterable[PaperText]) -> list[PaperText]:
    """Trending first (most upvotes; none counts as 0), then newest first seen, then newest id."""
    return sorted(papers, key=lambda p: (p.upvotes or 0, p.first_seen_at, p.id), reverse=True)
