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
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from digest.models import Delivery, Sending
from digest.schedule import Schedule, due_period, label, lookback
from subscriptions.models import Subscriber

# Rows per INSERT: large enough to be few statements, small enough for any database's limits.
INSERT_BATCH = 1000


def with_last_send(rows: QuerySet, sends: QuerySet) -> QuerySet:
    """`rows` annotated with their latest send's planned_at, window_end and period (`sends` are
    the sends of OuterRef("pk")). A failed send never arrived: it neither ends a period nor
    starts a window."""
    latest = sends.exclude(status=Sending.Status.FAILED).order_by("-planned_at")
    return rows.annotate(
        last_planned_at=Subquery(latest.values("planned_at")[:1]),
        last_window_end=Subquery(latest.values("window_end")[:1]),
        last_period=Subquery(latest.values("period")[:1]),
    )


def due_window(
    now: datetime, row: Any, since: datetime | None, force: bool
) -> tuple[str, datetime] | None:
    """For a reader or channel annotated by with_last_send: the period it is due at `now` and
    from when its papers are chosen, or None when it is not due."""
    schedule = Schedule(row.frequency, row.weekday, row.delivery_hour, row.time_zone)
    period = due_period(now, schedule, row.last_planned_at, force=force, since=since)
    if period is None:
        return None
    start = row.last_window_end or now - lookback(row.frequency)
    return label(period, row.last_period), min(start, now)


def _readers_with_their_last_digest() -> Iterator[Subscriber]:
    readers = Subscriber.objects.filter(status=Subscriber.Status.ACTIVE)
    sends = Delivery.objects.filter(subscriber=OuterRef("pk"))
    return (
        with_last_send(readers, sends)
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
        window = due_window(now, reader, reader.receiving_since, force)
        if window is not None:
            yield Due(reader, *window)


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
