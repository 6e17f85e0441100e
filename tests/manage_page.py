"""Helpers for tests of the manage page: a reader's emailed link opened in a test client, its
schedule form posted, papers and a sent digest at NOW. The `now` fixture (tests/conftest.py) sets
the service clock to NOW."""

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from django.test import Client

from core import links
from digest.models import Delivery, Paper, SentPaper
from subscriptions.models import Subscriber, TopicFilter

# Thursday 26 November 2026, noon UTC.
NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)
PAGE = "/manage/"


def path_of(url: str) -> str:
    return urlsplit(url).path


def open_link(client: Client, reader: Subscriber):
    """Open the reader's emailed manage link as a browser does, landing on /manage/."""
    return client.get(path_of(links.manage_url(reader)), follow=True)


def reload(reader: Subscriber) -> Subscriber:
    return Subscriber.objects.get(pk=reader.pk)


def queries(reader: Subscriber) -> list[str]:
    return list(TopicFilter.objects.filter(subscriber=reader).values_list("query", flat=True))


def paper(key: str, title: str, days_ago: float = 1, **fields: object) -> Paper:
    return Paper.objects.create(
        key=f"arxiv:{key}",
        title=title,
        first_seen_at=NOW - timedelta(days=days_ago),
        **fields,
    )


def schedule(client: Client, **changes: str):
    data = {
        "frequency": "daily",
        "weekday": "0",
        "delivery_hour": "8",
        "time_zone": "UTC",
        "max_papers": "10",
    }
    data.update(changes)
    return client.post("/manage/schedule/", {f"schedule-{k}": v for k, v in data.items()})


def sent_digest(reader: Subscriber) -> Delivery:
    delivery = Delivery.objects.create(
        subscriber=reader,
        period="2026-11-25",
        status="sent",
        batch="00000000-0000-0000-0000-000000000001",
        window_start=NOW - timedelta(days=2),
        window_end=NOW - timedelta(days=1),
        planned_at=NOW - timedelta(days=1),
        sent_at=NOW - timedelta(days=1),
        provider_message_id="<msg-1@example.com>",
    )
    sent = paper("2611.00001", "Diffusion for video", abs_url="https://arxiv.org/abs/2611.00001")
    SentPaper.objects.create(
        subscriber=reader,
        paper=sent,
        delivery=delivery,
        position=0,
        topics=["diffusion"],
        words=["diffusion"],
    )
    return delivery
