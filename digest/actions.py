"""What readers teach the ranking: votes and mutes, called by the feedback pages and the manage
page alike. Each change to a reader's votes retrains that reader (one Celery task, after commit).
Also the subscriptions app's way to the like: term's check and look-alikes (digest/likes.py).
"""

from django.db import transaction

from core import clock
from digest import tasks
from digest.likes import LookAlikes as LookAlikes
from digest.likes import check_query as check_query
from digest.models import Paper
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
        removed, _ = Vote.objects.filter(subscriber=reader, paper_id=paper_id).delete()
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
