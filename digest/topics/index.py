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
are never evaluated: finding their keys in the paper is the match (see `_Conjunctions`).
reference.py evaluates every topic on every paper, and the index must return
exactly what it returns.
"""

from __future__ import annotations

import gc
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from digest.topics.compiling import FIELDS, Compiled, Conjunction, Document, compile_query
from digest.topics.papers import PaperText
from digest.topics.query import Field, QueryError


@dataclass(frozen=True, slots=True)
class Topic:
    key: int
    query: str
    min_upvotes: int = 0


# --- the index ----------------------------------------------------------------------------------

# The index is a few numpy arrays rather than an object per query and per group of topics: at 1M
# topics those were millions of small objects, and matching a paper was mostly waiting on memory
# to walk them. Keys are numbered, so the keys a paper has become a boolean array, and the rows
# filed under them are found and tested in bulk, one array operation for all of them.


def _ranges(starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """range(start, stop) for each pair, concatenated, without a Python loop."""
    lengths = stops - starts
    ends = np.cumsum(lengths)
    return np.arange(ends[-1] if len(ends) else 0) + np.repeat(starts - ends + lengths, lengths)


def _owners(starts: np.ndarray, picked: np.ndarray) -> np.ndarray:
    """For `_ranges(starts[picked], starts[picked + 1])`: the position in `picked` of each."""
    return np.repeat(np.arange(len(picked)), starts[picked + 1] - starts[picked])


class _KeyIds:
    """Keys numbered 0, 1, 2... in one sequence across their kinds (a word and a prefix may be
    spelt the same), so that the keys a paper has can be marked in one boolean array."""

    def __init__(self, kinds: Iterable[str]) -> None:
        self.tables: dict[str, dict[str, int]] = {kind: {} for kind in kinds}
        self.count = 0

    def number(self, kind: str, value: str) -> int:
        table = self.tables[kind]
        if value not in table:
            table[value] = self.count
            self.count += 1
        return table[value]

    def present(self, values: Mapping[str, Collection[str]]) -> tuple[np.ndarray, np.ndarray]:
        """The numbers of a paper's keys (those numbered here), and them marked in a mask."""
        found: list[int] = []
        for kind, of_kind in values.items():
            table = self.tables[kind]
            if len(table) < len(of_kind):  # walk the smaller side (a small index's table)
                found.extend(number for value, number in table.items() if value in of_kind)
            else:
                found.extend(map(table.__getitem__, filter(table.__contains__, of_kind)))
        numbers = np.array(found, dtype=np.intp)
        mask = np.zeros(self.count, dtype=bool)
        mask[numbers] = True
        return numbers, mask


class _Filed:
    """Rows filed under a first key and checked against a second one (the first again when there
    is none), held sorted by first key: the rows of key k are at starts[k] to starts[k + 1]."""

    def __init__(self, firsts: list[int], seconds: list[int], key_count: int) -> None:
        by_first = np.array(firsts, dtype=np.intp)
        self.rows = np.argsort(by_first, kind="stable")  # sorted position -> row as filed
        self.seconds = np.array(seconds, dtype=np.intp)[self.rows]
        self.starts = np.searchsorted(by_first[self.rows], np.arange(key_count + 1))

    def found(self, numbers: np.ndarray, present: np.ndarray) -> np.ndarray:
        """The rows (as filed) under the paper's keys whose second key the paper has too."""
        positions = _ranges(self.starts[numbers], self.starts[numbers + 1])
        return self.rows[positions[present[self.seconds[positions]]]]


class _Conjunctions:
    """Queries that are a Conjunction, filed under their rarest key and checked against the next
    rarest. Why: most topics are a few plain words (`video diffusion`, `agents -survey`) and most
    of them that a paper is looked up for match, so they are decided on the paper's keys alone,
    in bulk, without calling a compiled test. The rest of a query (further keys, avoided keys,
    ORed keys: usually nothing) is a condition: clauses of which each needs one of its keys
    present (or absent, for an avoided key), numbered so that queries sharing one share it.
    The words to highlight are a query's sure words, and for a query with prefixes or ORed
    words (`varying`), those of its other positive keys that the paper has."""

    # Whole keys (as Document.keys spells them), then each field's word prefixes by stem.
    KINDS = ("key", *(field.value for field in FIELDS))

    def __init__(self) -> None:
        self.keys = _KeyIds(self.KINDS)
        self.firsts: list[int] = []
        self.seconds: list[int] = []
        self.slots: list[int] = []  # per filed query: its place in TopicIndex.queries
        self.conditions: list[int] = []  # per filed query: its condition, -1 for none
        self.numbered: dict[tuple[tuple[tuple[int, bool], ...], ...], int] = {}
        # Condition n's clauses are those from condition_starts[n] to condition_starts[n + 1];
        # clause c's keys, those from clause_starts[c] to clause_starts[c + 1], each wanted
        # present (True) or absent (False).
        self.condition_starts = [0]
        self.clause_starts = [0]
        self.clause_keys: list[int] = []
        self.clause_wanted: list[bool] = []
        self.prefix_lengths: dict[str, list[int]] = {}
        self.varying: dict[int, tuple[int, ...]] = {}  # slot -> keys that may add words
        self.highlight_of: dict[int, tuple[str, str, bool]] = {}  # key -> field, word, prefix

    def add(self, slot: int, query: Conjunction) -> None:
        first, *others = map(self._number, query.need)
        # A one-key conjunction is checked against its key again: found the same way.
        self.firsts.append(first)
        self.seconds.append(others[0] if others else first)
        self.slots.append(slot)
        if len(others) < 2 and not query.avoid and not query.any_of:  # most: no condition
            self.conditions.append(-1)
        else:
            clauses: list[tuple[tuple[int, bool], ...]] = [((key, True),) for key in others[1:]]
            clauses += [((self._number(key), False),) for key in sorted(query.avoid)]
            clauses += [tuple((self._number(key), True) for key in ors) for ors in query.any_of]
            self.conditions.append(self._condition(tuple(clauses)))
        prefixes = [key for key in query.need if key.endswith("*")]
        ored = [key for keys in query.any_of for key in keys if not key.startswith("cat:")]
        if prefixes or ored:
            self.varying[slot] = tuple(dict.fromkeys(map(self._highlighted, prefixes + ored)))

    def _number(self, key: str) -> int:
        if not key.endswith("*"):
            return self.keys.number("key", key)
        field, stem, _ = _split_key(key)
        return self.keys.number(field, stem)

    def _highlighted(self, key: str) -> int:
        """Number a key whose words a match may highlight."""
        number = self._number(key)
        if number not in self.highlight_of:
            self.highlight_of[number] = _split_key(key)
        return number

    def _condition(self, clauses: tuple[tuple[tuple[int, bool], ...], ...]) -> int:
        if clauses not in self.numbered:
            self.numbered[clauses] = len(self.numbered)
            for clause in clauses:
                self.clause_keys.extend(key for key, _ in clause)
                self.clause_wanted.extend(present for _, present in clause)
                self.clause_starts.append(len(self.clause_keys))
            self.condition_starts.append(len(self.clause_starts) - 1)
        return self.numbered[clauses]

    def finish(self, query_count: int) -> None:
        """Turn the lists filed into arrays."""
        # By slot, for the lookups per paper: a list, not a dict (none of its hashing).
        self.varying_keys: list[tuple[int, ...]] = [()] * query_count
        for slot, keys in self.varying.items():
            self.varying_keys[slot] = keys
        self.varies = np.zeros(query_count, dtype=bool)
        self.varies[list(self.varying)] = True
        self.highlights = np.zeros(self.keys.count, dtype=bool)
        self.highlights[list(self.highlight_of)] = True
        self.filed = _Filed(self.firsts, self.seconds, self.keys.count)
        self.slot_of = np.array(self.slots, dtype=np.intp)
        self.condition_of = np.array(self.conditions, dtype=np.intp)
        self.condition_starts_array = np.array(self.condition_starts, dtype=np.intp)
        self.clause_starts_array = np.array(self.clause_starts, dtype=np.intp)
        self.clause_keys_array = np.array(self.clause_keys, dtype=np.intp)
        self.clause_wanted_array = np.array(self.clause_wanted, dtype=bool)
        self.prefix_lengths = {
            kind: sorted({len(stem) for stem in self.keys.tables[kind]})
            for kind in self.KINDS[1:]
            if self.keys.tables[kind]
        }

    def present(self, doc: Document) -> tuple[np.ndarray, np.ndarray]:
        """The keys the paper has, as _KeyIds.present gives them."""
        values: dict[str, Collection[str]] = {"key": doc.keys}
        for kind, lengths in self.prefix_lengths.items():
            values[kind] = doc.prefixes(kind, lengths)
        return self.keys.present(values)

    def matched(self, numbers: np.ndarray, present: np.ndarray) -> np.ndarray:
        """The slots of the conjunctions the paper with these keys matches."""
        rows = self.filed.found(numbers, present)
        conditions = self.condition_of[rows]
        checked = np.flatnonzero(conditions >= 0)
        if len(checked) == 0:
            return self.slot_of[rows]
        failed = checked[~self._hold(conditions[checked], present)]
        return np.delete(self.slot_of[rows], failed)

    def words(
        self, doc: Document, numbers: np.ndarray, slots: np.ndarray, sure: list[frozenset[str]]
    ) -> dict[int, frozenset[str]]:
        """Slot -> the words to highlight, for these matched queries whose words vary."""
        words_of_key: dict[int, Iterable[str]] = {}
        for number in numbers[self.highlights[numbers]].tolist():
            field, value, prefix = self.highlight_of[number]
            if prefix:
                words_of_key[number] = doc.prefixes(field, self.prefix_lengths[field])[value]
            else:
                words_of_key[number] = (value,)
        varying = self.varying_keys
        return {
            slot: sure[slot].union(
                *[words_of_key[key] for key in varying[slot] if key in words_of_key]
            )
            for slot in slots.tolist()
        }

    def _hold(self, conditions: np.ndarray, present: np.ndarray) -> np.ndarray:
        """Whether the paper meets each condition: a key as wanted in each of its clauses."""
        clauses = _ranges(
            self.condition_starts_array[conditions], self.condition_starts_array[conditions + 1]
        )
        keys = _ranges(self.clause_starts_array[clauses], self.clause_starts_array[clauses + 1])
        met = present[self.clause_keys_array[keys]] == self.clause_wanted_array[keys]
        clause_met = np.zeros(len(clauses), dtype=bool)
        clause_met[_owners(self.clause_starts_array, clauses)[met]] = True
        holds = np.ones(len(conditions), dtype=bool)
        holds[_owners(self.condition_starts_array, conditions)[~clause_met]] = False
        return holds


_TEXT = Field.TEXT.value


def _split_key(key: str) -> tuple[str, str, bool]:
    """A conjunction key's field (a Field's value, or `cat`), its word or category, and whether
    it is a prefix."""
    prefix = key.endswith("*")
    field, _, value = key.removesuffix("*").rpartition(":")
    return field or _TEXT, value, prefix


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
        rows = _ranges(starts, stops)
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
        # prefix "p", a category "c" or category prefix "cp") and their second key; the fallback
        # bucket's on every paper.
        self.keys = _KeyIds(["w", "p", "c", "cp"])
        self.filed_slots = np.array([], dtype=np.intp)
        self.filed = _Filed([], [], 0)
        self.prefix_lengths: dict[str, list[int]] = {"p": [], "cp": []}
        self.fallback: list[int] = []
        self.conjunctions = _Conjunctions()
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
        self.filed = _Filed(firsts, seconds, self.keys.count)
        self.filed_slots = np.array(filed_slots, dtype=np.intp)
        for kind in self.prefix_lengths:
            self.prefix_lengths[kind] = sorted({len(stem) for stem in self.keys.tables[kind]})

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
