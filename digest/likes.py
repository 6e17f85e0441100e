"""The like: term's Django side: the stored papers a query names, and the papers like them.

The topic language (digest/topics/) knows only an id's shape and that a paper's `likes` are the
ids of the papers it is like. Here an id is checked against the stored papers (a query naming
one this installation never stored is refused, as the parser refuses, with the id's position),
and the look-alikes are found with the installation's vectoriser (tastes.vectoriser) and
similarity.LIKE_THRESHOLD. Before there is a vocabulary (too few papers to fit one), no paper is
like another.
"""

from collections.abc import Collection, Sequence
from dataclasses import replace

import numpy as np

from digest import tastes
from digest.models import Paper
from digest.topics.papers import MATCHED_FIELDS, PaperText
from digest.topics.query import Query, QueryError, like_terms, parse
from digest.topics.similarity import Candidates


def check_query(text: str) -> Query:
    """The parsed query. Raises the parser's QueryError, or one naming the first like: id
    that is no stored paper, at the id's position."""
    query = parse(text)
    likes = like_terms(query.root)
    if likes:
        wanted = {like.arxiv_id for like in likes}
        stored = set(Paper.objects.filter(arxiv_id__in=wanted).values_list("arxiv_id", flat=True))
        for like in likes:
            if like.arxiv_id not in stored:
                raise QueryError(
                    f"No paper here has the arXiv id {like.arxiv_id} (at character "
                    f"{like.position + 1}): like: takes a paper we have stored, such as one "
                    "from your digests.",
                    like.position,
                )
    return query


class LookAlikes:
    """Which of a fixed set of papers (a digest window's, the preview's week, a batch of
    `manage.py match`) are like the stored papers that like: terms name. Each named paper is
    compared once, and the candidates' vectors computed once, the first time one is asked for."""

    def __init__(self, candidates: Sequence[PaperText]) -> None:
        self.candidates = candidates
        self.found: dict[str, set[int]] = {}  # arXiv id -> the ids of the candidates like it
        self.compared: Candidates | None = None

    def of(self, arxiv_ids: Collection[str]) -> dict[str, set[int]]:
        """For each of these arXiv ids, the ids of the candidates like its stored paper (itself
        included, when it is a candidate); none for an id no stored paper has."""
        missing = set(arxiv_ids) - self.found.keys()
        if missing:
            self.found.update({arxiv_id: set() for arxiv_id in missing})
            self.found.update(self._compare(missing))
        return {arxiv_id: self.found[arxiv_id] for arxiv_id in arxiv_ids}

    def texts(self, arxiv_ids: Collection[str]) -> list[PaperText]:
        """The candidates, each with the ids among these whose papers it is like."""
        likes: dict[int, set[str]] = {}
        for arxiv_id, paper_ids in self.of(arxiv_ids).items():
            for paper_id in paper_ids:
                likes.setdefault(paper_id, set()).add(arxiv_id)
        return [
            replace(text, likes=frozenset(likes[text.id])) if text.id in likes else text
            for text in self.candidates
        ]

    def _compare(self, arxiv_ids: set[str]) -> dict[str, set[int]]:
        rows = Paper.objects.filter(arxiv_id__in=arxiv_ids).only(*MATCHED_FIELDS, "arxiv_id")
        examples = {row.arxiv_id: PaperText.of(row) for row in rows if row.arxiv_id}
        if not examples or not self.candidates:
            return {}
        if self.compared is None:
            features = tastes.vectoriser()
            if features is None:
                return {}
            self.compared = Candidates(features, self.candidates)
        found = self.compared.alike_each(list(examples.values()))
        ids = np.array([candidate.id for candidate in self.candidates])
        return {
            arxiv_id: set(ids[found[:, column]].tolist())
            for column, arxiv_id in enumerate(examples)
        }
