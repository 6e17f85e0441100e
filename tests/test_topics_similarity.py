"""`like:` terms: which papers are like the given ones, by tf-idf cosine similarity."""

import numpy as np
import pytest

from digest.topics.features import Vectoriser
from digest.topics.similarity import LIKE_THRESHOLD, Candidates, alike, similarities
from tests.topic_papers import about, real_papers


@pytest.fixture(scope="module")
def vectoriser() -> Vectoriser:
    return Vectoriser.fit(real_papers())


def test_a_paper_is_like_itself(vectoriser: Vectoriser) -> None:
    paper = real_papers()[60]
    assert similarities(vectoriser, [paper], [paper])[0] == pytest.approx(1, abs=1e-5)
    assert alike(vectoriser, [paper], [paper]) == [True]


def test_papers_on_the_examples_subject_come_nearest_and_others_do_not_pass(
    vectoriser: Vectoriser,
) -> None:
    example = next(p for p in real_papers() if about(p, "test case"))
    others = [p for p in real_papers() if p != example]
    found = similarities(vectoriser, [example], others)
    assert sum(about(others[i], "test") for i in np.argsort(-found)[:5]) >= 4
    unrelated = [p for p in others if not about(p, "test")]
    assert len(unrelated) > 50
    assert not any(alike(vectoriser, [example], unrelated))


def test_a_candidate_passes_when_its_similarity_reaches_the_threshold(
    vectoriser: Vectoriser,
) -> None:
    examples, candidates = list(real_papers()[60:62]), list(real_papers()[62:120])
    found = similarities(vectoriser, examples, candidates)
    nearest = float(found.max())
    assert 0 < nearest < 1
    assert sum(alike(vectoriser, examples, candidates, threshold=nearest)) >= 1
    assert sum(alike(vectoriser, examples, candidates, threshold=nearest + 1e-4)) == 0
    assert alike(vectoriser, examples, candidates) == [bool(s >= LIKE_THRESHOLD) for s in found]


def test_the_nearest_example_counts(vectoriser: Vectoriser) -> None:
    candidates = list(real_papers()[:40])
    one, other = real_papers()[100], real_papers()[150]
    both = similarities(vectoriser, [one, other], candidates)
    each = [similarities(vectoriser, [example], candidates) for example in (one, other)]
    assert both == pytest.approx([max(a, b) for a, b in zip(*each, strict=True)])


def test_with_no_examples_nothing_is_alike(vectoriser: Vectoriser) -> None:
    assert alike(vectoriser, [], list(real_papers()[:5])) == [False] * 5


def test_candidates_are_asked_alike_of_each_example_on_its_own(vectoriser: Vectoriser) -> None:
    examples, candidates = list(real_papers()[60:63]), list(real_papers()[:120])

    found = Candidates(vectoriser, candidates).alike_each(examples)

    assert found.shape == (120, 3)
    for column, example in enumerate(examples):
        assert found[:, column].tolist() == alike(vectoriser, [example], candidates)
    assert found.any(axis=1).tolist() == alike(vectoriser, examples, candidates)
    assert found[60:63].diagonal().all()  # each example is like itself


def test_no_candidates_or_no_examples_are_like_nothing(vectoriser: Vectoriser) -> None:
    some = list(real_papers()[:5])

    assert Candidates(vectoriser, []).alike_each(some).shape == (0, 5)
    assert not Candidates(vectoriser, some).alike_each([]).any()
