"""Which papers match which topics: a presearcher index over compiled topic queries.

Pure: no ORM, no settings. The query language is subscriptions/query.py.

Matching every topic against every paper costs topics x papers evaluations. Like Lucene Monitor
and the Elasticsearch percolator, the index files each distinct query under terms that every
matching paper must contain (one word of an AND, the rarest by a cheap estimate; every branch of
an OR), with a second required word or category checked before evaluating it, so a paper,
tokenised once, looks up its own words and evaluates only the queries it can match.
A query with no such term (`-survey OR llm`: its NOT branch matches papers without any given
word) goes to a fallback bucket evaluated for every paper. Queries that only require words and
categories (`diffusion video`, `title:rlhf`, `cat:cs.CL agents`) are never evaluated: finding
their keys in the paper is the match (see `_Conjunctions`). digest/matching_reference.py
evaluates every topic on every paper, and the index must return exactly what it returns.
"""

from __future__ import annotations

import gc
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import numpy as np

from subscriptions.query import (
    WORD_RUN,
    And,
    Category,
    Field,
    Node,
    Not,
    Or,
    Query,
    QueryError,
    Term,
    fold,
    normalise,
    parse,
    tokenize,
)

__all__ = [
    "PaperText",
    "Topic",
    "TopicIndex",
    "fold",
    "highlight",
    "normalise",
    "rank",
    "tokenize",
]

# Compiled queries kept per process, keyed by query text: rebuilding an index for the next run
# compiles only the queries that changed. At about 1 KB each, a million cost about a gigabyte.
COMPILE_CACHE_SIZE = 1 << 20

_NO_KEYS: frozenset[str] = frozenset()  # shared by the many conjunctions that need no more


@dataclass(frozen=True, slots=True)
class PaperText:
    """What matching needs to know about a paper (Paper.as_text builds one)."""

    id: int
    title: str
    abstract: str
    authors: tuple[str, ...]
    categories: tuple[str, ...]
    upvotes: int | None
    first_seen_at: datetime


@dataclass(frozen=True, slots=True)
class Topic:
    key: int
    query: str
    min_upvotes: int = 0


# --- a paper, tokenised once --------------------------------------------------------------------

_FIELDS = (Field.TEXT, Field.TITLE, Field.ABSTRACT, Field.AUTHOR)
_SLOT = {field: index for index, field in enumerate(_FIELDS)}


class Document:
    """A paper's words per field: sets for membership, sorted runs for prefixes, and sequences
    (the title, the abstract, each author's name) for phrases."""

    __slots__ = (
        "sets",
        "sorted",
        "sequences",
        "categories",
        "words",
        "keys",
        "_prefixes",
    )

    def __init__(self, paper: PaperText) -> None:
        title = tuple(tokenize(paper.title))
        abstract = tuple(tokenize(paper.abstract))
        authors = tuple(tuple(tokenize(name)) for name in paper.authors)
        author_words = frozenset(word for name in authors for word in name)
        self.sequences = ((title, abstract), (title,), (abstract,), authors)
        self.sets = (
            frozenset(title + abstract),
            frozenset(title),
            frozenset(abstract),
            author_words,
        )
        self.sorted = tuple(tuple(sorted(words)) for words in self.sets)
        self.categories = frozenset(category.lower() for category in paper.categories)
        self.words = self.sets[0] | author_words
        # What a conjunction's keys are looked up in (see Conjunction).
        self.keys = self.sets[0].union(
            *(_field_keys(field, self.sets[_SLOT[field]]) for field in _FIELDS[1:]),
            (f"cat:{category}" for category in self.categories),
        )
        self._prefixes: dict[tuple, dict[str, list[str]]] = {}

    def prefixes(self, kind: str, lengths: list[int]) -> dict[str, list[str]]:
        """The prefixes of these lengths of the paper's words ("w"), categories ("c") or the
        words of one field (a Field's value: "text", "title", "abstract", "author"), each with
        the words that have it (what a prefix highlights).

        Remembered: a digest run asks each paper again for each chunk's index, mostly with the
        same lengths."""
        key = (kind, *lengths)
        if key not in self._prefixes:
            if kind in ("w", "c"):
                values = self.words if kind == "w" else self.categories
            else:
                values = self.sets[_SLOT[Field(kind)]]
            found: dict[str, list[str]] = {}
            for value in values:
                for n in lengths:
                    if n <= len(value):
                        found.setdefault(value[:n], []).append(value)
            self._prefixes[key] = found
        return self._prefixes[key]

    def sequences_of(self, field: Field) -> tuple[tuple[str, ...], ...]:
        """The runs of words a phrase in `field` must lie within."""
        return self.sequences[_SLOT[field]]

    def words_starting(self, slot: int, stem: str) -> list[str]:
        """The words of one field that start with `stem` (a bisect, not a scan)."""
        ordered = self.sorted[slot]
        found = []
        for index in range(bisect_left(ordered, stem), len(ordered)):
            if not ordered[index].startswith(stem):
                break
            found.append(ordered[index])
        return found

    def has_prefix(self, slot: int, stem: str) -> bool:
        ordered = self.sorted[slot]
        index = bisect_left(ordered, stem)
        return index < len(ordered) and ordered[index].startswith(stem)


def _field_keys(field: Field, words: Iterable[str]) -> Iterator[str]:
    """A field's words as a query writes them (`title:rlhf`); words never hold a colon."""
    return (f"{field.value}:{word}" for word in words)


# --- compiling a query into a test -------------------------------------------------------------

Test = Callable[[Document], bool]


def _compile(node: Node) -> Test:
    match node:
        case Term():
            return _compile_term(node)
        case Category(value, prefix=False):
            return lambda doc: value in doc.categories
        case Category(value, prefix=True):
            return lambda doc: any(category.startswith(value) for category in doc.categories)
        case Not(child):
            inner = _compile(child)
            return lambda doc: not inner(doc)
        case And(children):
            return _all_of(_compile_conjunction(children))
        case Or(children):
            return _any_of(tuple(map(_compile, children)))


def _compile_conjunction(children: tuple[Node, ...]) -> tuple[Test, ...]:
    """ANDed plain words and NOTed plain words become one set test per field (the usual
    `diffusion video -survey`): one call instead of one per word, and far fewer objects."""
    need: dict[int, set[str]] = {}
    avoid: dict[int, set[str]] = {}
    rest: list[Test] = []
    for child in children:
        if (plain := _plain_word(child)) is not None:
            need.setdefault(plain[0], set()).add(plain[1])
        elif isinstance(child, Not) and (plain := _plain_word(child.child)) is not None:
            avoid.setdefault(plain[0], set()).add(plain[1])
        else:
            rest.append(_compile(child))
    words = [
        _words_test(slot, frozenset(need.get(slot, ())), frozenset(avoid.get(slot, ())))
        for slot in sorted(need.keys() | avoid.keys())
    ]
    return tuple(words + rest)


def _plain_word(node: Node) -> tuple[int, str] | None:
    """(field slot, word) for a one-word term without a wildcard."""
    if isinstance(node, Term) and len(node.words) == 1 and not node.prefix:
        return _SLOT[node.field], node.words[0]
    return None


def _words_test(slot: int, need: frozenset[str], avoid: frozenset[str]) -> Test:
    if not avoid:
        return lambda doc: need <= doc.sets[slot]
    if not need:
        return lambda doc: doc.sets[slot].isdisjoint(avoid)
    return lambda doc: need <= doc.sets[slot] and doc.sets[slot].isdisjoint(avoid)


def _all_of(tests: tuple[Test, ...]) -> Test:
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:  # the common case, without a generator's overhead
        first, second = tests
        return lambda doc: first(doc) and second(doc)
    return lambda doc: all(test(doc) for test in tests)


def _any_of(tests: tuple[Test, ...]) -> Test:
    if len(tests) == 2:
        first, second = tests
        return lambda doc: first(doc) or second(doc)
    return lambda doc: any(test(doc) for test in tests)


def _compile_term(term: Term) -> Test:
    slot = _SLOT[term.field]
    words = term.words
    if len(words) == 1:
        word = words[0]
        if term.prefix:
            return lambda doc: doc.has_prefix(slot, word)
        return lambda doc: word in doc.sets[slot]
    required = frozenset(words[:-1] if term.prefix else words)
    return lambda doc: (
        required <= doc.sets[slot]
        and any(_has_phrase(sequence, words, term.prefix) for sequence in doc.sequences[slot])
    )


def _has_phrase(sequence: tuple[str, ...], words: tuple[str, ...], prefix: bool) -> bool:
    """Whether `words` occur in `sequence` side by side (the last one as a prefix if asked)."""
    last = len(words) - 1
    start = 0

    def _same(seen: str) -> bool:
        return seen.startswith(words[last]) if prefix else seen == words[last]

    while True:
        try:
            index = sequence.index(words[0], start)
        except ValueError:
            return False
        window = sequence[index : index + last + 1]
        if len(window) > last and window[:last] == words[:last] and _same(window[last]):
            return True
        start = index + 1


# --- what a matching paper must contain --------------------------------------------------------

# Keys a paper can be looked up by: ("w", word), ("p", word prefix), ("c", category),
# ("cp", category prefix).
Key = tuple[str, str]

# Words in most abstracts make poor index terms; anything else is guessed rarer the longer it is.
# fmt: off
_COMMON = frozenset((
    "a", "an", "and", "are", "as", "based", "by", "data", "deep", "for", "from", "in", "is",
    "large", "learning", "method", "methods", "model", "models", "network", "networks", "new",
    "of", "on", "or", "our", "paper", "performance", "results", "show", "task", "tasks", "the",
    "this", "to", "training", "using", "we", "with",
))
# fmt: on


def _cost(key: Key) -> float:
    kind, value = key
    if kind == "c":
        return 0.2
    if kind == "cp":
        return 0.5
    guess = 0.5 if value in _COMMON else 1 / (len(value) ** 2)
    return min(1.0, guess * 8) if kind == "p" else guess


def _requirement(node: Node) -> frozenset[Key] | None:
    """Keys of which every matching paper contains at least one, or None if there are none."""
    match node:
        case Term(words=words, prefix=prefix):
            options = [("w", word) for word in (words[:-1] if prefix else words)]
            options += [("p", words[-1])] if prefix else []
            return frozenset([min(options, key=_cost)])
        case Category(value, prefix):
            return frozenset([("cp" if prefix else "c", value)])
        case Not():
            return None
        case And(children):
            found = [need for need in map(_requirement, children) if need is not None]
            return min(found, key=lambda need: sum(map(_cost, need)), default=None)
        case Or(children):
            needs = list(map(_requirement, children))
            return None if None in needs else frozenset().union(*needs)


def _required_keys(node: Node) -> set[Key]:
    """Whole words and categories every matching paper has (those ANDed from the top)."""
    match node:
        case Term(words=words, prefix=prefix):
            return {("w", word) for word in words[: -1 if prefix else None]}
        case Category(value, prefix=False):
            return {("c", value)}
        case And(children):
            return set().union(*map(_required_keys, children))
        case _:
            return set()


def _plan(root: Node) -> tuple[frozenset[Key] | None, Key | None]:
    """Where to file a query: the keys it is filed under, and a second word or category every
    match also has, checked before the query is evaluated. Without the second key, topics like
    `video diffusion` would be evaluated on every paper about video.

    Choose the pair least likely to be found together, estimating each key's odds by `_cost`.
    """
    options = root.children if isinstance(root, And) else (root,)
    required = _required_keys(root)
    best: tuple[float, frozenset[Key] | None, Key | None] = (float("inf"), None, None)
    for need in filter(None, map(_requirement, options)):
        second = min(required - need, key=_cost, default=None)
        odds = sum(map(_cost, need)) * (_cost(second) if second else 1.0)
        if odds < best[0]:
            best = (odds, need, second)
    return best[1], best[2]


@dataclass(frozen=True, slots=True)
class Compiled:
    query: Query
    test: Test
    requirement: frozenset[Key] | None
    second: Key | None  # a whole word ("w") or category ("c")
    # The words a match highlights: those of the positive terms every match has (`sure_words`),
    # and those of the other positive terms (with their tests) that hold in the paper.
    sure_words: frozenset[str]
    maybe: tuple[tuple[Term, Test], ...]
    # For a query of plain words and exact categories, some NOTed: the keys it needs and avoids.
    conjunction: Conjunction | None

    def words(self, doc: Document) -> frozenset[str]:
        """The words to highlight in a paper this query matched."""
        if not self.maybe:
            return self.sure_words
        return self.sure_words | words_of((term for term, test in self.maybe if test(doc)), doc)


@lru_cache(maxsize=COMPILE_CACHE_SIZE)
def compile_query(text: str) -> Compiled:
    """Parse and compile one query (cached by its text). Raises QueryError."""
    query = parse(text)
    requirement, second = _plan(query.root)
    required = _required_terms(query.root)
    sure = {term for term in required if not term.prefix}
    maybe = [term for term in positive_terms(query.root) if term not in sure]
    return Compiled(
        query,
        _compile(query.root),
        requirement,
        second,
        frozenset(word for term in sure for word in term.words),
        tuple((term, _compile_term(term)) for term in dict.fromkeys(maybe)),
        _conjunction(query.root),
    )


@dataclass(frozen=True, slots=True)
class Conjunction:
    """A query made only of ANDed keys (`video`, `title:rlhf`, `cat:cs.cl`, `diffus*`), some of
    them NOTed or ORed together: a paper matches it exactly when it has every key of `need`
    (rarest first, as the index files it), none of `avoid`, and at least one of each clause of
    `any_of`. A key is a whole key of Document.keys, or a field's word prefix: the stem and a
    `*` (`diffus*`, `title:diffus*`). Tuples and a shared empty set: there are hundreds of
    thousands."""

    need: tuple[str, ...]
    avoid: frozenset[str]
    any_of: tuple[tuple[str, ...], ...]


def _conjunction(root: Node) -> Conjunction | None:
    need: set[str] = set()
    avoid: set[str] = set()
    any_of: set[tuple[str, ...]] = set()
    if not _gather_keys(root, need, avoid, any_of) or not need:
        return None
    return Conjunction(
        tuple(sorted(need, key=_key_cost)),
        frozenset(avoid) if avoid else _NO_KEYS,
        tuple(sorted(any_of)),
    )


def _key_cost(key: str) -> tuple[float, str]:
    """A conjunction key's odds of being in a paper, as `_cost` guesses them (then by name, so
    the filing does not depend on set order)."""
    field, _, value = key.rpartition(":")
    if value.endswith("*"):
        return _cost(("p", value[:-1])), key
    return _cost(("c", value) if field == "cat" else ("w", value)), key


def _gather_keys(node: Node, need: set[str], avoid: set[str], any_of: set[tuple[str, ...]]) -> bool:
    """Add the node's keys to `need` (`avoid` when NOTed, `any_of` as one clause when ORed);
    False if it is not only keys."""
    if isinstance(node, And):
        return all(_gather_keys(child, need, avoid, any_of) for child in node.children)
    if isinstance(node, Or):
        clause = tuple(sorted(filter(None, map(_key, node.children))))
        any_of.add(clause)
        return len(clause) == len(node.children)
    if isinstance(node, Not) and (key := _key(node.child)) is not None:
        avoid.add(key)
    elif (key := _key(node)) is not None:
        need.add(key)
    else:
        return False
    return True


def _key(node: Node) -> str | None:
    """A one-word term or an exact category, as Document.keys holds it; a one-word prefix as
    its stem and a `*`."""
    match node:
        case Term(field=field, words=(word,), prefix=prefix):
            key = word if field is Field.TEXT else f"{field.value}:{word}"
            return f"{key}*" if prefix else key
        case Category(value, prefix=False):
            return f"cat:{value}"
        case _:
            return None


# --- the words to highlight --------------------------------------------------------------------


def positive_terms(node: Node, positive: bool = True) -> list[Term]:
    """The terms a match can be credited to: those not under an odd number of NOTs."""
    match node:
        case Term():
            return [node] if positive else []
        case Not(child):
            return positive_terms(child, not positive)
        case And(children) | Or(children):
            return [term for child in children for term in positive_terms(child, positive)]
        case _:
            return []


def _required_terms(node: Node) -> set[Term]:
    """The terms that hold in every paper the query matches (those ANDed from the top)."""
    match node:
        case Term():
            return {node}
        case And(children):
            return set().union(*map(_required_terms, children))
        case _:
            return set()


def words_of(terms: Iterable[Term], doc: Document) -> frozenset[str]:
    """The words of terms that hold in a paper; a prefix credits the paper words it matched."""
    words: set[str] = set()
    for term in terms:
        if term.prefix:
            words.update(term.words[:-1])
            words.update(doc.words_starting(_SLOT[term.field], term.words[-1]))
        else:
            words.update(term.words)
    return frozenset(words)


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

    def present(self, values: dict[str, Iterable[str]]) -> tuple[np.ndarray, np.ndarray]:
        """The numbers of a paper's keys (those numbered here), and them marked in a mask."""
        found = []
        for kind, of_kind in values.items():
            table = self.tables[kind]
            found.extend(number for value in of_kind if (number := table.get(value)) is not None)
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
    KINDS = ("key", *(field.value for field in _FIELDS))

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
            clauses = [((key, True),) for key in others[1:]]
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
        values = {"key": doc.keys}
        for kind, lengths in self.prefix_lengths.items():
            values[kind] = doc.prefixes(kind, lengths)
        return self.keys.present(values)

    def matched(self, numbers: np.ndarray, present: np.ndarray) -> np.ndarray:
        """The slots of the conjunctions the paper with these keys matches."""
        rows = self.filed.found(numbers, present)
        conditions = self.condition_of[rows]
        checked = np.flatnonzero(conditions >= 0)
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
        order = np.lexsort((keys, minimums, by_slot))
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
        self.fallback_slots = np.array([], dtype=np.intp)
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
        self.fallback_slots = np.array(self.fallback, dtype=np.intp)
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
        return np.unique(np.concatenate((filed, self.fallback_slots)))

    def match(self, paper: PaperText) -> dict[int, frozenset[str]]:
        """Topic key -> the paper's words that satisfied the topic (for highlighting), for the
        topics the paper matches whose minimum upvotes it reaches (no upvote count counts as 0)."""
        return self.match_document(Document(paper), paper.upvotes)

    def match_document(self, doc: Document, upvotes: int | None) -> dict[int, frozenset[str]]:
        """`match` for a paper already tokenised (a digest run reuses each paper's Document)."""
        upvotes = upvotes or 0
        found: dict[int, frozenset[str]] = {}
        numbers, present = self.conjunctions.present(doc)
        matched = self._reaching(self.conjunctions.matched(numbers, present), upvotes)
        varies = self.conjunctions.varies[matched]
        self.topics.add_reached(found, matched[~varies], self.sure_words, upvotes)
        words = self.conjunctions.words(doc, numbers, matched[varies], self.sure_words)
        for slot in self._reaching(self._candidates(doc), upvotes).tolist():
            compiled = self.queries[slot]
            if compiled.test(doc):
                words[slot] = compiled.words(doc)
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


# --- ordering and highlighting ------------------------------------------------------------------


def rank(papers: Iterable[PaperText]) -> list[PaperText]:
    """Trending first (most upvotes; none counts as 0), then newest first seen, then newest id."""
    return sorted(papers, key=lambda p: (p.upvotes or 0, p.first_seen_at, p.id), reverse=True)


def highlight(text: str, words: frozenset[str]) -> list[tuple[str, bool]]:
    """`text` cut into consecutive runs, True for each word whose folded form is in `words`.

    The runs join back to `text` exactly, so a template can escape each run and mark the True
    ones without touching the rest.
    """
    runs: list[tuple[str, bool]] = []
    plain_from = 0
    for found in WORD_RUN.finditer(text):
        if fold(found.group()) in words:
            if found.start() > plain_from:
                runs.append((text[plain_from : found.start()], False))
            runs.append((found.group(), True))
            plain_from = found.end()
    if plain_from < len(text):
        runs.append((text[plain_from:], False))
    return runs
