"""What a topic would have caught: the papers of the last few days that a query matches.

The manage page shows it as the reader types. It matches exactly as digests do (the same
TopicIndex over `PaperText.of(Paper)`), so the preview never promises what a digest would not send.
"""

from dataclasses import dataclass
from datetime import timedelta

from core import clock
from digest.models import Paper
from digest.topics.highlighting import excerpt, highlight
from digest.topics.index import Topic, TopicIndex
from digest.topics.papers import MATCHED_FIELDS, PaperText
from digest.topics.query import QueryError
from digest.topics.ranking import rank

PREVIEW_DAYS = 7
SHOWN = 10
EXTRA_FIELDS = ("abs_url", "pdf_url", "published_at")

Runs = list[tuple[str, bool]]


@dataclass(frozen=True)
class PreviewPaper:
    paper: Paper
    title: Runs  # runs of text, True where a matched word is (see matching.highlight)
    excerpt: Runs


@dataclass(frozen=True)
class Preview:
    query: str
    total: int  # how many papers matched, of which `papers` are the first SHOWN by rank
    papers: list[PreviewPaper]
    error: QueryError | None = None
    days: int = PREVIEW_DAYS


def preview(query: str, min_upvotes: int = 0) -> Preview:
    """The papers first seen in the last PREVIEW_DAYS that `query` matches with at least
    `min_upvotes` upvotes, best first. A query that does not parse gives its QueryError."""
    index = TopicIndex.build([Topic(key=0, query=query, min_upvotes=min_upvotes)])
    if index.invalid:
        return Preview(query, 0, [], index.invalid[0])
    since = clock.now() - timedelta(days=PREVIEW_DAYS)
    recent = Paper.objects.filter(first_seen_at__gte=since).only(*MATCHED_FIELDS, *EXTRA_FIELDS)
    papers = {paper.pk: paper for paper in recent.iterator(chunk_size=2000)}
    texts = [PaperText.of(paper) for paper in papers.values()]
    # A category-only query matches with no words to highlight: test the key, not the words.
    matched = {text.id: found[0] for text in texts if 0 in (found := index.match(text))}
    ranked = rank(text for text in texts if text.id in matched)
    shown = [_shown(papers[text.id], matched[text.id]) for text in ranked[:SHOWN]]
    return Preview(query, len(matched), shown)


def _shown(paper: Paper, words: frozenset[str]) -> PreviewPaper:
    text = excerpt(paper.abstract, words)
    return PreviewPaper(paper, highlight(paper.title, words), highlight(text, words))
