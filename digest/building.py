"""Build: choose each planned digest's papers, once per batch of readers, not once per reader.

A batch loads the papers first seen in any of its windows with one query, compiles every
reader's topics into one index and matches each paper once; each reader then only filters,
ranks and cuts. What a digest holds is written down (SentPaper rows) before it is sent, so a
resend shows the same papers and no paper ever reaches a reader twice.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from django.db import transaction

from digest.matching import Document, PaperText, Topic, TopicIndex, rank
from digest.models import Delivery, Paper, SentPaper
from subscriptions.models import Subscriber, TopicFilter


@dataclass(frozen=True)
class Pick:
    """One paper in one digest, with the topic names it matched and the words to highlight."""

    paper: Paper
    topics: tuple[str, ...]
    words: frozenset[str]


@dataclass(frozen=True)
class Request:
    """What one reader's digest draws from: their topics, over papers first seen in the window."""

    subscriber: Subscriber
    topics: Sequence[TopicFilter]  # the enabled ones; none means every paper
    window_start: datetime
    window_end: datetime


# Each chunk of a run matches the same window's papers: tokenise each paper once per process.
_document = lru_cache(maxsize=4096)(Document)


class _Batch:
    """The papers of every window in a batch, each matched once against every topic."""

    def __init__(self, requests: Sequence[Request]) -> None:
        start = min(request.window_start for request in requests)
        end = max(request.window_end for request in requests)
        self.papers = {
            paper.pk: paper
            for paper in Paper.objects.filter(first_seen_at__gte=start, first_seen_at__lt=end)
        }
        self.texts = {pk: paper.as_text() for pk, paper in self.papers.items()}
        index = TopicIndex.build(
            [Topic(t.pk, t.query, t.min_upvotes) for r in requests for t in r.topics]
        )
        self.matches = {
            pk: index.match_document(_document(text), text.upvotes)
            for pk, text in self.texts.items()
        }
        # Topic key -> {paper: words}: a reader with topics looks only at the papers matching them.
        self.by_topic: dict[int, dict[int, frozenset[str]]] = {}
        for pk, matched in self.matches.items():
            for key, words in matched.items():
                self.by_topic.setdefault(key, {})[pk] = words
        self.sent = set(
            SentPaper.objects.filter(
                subscriber__in=[r.subscriber for r in requests], paper__in=list(self.papers)
            ).values_list("subscriber_id", "paper_id")
        )

    def _matching(self, names: dict[int, str]) -> dict[int, dict[int, frozenset[str]]]:
        """Paper -> {topic key: words} for these topics; every paper when there are none."""
        if not names:
            return {pk: {} for pk in self.papers}
        found: dict[int, dict[int, frozenset[str]]] = {}
        for key in names:
            for pk, words in self.by_topic.get(key, {}).items():
                found.setdefault(pk, {})[key] = words
        return found

    def picks(self, request: Request, limit: int) -> list[Pick]:
        names = {topic.pk: topic.name for topic in request.topics}
        found = {
            pk: matched
            for pk, matched in self._matching(names).items()
            if request.window_start <= self.papers[pk].first_seen_at < request.window_end
            and (request.subscriber.pk, pk) not in self.sent
        }
        ranked = rank([self.texts[pk] for pk in found])[:limit]
        # Two digests of one reader in one batch (a replayed period) never share a paper either.
        self.sent.update((request.subscriber.pk, text.id) for text in ranked)
        return [self._pick(text, found[text.id], names) for text in ranked]

    def _pick(self, text: PaperText, matched: dict, names: dict[int, str]) -> Pick:
        topics = tuple(names[key] for key in names if key in matched)
        words = frozenset().union(*matched.values()) if matched else frozenset()
        return Pick(self.papers[text.id], topics, words)


def select(requests: Sequence[Request]) -> list[list[Pick]]:
    """The papers each request's digest holds, in order, at most the reader's max_papers each."""
    if not requests:
        return []
    batch = _Batch(requests)
    return [batch.picks(request, request.subscriber.max_papers) for request in requests]


def requests_for(deliveries: Sequence[Delivery]) -> list[Request]:
    """Requests for deliveries loaded with their subscriber and the subscriber's topics."""
    return [
        Request(
            subscriber=delivery.subscriber,
            topics=[topic for topic in delivery.subscriber.topics.all() if topic.enabled],
            window_start=delivery.window_start,
            window_end=delivery.window_end,
        )
        for delivery in deliveries
    ]


def _record(delivery: Delivery, picks: list[Pick]) -> list[SentPaper]:
    return [
        SentPaper(
            subscriber_id=delivery.subscriber_id,
            paper=pick.paper,
            delivery=delivery,
            position=position,
            topics=list(pick.topics),
            words=sorted(pick.words),
        )
        for position, pick in enumerate(picks)
    ]


def build(deliveries: Sequence[Delivery], now: datetime) -> dict[int, list[Pick]]:
    """Choose and record the papers of claimed, not yet built deliveries; skip the empty ones.

    Returns the picks of every delivery that has papers, by delivery id. Deliveries built before
    (a retry after a crash) keep the papers recorded then.
    """
    fresh = [d for d in deliveries if d.built_at is None]
    picks = dict(zip([d.pk for d in fresh], select(requests_for(fresh)), strict=True))
    picks.update(recorded_picks([d for d in deliveries if d.built_at is not None]))
    empty = [d.pk for d in fresh if not picks[d.pk]]
    with transaction.atomic():
        SentPaper.objects.bulk_create([row for d in fresh for row in _record(d, picks[d.pk])])
        Delivery.objects.filter(pk__in=[d.pk for d in fresh]).update(built_at=now)
        Delivery.objects.filter(pk__in=empty).update(
            status=Delivery.Status.SKIPPED, reason="No new papers matched since the last digest."
        )
    return {pk: found for pk, found in picks.items() if found}


def recorded_picks(deliveries: Sequence[Delivery]) -> dict[int, list[Pick]]:
    """The papers already recorded for these deliveries, in their digest order (one query)."""
    result: dict[int, list[Pick]] = {delivery.pk: [] for delivery in deliveries}
    rows = SentPaper.objects.filter(delivery__in=list(result)).select_related("paper")
    for row in rows.order_by("delivery_id", "position"):
        result[row.delivery_id].append(Pick(row.paper, tuple(row.topics), frozenset(row.words)))
    return result
