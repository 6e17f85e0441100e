"""Showing why a paper matched: its matched words marked, and the passage around them."""

import re

from digest.topics.query import WORD_RUN, fold

EXCERPT_CHARS = 260
# Characters shown before a match that sits deep in a long sentence (a third of a short snippet).
CONTEXT_CHARS = 60
SENTENCE_END = re.compile(r"(?<=[.!?]) +(?=[A-Z])")


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


def excerpt(abstract: str, words: frozenset[str], limit: int = EXCERPT_CHARS) -> str:
    """About `limit` characters of the abstract, cut at word boundaries: its opening, or from the
    start of the sentence holding the first matched word when that comes later, so the reader
    sees why it matched."""
    text = " ".join(abstract.split())
    if len(text) <= limit:
        return text
    start = _sentence_start(text, _first_match(text, words), limit)
    cut = text[start : start + limit].rsplit(" ", 1)[0]
    if start + len(cut) < len(text):
        # End with the last whole sentence rather than a dangling word, if that keeps most of it.
        sentence = cut.rfind(". ")
        if sentence > len(cut) * 2 // 3:
            cut = cut[: sentence + 1]
        # A cut after a full stop would end in four dots.
        return f"{'...' if start else ''}{cut.rstrip('.,;:')}..."
    return f"{'...' if start else ''}{cut}"


def _first_match(text: str, words: frozenset[str]) -> int | None:
    offset = 0
    for run, is_match in highlight(text, words):
        if is_match:
            return offset
        offset += len(run)
    return None


def _sentence_start(text: str, match: int | None, limit: int) -> int:
    """Where a snippet showing the match at `match` starts: the opening when there is no match
    or it shows there, else its sentence's start (or a few words before it, in a long one)."""
    context = min(CONTEXT_CHARS, limit // 3)
    if match is None or match < limit - context:
        return 0
    ends = list(SENTENCE_END.finditer(text, 0, match))
    sentence = ends[-1].end() if ends else 0
    if match - sentence < limit - context:
        return sentence
    return text.rfind(" ", 0, match - context) + 1
