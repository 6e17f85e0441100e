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
from digest.topics.similarity import alike_each


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


def alike_ids(arxiv_ids: Collection[str], candidates: Sequence[PaperText]) -> dict[str, set[int]]:
    """For each stored paper of these arXiv ids, the ids of the candidates like it (itself
    included when it is a candidate). An id no stored paper has is left out."""
    if not arxiv_ids or not candidates:
        return {}
    rows = Paper.objects.filter(arxiv_id__in=arxiv_ids).only(*MATCHED_FIELDS, "arxiv_id")
    examples = {row.arxiv_id: PaperText.of(row) for row in rows if row.arxiv_id}
    features = tastes.vectoriser()
    if not examples or features is None:
        return {}
    found = alike_each(features, list(examples.values()), candidates)
    ids = np.array([candidate.id for candidate in candidates])
    return {
        arxiv_id: set(ids[found[:, column]].tolist()) for column, arxiv_id in enumerate(examples)
    }


def with_likes(texts: Sequence[PaperText], alike: dict[str, set[int]]) -> list[PaperText]:
    """The texts, each with the arXiv ids (of those in `alike`, as alike_ids gives them) of
    the papers it is like."""
    likes: dict[int, set[str]] = {}
    for arxiv_id, paper_ids in alike.items():
        for paper_id in paper_ids:
            likes.setdefault(paper_id, set()).add(arxiv_id)
    return [
        replace(text, likes=frozenset(likes[text.id])) if text.id in likes else text
        for text in texts
    ]
