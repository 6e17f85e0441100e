"""Showing why a paper matched: its matched words marked, and the passage around them."""

from digest.topics.query import WORD_RUN, fold

EXCERPT_CHARS = 320


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


def excerpt(abstract: str, words: frozenset[str]) -> str:
    """About EXCERPT_CHARS of the abstract, cut at word boundaries: its opening, or the passage
    around the first matched word when that comes later, so the reader sees why it matched."""
    text = " ".join(abstract.split())
    if len(text) <= EXCERPT_CHARS:
        return text
    offset = 0
    for run, is_match in highlight(text, words):
        if is_match:
            break
        offset += len(run)
    start = 0 if offset < EXCERPT_CHARS - 60 else text.rfind(" ", 0, offset - 60) + 1
    cut = text[start : start + EXCERPT_CHARS].rsplit(" ", 1)[0]
    prefix = "..." if start else ""
    suffix = "..." if start + len(cut) < len(text) else ""
    return f"{prefix}{cut}{suffix}"
