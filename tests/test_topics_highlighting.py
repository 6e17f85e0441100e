"""Showing why a paper matched (digest/topics/highlighting.py)."""

from digest.topics.highlighting import highlight


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
