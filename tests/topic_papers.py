"""Real papers for the pure learning tests: three saved feeds, parsed as ingest parses them."""

from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

from digest.feeds import parse
from digest.topics.papers import PaperText

FEEDS = Path(__file__).resolve().parent / "fixtures" / "feeds"
FILES = (
    "arxiv_api/cat_cs.AI_OR_cs.LG_max50_2026-07-13.xml",  # 50 AI and machine learning papers
    "arxiv_api/arxiv.py_2026_recorded/q_testing_s0_m100_cfe7536492ca.json",  # 100 on "testing"
    "hf_daily_papers/daily_papers_2026-07-13.json",  # 25 trending ones, with upvotes
)


@cache
def real_papers() -> tuple[PaperText, ...]:
    """The feeds' papers, numbered from 1 in file order, first seen a minute apart."""
    records = [r for name in FILES for r in parse((FEEDS / name).read_bytes())[1].records]
    start = datetime(2026, 7, 13, tzinfo=UTC)
    return tuple(
        PaperText(
            id=number,
            title=r.title,
            abstract=r.abstract,
            authors=tuple(r.authors),
            categories=tuple(r.categories),
            upvotes=r.upvotes,
            first_seen_at=start + timedelta(minutes=number),
        )
        for number, r in enumerate(records, start=1)
    )


def about(paper: PaperText, word: str) -> bool:
    """Whether the paper's title or abstract has the word (lowercase), as a reader sees it."""
    return word in f"{paper.title} {paper.abstract}".lower()
