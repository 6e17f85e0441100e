"""What readers taught, applied to a batch: their mutes and their learned order.

Which papers are eligible does not change but for mutes (a muted author or word keeps a paper
out). Among the eligible, a reader who voted gets the blend of trending and their learned score
(digest/topics/learning.py): one sparse product scores the batch's papers for all its taught
readers at once. Readers who never voted keep the trending order.
"""

from collections.abc import Mapping, Sequence

import numpy as np

from digest import tastes
from digest.topics.learning import blend, order, reason, scores, taught, trend, weight_matrix
from digest.topics.papers import PaperText
from digest.topics.query import tokenize
from subscriptions.models import Mute, Subscriber


class Mutes:
    """The batch's readers' muted authors and words, checked against papers."""

    def __init__(self, readers: Sequence[Subscriber], texts: Mapping[int, PaperText]) -> None:
        self._texts = texts
        self._words: dict[int, frozenset[str]] = {}
        self._by_reader: dict[int, tuple[set[str], set[str]]] = {}
        rows = Mute.objects.filter(subscriber__in=readers).values_list(
            "subscriber_id", "kind", "value"
        )
        for reader, kind, value in rows:
            authors, words = self._by_reader.setdefault(reader, (set(), set()))
            if kind == Mute.Kind.AUTHOR:
                authors.add(_name(value))
            else:
                words.update(tokenize(value))

    def hide(self, reader: int, paper: int) -> bool:
        """Whether one of the reader's mutes keeps this paper out."""
        muted = self._by_reader.get(reader)
        if muted is None:
            return False
        authors, words = muted
        text = self._texts[paper]
        return any(_name(a) in authors for a in text.authors) or bool(words & self._words_of(paper))

    def _words_of(self, paper: int) -> frozenset[str]:
        if paper not in self._words:
            text = self._texts[paper]
            self._words[paper] = frozenset(tokenize(f"{text.title} {text.abstract}"))
        return self._words[paper]


def _name(author: str) -> str:
    return " ".join(author.split()).casefold()


class LearnedOrder:
    """Each taught reader's order of the batch's papers, and which the learned part placed."""

    def __init__(self, readers: Sequence[Subscriber], texts: Mapping[int, PaperText]) -> None:
        self.rank: dict[int, dict[int, int]] = {}
        self.liked: dict[int, set[int]] = {}
        models = tastes.models_of([reader.pk for reader in readers])
        weights = {
            r.pk: taught(models[r.pk].votes, r.taste_weight) for r in readers if r.pk in models
        }
        taught_ids = [reader for reader, weight in weights.items() if weight > 0]
        vectoriser = tastes.vectoriser() if taught_ids and texts else None
        if vectoriser is None:
            return
        ids = list(texts)
        papers = [texts[pk] for pk in ids]
        readers_matrix = weight_matrix(vectoriser, [models[reader] for reader in taught_ids])
        learned = scores(vectoriser.presence(papers), readers_matrix)
        mixed = blend(trend(papers), learned, np.array([weights[r] for r in taught_ids]))
        for column, reader in enumerate(taught_ids):
            ranked = order(papers, mixed.values[:, column])
            self.rank[reader] = {ids[row]: n for n, row in enumerate(ranked)}
            self.liked[reader] = {ids[row] for row in np.flatnonzero(mixed.liked[:, column])}

    def reason(self, reader: int, paper: int) -> str:
        """Why the paper is in the reader's digest, when no topic put it there."""
        return reason(paper in self.liked.get(reader, ()))
