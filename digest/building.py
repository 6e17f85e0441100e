"""Build: choose each planned digest's papers, once per batch of readers, not once per reader.

A batch loads the papers first seen in any of its windows with one query and matches each
distinct topic query against them once; each reader then only filters, ranks and cuts. A
worker keeps the planning batch's papers and matches between its chunks (see _window_for).
What a digest holds is written down (SentPaper rows) before it is sent, so a resend shows the
same papers and no paper ever reaches a reader twice.
"""

import json
from collections import ChainMap
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from itertools import islice

from django.db import DatabaseError, connection, transaction

from digest import blooming
from digest.blooming import LateBloomers
from digest.likes import LookAlikes
from digest.models import Delivery, HeldBack, Paper, SentPaper
from digest.tailoring import LearnedOrder, Mutes
from digest.topics.compiling import Document
from digest.topics.index import Topic, TopicIndex
from digest.topics.papers import PaperText
from digest.topics.ranking import rank
from subscriptions.models import Subscriber, TopicFilter


@dataclass(frozen=True)
class Pick:
    """One paper in one digest, with the topic names it matched and the words to highlight."""

    paper: Paper
    topics: tuple[str, ...]
    words: frozenset[str]
    # Why it is here when no topic matched: "You liked similar papers", "Trending", "Trending late".
    reason: str = ""


@dataclass(frozen=True)
class DigestRequest:
    """What one reader's digest draws from: their topics, over papers first seen in the window."""

    subscriber: Subscriber
    topics: Sequence[TopicFilter]  # the enabled ones; none means every paper
    window_start: datetime
    window_end: datetime


# Each chunk of a run matches the same window's papers: tokenise each paper once per process.
_document = lru_cache(maxsize=4096)(Document)

# Distinct topic queries a window remembers the matches of; past this it starts afresh, so a
# worker's memory stays bounded however varied the readers' topics are.
MAX_QUERIES = 20_000

QueryKey = tuple[str, int]  # a topic's query and minimum upvotes: what its matches depend on


class Window:
    """The papers first seen in [start, end), and which of them each topic query matches.

    Readers with the same query share its matches, so each distinct query is matched against
    the window's papers once, however many readers and chunks use it.
    """

    def __init__(self, start: datetime, end: datetime) -> None:
        self.start, self.end = start, end
        self.papers = {
            paper.pk: paper
            for paper in Paper.objects.filter(first_seen_at__gte=start, first_seen_at__lt=end)
        }
        self.texts = {pk: PaperText.of(paper) for pk, paper in self.papers.items()}
        # Each paper's place in the ranking (a total order), so a reader's papers are ranked by
        # sorting numbers rather than ranking their texts again.
        self.position = {text.id: n for n, text in enumerate(rank(self.texts.values()))}
        self.matches: dict[QueryKey, dict[int, frozenset[str]]] = {}
        self.look_alikes = LookAlikes(list(self.texts.values()))  # for like: terms

    def covers(self, start: datetime, end: datetime) -> bool:
        return self.start <= start and end <= self.end

    def match(
        self, topics: Iterable[TopicFilter], ignore_minimum: bool = False
    ) -> dict[int, dict[int, frozenset[str]]]:
        """Topic id -> {paper: matched words} (whatever the upvotes with `ignore_minimum`); only
        queries not matched before are matched now (one index over just those)."""
        keys = {t.pk: (t.query, 0 if ignore_minimum else t.min_upvotes) for t in topics}
        wanted = set(keys.values())
        new = list(wanted - self.matches.keys())
        if len(self.matches) + len(new) > MAX_QUERIES:
            self.matches = {key: self.matches[key] for key in wanted - set(new)}
        self._match_queries(sorted({query for query, _ in new if (query, 0) not in self.matches}))
        # A minimum only filters its query's matches: those of the query alone serve both the
        # topic and the late bloomers its minimum holds back (blooming.py).
        for query, least in new:
            if least:
                matched = self.matches[(query, 0)].items()
                reached = {pk: w for pk, w in matched if (self.texts[pk].upvotes or 0) >= least}
                self.matches[(query, least)] = reached
        return {pk: self.matches[key] for pk, key in keys.items()}

    def _match_queries(self, queries: list[str]) -> None:
        """Match these queries against the window's papers, whatever their upvotes."""
        if not queries:
            return
        index = TopicIndex.build(Topic(n, query, 0) for n, query in enumerate(queries))
        found: list[dict[int, frozenset[str]]] = [{} for _ in queries]
        texts = self.look_alikes.texts(index.likes) if index.likes else self.texts.values()
        for text in texts:
            for n, words in index.match_document(_document(text), text.upvotes).items():
                found[n][text.id] = words
        self.matches.update(((query, 0), each) for query, each in zip(queries, found, strict=True))


# This process's window of the planning batch it is building, so the batch's later chunks reuse
# its papers and matches: (the batches, the window). Papers first seen in a window are fixed once
# it is planned; a paper corrected meanwhile shows as it was for the rest of that batch.
_cached: tuple[frozenset, Window] | None = None


def _window_for(batches: frozenset, start: datetime, end: datetime) -> Window:
    """The cached window when it is these batches' and covers [start, end); else a new one
    (widened to what the cached one covered for the same batches, so it keeps growing)."""
    global _cached
    if _cached is not None and _cached[0] == batches:
        if _cached[1].covers(start, end):
            return _cached[1]
        start, end = min(start, _cached[1].start), max(end, _cached[1].end)
    _cached = (batches, Window(start, end))
    return _cached[1]


def _forget_window() -> None:
    global _cached
    _cached = None


class _Batch:
    """A batch of readers' requests over one window's papers, each paper matched once per query."""

    def __init__(self, requests: Sequence[DigestRequest], window: Window) -> None:
        self.papers, self.position = window.papers, window.position
        readers = [request.subscriber for request in requests]
        topics = [topic for request in requests for topic in request.topics]
        # Topic key -> {paper: words}: a reader with topics looks only at the papers matching them.
        self.by_topic = window.match(topics)
        # Topic key -> the papers its query matches but its minimum upvotes keeps out.
        floored = [topic for topic in topics if topic.min_upvotes > 0]
        unbarred = window.match(floored, ignore_minimum=True)
        self.below = {
            key: found.keys() - self.by_topic[key].keys() for key, found in unbarred.items()
        }
        self.held: list[HeldBack] = []
        self.late = LateBloomers(readers, bool(floored))
        late_texts = {pk: PaperText.of(paper) for pk, paper in self.late.papers.items()}
        self.mutes = Mutes(readers, ChainMap(late_texts, window.texts))
        self.learned = LearnedOrder(readers, window.texts)
        self.sent = set(
            SentPaper.objects.filter(
                subscriber__in=[r.subscriber for r in requests],
                paper__first_seen_at__gte=window.start,
                paper__first_seen_at__lt=window.end,
            ).values_list("subscriber_id", "paper_id")
        )

    def _candidates(self, keys: Iterable[int]) -> Iterable[int]:
        """The papers matching any of these topics; every paper when there are none."""
        matching = [self.by_topic.get(key, {}) for key in keys]
        return set().union(*matching) if matching else self.papers

    def picks(self, request: DigestRequest, limit: int) -> list[Pick]:
        """The reader's late bloomers first, then their papers in rank order, walking them only
        until `limit` are chosen."""
        names = {topic.pk: topic.name for topic in request.topics}
        reader, start, end = request.subscriber.pk, request.window_start, request.window_end

        def eligible(pk: int) -> bool:
            in_window = start <= self.papers[pk].first_seen_at < end
            return in_window and (reader, pk) not in self.sent and not self.mutes.hide(reader, pk)

        late = [pk for pk in self.late.of(reader) if (reader, pk) not in self.sent]
        chosen = [pk for pk in late if not self.mutes.hide(reader, pk)][:limit]
        ranking = self.learned.rank.get(reader, self.position)
        candidates = self._candidates(names)
        for pk in sorted(candidates, key=ranking.__getitem__):
            if len(chosen) == limit:
                break
            if eligible(pk):
                chosen.append(pk)
        self._hold_back(request, candidates, eligible, limit)
        # Two digests of one reader in one batch (a replayed period) never share a paper either.
        self.sent.update((reader, pk) for pk in chosen)
        return [self._pick(pk, names, reader) for pk in chosen]

    def _hold_back(
        self,
        request: DigestRequest,
        candidates: Iterable[int],
        eligible: Callable[[int], bool],
        limit: int,
    ) -> None:
        """Note the eligible papers only a topic's minimum upvotes kept out, each with the lowest
        such minimum (a paper a topic let through was cut by the limit, if at all: not held).

        At most `limit` (the reader's papers per email), the most upvoted: they are the likeliest
        to bloom, and a broad topic with a high minimum would otherwise hold back hundreds of
        papers a digest (in a trial, 50 readers holding back 380 papers each made a chunk's build
        4 s against 0.3 s with no minimum; holding back 10 each, 0.5 s).
        """
        if not any(topic.min_upvotes for topic in request.topics):
            return  # nothing to hold back: the reader's digest is built as it always was
        let_through = set(candidates)
        lowest: dict[int, TopicFilter] = {}  # paper -> the topic with the lowest minimum over it
        for topic in sorted(request.topics, key=lambda topic: topic.min_upvotes, reverse=True):
            lowest.update(dict.fromkeys(self.below.get(topic.pk, ()), topic))
        most_upvoted = sorted(
            lowest.keys() - let_through,
            key=lambda pk: (-(self.papers[pk].upvotes or 0), self.position[pk]),
        )
        held = list(islice(filter(eligible, most_upvoted), limit))
        self.held += [
            HeldBack(
                subscriber_id=request.subscriber.pk,
                paper_id=pk,
                topic_id=lowest[pk].pk,
                min_upvotes=lowest[pk].min_upvotes,
                upvotes=self.papers[pk].upvotes,
            )
            for pk in held
        ]

    def _pick(self, pk: int, names: dict[int, str], reader: int) -> Pick:
        if pk in self.late.of(reader):
            return Pick(self.late.papers[pk], (), frozenset(), blooming.REASON)
        matched = [
            (name, self.by_topic[key][pk])
            for key, name in names.items()
            if pk in self.by_topic.get(key, {})
        ]
        topics = tuple(name for name, _ in matched)
        words = frozenset().union(*(words for _, words in matched))
        reason = "" if topics else self.learned.reason(reader, pk)
        return Pick(self.papers[pk], topics, words, reason)


def _span(requests: Sequence[DigestRequest]) -> tuple[datetime, datetime]:
    """From the earliest window start to the latest window end."""
    return min(r.window_start for r in requests), max(r.window_end for r in requests)


def select(requests: Sequence[DigestRequest], window: Window | None = None) -> list[list[Pick]]:
    """The papers each request's digest holds, in order, at most the reader's max_papers each.

    `window` must cover every request's window; by default one is loaded for these requests.
    """
    if not requests:
        return []
    return _choose(requests, window or Window(*_span(requests)))[0]


def _choose(
    requests: Sequence[DigestRequest], window: Window
) -> tuple[list[list[Pick]], list[HeldBack]]:
    """select(), with the papers the readers' minimum upvotes held back (see blooming.py)."""
    batch = _Batch(requests, window)
    picks = [batch.picks(request, request.subscriber.max_papers) for request in requests]
    return picks, batch.held


def requests_for(deliveries: Sequence[Delivery]) -> list[DigestRequest]:
    """Requests for deliveries loaded with their subscriber and the subscriber's topics."""
    return [
        DigestRequest(
            subscriber=delivery.subscriber,
            topics=[topic for topic in delivery.subscriber.topics.all() if topic.enabled],
            window_start=delivery.window_start,
            window_end=delivery.window_end,
        )
        for delivery in deliveries
    ]


def _rows(delivery: Delivery, picks: list[Pick]) -> list[tuple]:
    """(subscriber, paper, delivery, position, reason, topics, words) for each paper of one
    digest."""
    return [
        (
            delivery.subscriber_id,
            pick.paper.pk,
            delivery.pk,
            position,
            pick.reason,
            pick.topics,
            pick.words,
        )
        for position, pick in enumerate(picks)
    ]


SENT_PAPER_COLUMNS = "subscriber_id, paper_id, delivery_id, position, reason, topics, words"


def _record(rows: list[tuple]) -> None:
    """Write down what the digests hold."""
    if connection.vendor == "postgresql":
        _copy_sent_papers(rows)
        return
    SentPaper.objects.bulk_create(
        SentPaper(
            subscriber_id=reader,
            paper_id=paper,
            delivery_id=delivery,
            position=position,
            reason=reason,
            topics=list(topics),
            words=sorted(words),
        )
        for reader, paper, delivery, position, reason, topics, words in rows
    )


def _copy_sent_papers(rows: list[tuple]) -> None:
    """_record() on PostgreSQL: one COPY (a chunk writes hundreds of rows per few dozen emails).

    A speed shortcut. It buys `make bench`'s "match and record" row (sending): the plain way,
    the ORM's bulk_create, made that stage 1.9x slower (5,000 readers, 4,000 sent, A B A B A B
    medians: 5.8 s against 10.9 s).
    """
    copy = f"COPY {SentPaper._meta.db_table} ({SENT_PAPER_COLUMNS}) FROM STDIN"
    # psycopg's own cursor: its errors are turned into Django's, as the ORM's would be.
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.cursor.copy(copy) as writer,
    ):
        for *keys, topics, words in rows:
            writer.write_row((*keys, json.dumps(list(topics)), json.dumps(sorted(words))))


def build(deliveries: Sequence[Delivery], now: datetime) -> dict[int, list[Pick]]:
    """Choose and record the papers of claimed, not yet built deliveries; skip the empty ones.

    Returns the picks of every delivery that has papers, by delivery id. Deliveries built before
    (a retry after a crash) keep the papers recorded then.
    """
    fresh = [d for d in deliveries if d.built_at is None]
    requests = requests_for(fresh)
    chosen: list[list[Pick]] = []
    held: list[HeldBack] = []
    if fresh:
        window = _window_for(frozenset(d.batch for d in fresh), *_span(requests))
        chosen, held = _choose(requests, window)
    picks = dict(zip([d.pk for d in fresh], chosen, strict=True))
    picks.update(recorded_picks([d for d in deliveries if d.built_at is not None]))
    empty = [d.pk for d in fresh if not picks[d.pk]]
    try:
        with transaction.atomic():
            _record([row for d in fresh for row in _rows(d, picks[d.pk])])
            floored = [r.subscriber.pk for r in requests if any(t.min_upvotes for t in r.topics)]
            if floored:
                blooming.record(held, floored, now)
            Delivery.objects.filter(pk__in=[d.pk for d in fresh]).update(built_at=now)
            Delivery.objects.filter(pk__in=empty).update(
                status=Delivery.Status.SKIPPED,
                reason=Delivery.NOTHING_NEW,
            )
    except DatabaseError:
        # Say a paper was deleted since the window was loaded: the next try loads it afresh
        # instead of failing on the same cached paper until the worker restarts.
        _forget_window()
        raise
    return {pk: found for pk, found in picks.items() if found}


def recorded_picks(deliveries: Sequence[Delivery]) -> dict[int, list[Pick]]:
    """The papers already recorded for these deliveries, in their digest order (one query)."""
    result: dict[int, list[Pick]] = {delivery.pk: [] for delivery in deliveries}
    rows = SentPaper.objects.filter(delivery__in=list(result)).select_related("paper")
    for row in rows.order_by("delivery_id", "position"):
        pick = Pick(row.paper, tuple(row.topics), frozenset(row.words), row.reason)
        result[row.delivery_id].append(pick)
    return result
