"""Late bloomers: a paper a reader's topic matched but held back by the topic's minimum upvotes
the first time it was in one of their digests' windows, that reaches the minimum within
LATE_BLOOMER_WINDOW of being first seen, goes out in their next digest, once, "Trending late".

Building writes down what held each such paper back (HeldBack rows, in bulk with the digest's
papers, at most the reader's papers per email of them, the most upvoted); each batch then picks
its readers' late bloomers with one query. Only topics with a
minimum hold papers back, so a reader without one sees exactly what they saw before.

When a paper crossed is judged by `upvotes_at`, the moment its count last changed: a count that
changed again after the window is not known to have crossed in time, and the paper stays out.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, F, OuterRef, QuerySet

from digest.models import HeldBack, Paper, SentPaper
from subscriptions.models import Subscriber

REASON = "Trending late"
# Held-back rows are kept a week past the window, so a weekly reader's next digest still finds a
# paper that crossed in time; older ones are forgotten.
KEPT_PAST_WINDOW = timedelta(days=7)


class LateBloomers:
    """The late bloomers of a batch's readers, most upvoted first."""

    def __init__(self, readers: Sequence[Subscriber], any_minimum: bool) -> None:
        self.papers: dict[int, Paper] = {}
        self._by_reader: dict[int, list[int]] = {}
        if any_minimum:  # else no topic of the batch has a minimum: nothing was held back
            for row in _bloomed(readers).select_related("paper"):
                self.papers[row.paper_id] = row.paper
                self._by_reader.setdefault(row.subscriber_id, []).append(row.paper_id)

    def of(self, reader: int) -> list[int]:
        """The reader's late bloomers, most upvoted first."""
        return self._by_reader.get(reader, [])


def _bloomed(readers: Sequence[Subscriber]) -> QuerySet[HeldBack]:
    """The readers' held-back papers that reached their topic's minimum in time, not sent yet
    (a failed digest releases its papers, late ones too)."""
    sent = SentPaper.objects.filter(subscriber=OuterRef("subscriber"), paper=OuterRef("paper"))
    return (
        HeldBack.objects.filter(
            subscriber__in=readers,
            topic__enabled=True,
            topic__min_upvotes__gt=0,
            paper__upvotes__gte=F("topic__min_upvotes"),
            paper__upvotes_at__lt=F("paper__first_seen_at") + settings.LATE_BLOOMER_WINDOW,
        )
        .exclude(Exists(sent))
        .order_by("subscriber_id", F("paper__upvotes").desc(), "paper_id")
    )


def record(rows: list[HeldBack], readers: Sequence[int], now: datetime) -> None:
    """Write down the papers held back this time (the first time counts: a paper held back
    before keeps its row) and forget the readers' rows too old to bloom."""
    too_old = now - settings.LATE_BLOOMER_WINDOW - KEPT_PAST_WINDOW
    HeldBack.objects.filter(subscriber__in=readers, held_at__lt=too_old).delete()
    for row in rows:
        row.held_at = now
    HeldBack.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
