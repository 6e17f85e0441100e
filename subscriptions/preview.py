"""What a topic would have caught: the papers of the last few days that a query matches.

The manage page shows it as the reader types, so it must be quick: the week's papers are indexed
once per process (a Corpus, digest/topics/corpus.py) and indexed again when they change, and each
preview searches that index. It matches exactly as digests do (a test holds it to TopicIndex on
the same papers), so the preview never promises what a digest would not send.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Max, Sum

from core import clock
from digest import actions as digest_actions
from digest.models import Paper
from digest.topics.compiling import Compiled, compile_query
from digest.topics.corpus import Corpus
from digest.topics.papers import MATCHED_FIELDS, PaperText
from digest.topics.query import QueryError

PREVIEW_DAYS = 7
SHOWN = 10
# A new paper shows in the next preview; an upvote, a removal or a new arXiv version within
# RECHECK_AFTER (checking them reads the week's rows); any other change (a title merged from
# another source) within REINDEX_AFTER.
RECHECK_AFTER = timedelta(minutes=1)
REINDEX_AFTER = timedelta(hours=1)


@dataclass(frozen=True)
class PreviewPaper:
    paper: Paper
    words: frozenset[str]  # the words it matched, marked on its card


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
    try:
        digest_actions.check_query(query)
        compiled = compile_query(query)
    except QueryError as error:
        return Preview(query, 0, [], error)
    since = clock.now() - timedelta(days=PREVIEW_DAYS)
    indexed = _papers_since(since)
    found = indexed.corpus.search(query, min_upvotes, since, SHOWN, indexed.likes_of(compiled))
    ids = [text.id for text, _ in found.best]
    rows = Paper.objects.in_bulk(ids)  # whole rows: the cards show most fields
    shown = [PreviewPaper(rows[text.id], words) for text, words in found.best if text.id in rows]
    return Preview(query, found.total, shown)


def matching(topics: list[tuple[str, int]]) -> list[int | None]:
    """For each (query, minimum upvotes), how many papers first seen in the last PREVIEW_DAYS
    it matches (None if it does not parse): the topics' counts on the manage page, from one
    look at the index and without loading any paper."""
    since = clock.now() - timedelta(days=PREVIEW_DAYS)
    indexed = _papers_since(since)
    counts: list[int | None] = []
    for query, min_upvotes in topics:
        try:
            likes = indexed.likes_of(compile_query(query))
            counts.append(indexed.corpus.search(query, min_upvotes, since, 0, likes).total)
        except QueryError:
            counts.append(None)
    return counts


# --- the week's papers, indexed once per process ---------------------------------------------


@dataclass
class _Indexed:
    since: datetime  # the corpus holds the papers first seen since then
    newest: int | None  # the newest paper's id, checked on every preview (one index probe)
    version: dict  # what week_version said just before the papers were read
    built_at: datetime
    checked_at: datetime  # when the version was last found unchanged
    corpus: Corpus
    look_alikes: digest_actions.LookAlikes  # the corpus's papers like those like: terms name

    def likes_of(self, compiled: Compiled) -> dict[str, set[int]] | None:
        """The corpus's papers like those the query's like: terms name (None without any)."""
        return self.look_alikes.of(compiled.likes) if compiled.likes else None

    def fresh(self, since: datetime, now: datetime) -> bool:
        """Whether the corpus still holds the papers first seen since `since`, as they are."""
        if self.since > since or now - self.built_at > REINDEX_AFTER or newest_id() != self.newest:
            return False
        if now - self.checked_at > RECHECK_AFTER:
            if week_version(self.since) != self.version:
                return False
            self.checked_at = now
        return True


_latest: list[_Indexed] = []  # the one index of this process, once built


def _papers_since(since: datetime) -> _Indexed:
    """An index of (at least) the papers first seen since `since`, as they are now."""
    now = clock.now()
    if _latest and _latest[0].fresh(since, now):
        return _latest[0]
    newest, version = newest_id(), week_version(since)
    recent = Paper.objects.filter(first_seen_at__gte=since).only(*MATCHED_FIELDS)
    corpus = Corpus([PaperText.of(paper) for paper in recent.iterator(chunk_size=2000)])
    looks = digest_actions.LookAlikes(corpus.papers)
    _latest[:] = [_Indexed(since, newest, version, now, now, corpus, looks)]
    return _latest[0]


def newest_id() -> int | None:
    """The newest paper's id: a new paper changes it at once (the last entry of an index)."""
    return Paper.objects.aggregate(newest=Max("id"))["newest"]


def week_version(since: datetime) -> dict:
    """What changes when papers first seen since `since` are removed, upvoted or replaced by a
    new arXiv version: an aggregate over the week's rows, checked at most every RECHECK_AFTER."""
    return Paper.objects.filter(first_seen_at__gte=since).aggregate(
        count=Count("id"), upvoted=Max("upvotes_at"), versions=Sum("version")
    )
