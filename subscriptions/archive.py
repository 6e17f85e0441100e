"""The reader's archive and log on the manage page: every digest of the last ARCHIVE_DAYS, sent or
not, and why not, newest first.

A digest that never went out keeps its reason on its Delivery row (skipped or failed); a paused
reader gets no rows at all (the planner passes them by), so their pauses are kept apart (Pause)
and each digest a pause swallowed is worked out from the reader's schedule, one line each.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import Count, Q

from core import clock
from core.links import Links
from digest.actions import scheduled_between
from digest.models import Delivery
from subscriptions.models import ARCHIVE_DAYS, Subscriber

Status = Delivery.Status
# What a provider's tracking webhook notes on a sent digest it could not deliver after all
# (digest/webhooks.py), in the reader's words.
UNDELIVERED = {
    "bounced": "Not delivered: the provider refused the address",
    Delivery.SOFT_BOUNCED: (
        "Not delivered: the mailbox was full or unavailable; we will keep trying"
    ),
    "rejected": "Not delivered: your mail provider turned it away",
    "failed": "Not delivered: your mail provider turned it away",
}


PAUSED = "Paused"
STILL_PAUSED = "Paused: nothing is sent until you resume"


@dataclass(frozen=True)
class Entry:
    """One line of the archive: a digest (sent, not sent, or swallowed by a pause), or the start
    of the pause the reader is in."""

    at: datetime  # when it was planned or scheduled, or the pause began: the archive's order
    day: date  # in the reader's time zone
    what: str  # "Sent", "Not sent: ...", "Paused"
    papers: int = 0
    view_url: str = ""  # sent digests only


def local_zone(name: str) -> tzinfo:
    """The reader's named zone; UTC for a name no longer known."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _what(delivery: Delivery) -> str:
    """What became of a digest, in the reader's words."""
    if delivery.status == Status.SENT:
        statuses = delivery.provider_status.split(",")
        undelivered = [UNDELIVERED[status] for status in statuses if status in UNDELIVERED]
        if undelivered:
            return undelivered[0]
        return "Sent to your feed" if Delivery.FEED_ONLY in statuses else "Sent"
    if delivery.status == Status.SKIPPED:
        if delivery.reason == Delivery.NOTHING_NEW:
            return "Not sent: nothing new matched your topics"
        return "Not sent: you paused or unsubscribed before it went out"
    if delivery.status == Status.FAILED:
        if delivery.reason.startswith(Delivery.GAVE_UP):
            return "Not sent: sending kept failing on our side"
        return "Not sent: the provider refused the address"
    return "On its way"


def archive(subscriber: Subscriber) -> list[Entry]:
    """The reader's digests of the last ARCHIVE_DAYS, newest first (two queries)."""
    now = clock.now()
    since = now - timedelta(days=ARCHIVE_DAYS)
    local = local_zone(subscriber.time_zone)
    view = Links("view")
    deliveries = Delivery.objects.filter(subscriber=subscriber, planned_at__gte=since).annotate(
        papers=Count("items")
    )
    entries = [
        Entry(
            at=d.planned_at,
            day=d.planned_at.astimezone(local).date(),
            what=_what(d),
            papers=d.papers,
            view_url=view.url(d, now) if d.status == Status.SENT else "",
        )
        for d in deliveries
    ]
    pauses = subscriber.pauses.filter(Q(ended_at__isnull=True) | Q(ended_at__gte=since))
    for pause in pauses:
        # At most ARCHIVE_DAYS of lines, however long the pause.
        swallowed = scheduled_between(
            subscriber, max(pause.started_at, since), pause.ended_at or now
        )
        entries += [Entry(at, at.astimezone(local).date(), PAUSED) for at in swallowed]
        if pause.ended_at is None:
            began = pause.started_at
            entries.append(Entry(began, began.astimezone(local).date(), STILL_PAUSED))
    return sorted(entries, key=lambda entry: entry.at, reverse=True)
