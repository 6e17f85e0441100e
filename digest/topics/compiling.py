"""A topic query compiled once: a test on a paper tokenised once (Document), the keys an index
files it under, and the words a match highlights.

Pure: no ORM, no settings. The query language is query.py; index.py
files compiled queries in an index.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from digest.topics.query import (
    And,
    Category,
    Field,
    Like,
    Node,
    Not,
    Or,
    Query,
    Term,
    like_terms,
    parse,
    tokenize,
)

if TYPE_CHECKING:
    from digest.topics.papers import PaperText

# Compiled queries kept per process, keyed by query text: rebuilding an index for the next run
# compiles only the queries that changed. At about 1 KB each, a million cost about a gigabyte.
COMPILE_CACHE_SIZE = 1 << 20

_NO_KEYS: frozenset[str] = frozenset()  # shared by the many conjunctions that need no more


# --- a paper, tokenised once --------------------------------------------------------------------

# The fields in the order a Document keeps its per-field tuples, and each field's place there.
FIELD_ORDER = (Field.TEXT, Field.TITLE, Field.ABSTRACT, Field.AUTHOR)
FIELD_SLOT = {field: index for index, field in enumerate(FIELD_ORDER)}


class Document:
    """A paper's words per field: sets for membership, sorted runs for prefixes, and sequences
    (the title, the abstract, each author's name) for phrases."""

    __slots__ = (
        "sets",
        "sorted",
        "sequences",
        "categories",
        "likes",
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
        self.likes = paper.likes
        self.words = self.sets[0] | author_words
        # What a conjunction's keys are looked up in (see Conjunction).
        self.keys = self.sets[0].union(
            *(_field_keys(field, self.sets[FIELD_SLOT[field]]) for field in FIELD_ORDER[1:]),
            (f"cat:{category}" for category in self.categories),
            (f"like:{arxiv_id}" for arxiv_id in self.likes),
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
                values = self.sets[FIELD_SLOT[Field(kind)]]
            found: dict[str, list[str]] = {}
            for value in values:
                for n in lengths:
                    if n <= len(value):
                        found.setdefault(value[:n], []).append(value)
            self._prefixes[key] = found
        return self._prefixes[key]

    def sequences_of(self, field: Field) -> tuple[tuple[str, ...], ...]:
        """The runs of words a phrase in `field` must lie within."""
        return self.sequences[FIELD_SLOT[field]]

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
        case Category(value, prefix=prefix):
            if prefix:
                return lambda doc: any(category.startswith(value) for category in doc.categories)
            return lambda doc: value in doc.categories
        case Like(arxiv_id):
            return lambda doc: arxiv_id in doc.likes
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
        return FIELD_SLOT[node.field], node.words[0]
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
    slot = FIELD_SLOT[term.field]
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
# ("cp", category prefix), ("l", the arXiv id of a paper it is like).
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
    if kind == "l":  # about one paper in a hundred is like a given one (docs/learning.md)
        return 0.05
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
        case Like(arxiv_id):
            return frozenset([("l", arxiv_id)])
        case Not():
            return None
        case And(children):
            found = [need for need in map(_requirement, children) if need is not None]
            return min(found, key=lambda need: sum(map(_cost, need)), default=None)
        case Or(children):
            needs = [need for need in map(_requirement, children) if need is not None]
            return None if len(needs) < len(children) else frozenset().union(*needs)


def _required_keys(node: Node) -> set[Key]:
    """Whole words and categories every matching paper has (those ANDed from the top)."""
    match node:
        case Term(words=words, prefix=prefix):
            return {("w", word) for word in words[: -1 if prefix else None]}
        case Category(value, prefix=False):
            return {("c", value)}
        case Like(arxiv_id):
            return {("l", arxiv_id)}
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
    second: Key | None  # a whole word ("w"), category ("c") or liked paper ("l")
    # The words a match highlights: those of the positive terms every match has (`sure_words`),
    # and those of the other positive terms (with their tests) that hold in the paper.
    sure_words: frozenset[str]
    maybe: tuple[tuple[Term, Test], ...]
    # For a query of plain words and exact categories, some NOTed: the keys it needs and avoids.
    conjunction: Conjunction | None
    # The arXiv ids its like: terms name (NOTed ones too): the papers a caller must find
    # the look-alikes of before matching.
    likes: frozenset[str]

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
        frozenset(like.arxiv_id for like in like_terms(query.root)),
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
    kind = {"cat": "c", "like": "l"}.get(field, "w")
    return _cost((kind, value)), key


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
        case Like(arxiv_id):
            return f"like:{arxiv_id}"
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
            words.update(doc.words_starting(FIELD_SLOT[term.field], term.words[-1]))
        else:
            words.update(term.words)
    return frozenset(words)
