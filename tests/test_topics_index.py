"""TopicIndex (digest/topics/index.py): what a query matches, minimums, and that the index
answers exactly what evaluating every topic answers."""

import gc
from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from digest.topics.compiling import Document
from digest.topics.index import Topic, TopicIndex
from digest.topics.papers import PaperText
from tests.topic_examples import (
    VIDEO_DIFFUSION,
    assert_index_agrees_with_the_reference,
    paper,
    papers,
    topic_lists,
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


def test_like_matches_the_papers_found_like_the_named_one() -> None:
    alike = replace(VIDEO_DIFFUSION, likes=frozenset({"2504.12345"}))

    assert matches("like:2504.12345", alike)
    assert matches("like:2504.12345v3", alike)
    assert not matches("like:2504.12345", VIDEO_DIFFUSION)
    assert not matches("like:2505.00001", alike)


def test_like_combines_with_words_nots_and_ors() -> None:
    alike = replace(VIDEO_DIFFUSION, likes=frozenset({"2504.12345"}))

    assert matches("like:2504.12345 video", alike)
    assert not matches("like:2504.12345 -video", alike)
    assert matches('like:2505.00001 OR "reward guided"', alike)
    assert matches("-like:2505.00001 video", alike)
    assert not matches("like:2505.00001 OR quantum", alike)


def test_a_like_match_highlights_only_the_words_that_matched() -> None:
    alike = replace(VIDEO_DIFFUSION, likes=frozenset({"2504.12345"}))
    topics = [Topic(1, "like:2504.12345"), Topic(2, "like:2504.12345 OR quantum")]

    assert TopicIndex.build(topics).match(alike) == {1: frozenset(), 2: frozenset()}
    assert TopicIndex.build([Topic(3, "like:2504.12345 OR video")]).match(alike) == {
        3: frozenset({"video"})
    }


def test_the_index_names_the_papers_its_topics_are_like() -> None:
    index = TopicIndex.build(
        [Topic(1, "like:2504.12345 -like:hep-th/9901001v2"), Topic(2, "video"), Topic(3, "x:y")]
    )

    assert index.likes == frozenset({"2504.12345", "hep-th/9901001"})


@given(topics=topic_lists, batch=st.lists(papers, min_size=1, max_size=4))
def test_the_index_finds_exactly_what_evaluating_every_topic_finds(
    topics: list[Topic], batch: list[PaperText]
) -> None:
    assert_index_agrees_with_the_reference(topics, batch)
