"""Matching topics to papers, without a database: meaning, minimums, ranking and highlighting."""

import gc
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from digest.topics.compiling import Document
from digest.topics.highlighting import highlight
from digest.topics.index import Topic, TopicIndex
from digest.topics.papers import PaperText
from digest.topics.ranking import rank
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


def matches(query: str, target: PaperText = VIDEO_DIFFUSION, min_upvotes: int = 0) -> bool:
    return 7 in TopicIndex.build([Topic(7, query, min_upvotes)]).match(target)


def test_a_word_matches_a_whole_word_ignoring_case_and_accents() -> None:
    assert matches("reward")
    assert matches("GENERATION")


def test_a_word_does_not_match_part_of_a_longer_word() -> None:
    assert not matches("diffus")
    assert not matches("gen")


def test_punctuation_around_a_word_does_not_stop_it_matching() -> None:
    assert matches("rlhf")


def test_a_prefix_matches_any_word_that_starts_with_it() -> None:
    assert matches("diffus*")
    assert not matches("transform*")


def test_a_phrase_matches_words_side_by_side_in_order() -> None:
    assert matches('"video diffusion models"')
    assert not matches('"diffusion video models"')


def test_a_phrase_does_not_run_from_the_title_into_the_abstract() -> None:
    assert not matches('"generation we"')


def test_a_query_word_with_inner_punctuation_matches_the_phrase_of_its_parts() -> None:
    assert matches("human-AI")
    assert matches('"human ai"')


def test_a_field_restricts_where_a_word_may_match() -> None:
    assert matches("title:reward")
    assert not matches("abstract:reward")
    assert not matches("title:rlhf")


def test_an_unfielded_word_does_not_match_author_names() -> None:
    assert not matches("ortiz")
    assert matches("author:ortiz")


def test_an_author_phrase_must_lie_within_one_name() -> None:
    assert matches('author:"ana ortiz"')
    assert matches("author:o'neil")
    assert not matches('author:"ortiz sean"')


def test_a_category_matches_exactly_ignoring_case_or_by_prefix() -> None:
    assert matches("cat:CS.cv diffusion")
    assert not matches("cat:cs.C")
    assert matches("cat:cs.*")
    assert not matches("cat:math.*")


def test_not_leaves_out_papers_with_the_clause() -> None:
    assert matches("diffusion -survey")
    assert not matches("diffusion -video")
    assert not matches("diffusion NOT title:video")


def test_or_inside_and_follows_the_documented_precedence() -> None:
    assert matches("diffusion audio OR video")
    assert not matches("audio diffusion OR speech")


def test_a_query_whose_only_required_terms_are_negated_is_still_checked() -> None:
    index = TopicIndex.build([Topic(1, "-survey OR transformer")])

    assert index.fallback, "the topic has no required word, so it must be in the fallback bucket"
    assert index.match(VIDEO_DIFFUSION) == {1: frozenset()}


def test_a_paper_is_evaluated_only_against_topics_it_has_the_filed_words_of() -> None:
    topics = [
        Topic(1, '"video diffusion" -survey'),
        Topic(2, "quantum* -survey"),
        Topic(3, '"diffusion quantum" -survey'),
        Topic(4, "cat:cs.CV OR cat:math.*"),
        Topic(5, "cat:math.* video"),
    ]
    index = TopicIndex.build(topics)

    candidates = index.candidates(Document(VIDEO_DIFFUSION))

    assert {index.queries[slot].query.text for slot in candidates} == {
        '"video diffusion" -survey',
        "cat:cs.CV OR cat:math.*",
    }


def test_a_topic_of_plain_words_and_categories_matches_without_being_evaluated() -> None:
    topics = [
        Topic(1, "video diffusion"),
        Topic(2, "title:réward cat:CS.cv"),
        Topic(3, "video quantum"),
        Topic(4, "author:ortiz video -survey"),
        Topic(5, "diffusion -cat:cs.LG"),
    ]
    index = TopicIndex.build(topics)

    assert index.candidates(Document(VIDEO_DIFFUSION)) == set()
    assert index.match(VIDEO_DIFFUSION) == {
        1: frozenset({"video", "diffusion"}),
        2: frozenset({"reward"}),
        4: frozenset({"ortiz", "video"}),
    }


def test_a_topic_of_keys_with_prefixes_and_ors_matches_without_being_evaluated() -> None:
    topics = [
        Topic(1, "diffus* video"),
        Topic(2, "video (audio OR rlhf OR quantum*)"),
        Topic(3, "quantum* video"),
    ]
    index = TopicIndex.build(topics)

    assert index.candidates(Document(VIDEO_DIFFUSION)) == set()
    assert index.match(VIDEO_DIFFUSION) == {
        1: frozenset({"diffusion", "video"}),
        2: frozenset({"video", "rlhf"}),
    }


def test_a_topic_below_its_minimum_upvotes_is_not_matched() -> None:
    assert matches("diffusion", min_upvotes=42)
    assert not matches("diffusion", min_upvotes=43)


def test_a_paper_without_an_upvote_count_counts_as_zero() -> None:
    arxiv_only = paper(title="Diffusion everywhere", upvotes=None)

    assert matches("diffusion", arxiv_only, min_upvotes=0)
    assert not matches("diffusion", arxiv_only, min_upvotes=1)


def test_a_match_names_the_paper_words_that_satisfied_the_positive_clauses() -> None:
    index = TopicIndex.build([Topic(1, "diffus* (video OR audio) -survey author:ortiz")])

    assert index.match(VIDEO_DIFFUSION) == {1: frozenset({"diffusion", "video", "ortiz"})}


def test_topics_sharing_a_query_each_get_their_own_result() -> None:
    ada, bob, cy = Topic(1, "video"), Topic(2, "video"), Topic(3, "video", min_upvotes=100)

    assert TopicIndex.build([ada, bob, cy]).match(VIDEO_DIFFUSION).keys() == {1, 2}


def test_a_topic_whose_query_does_not_parse_is_left_out_and_reported() -> None:
    index = TopicIndex.build([Topic(1, "video"), Topic(2, "foo:bar")])

    assert index.match(VIDEO_DIFFUSION).keys() == {1}
    assert "Unknown field foo:" in str(index.invalid[2])


def test_building_an_index_leaves_the_garbage_collector_as_it_was() -> None:
    TopicIndex.build([Topic(1, "video"), Topic(2, "foo:bar")])
    assert gc.isenabled()

    gc.disable()
    try:
        TopicIndex.build([Topic(1, "video")])
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_papers_rank_by_upvotes_then_newest() -> None:
    old_hit = paper(id=1, upvotes=50, first_seen_at=MONDAY - timedelta(days=2))
    new_hit = paper(id=2, upvotes=50, first_seen_at=MONDAY)
    arxiv_only = paper(id=3, upvotes=None, first_seen_at=MONDAY + timedelta(days=1))
    unloved = paper(id=4, upvotes=0, first_seen_at=MONDAY)
    modest = paper(id=5, upvotes=3, first_seen_at=MONDAY - timedelta(days=5))

    ranked = rank([arxiv_only, old_hit, unloved, modest, new_hit])

    assert [p.id for p in ranked] == [2, 1, 5, 3, 4]


def test_highlighting_marks_the_matched_words_and_rejoins_to_the_text() -> None:
    text = "Réward-guided Diffusion, rewarding!"

    runs = highlight(text, frozenset({"reward", "diffusion"}))

    assert runs == [
        ("Réward", True),
        ("-guided ", False),
        ("Diffusion", True),
        (", rewarding!", False),
    ]
    assert "".join(run for run, _ in runs) == text


def test_highlighting_with_no_words_returns_the_text_as_one_plain_run() -> None:
    assert highlight("Plain <b>title</b>", frozenset()) == [("Plain <b>title</b>", False)]


# --- the index answers exactly what evaluating every topic answers ----------------------------

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
FIELDS = ["", "title:", "abstract:", "author:"]
CATEGORY_CLAUSES = ["cat:cs.CL", "cat:CS.lg", "cat:cs.*", "cat:math*", "cat:stat.ML"]

clauses = st.one_of(
    st.builds(str.__add__, st.sampled_from(FIELDS), st.sampled_from(ATOMS)),
    st.sampled_from(CATEGORY_CLAUSES),
)


def _combined(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.builds("{} {}".format, children, children),
        st.builds("{} AND {}".format, children, children),
        st.builds("{} OR {}".format, children, children),
        st.builds("-{}".format, children),
        st.builds("NOT {}".format, children),
        st.builds("({})".format, children),
        st.builds("{}({})".format, st.sampled_from(FIELDS[1:]), children),
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
)
topic_lists = st.lists(
    st.builds(Topic, key=st.integers(0, 10**6), query=queries, min_upvotes=st.integers(0, 3)),
    max_size=12,
    unique_by=lambda topic: topic.key,
)


def _assert_index_agrees_with_the_reference(topics: list[Topic], batch: list[PaperText]) -> None:
    index = TopicIndex.build(topics)

    for target in batch:
        expected = match_naively(topics, target)
        assert index.match(target) == expected
        assert index.match_each(target) == expected


@given(topics=topic_lists, batch=st.lists(papers, min_size=1, max_size=4))
def test_the_index_finds_exactly_what_evaluating_every_topic_finds(
    topics: list[Topic], batch: list[PaperText]
) -> None:
    _assert_index_agrees_with_the_reference(topics, batch)


# Queries the index never evaluates (plain words, one-word prefixes and exact categories, ANDed,
# some NOTed or ORed), drawn from a few keys so that topics share queries, first and second keys,
# and need further keys.
keys = st.one_of(
    st.builds(str.__add__, st.sampled_from(FIELDS), st.sampled_from(WORDS[:4] + ["neil"])),
    st.builds(str.__add__, st.sampled_from(FIELDS), st.sampled_from(["alp*", "bet*"])),
    st.sampled_from(["cat:cs.CL", "cat:CS.lg"]),
)
conjunctions = st.builds(
    "{} {} {}".format,
    st.lists(keys, min_size=1, max_size=4).map(" ".join),
    st.lists(keys.map("-{}".format), max_size=2).map(" ".join),
    st.lists(st.lists(keys, min_size=2, max_size=3).map(" OR ".join), max_size=2).map(
        lambda clauses: " ".join(f"({clause})" for clause in clauses)
    ),
)
conjunction_topic_lists = st.lists(
    st.builds(Topic, key=st.integers(0, 10**6), query=conjunctions, min_upvotes=st.integers(0, 3)),
    max_size=20,
    unique_by=lambda topic: topic.key,
)


@given(topics=conjunction_topic_lists, batch=st.lists(papers, min_size=1, max_size=4))
def test_topics_of_plain_words_and_categories_match_what_evaluating_them_finds(
    topics: list[Topic], batch: list[PaperText]
) -> None:
    _assert_index_agrees_with_the_reference(topics, batch)
