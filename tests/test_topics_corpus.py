"""Corpus (digest/topics/corpus.py): a new query searched on papers indexed once finds exactly
what evaluating it on every paper finds, ranked, with the same words to highlight."""

from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digest.topics.compiling import compile_query
from digest.topics.corpus import Corpus
from digest.topics.index import Topic
from digest.topics.papers import PaperText
from digest.topics.query import QueryError
from digest.topics.ranking import rank
from digest.topics.reference import match_naively
from tests.topic_examples import LIKED, MONDAY, VIDEO_DIFFUSION, paper, papers, queries


def expected(query: str, batch: list[PaperText], min_upvotes: int = 0) -> list[tuple]:
    """What the reference matcher finds, ranked, with its words."""
    topic = Topic(0, query, min_upvotes)
    found = {p.id: words[0] for p in batch if 0 in (words := match_naively([topic], p))}
    return [(p, found[p.id]) for p in rank(batch) if p.id in found]


def likes_of(batch: list[PaperText]) -> dict[str, set[int]]:
    """Each liked paper's look-alikes among the batch, as a caller gives them to search."""
    return {liked: {p.id for p in batch if liked in p.likes} for liked in LIKED}


@given(
    query=queries,
    batch=st.lists(papers, min_size=1, max_size=15, unique_by=lambda p: p.id),
    min_upvotes=st.integers(0, 3),
)
def test_a_search_finds_exactly_what_evaluating_the_query_on_every_paper_finds(
    query: str, batch: list[PaperText], min_upvotes: int
) -> None:
    try:
        compile_query(query)
    except QueryError:
        with pytest.raises(QueryError):
            Corpus(batch).search(query)
        return
    found = Corpus(batch).search(query, min_upvotes, likes=likes_of(batch))
    wanted = expected(query, batch, min_upvotes)

    assert found.total == len(wanted)
    assert found.best == wanted[:10]


def test_a_search_ranks_the_matches_and_leaves_out_papers_seen_before_since() -> None:
    old = paper("Video diffusion", id=1, upvotes=90, first_seen_at=MONDAY - timedelta(days=8))
    quiet = paper("Diffusion for audio", id=2, upvotes=None)
    other = paper("Quantum chemistry", id=3, upvotes=50)
    corpus = Corpus([old, quiet, other, replace(VIDEO_DIFFUSION, id=4)])

    found = corpus.search("diffusion", since=MONDAY - timedelta(days=7))

    assert found.total == 2
    assert [(p.id, words) for p, words in found.best] == [
        (4, frozenset({"diffusion"})),
        (2, frozenset({"diffusion"})),
    ]


def test_a_phrase_matches_only_papers_with_its_words_side_by_side() -> None:
    corpus = Corpus([paper("video diffusion", id=1), paper("diffusion of video", id=2)])

    found = corpus.search('"video diffusion"')

    assert [p.id for p, _ in found.best] == [1]
