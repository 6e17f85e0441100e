"""A fixed set of papers indexed once, then searched one new query at a time (the preview's
question: which of this week's papers would this topic catch?).

Pure: no ORM, no settings. TopicIndex answers the digest's question, many fixed topics against
each new paper; here it is the other way round. Each field's words and the categories map to the
papers that have them (posting lists, held sorted so that a prefix's papers are one slice), and a
query's tree is evaluated on all the papers at once as boolean masks: a word or category is its
papers, AND intersects, OR unites, NOT complements. Only a phrase needs the words in order: it is
checked on the papers that have all of its words, as a substring of their text. The papers are
held in rank order, so the first matches are the best. The answers are exactly reference.py's,
which a test holds.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import chain

import numpy as np

from digest.topics.compiling import Document, compile_query
from digest.topics.papers import PaperText
from digest.topics.query import And, Category, Field, Like, Node, Not, Or, Term, tokenize
from digest.topics.ranking import rank

# The fields with their own posting lists; an unfielded word is in the title or the abstract.
_INDEXED = (Field.TITLE, Field.ABSTRACT, Field.AUTHOR)
_PARTS = {
    Field.TEXT: (Field.TITLE, Field.ABSTRACT),
    Field.TITLE: (Field.TITLE,),
    Field.ABSTRACT: (Field.ABSTRACT,),
    Field.AUTHOR: (Field.AUTHOR,),
}
_AFTER_ALL = "\U0010ffff"  # sorts after every character: stem + it bounds the words with the stem


class _Postings:
    """Values (one field's words, or categories) sorted, each with the positions of the papers
    that have it: those of values[i] are positions[starts[i]:starts[i + 1]]."""

    def __init__(self, lists: dict[str, list[int]]) -> None:
        self.values = sorted(lists)
        lengths = [len(lists[value]) for value in self.values]
        self.starts = np.concatenate(([0], np.cumsum(lengths, dtype=np.int64)))
        found = chain.from_iterable(lists[value] for value in self.values)
        self.positions = np.fromiter(found, dtype=np.int32, count=sum(lengths))

    def mark(self, mask: np.ndarray, value: str, prefix: bool) -> None:
        """Set the papers that have `value` (or, if `prefix`, a value starting with it)."""
        low = bisect_left(self.values, value)
        if prefix:
            high = bisect_left(self.values, value + _AFTER_ALL, low)
        else:
            high = low + 1 if low < len(self.values) and self.values[low] == value else low
        mask[self.positions[self.starts[low] : self.starts[high]]] = True


@dataclass(frozen=True)
class Found:
    total: int  # how many papers matched
    best: list[tuple[PaperText, frozenset[str]]]  # the first few by rank, with words to highlight


class Corpus:
    """Papers indexed by their words and categories. Build once (about 0.1 ms a paper), search
    many times."""

    def __init__(self, papers: list[PaperText]) -> None:
        self.papers = rank(papers)
        words: dict[Field, dict[str, list[int]]] = {field: {} for field in _INDEXED}
        categories: dict[str, list[int]] = {}
        # Per field, each paper's runs of words (its title; its abstract; each author's name)
        # joined into one string: a phrase is then a substring, found in C, not a Python loop.
        self.runs: dict[Field, list[str]] = {field: [] for field in _INDEXED}
        for position, paper in enumerate(self.papers):
            title, abstract = tokenize(paper.title), tokenize(paper.abstract)
            authors = [tokenize(name) for name in paper.authors]
            self.runs[Field.TITLE].append(_run(title))
            self.runs[Field.ABSTRACT].append(_run(abstract))
            self.runs[Field.AUTHOR].append("\n".join(map(_run, authors)))
            by_field = zip(_INDEXED, (title, abstract, chain.from_iterable(authors)), strict=True)
            for field, found in by_field:
                for word in set(found):
                    words[field].setdefault(word, []).append(position)
            for category in {category.lower() for category in paper.categories}:
                categories.setdefault(category, []).append(position)
        self.words = {field: _Postings(words[field]) for field in _INDEXED}
        self.categories = _Postings(categories)
        self.ids = np.array([paper.id for paper in self.papers], dtype=np.int64)
        self.upvotes = np.array([paper.upvotes or 0 for paper in self.papers], dtype=np.int64)
        self.first_seen = np.array(
            [_utc(paper.first_seen_at) for paper in self.papers], dtype="datetime64[us]"
        )

    def search(
        self,
        query: str,
        min_upvotes: int = 0,
        since: datetime | None = None,
        best: int = 10,
        likes: Mapping[str, Collection[int]] | None = None,
    ) -> Found:
        """The papers first seen at or after `since` with at least `min_upvotes` upvotes (none
        counts as 0) that `query` matches: how many, and the `best` first by rank with the words
        a digest would highlight. `likes` gives, for each arXiv id the query's like: terms name
        (Compiled.likes), the ids of the papers like it; an id missing has none. Raises
        QueryError."""
        compiled = compile_query(query)
        mask = self._holds(compiled.query.root, likes or {}) & (self.upvotes >= min_upvotes)
        if since is not None:
            mask &= self.first_seen >= np.datetime64(_utc(since), "us")
        positions = np.flatnonzero(mask)
        shown = [self.papers[position] for position in positions[:best].tolist()]
        # Tokenising a paper again costs about 0.3 ms: only when its words may vary.
        words = [
            compiled.words(Document(paper)) if compiled.maybe else compiled.sure_words
            for paper in shown
        ]
        return Found(len(positions), list(zip(shown, words, strict=True)))

    def _holds(self, node: Node, likes: Mapping[str, Collection[int]]) -> np.ndarray:
        """Per paper, whether the node holds in it."""
        match node:
            case Term():
                return self._term(node)
            case Category(value, prefix=prefix):
                mask = self._none()
                self.categories.mark(mask, value, prefix)
                return mask
            case Like(arxiv_id):
                return np.isin(self.ids, list(likes.get(arxiv_id, ())))
            case Not(child):
                return ~self._holds(child, likes)
            case And(children):
                return np.logical_and.reduce([self._holds(child, likes) for child in children])
            case Or(children):
                return np.logical_or.reduce([self._holds(child, likes) for child in children])

    def _term(self, term: Term) -> np.ndarray:
        if len(term.words) == 1:
            return self._with_word(term.field, term.words[0], term.prefix)
        required = term.words[:-1] if term.prefix else term.words
        mask = np.logical_and.reduce([self._with_word(term.field, w, False) for w in required])
        # The words side by side in one run (a phrase never holds the newline between two); the
        # last one only starts a word if it is a prefix.
        phrase = " " + " ".join(term.words) + ("" if term.prefix else " ")
        candidates = np.flatnonzero(mask).tolist()
        found = np.zeros(len(candidates), dtype=bool)
        for part in _PARTS[term.field]:
            runs = self.runs[part]
            found |= np.array([phrase in runs[position] for position in candidates], dtype=bool)
        mask[candidates] = found
        return mask

    def _with_word(self, field: Field, word: str, prefix: bool) -> np.ndarray:
        mask = self._none()
        for part in _PARTS[field]:
            self.words[part].mark(mask, word, prefix)
        return mask

    def _none(self) -> np.ndarray:
        return np.zeros(len(self.papers), dtype=bool)


def _run(words: list[str]) -> str:
    """Words as one string, each with a space before and after it (words never hold a space)."""
    return f" {' '.join(words)} "


def _utc(moment: datetime) -> datetime:
    """The moment as a naive UTC datetime, which numpy's datetime64 takes without a warning."""
    return moment.astimezone(UTC).replace(tzinfo=None)
