"""The reference matcher: every topic on every paper, read straight from the query tree.

Pure: no ORM, no settings. Slow on purpose and simple enough to check by eye: it is the oracle
the property test holds `TopicIndex.match` to, and the naive loop the benchmark measures against.
"""

from collections.abc import Iterable

from digest.topics.compiling import Document, compile_query, positive_terms, words_of
from digest.topics.index import Topic
from digest.topics.papers import PaperText
from digest.topics.query import And, Category, Like, Node, Not, Or, QueryError, Term


def match_naively(topics: Iterable[Topic], paper: PaperText) -> dict[int, frozenset[str]]:
    """What TopicIndex.match must return, by evaluating every valid topic's query tree."""
    doc = Document(paper)
    upvotes = paper.upvotes or 0
    found = {}
    for topic in topics:
        try:
            root = compile_query(topic.query).query.root
        except QueryError:
            continue
        if upvotes >= topic.min_upvotes and _holds(root, doc):
            found[topic.key] = words_of(
                (term for term in positive_terms(root) if _term_holds(term, doc)), doc
            )
    return found


def _holds(node: Node, doc: Document) -> bool:
    match node:
        case Term():
            return _term_holds(node, doc)
        case Category(value, prefix):
            return any(
                category.startswith(value) if prefix else category == value
                for category in doc.categories
            )
        case Like(arxiv_id):
            return arxiv_id in doc.likes
        case Not(child):
            return not _holds(child, doc)
        case And(children):
            return all(_holds(child, doc) for child in children)
        case Or(children):
            return any(_holds(child, doc) for child in children)


def _term_holds(term: Term, doc: Document) -> bool:
    for sequence in doc.sequences_of(term.field):
        for start in range(len(sequence) - len(term.words) + 1):
            window = sequence[start : start + len(term.words)]
            if all(
                seen.startswith(wanted)
                if term.prefix and index == len(window) - 1
                else seen == wanted
                for index, (seen, wanted) in enumerate(zip(window, term.words, strict=True))
            ):
                return True
    return False
