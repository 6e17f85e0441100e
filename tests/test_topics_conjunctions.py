"""Conjunctions (digest/topics/conjunctions.py): topics of keys match without being evaluated,
and exactly as evaluating them would."""

from hypothesis import given
from hypothesis import strategies as st

from digest.topics.compiling import Document
from digest.topics.index import Topic, TopicIndex
from digest.topics.papers import PaperText
from tests.topic_examples import (
    FIELD_PREFIXES,
    VIDEO_DIFFUSION,
    WORDS,
    assert_index_agrees_with_the_reference,
    papers,
)


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


# Queries the index never evaluates (plain words, one-word prefixes and exact categories, ANDed,
# some NOTed or ORed), drawn from a few keys so that topics share queries, first and second keys,
# and need further keys.
keys = st.one_of(
    st.builds(str.__add__, st.sampled_from(FIELD_PREFIXES), st.sampled_from(WORDS[:4] + ["neil"])),
    st.builds(str.__add__, st.sampled_from(FIELD_PREFIXES), st.sampled_from(["alp*", "bet*"])),
    st.sampled_from(["cat:cs.CL", "cat:CS.lg", "like:2504.00001", "like:hep-th/9901001"]),
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
    assert_index_agrees_with_the_reference(topics, batch)
