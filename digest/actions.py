"""What readers change on the digest side: what they teach the ranking (votes and mutes, called
by the feedback pages and the manage page alike; each change to a reader's votes retrains that
reader, one Celery task after commit), and their team channels (add, edit, test, pause, remove).
Also the subscriptions app's way to the like: term's check and look-alikes (digest/likes.py), to
when a reader's digests were scheduled (digest/schedule.py), for their archive, and to a paper's
card as their digest showed it (digest/cards.py), for their feed.
"""

from datetime import datetime

from django.db import transaction

from core import clock
from digest import cards, channel_sending, channel_urls, tasks
from digest.channel_urls import BadWebhookURL
from digest.likes import LookAlikes as LookAlikes
from digest.likes import check_query as check_query
from digest.models import Channel, Paper
from digest.schedule import Schedule, moments_between
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


def scheduled_between(reader: Subscriber, start: datetime, end: datetime) -> list[datetime]:
    """The moments the reader's digests were scheduled for from `start` up to `end`, oldest
    first, on their schedule as it is now: the digests a pause swallowed."""
    schedule = Schedule(reader.frequency, reader.weekday, reader.delivery_hour, reader.time_zone)
    return moments_between(schedule, start, end)


def digest_card(paper: Paper, topics: list[str]) -> cards.Card:
    """`paper`'s card (templates/papers/card.html) as a digest showed it to a reader whose
    `topics` (their names) it matched."""
    return cards.card(paper, why=cards.matched(topics) if topics else "")


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


def edit_channel(channel: Channel, url: str | None, **fields: object) -> None:
    """Change a channel's `fields` (as add_channel's, but its kind); with a `url`, checked
    here too, it posts there from now on, a post already under way included."""
    if url:
        url = channel_urls.check(url)
        fields.update(url_encrypted=channel_urls.encrypt(url), url_masked=channel_urls.mask(url))
    for name, value in fields.items():
        setattr(channel, name, value)
    channel.save(update_fields=list(fields))


def set_channel_paused(channel: Channel, paused: bool) -> None:
    channel.paused = paused
    channel.save(update_fields=["paused"])


def remove_channel(channel: Channel) -> None:
    """Removes the channel with its posts and its record of papers sent."""
    channel.delete()


def send_test_post(channel: Channel) -> str | None:
    """Posts a test message to the channel now: None when the service took it, else why not."""
    return channel_sending.send_test_post(channel)
