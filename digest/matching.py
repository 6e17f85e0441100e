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
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

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
        "seconds",
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
        # What a filed query's second key is checked against (see _plan).
        self.seconds = self.words.union(f"cat:{category}" for category in self.categories)
        # What a conjunction's keys are looked up in (see Conjunction).
        self.keys = self.sets[0].union(
            *(_field_keys(field, self.sets[_SLOT[field]]) for field in _FIELDS[1:]),
            (f"cat:{category}" for category in self.categories),
        )
        self._prefixes: dict[tuple, frozenset[str]] = {}

    def prefixes(self, kind: str, lengths: list[int]) -> frozenset[str]:
        """The prefixes of these lengths of the paper's words ("w") or categories ("c").

        Remembered: a digest run asks each paper again for each chunk's index, mostly with the
        same lengths."""
        key = (kind, *lengths)
        if key not in self._prefixes:
            values = self.words if kind == "w" else self.categories
            self._prefixes[key] = frozenset(
                value[:n] for value in values for n in lengths if n <= len(value)
            )
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


def _plan(root: Node) -> tuple[frozenset[Key] | None, str | None]:
    """Where to file a query: the keys it is filed under, and a second word or category every
    match also has, checked before the query is evaluated. Without the second key, topics like
    `video diffusion` would be evaluated on every paper about video.

    Choose the pair least likely to be found together, estimating each key's odds by `_cost`.
    """
    options = root.children if isinstance(root, And) else (root,)
    required = _required_keys(root)
    best: tuple[float, frozenset[Key] | None, str | None] = (float("inf"), None, None)
    for need in filter(None, map(_requirement, options)):
        second = min(required - need, key=_cost, default=None)
        odds = sum(map(_cost, need)) * (_cost(second) if second else 1.0)
        if odds < best[0]:
            kind, value = second or ("", "")
            best = (odds, need, f"cat:{value}" if kind == "c" else value or None)
    return best[1], best[2]


@dataclass(frozen=True, slots=True)
class Compiled:
    query: Query
    test: Test
    requirement: frozenset[Key] | None
    second: str | None  # a word, or "cat:" and a category (words never hold a colon)
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
    """A query made only of ANDed keys of Document.keys (`video`, `title:rlhf`, `cat:cs.cl`),
    some of them NOTed: a paper matches it exactly when it has every key of `need` (rarest
    first, as the index files it) and none of `avoid`, and the words to highlight are then the
    query's positive words. Tuples and a shared empty set: there are hundreds of thousands."""

    need: tuple[str, ...]
    avoid: frozenset[str]


def _conjunction(root: Node) -> Conjunction | None:
    need: set[str] = set()
    avoid: set[str] = set()
    if not _gather_keys(root, need, avoid) or not need:
        return None
    return Conjunction(tuple(sorted(need, key=_key_cost)), frozenset(avoid) if avoid else _NO_KEYS)


def _gather_keys(node: Node, need: set[str], avoid: set[str]) -> bool:
    """Add the node's keys to `need` (`avoid` when NOTed); False if it is not only keys."""
    if isinstance(node, And):
        return all(_gather_keys(child, need, avoid) for child in node.children)
    if isinstance(node, Not) and (key := _key(node.child)) is not None:
        avoid.add(key)
    elif (key := _key(node)) is not None:
        need.add(key)
    else:
        return False
    return True


def _key(node: Node) -> str | None:
    """A one-word term without a wildcard or an exact category, as Document.keys holds it."""
    match node:
        case Term(field=field, words=(word,), prefix=False):
            return word if field is Field.TEXT else f"{field.value}:{word}"
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


class _Shelf:
    """The queries filed under one key: those that need no second key, and the others by it."""

    __slots__ = ("anywhere", "by_second", "seconds")

    def __init__(self) -> None:
        self.anywhere: list[int] = []
        self.by_second: dict[str, list[int]] = {}
        self.seconds: frozenset[str] = frozenset()  # by_second's keys, set when the index is built

    def add(self, second: str | None, slot: int) -> None:
        if second is None:
            self.anywhere.append(slot)
        else:
            self.by_second.setdefault(second, []).append(slot)

    def gather(self, seconds: frozenset[str], found: set[int]) -> None:
        """Add the queries whose second key the paper has (or that need none)."""
        found.update(self.anywhere)
        for second in self.seconds & seconds:  # a frozenset intersection walks the smaller side
            found.update(self.by_second[second])


# Answers kept ready for conjunctions filed under the same two keys: the further keys they need
# (usually none), the keys they avoid, a minimum of upvotes, and topic key -> the words to
# highlight (the query's own words, one frozenset shared by its topics).
Ready = tuple[frozenset[str], frozenset[str], int, dict[int, frozenset[str]]]


class _Conjunctions:
    """Topics whose query is a Conjunction, by its rarest key and then its next rarest. Why: most
    topics are a few plain words (`video diffusion`, `agents -survey`) and most of them that
    are looked at match, so they are decided by set tests on the paper's keys alone, without
    calling a compiled test, and their answers (fixed words) are copied in one dict.update per
    group of topics that share keys and a minimum of upvotes."""

    __slots__ = ("ready", "seconds")

    def __init__(self) -> None:
        self.ready: dict[str, dict[str, list[Ready]]] = {}  # first key -> second key -> answers
        self.seconds: dict[str, frozenset[str]] = {}  # first key -> its second keys

    def add(self, query: Conjunction, words: frozenset[str], pairs: list[tuple[int, int]]) -> None:
        """File one query's topics, given as (minimum upvotes, topic key) pairs."""
        first, *others = query.need
        # A one-key conjunction is filed with its key as the second too: found the same way.
        second = others[0] if others else first
        further = frozenset(others[1:]) or _NO_KEYS
        shelf = self.ready.setdefault(first, {}).setdefault(second, [])
        for minimum, topic in pairs:
            _answers(shelf, further, query.avoid, minimum)[topic] = words

    def finish(self) -> None:
        self.seconds = {first: frozenset(shelf) for first, shelf in self.ready.items()}

    def copy_into(self, found: dict[int, frozenset[str]], doc: Document, upvotes: int) -> None:
        """Add the answers of the conjunctions the paper matches."""
        keys = doc.keys
        for first in self.ready.keys() & keys:
            shelf = self.ready[first]
            for second in self.seconds[first] & keys:
                for further, avoid, minimum, answers in shelf[second]:
                    if upvotes >= minimum and further <= keys and avoid.isdisjoint(keys):
                        found.update(answers)


def _answers(
    shelf: list[Ready], further: frozenset[str], avoid: frozenset[str], minimum: int
) -> dict[int, frozenset[str]]:
    """The answers of the group with these keys and minimum on a shelf (a new group if none)."""
    for group in shelf:
        if group[:3] == (further, avoid, minimum):
            return group[3]
    shelf.append((further, avoid, minimum, {}))
    return shelf[-1][3]


def _key_cost(key: str) -> tuple[float, str]:
    """A conjunction key's odds of being in a paper, as `_cost` guesses them (then by name, so
    the filing does not depend on set order)."""
    field, _, value = key.rpartition(":")
    return _cost(("c", value) if field == "cat" else ("w", value)), key


Entry = tuple[Test, frozenset[str] | None, Compiled, tuple[int, ...], tuple[int, ...]]


class TopicIndex:
    """Topics filed by the terms their matches must contain. Build once per run, match per paper.

    Topics with the same query text share one compiled query and one evaluation per paper.
    Topics whose query does not parse are left out and listed in `invalid` with the reason.
    """

    def __init__(self) -> None:
        self.queries: list[Compiled] = []
        # Per query: its test, its fixed words, itself, and its topics' keys and minimum upvotes
        # in order of the minimum (so the topics a paper's upvotes reach are a leading run).
        self.entries: list[Entry] = []
        # kind of key -> key -> the queries filed there
        self.keys: dict[str, dict[str, _Shelf]] = {
            "w": {},
            "p": {},
            "c": {},
            "cp": {},
        }
        self.prefix_lengths: dict[str, list[int]] = {"p": [], "cp": []}
        self.fallback: list[int] = []
        self.conjunctions = _Conjunctions()
        self.invalid: dict[int, QueryError] = {}

    @classmethod
    def build(cls, topics: Iterable[Topic]) -> TopicIndex:
        # Building allocates millions of objects that live as long as the index and form no
        # cycles; the cyclic collector would rescan the whole growing heap many times over
        # (at 1M topics it doubles the time), so it waits until the index is built.
        with _collector_paused():
            return cls._build(topics)

    @classmethod
    def _build(cls, topics: Iterable[Topic]) -> TopicIndex:
        index = cls()
        slots: dict[str, int] = {}
        owners: list[list[tuple[int, int]]] = []
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
                owners.append([])
            owners[slot].append((topic.min_upvotes, topic.key))
        for slot, (compiled, pairs) in enumerate(zip(index.queries, owners, strict=True)):
            index._file(slot, compiled, pairs)
        index.conjunctions.finish()
        for kind in index.prefix_lengths:
            index.prefix_lengths[kind] = sorted({len(stem) for stem in index.keys[kind]})
        for shelves in index.keys.values():
            for shelf in shelves.values():
                shelf.seconds = frozenset(shelf.by_second)
        return index

    def _file(self, slot: int, compiled: Compiled, pairs: list[tuple[int, int]]) -> None:
        """File one query, with its topics' (minimum upvotes, key) pairs."""
        minimums, keys = zip(*sorted(pairs), strict=True)
        fixed = None if compiled.maybe else compiled.sure_words
        self.entries.append((compiled.test, fixed, compiled, keys, minimums))
        if compiled.conjunction is not None:
            self.conjunctions.add(compiled.conjunction, compiled.sure_words, pairs)
            return
        if compiled.requirement is None:
            self.fallback.append(slot)
        for kind, value in compiled.requirement or ():
            self.keys[kind].setdefault(value, _Shelf()).add(compiled.second, slot)

    def candidates(self, doc: Document) -> set[int]:
        """The queries to evaluate on this paper: those filed under a key it has (with their
        second word, if any), and the fallback bucket. Conjunctions are never evaluated."""
        found = set(self.fallback)
        for kind, values in (("w", doc.words), ("c", doc.categories)):
            prefix_kind = "p" if kind == "w" else "cp"
            prefixes = doc.prefixes(kind, self.prefix_lengths[prefix_kind])
            for filed, present in ((self.keys[kind], values), (self.keys[prefix_kind], prefixes)):
                for value in filed.keys() & present:
                    filed[value].gather(doc.seconds, found)
        return found

    def match(self, paper: PaperText) -> dict[int, frozenset[str]]:
        """Topic key -> the paper's words that satisfied the topic (for highlighting), for the
        topics the paper matches whose minimum upvotes it reaches (no upvote count counts as 0)."""
        return self.match_document(Document(paper), paper.upvotes)

    def match_document(self, doc: Document, upvotes: int | None) -> dict[int, frozenset[str]]:
        """`match` for a paper already tokenised (a digest run reuses each paper's Document)."""
        upvotes = upvotes or 0
        found: dict[int, frozenset[str]] = {}
        self.conjunctions.copy_into(found, doc, upvotes)
        # The hot loop of a digest run: locals and one tuple per query keep it lean.
        entries = self.entries
        for slot in self.candidates(doc):
            test, words, compiled, keys, minimums = entries[slot]
            if upvotes < minimums[0] or not test(doc):
                continue
            if words is None:
                words = compiled.words(doc)
            if len(keys) == 1:
                found[keys[0]] = words
            else:
                found.update(dict.fromkeys(_reached(keys, minimums, upvotes), words))
        return found

    def match_each(self, paper: PaperText) -> dict[int, frozenset[str]]:
        """The same answer as `match` from evaluating every compiled query: the baseline the
        benchmark measures the index against."""
        doc = Document(paper)
        upvotes = paper.upvotes or 0
        found: dict[int, frozenset[str]] = {}
        for test, _, compiled, keys, minimums in self.entries:
            if test(doc):
                found.update(dict.fromkeys(_reached(keys, minimums, upvotes), compiled.words(doc)))
        return found


@contextmanager
def _collector_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _reached(keys: tuple[int, ...], minimums: tuple[int, ...], upvotes: int) -> tuple[int, ...]:
    """The topics whose minimum upvotes a paper reaches (minimums ascending)."""
    return keys if upvotes >= minimums[-1] else keys[: bisect_right(minimums, upvotes)]


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
