"""When a reader's digest is due, in the reader's own time zone (pure: no ORM, no settings).

A period is the local date ("2026-11-26") for daily readers and the ISO week ("2026-W48") for
weekly ones. A reader is due once the local clock has reached their hour (and, for weekly readers,
their weekday) in a period they have not had a digest for. Because "reached" is a comparison, not
an equality, the rules for daylight-saving changes fall out of it:
- a skipped local hour (02:00 on a spring-forward night) is due at the next hour that exists;
- a repeated local hour (01:00 twice in autumn) is the same period, so it is planned once;
- a reader who moves time zone is not due again in a period that already holds their last digest,
  measured in the new zone, so they never get two digests for one local day.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAILY = "daily"
WEEKLY = "weekly"


@dataclass(frozen=True)
class Schedule:
    frequency: str  # DAILY or WEEKLY
    weekday: int  # 0 is Monday; weekly readers only
    hour: int  # local hour, 0-23
    time_zone: str  # an IANA name such as "Europe/Paris"


def zone(name: str) -> tzinfo:
    """The named zone; an unknown name falls back to UTC rather than stopping every digest."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def period_of(moment: datetime, schedule: Schedule) -> str:
    """The reader's period that contains `moment` (an aware datetime)."""
    local = moment.astimezone(zone(schedule.time_zone))
    if schedule.frequency == WEEKLY:
        year, week, _ = local.isocalendar()
        return f"{year}-W{week:02d}"
    return local.date().isoformat()


def _reached(local: datetime, schedule: Schedule) -> bool:
    if schedule.frequency == WEEKLY:
        return (local.weekday(), local.hour) >= (schedule.weekday, schedule.hour)
    return local.hour >= schedule.hour


def due_period(
    now: datetime, schedule: Schedule, last_planned_at: datetime | None, force: bool = False
) -> str | None:
    """The period to plan for this reader at `now`, or None when nothing is due.

    `last_planned_at` is when the reader's previous digest was planned. `force` ignores the hour
    and weekday (the reader is due now) but still never plans a second digest in one period.
    """
    period = period_of(now, schedule)
    if last_planned_at is not None and period_of(last_planned_at, schedule) >= period:
        return None
    if force or _reached(now.astimezone(zone(schedule.time_zone)), schedule):
        return period
    return None


def lookback(frequency: str) -> timedelta:
    """How far back a reader's first digest reaches: the last day, or week for weekly readers."""
    return timedelta(days=7) if frequency == WEEKLY else timedelta(days=1)
