"""Plan: decide who is due and create their Delivery rows (the first step of plan, build, send).

One query reads every active reader with their previous digest; the schedule (pure) says who is
due; one bulk insert creates the rows. The unique (subscriber, period) constraint makes the insert
the claim: when two planners run at once, or a planner re-runs after a crash, a digest that
already has its row is silently not inserted again, and each planner only hands on the rows
stamped with its own batch id.
"""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.db.models import OuterRef, Subquery

from digest.models import Delivery
from digest.schedule import Schedule, due_period, label, lookback
from subscriptions.models import Subscriber

# Rows per INSERT: large enough to be few statements, small enough for any database's limits.
INSERT_BATCH = 1000


def _readers_with_their_last_digest() -> Iterator[Subscriber]:
    # A failed digest never reached the reader: it neither ends a period nor starts a window.
    previous = Delivery.objects.filter(subscriber=OuterRef("pk")).exclude(
        status=Delivery.Status.FAILED
    )
    latest = previous.order_by("-planned_at")
    return (
        Subscriber.objects.filter(status=Subscriber.Status.ACTIVE)
        .annotate(
            last_planned_at=Subquery(latest.values("planned_at")[:1]),
            last_window_end=Subquery(latest.values("window_end")[:1]),
            last_period=Subquery(latest.values("period")[:1]),
        )
        .only("id", "frequency", "weekday", "delivery_hour", "time_zone", "receiving_since")
        .order_by("id")
        .iterator(chunk_size=2000)
    )


@dataclass(frozen=True)
class Due:
    """A reader due a digest: for which period, and from when its papers were first seen."""

    subscriber: Subscriber
    period: str
    window_start: datetime


def due(now: datetime, force: bool = False) -> Iterator[Due]:
    """Every active reader due a digest at `now` (all of them with `force`, once per period)."""
    for reader in _readers_with_their_last_digest():
        schedule = Schedule(
            reader.frequency, reader.weekday, reader.delivery_hour, reader.time_zone
        )
        period = due_period(
            now, schedule, reader.last_planned_at, force=force, since=reader.receiving_since
        )
        if period is not None:
            start = reader.last_window_end or now - lookback(reader.frequency)
            yield Due(reader, label(period, reader.last_period), min(start, now))


def plan(now: datetime, force: bool = False) -> list[int]:
    """Create the Delivery rows due at `now` and return the ids of the rows this call created.

    `force` makes every active reader due now, still at most one digest per reader and period.
    """
    batch = uuid.uuid4()
    rows = [
        Delivery(
            subscriber_id=reader.subscriber.pk,
            period=reader.period,
            batch=batch,
            window_start=reader.window_start,
            window_end=now,
            planned_at=now,
            due_at=now,
        )
        for reader in due(now, force)
    ]
    Delivery.objects.bulk_create(rows, batch_size=INSERT_BATCH, ignore_conflicts=True)
    return list(Delivery.objects.filter(batch=batch).order_by("id").values_list("id", flat=True))
