"""When a reader's digest is due, in the reader's own time zone (pure: no ORM, no settings).

A period is the local date ("2026-11-26") for daily readers and the ISO week ("2026-W48") for
weekly ones. A reader is due once the local clock has reached their hour (and, for weekly readers,
their weekday) in a period they have not had a digest for. Because "reached" is a comparison, not
an equality, the rules for daylight-saving changes fall out of it:
- a skipped local hour (02:00 on a spring-forward night) is due at the next hour that exists;
- a repeated local hour (01:00 twice in autumn) is the same period, so it is planned once;
- a reader who moves time zone is not due again in a period that already holds their last digest,
  measured in the new zone, so they never get two digests for one local day.
A reader who starts receiving (confirms, or resumes after a pause) after this period's scheduled
moment waits for the next one: a weekly reader who joins on a Wednesday is first due on their
weekday, and a reader who resumes after the day's hour on the next day's.

Across the date line a local date can come round twice: a reader sent the digest of 17 March at
23:00 in Pacific/Kiritimati (UTC+14) who moves to Pacific/Pago_Pago (UTC-11) lives 17 March again,
and is due its digest too. `label` gives that second 17 March its own name, "2027-03-17/2", so the
one-row-per-period rule of the planner does not swallow it.
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


def _scheduled_moment(local: datetime, schedule: Schedule) -> datetime:
    """The moment of the period holding `local` at which the reader's digest is scheduled."""
    day = local.date()
    if schedule.frequency == WEEKLY:
        day += timedelta(days=schedule.weekday - local.weekday())
    return datetime(day.year, day.month, day.day, schedule.hour, tzinfo=local.tzinfo)


def due_period(
    now: datetime,
    schedule: Schedule,
    last_planned_at: datetime | None,
    force: bool = False,
    since: datetime | None = None,
) -> str | None:
    """The period to plan for this reader at `now`, or None when nothing is due.

    `last_planned_at` is when the reader's previous digest was planned; `since` when they last
    started receiving (None: long ago). `force` ignores the hour, the weekday and `since` (the
    reader is due now) but still never plans a second digest in one period.
    """
    period = period_of(now, schedule)
    if last_planned_at is not None and period_of(last_planned_at, schedule) >= period:
        return None
    if force:
        return period
    local = now.astimezone(zone(schedule.time_zone))
    if not _reached(local, schedule):
        return None
    if since is not None and since > _scheduled_moment(local, schedule):
        return None
    return period


def moments_between(schedule: Schedule, start: datetime, end: datetime) -> list[datetime]:
    """The moments (in UTC) the reader's digests were scheduled for from `start` up to, not
    including, `end`, oldest first: one a day, or a week for weekly readers. A skipped local hour
    gives the moment the clocks jumped, a repeated one its first time, as due_period has it; a
    reader whose receiving starts at `start` is due at exactly these moments."""
    step = timedelta(days=7 if schedule.frequency == WEEKLY else 1)
    local = _scheduled_moment(start.astimezone(zone(schedule.time_zone)), schedule)
    moments = []
    while (moment := local.astimezone(UTC)) < end:
        if moment >= start:
            moments.append(moment)
        local += step  # the same local hour the next day (or week), across any clock change
    return moments


def label(period: str, last_label: str | None) -> str:
    """The name of the reader's digest row for `period`: the period itself, unless their previous
    digest, planned in a zone across the date line, already bears that name."""
    return f"{period}/2" if period == last_label else period


def lookback(frequency: str) -> timedelta:
    """How far back a reader's first digest reaches: the last day, or week for weekly readers."""
    return timedelta(days=7) if frequency == WEEKLY else timedelta(days=1)
