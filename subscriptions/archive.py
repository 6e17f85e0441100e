"""The reader's archive and log on the manage page: every digest of the last ARCHIVE_DAYS, sent or
not, and why not, with the times they paused, newest first.

A digest that never went out keeps its reason on its Delivery row (skipped or failed); a paused
reader gets no rows at all (the planner passes them by), so their pauses are kept apart (Pause).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import Count, Q

from core import clock
from core.links import Links
from digest.models import Delivery
from subscriptions.models import ARCHIVE_DAYS, Subscriber

Status = Delivery.Status
# What a provider's tracking webhook notes on a sent digest it could not deliver after all.
UNDELIVERED = {"bounced", "rejected", "failed"}


@dataclass(frozen=True)
class Entry:
    """One line of the archive: a digest (sent or not) or a pause."""

    at: datetime  # when it was planned, or the pause began: the archive's order
    day: date  # in the reader's time zone
    what: str  # "Sent", "Not sent: ...", "Paused"
    papers: int = 0
    view_url: str = ""  # sent digests only
    until: date | None = None  # pauses only: the day it ended (None: still paused)


def zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _what(delivery: Delivery) -> str:
    """What became of a digest, in the reader's words."""
    if delivery.status == Status.SENT:
        statuses = set(delivery.provider_status.split(","))
        if statuses & UNDELIVERED:
            return "Not delivered: your mail provider turned it away"
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
    """The reader's digests and pauses of the last ARCHIVE_DAYS, newest first (two queries)."""
    now = clock.now()
    since = now - timedelta(days=ARCHIVE_DAYS)
    local = zone(subscriber.time_zone)
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
    entries += [
        Entry(
            at=p.started_at,
            day=p.started_at.astimezone(local).date(),
            what="Paused",
            until=p.ended_at.astimezone(local).date() if p.ended_at else None,
        )
        for p in pauses
    ]
    return sorted(entries, key=lambda entry: entry.at, reverse=True)
