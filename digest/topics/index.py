"""Which papers match which topics: a presearcher index over compiled topic queries.

Pure: no ORM, no settings. The query language is query.py; compiling.py
compiles a query and says where to file it.

Matching every topic against every paper costs topics x papers evaluations. Like Lucene Monitor
and the Elasticsearch percolator, the index files each distinct query under terms that every
matching paper must contain (one word of an AND, the rarest by a cheap estimate; every branch of
an OR), with a second required word or category checked before evaluating it, so a paper,
tokenised once, looks up its own words and evaluates only the queries it can match.
A query with no such term (`-survey OR llm`: its NOT branch matches papers without any given
word) goes to a fallback bucket evaluated for every paper. Queries that are only ANDed keys
(`diffusion video`, `title:rlhf`, `cat:cs.CL agents`, `diffus* -survey`, `llm (rlhf OR ppo)`)
are never evaluated: finding their keys in the paper is the match (see conjunctions.py).
reference.py evaluates every topic on every paper, and the index must return
exactly what it returns.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from digest.topics.compiling import Compiled, Document, compile_query
from digest.topics.conjunctions import Conjunctions
from digest.topics.filing import Filed, KeyIds, ranges
from digest.topics.papers import PaperText
from digest.topics.query import QueryError


@dataclass(frozen=True, slots=True)
class Topic:
    key: int
    query: str
    min_upvotes: int = 0


class _TopicsByQuery:
    """Each query's topics: the keys and minimum upvotes of query q's topics are at starts[q] to
    starts[q + 1], in order of the minimum, so the topics a paper's upvotes reach come first."""

    def __init__(self, slots: list[int], minimums: list[int], keys: list[int], queries: int):
        by_slot = np.array(slots, dtype=np.intp)
        order = np.lexsort((np.array(keys), np.array(minimums), by_slot))
        self.keys = np.array(keys, dtype=np.int64)[order]
        self.minimums = np.array(minimums, dtype=np.int64)[order]
        self.starts = np.searchsorted(by_slot[order], np.arange(queries + 1))
        self.least = self.minimums[self.starts[:-1]]  # per query: its topics' lowest minimum

    def add_reached(
        self,
        found: dict[int, frozenset[str]],
        slots: np.ndarray,
        words: Sequence[frozenset[str]] | dict[int, frozenset[str]],
        upvotes: int,
    ) -> None:
        """Add the topics of these queries that the upvotes reach, each with its query's words
        (`words[slot]`)."""
        starts, stops = self.starts[slots], self.starts[slots + 1]
        rows = ranges(starts, stops)
        reached = self.minimums[rows] <= upvotes
        queries = np.repeat(slots, stops - starts)[reached]
        keys = self.keys[rows[reached]].tolist()
        found.update(zip(keys, map(words.__getitem__, queries.tolist()), strict=True))


class TopicIndex:
    """Topics filed by the terms their matches must contain. Build once per run, match per paper.

    Topics with the same query text share one compiled query and one evaluation per paper.
    Topics whose query does not parse are left out and listed in `invalid` with the reason.
    """

    def __init__(self) -> None:
        self.queries: list[Compiled] = []  # distinct, by slot
        # By slot: the words every match highlights (all it highlights, for most conjunctions).
        self.sure_words: list[frozenset[str]] = []
        self.topics = _TopicsByQuery([], [], [], 0)
        self.invalid: dict[int, QueryError] = {}
        # The queries evaluated when a paper has a key they are filed under (a word "w", a word
        # prefix "p", a category "c", category prefix "cp" or liked paper "l") and their second
        # key; the fallback bucket's on every paper.
        self.keys = KeyIds(["w", "p", "c", "cp", "l"])
        self.filed_slots = np.array([], dtype=np.intp)
        self.filed = Filed([], [], 0)
        self.prefix_lengths: dict[str, list[int]] = {"p": [], "cp": []}
        self.fallback: list[int] = []
        self.conjunctions = Conjunctions()
        self.conjunctions.finish(0)

    @classmethod
    def build(cls, topics: Iterable[Topic]) -> TopicIndex:
        # Compiling allocates millions of objects that live as long as the compile cache and form
        # no cycles; the cyclic collector would rescan the whole growing heap many times over
        # (at 1M topics it doubles the time), so it waits until the index is built.
        with _collector_paused():
            return cls._build(topics)

    @classmethod
    def _build(cls, topics: Iterable[Topic]) -> TopicIndex:
        index = cls()
        slots: dict[str, int] = {}
        topic_slots: list[int] = []
        minimums: list[int] = []
        keys: list[int] = []
        for topic in topics:
            slot = slots.get(topic.query)
            if slot is None:
                try:
                    compiled = compile_query(topic.query)
                except QueryError as error:
                    index.invalid[topic.key] = error
                    continue
                slot = slots[topic.query] = len(index.queries)
                index.queries.append(compiled)
            topic_slots.append(slot)
            minimums.append(topic.min_upvotes)
            keys.append(topic.key)
        index.topics = _TopicsByQuery(topic_slots, minimums, keys, len(index.queries))
        index.sure_words = _compact([compiled.sure_words for compiled in index.queries])
        index._file_all()
        return index

    def _file_all(self) -> None:
        firsts: list[int] = []
        seconds: list[int] = []
        filed_slots: list[int] = []
        for slot, compiled in enumerate(self.queries):
            if compiled.conjunction is not None:
                self.conjunctions.add(slot, compiled.conjunction)
            elif compiled.requirement is None:
                self.fallback.append(slot)
            else:
                for kind, value in compiled.requirement:
                    firsts.append(self.keys.number(kind, value))
                    second = compiled.second
                    seconds.append(self.keys.number(*second) if second else firsts[-1])
                    filed_slots.append(slot)
        self.conjunctions.finish(len(self.queries))
        self.filed = Filed(firsts, seconds, self.keys.count)
        self.filed_slots = np.array(filed_slots, dtype=np.intp)
        for kind in self.prefix_lengths:
            self.prefix_lengths[kind] = sorted({len(stem) for stem in self.keys.tables[kind]})

    @property
    def likes(self) -> frozenset[str]:
        """The arXiv ids the topics' like: terms name: the only papers whose look-alikes a
        caller needs to find (PaperText.likes) before matching."""
        return frozenset().union(*(compiled.likes for compiled in self.queries))

    def candidates(self, doc: Document) -> set[int]:
        """The queries to evaluate on this paper: those filed under a key it has (with their
        second word, if any), and the fallback bucket. Conjunctions are never evaluated."""
        return set(self._candidates(doc).tolist())

    def _candidates(self, doc: Document) -> np.ndarray:
        numbers, present = self.keys.present(
            {
                "w": doc.words,
                "p": doc.prefixes("w", self.prefix_lengths["p"]),
                "c": doc.categories,
                "cp": doc.prefixes("c", self.prefix_lengths["cp"]),
                "l": doc.likes,
            }
        )
        filed = self.filed_slots[self.filed.found(numbers, present)]
        return np.unique(np.concatenate((filed, np.array(self.fallback, dtype=np.intp))))

    def match(self, paper: PaperText) -> dict[int, frozenset[str]]:
        """Topic key -> the paper's words that satisfied the topic (for highlighting), for the
        topics the paper matches whose minimum upvotes it reaches (no upvote count counts as 0)."""
        return self.match_document(Document(paper), paper.upvotes)

    def match_document(self, doc: Document, upvotes: int | None) -> dict[int, frozenset[str]]:
        """`match` for a paper already tokenised (a digest run reuses each paper's Document)."""
        upvotes = upvotes or 0
        found: dict[int, frozenset[str]] = {}
        words: dict[int, frozenset[str]] = {}  # for the queries whose words vary with the paper
        # Each path costs a few dozen array operations even when it finds nothing: skipped when
        # it has nothing filed (a preview's or a chunk's small index often has one path only).
        if self.conjunctions.slots:
            numbers, present = self.conjunctions.present(doc)
            matched = self._reaching(self.conjunctions.matched(numbers, present), upvotes)
            varies = self.conjunctions.varies[matched]
            self.topics.add_reached(found, matched[~varies], self.sure_words, upvotes)
            words = self.conjunctions.words(doc, numbers, matched[varies], self.sure_words)
        if len(self.filed_slots) or self.fallback:
            for slot in self._reaching(self._candidates(doc), upvotes).tolist():
                compiled = self.queries[slot]
                if compiled.test(doc):
                    words[slot] = compiled.words(doc)
        if words:
            self.topics.add_reached(found, np.fromiter(words, np.intp, len(words)), words, upvotes)
        return found

    def _reaching(self, slots: np.ndarray, upvotes: int) -> np.ndarray:
        """The queries with a topic whose minimum the upvotes reach."""
        return slots[self.topics.least[slots] <= upvotes]

    def match_each(self, paper: PaperText) -> dict[int, frozenset[str]]:
        """The same answer as `match` from evaluating every compiled query: the baseline the
        benchmark measures the index against."""
        doc = Document(paper)
        words = {
            slot: compiled.words(doc)
            for slot, compiled in enumerate(self.queries)
            if compiled.test(doc)
        }
        found: dict[int, frozenset[str]] = {}
        slots = np.fromiter(words, np.intp, len(words))
        self.topics.add_reached(found, slots, words, paper.upvotes or 0)
        return found


def _compact(answers: list[frozenset[str]]) -> list[frozenset[str]]:
    """Equal answers as one object, copied side by side. Why: matching a paper copies a few
    thousand of them into its answer, and as compiled, each lies in its own query's objects, a
    cache miss apiece (at 1M topics, 0.4 ms a paper)."""
    copies: dict[frozenset[str], frozenset[str]] = {}
    for words in answers:
        if words not in copies:
            copies[words] = frozenset(list(words))  # frozenset(words) would be `words` itself
    return [copies[words] for words in answers]


@contextmanager
def _collector_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
