"""Everything stored about one reader, as plain JSON-ready data (the "export my data" download).

Whatever a row about the reader holds goes in, so the export stays true when a field is added:
the subscription, its consent record, its topics, its votes and mutes, and each digest planned
for it with the papers it carried. Internal keys (primary keys, planner batch ids) are left out.
"""

from datetime import datetime
from typing import Any

from django.db.models import Model, Prefetch

from core import clock
from digest.models import Delivery, SentPaper
from subscriptions.models import Subscriber, Vote

LEFT_OUT = {"id", "subscriber", "batch", "delivery", "paper"}
PAPER_FIELDS = ("arxiv_id", "title", "authors", "abs_url", "pdf_url", "code_url")


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (str, int, float, bool, list, dict)) or value is None:
        return value
    return str(value)  # UUIDs


def _fields(row: Model) -> dict[str, Any]:
    return {
        field.name: _plain(getattr(row, field.attname))
        for field in row._meta.concrete_fields
        if field.name not in LEFT_OUT
    }


def reader_data(subscriber: Subscriber) -> dict[str, Any]:
    """The reader's data in six queries, however many digests and votes they had."""
    items = SentPaper.objects.select_related("paper").order_by("position")
    deliveries = (
        Delivery.objects.filter(subscriber=subscriber)
        .order_by("planned_at")
        .prefetch_related(Prefetch("items", queryset=items))
    )
    stored = _fields(Subscriber.objects.get(pk=subscriber.pk))
    consent = {name: stored.pop(name) for name in list(stored) if name.startswith("consent_")}
    return {
        "exported_at": clock.now().isoformat(),
        "subscription": stored,
        # When we asked, when the reader confirmed, from where, and which wording they saw.
        "consent": consent,
        "topics": [_fields(topic) for topic in subscriber.topics.order_by("position")],
        "votes": [_vote(vote) for vote in subscriber.votes.select_related("paper")],
        "mutes": [_fields(mute) for mute in subscriber.mutes.all()],
        "deliveries": [_delivery(delivery) for delivery in deliveries],
    }


def _vote(vote: Vote) -> dict[str, Any]:
    paper = {name: _plain(getattr(vote.paper, name)) for name in PAPER_FIELDS}
    return {**_fields(vote), "paper": paper}


def _delivery(delivery: Delivery) -> dict[str, Any]:
    papers = []
    for item in delivery.items.all():
        paper = {name: _plain(getattr(item.paper, name)) for name in PAPER_FIELDS}
        papers.append({**_fields(item), "paper": paper})
    return {**_fields(delivery), "papers": papers}
