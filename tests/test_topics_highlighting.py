"""Showing why a paper matched (digest/topics/highlighting.py)."""

from digest.topics.highlighting import excerpt, highlight


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


ABSTRACT = (
    "Large language model agents plan multi-step tasks by calling tools. We introduce a "
    "benchmark of 1,200 tasks across 40 tools and measure how often agents recover from a "
    "failed call. Recovery improves by 18 points when the agent is shown the tool's error. "
    "Our code and data are available at the project page. Project page: example.org."
)


def test_a_snippet_with_no_matched_word_is_the_abstracts_opening() -> None:
    text = excerpt(ABSTRACT, frozenset())

    assert ABSTRACT.startswith(text.removesuffix("..."))
    assert len(text) >= 160


def test_a_snippet_with_a_match_starts_at_the_sentence_holding_it() -> None:
    text = excerpt(ABSTRACT + " " + ABSTRACT, frozenset({"available"}))

    assert text.startswith("...Our code and data are available")


def test_a_cut_snippet_ends_in_three_dots_never_four() -> None:
    text = excerpt(ABSTRACT, frozenset(), limit=175)

    assert text.endswith("...") and not text.endswith("....")
    assert text.startswith("Large language model agents")


def test_a_cut_snippet_ends_with_its_last_whole_sentence_rather_than_a_dangling_word() -> None:
    text = excerpt(ABSTRACT, frozenset(), limit=260)

    assert text.endswith("when the agent is shown the tool's error...")


def test_a_short_snippet_still_shows_a_match_deep_in_its_first_sentence() -> None:
    text = "Agentic LLM systems that generate code through multi-turn tool use face a problem. " * 9

    snippet = excerpt(text, frozenset({"tool"}), limit=110)

    assert "tool" in snippet.split() and len(snippet) <= 116
