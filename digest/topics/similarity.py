"""Topics by example: which papers are like the given ones (the `like:<arxiv id>` term).

A candidate is like the examples when the cosine similarity of its tf-idf vector (features.py)
to the nearest example reaches LIKE_THRESHOLD. The threshold was chosen on the bundled real
papers (bench/learning.py prints the table, docs/learning.md explains the choice).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from digest.topics.features import Vectoriser
from digest.topics.papers import PaperText

LIKE_THRESHOLD = 0.15


def similarities(
    vectoriser: Vectoriser, examples: Sequence[PaperText], candidates: Sequence[PaperText]
) -> np.ndarray:
    """Each candidate's cosine similarity (0..1) to its nearest example; 0 with no examples."""
    if not examples or not candidates:
        return np.zeros(len(candidates), dtype=np.float32)
    products = vectoriser.transform(candidates) @ vectoriser.transform(examples).T
    return np.asarray(products.max(axis=1).toarray()).ravel()


class Candidates:
    """Papers to ask again and again which of them are like given examples (each like: term of a
    digest window or a preview's week): their vectors are computed once, since that is most of
    the cost (about 0.7 ms a paper)."""

    def __init__(self, vectoriser: Vectoriser, candidates: Sequence[PaperText]) -> None:
        self.vectoriser = vectoriser
        self.count = len(candidates)
        self.vectors = vectoriser.transform(candidates) if candidates else None

    def alike_each(
        self, examples: Sequence[PaperText], threshold: float = LIKE_THRESHOLD
    ) -> np.ndarray:
        """Candidates x examples: whether each candidate is like each example on its own (what
        `like:a OR like:b` asks). A candidate is like any of them exactly when `alike` says it
        is like them together."""
        if not examples or self.vectors is None:
            return np.zeros((self.count, len(examples)), dtype=bool)
        products = self.vectors @ self.vectoriser.transform(examples).T
        return products.toarray() >= threshold


def alike(
    vectoriser: Vectoriser,
    examples: Sequence[PaperText],
    candidates: Sequence[PaperText],
    threshold: float = LIKE_THRESHOLD,
) -> list[bool]:
    """For each candidate, whether it is like the examples: its similarity reaches `threshold`.
    An example among the candidates is like itself."""
    return [bool(s >= threshold) for s in similarities(vectoriser, examples, candidates)]
