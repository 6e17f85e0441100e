"""Papers and topic queries for the topics package's tests: a worked example, and hypothesis
strategies drawing queries and papers from one small vocabulary so that they often match."""

from datetime import UTC, datetime

from hypothesis import strategies as st

from digest.topics.index import Topic, TopicIndex
from digest.topics.papers import PaperText
from digest.topics.reference import match_naively

MONDAY = datetime(2026, 11, 23, 8, tzinfo=UTC)


def paper(
    title: str = "",
    abstract: str = "",
    authors: tuple[str, ...] = (),
    categories: tuple[str, ...] = (),
    upvotes: int | None = None,
    id: int = 1,
    first_seen_at: datetime = MONDAY,
) -> PaperText:
    return PaperText(id, title, abstract, authors, categories, upvotes, first_seen_at)


VIDEO_DIFFUSION = paper(
    title="Réward-guided Diffusion for Video Generation",
    abstract="We align video diffusion models with RLHF, using human-AI feedback.",
    authors=("Ana Ortiz", "Sean O'Neil"),
    categories=("cs.CV", "cs.LG"),
    upvotes=42,
)


WORDS = ["alpha", "Alps", "beta", "betas", "gamma", "delta", "RÉSEAU", "reseau", "o", "neil"]
SEPARATORS = [" ", "-", ", ", "'", " (", ") "]
CATEGORIES = ["cs.CL", "cs.LG", "math.ST", "stat.ML"]
ATOMS = [
    *WORDS,
    "alp*",
    "bet*",
    "del*",
    "rés*",
    '"alpha beta"',
    '"beta gam*"',
    "o'neil",
    "alpha-beta",
]
FIELD_PREFIXES = ["", "title:", "abstract:", "author:"]
CATEGORY_CLAUSES = ["cat:cs.CL", "cat:CS.lg", "cat:cs.*", "cat:math*", "cat:stat.ML"]
# The papers a drawn paper may be like (PaperText.likes), and like: terms naming them.
LIKED = ["2504.00001", "2504.00002", "hep-th/9901001"]
LIKE_CLAUSES = ["like:2504.00001", "like:2504.00002v3", "like:hep-th/9901001", "like:2504.00009"]

clauses = st.one_of(
    st.builds(str.__add__, st.sampled_from(FIELD_PREFIXES), st.sampled_from(ATOMS)),
    st.sampled_from(CATEGORY_CLAUSES),
    st.sampled_from(LIKE_CLAUSES),
)


def _combined(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.builds("{} {}".format, children, children),
        st.builds("{} AND {}".format, children, children),
        st.builds("{} OR {}".format, children, children),
        st.builds("-{}".format, children),
        st.builds("NOT {}".format, children),
        st.builds("({})".format, children),
        st.builds("{}({})".format, st.sampled_from(FIELD_PREFIXES[1:]), children),
    )


queries = st.recursive(clauses, _combined, max_leaves=8)


@st.composite
def texts(draw: st.DrawFn, max_words: int) -> str:
    words = draw(st.lists(st.sampled_from(WORDS), max_size=max_words))
    separators = draw(st.lists(st.sampled_from(SEPARATORS), min_size=len(words)))
    return "".join(w + s for w, s in zip(words, separators, strict=False))


papers = st.builds(
    PaperText,
    id=st.integers(1, 10**6),
    title=texts(6),
    abstract=texts(12),
    authors=st.lists(texts(3), max_size=3).map(tuple),
    categories=st.lists(st.sampled_from(CATEGORIES), max_size=2).map(tuple),
    upvotes=st.none() | st.integers(0, 5),
    first_seen_at=st.just(MONDAY),
    likes=st.frozensets(st.sampled_from(LIKED), max_size=2),
)
topic_lists = st.lists(
    st.builds(Topic, key=st.integers(0, 10**6), query=queries, min_upvotes=st.integers(0, 3)),
    max_size=12,
    unique_by=lambda topic: topic.key,
)


def assert_index_agrees_with_the_reference(topics: list[Topic], batch: list[PaperText]) -> None:
    index = TopicIndex.build(topics)

    for target in batch:
        expected = match_naively(topics, target)
        assert index.match(target) == expected
        assert index.match_each(target) == expected
