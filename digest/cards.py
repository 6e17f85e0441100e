"""One paper as every page and email shows it: what templates/papers/card.html (and card.txt)
lay out, the same on the home page, the topic preview, the digest and its "view in browser" page.
"""

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from digest.models import Paper
from digest.topics.highlighting import excerpt, highlight

FIRST_AUTHORS = 3
CATEGORIES = 3  # arXiv API papers can list many: the first (the primary one) matter most

Runs = list[tuple[str, bool]]  # text cut into runs, True for a matched word (see highlight)


@dataclass(frozen=True)
class Card:
    paper: Paper
    title: Runs
    url: str  # where the title leads: the abstract page
    facts: list[str]  # the short author list and the date, whichever are known
    upvotes: int | None
    categories: list[str]
    snippet: str  # the AI summary or a passage of the abstract, as plain text
    summarised: bool  # whether the snippet is Hugging Face's AI summary
    runs: Runs  # the snippet, with its matched words marked
    links: list[tuple[str, str]]  # (label, URL) of each link the paper has, in a fixed order
    why: str  # why the paper is here: "Matched “Agents”", "Trending"; "" on the site's lists


def short_date(moment: datetime) -> str:
    return f"{moment.day} {moment:%b}"


def authors_line(authors: list[str]) -> str:
    names = [str(name) for name in authors]
    shown = ", ".join(names[:FIRST_AUTHORS])
    return f"{shown} et al." if len(names) > FIRST_AUTHORS else shown


def quoted(names: list[str] | tuple[str, ...]) -> str:
    """Topic names as names, so "Diffusion and flows" reads as one: “A”, “B” and “C”."""
    shown = [f"“{name}”" for name in names]
    return " and ".join([", ".join(shown[:-1]), shown[-1]] if len(shown) > 1 else shown)


def matched(topics: list[str] | tuple[str, ...]) -> str:
    """The why line of a paper the reader's `topics` (their names) matched."""
    return f"Matched {quoted(topics)}"


def card(
    paper: Paper,
    words: frozenset[str] = frozenset(),
    why: str = "",
    compact: bool = False,
) -> Card:
    """`paper`'s card, its matched `words` marked. A compact one (deep in a long digest) has no
    snippet and no categories."""
    when = paper.published_at or paper.first_seen_at
    summarised = _shows_summary(paper, words) and not compact
    text = "" if compact else excerpt(paper.ai_summary if summarised else paper.abstract, words)
    return Card(
        paper=paper,
        title=highlight(paper.title, words),
        url=web_url(paper.abs_url) or web_url(paper.pdf_url),
        facts=[
            fact for fact in (authors_line(paper.authors or []), when and short_date(when)) if fact
        ],
        upvotes=paper.upvotes,
        categories=[] if compact else [str(c) for c in (paper.categories or [])[:CATEGORIES]],
        snippet=text,
        summarised=summarised,
        runs=highlight(text, words) if text else [],
        links=_links(paper),
        why=why,
    )


def web_url(value: str) -> str:
    """The URL if it is http(s), else "": rows written before ingest checked links could hold a
    `javascript:` one."""
    return value if urlsplit(value or "").scheme in ("http", "https") else ""


def _shows_summary(paper: Paper, words: frozenset[str]) -> bool:
    """Whether the snippet is Hugging Face's AI summary (when there is one) rather than the
    abstract: not when only the abstract shows why the paper matched."""
    summary = paper.ai_summary
    return bool(summary) and (_matches(summary, words) or not _matches(paper.abstract, words))


def _matches(text: str, words: frozenset[str]) -> bool:
    return bool(words) and any(hit for _, hit in highlight(text, words))


def _links(paper: Paper) -> list[tuple[str, str]]:
    links = [
        ("arXiv" if paper.arxiv_id else "Abstract", paper.abs_url),
        ("PDF", paper.pdf_url),
        ("Hugging Face", paper.hf_url),
        ("Code", paper.code_url),
        ("Project page", paper.project_url),
    ]
    return [(label, web_url(url)) for label, url in links if web_url(url)]
