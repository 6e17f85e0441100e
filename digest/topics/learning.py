"""A ranking that learns each reader: training on their votes, scoring in bulk, blending.

Each reader's model is a linear classifier over which terms of features.py's vocabulary a paper
has (`Vectoriser.presence`: a one-mention term counts as much as a repeated one, which is what
lets one day's votes teach an interest; tf-idf values did far worse, see docs/learning.md). It is
scikit-learn's logistic regression, class-balanced as arxiv-sanity's per-user SVM is, with an L1
penalty, which picks the few terms that tell the reader's "more" from their "less" (the L2 SVM
spread weight over every word of the few voted papers and did far worse), trained on the papers they
voted "more" (1) and "less" (0) on, plus a few random recent papers as weak negatives: "more"
means "more than an average paper", and the random ones stand for the average paper. The weights
are kept as plain data keyed by term, at most the TOP_TERMS strongest, so a refit of the
vocabulary re-maps them by term, and the readers' weight matrix stays sparse.

A planning batch is scored with one sparse product, papers x terms times terms x readers. The
order then blends trending (the upvotes' rank in the batch) with the reader's score (squashed to
the same 0..1 scale), weighted by how much the reader has taught it. See docs/learning.md.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.stats import rankdata
from sklearn.linear_model import LogisticRegression

from digest.topics.features import Vectoriser
from digest.topics.papers import PaperText

MODEL_VERSION = 2  # 2: term presence (1 was tf-idf values)
TOP_TERMS = 200  # weights kept per reader: the strongest by size
WEAK_NEGATIVES = 10  # random recent papers added to each reader's training as weak negatives
WEAK_WEIGHT = 0.1  # what one of them counts for, next to a vote
SEED = 20261204  # the weak negatives are drawn with it: the same votes train the same weights
C = 3.0  # the classifier's inverse regularisation (L1: the larger, the more terms it keeps)
# Votes at which the reader's score weighs as much as trending: 12 votes give it 0.89.
TAUGHT_HALF = 1.5
# The learned score's batch z-score goes through a logistic with this slope, a close match of the
# normal distribution's CDF, so that it reads like the trending percentile it is blended with.
SQUASH = 1.7
LIKED = "You liked similar papers"
TRENDING = "Trending"


@dataclass(frozen=True)
class ReaderModel:
    """One reader's learned weights, by term, and how many votes taught them."""

    weights: Mapping[str, float]
    votes: int

    def to_state(self) -> dict[str, Any]:
        """Plain JSON-able data: {"version", "votes", "weights": {term: weight}}."""
        return {"version": MODEL_VERSION, "votes": self.votes, "weights": dict(self.weights)}

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> ReaderModel:
        """The model `to_state` described. Raises ValueError for a state it cannot read."""
        if state.get("version") != MODEL_VERSION:
            raise ValueError("not a reader model this version can read")
        weights = {str(term): float(w) for term, w in state["weights"].items()}
        return cls(weights, int(state["votes"]))


def train(
    vectoriser: Vectoriser,
    votes: Sequence[tuple[PaperText, bool]],
    recent: Sequence[PaperText],
) -> ReaderModel:
    """The model of a reader who voted `votes` (paper, True for "more"), with weak negatives drawn
    (by a fixed seed) from `recent` papers they did not vote on. Deterministic: the same votes,
    recent papers and vectoriser give the same weights. No votes give empty weights."""
    if not votes:
        return ReaderModel({}, 0)
    voted = {paper.id for paper, _ in votes}
    unvoted = [paper for paper in recent if paper.id not in voted]
    weak = random.Random(SEED).sample(unvoted, min(WEAK_NEGATIVES, len(unvoted)))
    labels = np.array([int(more) for _, more in votes] + [0] * len(weak))
    if labels.all() or not labels.any():
        # One side only (all "less", or all "more" with no recent papers): the weak papers
        # stand for the missing side, so the votes still say "less (or more) than usual".
        labels[len(votes) :] = 1 - labels[0]
        if len(set(labels)) < 2:
            return ReaderModel({}, len(votes))
    features = vectoriser.presence([paper for paper, _ in votes] + weak)
    # Only the terms these papers have: the solver's time grows with the columns it is given,
    # and the vocabulary's other tens of thousands would all get weight 0.
    used = np.unique(features.indices)
    sample_weight = np.array([1.0] * len(votes) + [WEAK_WEIGHT] * len(weak))
    classifier = LogisticRegression(
        C=C, l1_ratio=1.0, solver="liblinear", class_weight="balanced", random_state=0
    )
    classifier.fit(features[:, used], labels, sample_weight=sample_weight)
    coef = np.zeros(vectoriser.width)
    coef[used] = classifier.coef_[0]
    return ReaderModel(_strongest(vectoriser, coef), len(votes))


def _strongest(vectoriser: Vectoriser, coef: np.ndarray) -> dict[str, float]:
    """The TOP_TERMS largest weights by size (ties by column, so deterministic), by term."""
    nonzero = np.flatnonzero(coef)
    kept = nonzero[np.argsort(-np.abs(coef[nonzero]), kind="stable")[:TOP_TERMS]]
    return {vectoriser.terms[c]: round(float(coef[c]), 6) for c in sorted(kept)}


def weight_matrix(vectoriser: Vectoriser, models: Sequence[ReaderModel]) -> sp.csc_matrix:
    """Terms x readers, float32: each reader's weights on this vocabulary's columns. Terms the
    vocabulary no longer has (after a refit) drop out."""
    rows: list[int] = []
    weights: list[float] = []
    starts = [0]
    for model in models:
        for term, weight in model.weights.items():
            column = vectoriser.column(term)
            if column is not None:
                rows.append(column)
                weights.append(weight)
        starts.append(len(rows))
    shape = (vectoriser.width, len(models))
    return sp.csc_matrix((np.array(weights, np.float32), rows, starts), shape=shape)


def scores(papers: sp.csr_matrix, readers: sp.csc_matrix) -> np.ndarray:
    """Papers x readers: each reader's learned score of each paper, one sparse product.
    `papers` is `Vectoriser.presence`'s matrix, `readers` is `weight_matrix`'s."""
    return np.asarray((papers @ readers).toarray(), dtype=np.float32)


def taught(votes: int, override: float | None = None) -> float:
    """How much the reader's score counts in the blend, 0 (pure trending) to 1 (only theirs):
    the reader's own setting when they chose one, else votes / (votes + TAUGHT_HALF)."""
    if override is not None:
        return min(max(float(override), 0.0), 1.0)
    return votes / (votes + TAUGHT_HALF)


def trend(papers: Sequence[PaperText]) -> np.ndarray:
    """Each paper's upvotes as a percentile of the batch's, 0..1 (ties share one; none is 0)."""
    if len(papers) < 2:
        return np.full(len(papers), 0.5, dtype=np.float32)
    ranks = rankdata([paper.upvotes or 0 for paper in papers])
    return ((ranks - 1) / (len(papers) - 1)).astype(np.float32)


def squash(learned: np.ndarray) -> np.ndarray:
    """Each reader's (column's) scores on the 0..1 scale of a percentile: the batch z-score through
    a logistic. A reader whose scores are all equal gets 0.5 everywhere."""
    spread = learned.std(axis=0)
    spread[spread == 0] = 1
    z = (learned - learned.mean(axis=0)) / spread
    return (1 / (1 + np.exp(-SQUASH * z))).astype(np.float32)


@dataclass(frozen=True)
class Blend:
    """Papers x readers: the value to order by, and whether the learned part put it there."""

    values: np.ndarray
    liked: np.ndarray


def blend(trending: np.ndarray, learned: np.ndarray, weights: np.ndarray) -> Blend:
    """(1 - w) * trending + w * squash(learned), per reader's weight w (`taught`). A paper is
    "liked" when the learned part lifts it above the middle more than trending does."""
    mine = squash(learned)
    w = np.asarray(weights, dtype=np.float32)[np.newaxis, :]
    theirs = (1 - w) * trending[:, np.newaxis]
    values = theirs + w * mine
    lift = (1 - w) * (trending[:, np.newaxis] - 0.5)
    liked = w * (mine - 0.5) > np.maximum(lift, 0)
    return Blend(values, liked)


def order(papers: Sequence[PaperText], values: np.ndarray) -> list[int]:
    """Positions in `papers`, highest value first; ties as ranking.rank orders trending (most
    upvotes, newest first seen, newest id)."""
    keys = np.array(
        [
            [-p.id for p in papers],
            [-p.first_seen_at.timestamp() for p in papers],
            [-(p.upvotes or 0) for p in papers],
            -np.asarray(values, dtype=np.float64),
        ]
    )
    return [int(i) for i in np.lexsort(keys)]


def reason(liked: bool) -> str:
    """The "why" shown next to a paper the blend placed (topic matches are the caller's)."""
    return LIKED if liked else TRENDING
