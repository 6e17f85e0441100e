"""What readers change on the digest side: what they teach the ranking (votes and mutes, called
by the feedback pages and the manage page alike; each change to a reader's votes retrains that
reader, one Celery task after commit), and their team channels (add, test, pause, remove).
Also the subscriptions app's way to the like: term's check and look-alikes (digest/likes.py).
"""

from django.db import transaction

from core import clock
from digest import channel_sending, channel_urls, tasks
from digest.channel_urls import BadWebhookURL
from digest.likes import LookAlikes as LookAlikes
from digest.likes import check_query as check_query
from digest.models import Channel, Paper
from subscriptions.models import Mute, Subscriber, Vote

MAX_MUTE_LENGTH = Mute._meta.get_field("value").max_length


def vote(reader: Subscriber, paper: Paper, liked: bool) -> Vote:
    """Records "more like this" (liked) or "less like this"; a new vote replaces the old one."""
    with transaction.atomic():
        recorded, _ = Vote.objects.update_or_create(
            subscriber=reader, paper=paper, defaults={"liked": liked, "voted_at": clock.now()}
        )
        _retrain_after_commit(reader)
    return recorded


def remove_vote(reader: Subscriber, paper_id: int) -> bool:
    """Forgets the reader's vote on a paper; False when there was none."""
    with transaction.atomic():
        # paper__pk, not paper_id: its lookup finds nothing for a number past any id, where
        # paper_id hands it to the database as is (SQLite, the demo's, overflows: a 500).
        removed, _ = Vote.objects.filter(subscriber=reader, paper__pk=paper_id).delete()
        if removed:
            _retrain_after_commit(reader)
    return bool(removed)


def mute(reader: Subscriber, kind: str, value: str) -> Mute:
    """Keeps papers by this author, or with this word, out of the reader's later digests.

    Raises ValueError for an unknown kind or an empty or over-long value."""
    value = " ".join(value.split())
    if kind not in Mute.Kind.values or not value or len(value) > MAX_MUTE_LENGTH:
        raise ValueError(f"cannot mute {kind} {value!r}")
    existing = Mute.objects.filter(subscriber=reader, kind=kind, value__iexact=value).first()
    return existing or Mute.objects.create(
        subscriber=reader, kind=kind, value=value, created_at=clock.now()
    )


def unmute(reader: Subscriber, mute_id: int) -> bool:
    removed, _ = Mute.objects.filter(subscriber=reader, pk=mute_id).delete()
    return bool(removed)


def _retrain_after_commit(reader: Subscriber) -> None:
    # Robust: with the broker down the vote still stands; the next vote retrains from all of them.
    transaction.on_commit(lambda: tasks.train_taste.delay(reader.pk), robust=True)


# --- team channels -------------------------------------------------------------------------------

MAX_CHANNELS = 10  # per reader: a channel is a team's, and a team has few


def check_webhook_url(url: str) -> str:
    """The URL a channel may post to; raises BadWebhookURL (a ValueError) saying why not."""
    return channel_urls.check(url)


def add_channel(owner: Subscriber, url: str, **fields: object) -> Channel:
    """A new channel of `owner` posting to `url` (checked here too); `fields` are Channel's:
    name, kind, topics, frequency, weekday, delivery_hour, time_zone, papers_per_post."""
    if owner.channels.count() >= MAX_CHANNELS:
        raise BadWebhookURL(f"You can have at most {MAX_CHANNELS} channels.")
    url = channel_urls.check(url)
    return Channel.objects.create(
        owner=owner,
        url_encrypted=channel_urls.encrypt(url),
        url_masked=channel_urls.mask(url),
        created_at=clock.now(),
        **fields,
    )


def set_channel_paused(channel: Channel, paused: bool) -> None:
    channel.paused = paused
    channel.save(update_fields=["paused"])


def remove_channel(channel: Channel) -> None:
    """Removes the channel with its posts and its record of papers sent."""
    channel.delete()


def send_test_post(channel: Channel) -> str | None:
    """Posts a test message to the channel now: None when the service took it, else why not."""
    return channel_sending.send_test_post(channel)
