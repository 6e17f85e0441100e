"""The service's clock. Code that decides by time asks `clock.now()`, so tests can move time
(`clock.travel_to()` / `clock.reset()`) instead of sleeping."""

from datetime import datetime, timedelta

from django.utils import timezone

_offset = timedelta(0)


def now() -> datetime:
    return timezone.now() + _offset


def travel_to(moment: datetime) -> None:
    global _offset
    _offset = moment - timezone.now()


def advance(delta: timedelta) -> None:
    global _offset
    _offset += delta


def reset() -> None:
    global _offset
    _offset = timedelta(0)
