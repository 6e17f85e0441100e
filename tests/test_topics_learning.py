"""Learning each reader: training on votes, scoring a batch at once, blending with trending."""

import json

import numpy as np
import pytest

from digest.topics import learning
from digest.topics.features import Vectoriser
from digest.topics.index import Topic, TopicIndex
from digest.topics.learning import (
    LIKED,
    TRENDING,
    ReaderModel,
    blend,
    order,
    reason,
    scores,
    taught,
    train,
    trend,
    weight_matrix,
)
from digest.topics.papers import PaperText
from digest.topics.ranking import rank
from tests.topic_papers import about, real_papers


def voted_papers(word: str, more: int = 5, less: int = 10) -> list[tuple[PaperText, bool]]:
    """A reader's first digest: "more" on the first papers about `word`, "less" on others."""
    papers = real_papers()
    liked = [p for p in papers if about(p, word)][:more]
    disliked = [p for p in papers if not about(p, word)][:less]
    return [(p, True) for p in liked] + [(p, False) for p in disliked]


def ranked(vectoriser: Vectoriser, model: ReaderModel, papers: list[PaperText]) -> list[PaperText]:
    learned = scores(vectoriser.presence(papers), weight_matrix(vectoriser, [model]))
    mix = blend(trend(papers), learned, np.array([taught(model.votes)]))
    return [papers[i] for i in order(papers, mix.values[:, 0])]


@pytest.fixture(scope="module")
def vectoriser() -> Vectoriser:
    return Vectoriser.fit(real_papers())


def test_the_same_votes_train_the_same_weights(vectoriser: Vectoriser) -> None:
    votes = voted_papers("software")
    first = train(vectoriser, votes, real_papers())
    again = train(vectoriser, votes, real_papers())
    assert first.weights and first == again
    assert first.votes == len(votes)


def test_votes_bring_the_readers_interest_to_the_top(vectoriser: Vectoriser) -> None:
    votes = voted_papers("software")
    unseen = [p for p in real_papers() if p not in {paper for paper, _ in votes}]
    model = train(vectoriser, votes, real_papers())
    before = ranked(vectoriser, ReaderModel({}, 0), unseen)[:5]
    after = ranked(vectoriser, model, unseen)[:5]
    assert sum(about(p, "software") for p in before) <= 1
    assert sum(about(p, "software") for p in after) >= 4


@pytest.mark.parametrize(
    ("interest", "first_day"),
    [
        ("benchmark*", 0),
        ("(tool OR tools)", 1),
        ('(llm OR llms OR "language model" OR "language models")', 0),
    ],
)
def test_one_days_votes_lead_the_next_days_digest(
    vectoriser: Vectoriser, interest: str, first_day: int
) -> None:
    """A reader reads their first digest (trending order) from the top and votes on 15 papers:
    "more" on the first 5 of their interest, "less" on the first 10 others. The real papers are
    dealt alternately into two days; the next day's first five are then mostly their interest,
    where trending's are not. (The interests are ones the tf-idf model of before missed.)"""
    papers = real_papers()
    today, tomorrow = list(papers[first_day::2]), list(papers[1 - first_day :: 2])
    theirs = TopicIndex.build([Topic(1, interest)])
    digest = rank(today)
    more = [p for p in digest if theirs.match(p)][:5]
    less = [p for p in digest if not theirs.match(p)][:10]
    model = train(vectoriser, [(p, True) for p in more] + [(p, False) for p in less], today)
    mine = sum(bool(theirs.match(p)) for p in ranked(vectoriser, model, tomorrow)[:5])
    trending = sum(bool(theirs.match(p)) for p in rank(tomorrow)[:5])
    assert mine >= 3 and trending <= 2


def test_less_votes_alone_push_papers_like_them_down(vectoriser: Vectoriser) -> None:
    hated = [(p, False) for p in real_papers() if about(p, "agent")][:8]
    unseen = [p for p in real_papers() if p not in {paper for paper, _ in hated}]
    model = train(vectoriser, hated, real_papers())
    assert model.weights
    before = ranked(vectoriser, ReaderModel({}, 0), unseen)
    after = ranked(vectoriser, model, unseen)
    places = lambda order: np.mean([n for n, p in enumerate(order) if about(p, "agent")])  # noqa: E731
    assert places(after) > places(before) + 10


def test_no_votes_train_no_weights(vectoriser: Vectoriser) -> None:
    assert train(vectoriser, [], real_papers()) == ReaderModel({}, 0)


def test_weights_are_few_and_keyed_by_term(vectoriser: Vectoriser) -> None:
    model = train(vectoriser, voted_papers("software", more=30, less=60), real_papers())
    assert 0 < len(model.weights) <= learning.TOP_TERMS
    assert all(vectoriser.column(term) is not None for term in model.weights)


def test_weights_survive_a_refit_by_term(vectoriser: Vectoriser) -> None:
    model = train(vectoriser, voted_papers("software"), real_papers())
    refitted = Vectoriser.fit(real_papers()[50:])  # the AI papers are gone, and their terms
    kept = {t: w for t, w in model.weights.items() if refitted.column(t) is not None}
    assert kept and len(kept) < len(model.weights) or kept == model.weights
    matrix = weight_matrix(refitted, [model]).toarray()[:, 0]
    assert {refitted.terms[c]: w for c, w in enumerate(matrix) if w} == pytest.approx(kept)


def test_one_product_scores_as_a_loop_over_readers_would(vectoriser: Vectoriser) -> None:
    models = [
        train(vectoriser, voted_papers(word), real_papers())
        for word in ("software", "agent", "language", "image")
    ] + [ReaderModel({}, 0)]
    papers = list(real_papers()[::7])
    rows = vectoriser.presence(papers).toarray()
    looped = np.array(
        [
            [sum(w * rows[p, vectoriser.column(t)] for t, w in m.weights.items()) for m in models]
            for p in range(len(papers))
        ]
    )
    together = scores(vectoriser.presence(papers), weight_matrix(vectoriser, models))
    assert together.shape == (len(papers), len(models))
    assert together == pytest.approx(looped, abs=1e-5)


def test_with_no_votes_the_order_is_pure_trending(vectoriser: Vectoriser) -> None:
    papers = list(real_papers())
    learned = scores(vectoriser.presence(papers), weight_matrix(vectoriser, [ReaderModel({}, 0)]))
    mix = blend(trend(papers), learned, np.array([taught(0)]))
    assert [papers[i] for i in order(papers, mix.values[:, 0])] == rank(papers)
    assert {reason(bool(liked)) for liked in mix.liked[:, 0]} == {TRENDING}


def test_the_reason_says_which_part_placed_a_paper(vectoriser: Vectoriser) -> None:
    model = train(vectoriser, voted_papers("software"), real_papers())
    papers = list(real_papers())
    learned = scores(vectoriser.presence(papers), weight_matrix(vectoriser, [model]))
    mix = blend(trend(papers), learned, np.array([taught(model.votes)]))
    top = order(papers, mix.values[:, 0])
    assert reason(bool(mix.liked[top[0], 0])) == LIKED
    most_upvoted = max(range(len(papers)), key=lambda i: papers[i].upvotes or 0)
    assert reason(bool(mix.liked[most_upvoted, 0])) == TRENDING


def test_how_much_the_reader_taught_it() -> None:
    assert taught(0) == 0
    assert taught(1) < taught(5) < taught(12)
    assert taught(12) >= 0.8
    assert taught(0, override=0.7) == 0.7
    assert taught(40, override=0) == 0
    assert taught(3, override=1.5) == 1


def test_a_reader_on_one_end_of_the_override_gets_only_that_order(vectoriser: Vectoriser) -> None:
    model = train(vectoriser, voted_papers("software"), real_papers())
    papers = list(real_papers())
    learned = scores(vectoriser.presence(papers), weight_matrix(vectoriser, [model]))
    trending_only = blend(trend(papers), learned, np.array([taught(model.votes, override=0)]))
    mine_only = blend(trend(papers), learned, np.array([taught(model.votes, override=1)]))
    assert [papers[i] for i in order(papers, trending_only.values[:, 0])] == rank(papers)
    assert np.argmax(mine_only.values[:, 0]) == np.argmax(learned[:, 0])


def test_the_model_state_round_trips_through_json(vectoriser: Vectoriser) -> None:
    model = train(vectoriser, voted_papers("agent"), real_papers())
    assert ReaderModel.from_state(json.loads(json.dumps(model.to_state()))) == model
    with pytest.raises(ValueError):
        ReaderModel.from_state({**model.to_state(), "version": 99})
