"""Papers for digest tests, at fixed moments of the service clock (readers: tests/personas.py)."""

from datetime import UTC, datetime, timedelta
from itertools import count

from digest.models import Delivery, Paper, SentPaper
from subscriptions.models import Subscriber

# Thursday 26 November 2026, 08:00 UTC: the moment digest tests plan at.
MORNING = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
_numbers = count(1)


def make_paper(
    title: str,
    abstract: str = "",
    upvotes: int | None = None,
    hours_ago: float = 2,
    **fields: object,
) -> Paper:
    """A paper first seen `hours_ago` before MORNING, with an arXiv-like id and links."""
    number = next(_numbers)
    arxiv_id = f"2611.{number:05d}"
    return Paper.objects.create(
        key=f"arxiv:{arxiv_id}",
        arxiv_id=arxiv_id,
        title=title,
        abstract=abstract,
        authors=fields.pop("authors", ["Ada Lovelace", "Charles Babbage"]),
        categories=fields.pop("categories", ["cs.LG"]),
        first_seen_at=MORNING - timedelta(hours=hours_ago),
        abs_url=f"https://arxiv.org/abs/{arxiv_id}",
        pdf_url=f"https://arxiv.org/pdf/{arxiv_id}",
        upvotes=upvotes,
        **fields,
    )


def make_sent_digest(reader: Subscriber, papers: list[Paper], days_ago: int = 0) -> Delivery:
    """A digest sent `days_ago` days before MORNING that carried `papers`, in that order."""
    sent_at = MORNING - timedelta(days=days_ago)
    delivery = Delivery.objects.create(
        subscriber=reader,
        period=f"{sent_at:%Y-%m-%d}",
        status=Delivery.Status.SENT,
        batch="00000000-0000-0000-0000-000000000000",
        window_start=sent_at - timedelta(days=1),
        window_end=sent_at,
        planned_at=sent_at,
        sent_at=sent_at,
    )
    for position, paper in enumerate(papers):
        SentPaper.objects.create(
            subscriber=reader, paper=paper, delivery=delivery, position=position, topics=["Agents"]
        )
    return delivery


def make_delivery(reader: Subscriber, status: str, at: datetime, **fields: object) -> Delivery:
    """A digest for `reader` planned `at`, now in `status` (with `fields`: reason, attempts...)."""
    return Delivery.objects.create(
        subscriber=reader,
        period=fields.pop("period", f"period-{next(_numbers)}"),
        status=status,
        batch="00000000-0000-0000-0000-000000000000",
        window_start=at - timedelta(days=1),
        window_end=at,
        planned_at=at,
        **fields,
    )
