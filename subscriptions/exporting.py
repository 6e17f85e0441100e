"""Everything stored about one reader, as plain JSON-ready data (the "export my data" download).

Whatever a row about the reader holds goes in, so the export stays true when a field is added:
the subscription, its consent record, its private feed, its topics, its votes and mutes, its
pauses, each digest planned for it with the papers it carried and the papers its minimum upvotes
held back, and its team channels with their posts. Internal keys (primary keys, planner batch
ids) are left out, and so is a channel's webhook URL, a secret that lets anyone post to the
channel: the export shows it masked.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import Model, Prefetch

from core import clock
from digest.models import Channel, ChannelPaper, ChannelPost, Delivery, HeldBack, Paper, SentPaper
from subscriptions.feed_views import feed_url
from subscriptions.models import Subscriber, Vote

LEFT_OUT = {"id", "subscriber", "batch", "delivery", "paper", "topic", "owner", "channel", "post"}
SECRET = {"url_encrypted"}
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
        if field.name not in LEFT_OUT | SECRET
    }


def reader_data(subscriber: Subscriber) -> dict[str, Any]:
    """The reader's data in ten queries, however many digests, votes and posts they had."""
    items = SentPaper.objects.select_related("paper").order_by("position")
    deliveries = (
        Delivery.objects.filter(subscriber=subscriber)
        .order_by("planned_at")
        .prefetch_related(Prefetch("items", queryset=items))
    )
    reader = Subscriber.objects.get(pk=subscriber.pk)
    stored = _fields(reader)
    consent = {name: stored.pop(name) for name in list(stored) if name.startswith("consent_")}
    del stored["feed_key"]  # in the feed's addresses
    feed = {"atom": feed_url(reader), "rss": feed_url(reader, "rss")}
    feed["feed_only"] = stored.pop("feed_only")
    held = HeldBack.objects.filter(subscriber=subscriber).select_related("paper", "topic")
    return {
        "exported_at": clock.now().isoformat(),
        "subscription": stored,
        # When we asked, when the reader confirmed, from where, and which wording they saw.
        "consent": consent,
        "feed": feed,
        "topics": [_fields(topic) for topic in subscriber.topics.order_by("position")],
        "votes": [_vote(vote) for vote in subscriber.votes.select_related("paper")],
        "mutes": [_fields(mute) for mute in subscriber.mutes.all()],
        "pauses": [_fields(pause) for pause in subscriber.pauses.order_by("started_at")],
        "deliveries": [_delivery(delivery) for delivery in deliveries],
        "held_back": [_held(row) for row in held.order_by("held_at", "id")],
        "channels": [_channel(channel) for channel in _channels(subscriber)],
    }


def _paper(paper: Paper) -> dict[str, Any]:
    return {name: _plain(getattr(paper, name)) for name in PAPER_FIELDS}


def _vote(vote: Vote) -> dict[str, Any]:
    return {**_fields(vote), "paper": _paper(vote.paper)}


def _held(row: HeldBack) -> dict[str, Any]:
    return {**_fields(row), "topic": row.topic.name, "paper": _paper(row.paper)}


def _with_papers(row: Model, items: Iterable[SentPaper | ChannelPaper]) -> dict[str, Any]:
    """A digest or a post, with the papers it carried."""
    return {**_fields(row), "papers": [{**_fields(i), "paper": _paper(i.paper)} for i in items]}


def _delivery(delivery: Delivery) -> dict[str, Any]:
    return _with_papers(delivery, delivery.items.all())


def _channels(subscriber: Subscriber) -> list[Channel]:
    items = ChannelPaper.objects.select_related("paper").order_by("position")
    posts = ChannelPost.objects.order_by("planned_at").prefetch_related(
        Prefetch("items", queryset=items)
    )
    channels = Channel.objects.filter(owner=subscriber)
    return list(channels.prefetch_related(Prefetch("posts", queryset=posts)))


def _channel(channel: Channel) -> dict[str, Any]:
    posts = [_with_papers(post, post.items.all()) for post in channel.posts.all()]
    return {**_fields(channel), "posts": posts}
