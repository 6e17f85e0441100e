"""When a digest is due, in the reader's zone, across daylight-saving changes (pure)."""

from collections import Counter
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from digest.schedule import DAILY, WEEKLY, Schedule, due_period, moments_between, period_of, zone

NEW_YORK_8AM = Schedule(DAILY, 0, 8, "America/New_York")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_a_daily_reader_is_due_at_their_local_hour_not_the_servers() -> None:
    # 08:00 in New York on 26 Nov is 13:00 UTC.
    assert due_period(utc(2026, 11, 26, 12, 45), NEW_YORK_8AM, None) is None
    assert due_period(utc(2026, 11, 26, 13, 0), NEW_YORK_8AM, None) == "2026-11-26"


def test_a_late_planner_still_sends_the_same_local_day() -> None:
    assert due_period(utc(2026, 11, 26, 20, 0), NEW_YORK_8AM, None) == "2026-11-26"


def test_a_reader_is_not_due_twice_in_one_day() -> None:
    planned = utc(2026, 11, 26, 13, 0)
    assert due_period(utc(2026, 11, 26, 13, 15), NEW_YORK_8AM, planned) is None
    assert due_period(utc(2026, 11, 27, 13, 0), NEW_YORK_8AM, planned) == "2026-11-27"


def test_a_weekly_reader_is_due_on_their_weekday_and_hour() -> None:
    thursdays = Schedule(WEEKLY, 3, 9, "Europe/Paris")  # 26 Nov 2026 is a Thursday
    assert due_period(utc(2026, 11, 25, 9, 0), thursdays, None) is None
    assert due_period(utc(2026, 11, 26, 7, 59), thursdays, None) is None
    assert due_period(utc(2026, 11, 26, 8, 0), thursdays, None) == "2026-W48"


def test_a_skipped_local_hour_sends_at_the_next_one() -> None:
    # New York skipped 02:00-03:00 on 8 March 2026: 06:59 UTC is 01:59 EST, 07:00 UTC is 03:00 EDT.
    two_am = Schedule(DAILY, 0, 2, "America/New_York")
    assert due_period(utc(2026, 3, 8, 6, 59), two_am, None) is None
    assert due_period(utc(2026, 3, 8, 7, 0), two_am, None) == "2026-03-08"


def test_a_repeated_local_hour_sends_once() -> None:
    # 01:00-02:00 happened twice in New York on 1 November 2026: at 05:00 and at 06:00 UTC.
    one_am = Schedule(DAILY, 0, 1, "America/New_York")
    first = utc(2026, 11, 1, 5, 0)
    assert due_period(first, one_am, None) == "2026-11-01"
    assert due_period(utc(2026, 11, 1, 6, 0), one_am, first) is None


def test_moving_west_never_gives_two_digests_for_one_local_day() -> None:
    # Sent at 08:00 in Tokyo on 27 Nov (23:00 UTC on the 26th), when it was 15:00 in Los Angeles.
    sent = utc(2026, 11, 26, 23, 0)
    moved = Schedule(DAILY, 0, 8, "America/Los_Angeles")
    assert due_period(utc(2026, 11, 26, 23, 15), moved, sent) is None
    assert due_period(utc(2026, 11, 27, 16, 0), moved, sent) == "2026-11-27"


def test_force_ignores_the_hour_but_not_the_period() -> None:
    early = utc(2026, 11, 26, 6, 0)
    assert due_period(early, NEW_YORK_8AM, None, force=True) == "2026-11-26"
    assert due_period(early + timedelta(hours=1), NEW_YORK_8AM, early, force=True) is None


def test_an_unknown_time_zone_falls_back_to_utc() -> None:
    assert zone("Mars/Olympus_Mons") is UTC
    assert period_of(utc(2026, 11, 26, 23, 0), Schedule(DAILY, 0, 8, "Mars/Base")) == "2026-11-26"


ZONES = ["America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"]


@given(
    time_zone=st.sampled_from(ZONES),
    hour=st.integers(0, 23),
    start_day=st.sampled_from([utc(2026, 3, 6), utc(2026, 3, 27), utc(2026, 10, 23)]),
)
def test_a_planner_every_15_minutes_sends_exactly_one_digest_per_local_day(
    time_zone: str, hour: int, start_day: datetime
) -> None:
    """Across the spring and autumn changes of several zones (Lord Howe shifts by 30 minutes)."""
    schedule = Schedule(DAILY, 0, hour, time_zone)
    last = None
    days: Counter[str] = Counter()
    for tick in range(4 * 24 * 5):
        now = start_day + timedelta(minutes=15 * tick)
        period = due_period(now, schedule, last)
        if period is not None:
            days[period] += 1
            last = now
    full_days = {period_of(start_day + timedelta(days=d), schedule) for d in range(1, 4)}
    assert all(count == 1 for count in days.values())
    assert full_days <= set(days)


@given(
    hour=st.integers(0, 23),
    moves=st.lists(st.tuples(st.integers(0, 4 * 24 * 6), st.sampled_from(ZONES)), max_size=6),
)
def test_a_reader_who_keeps_moving_never_gets_two_digests_for_one_local_day(
    hour: int, moves: list[tuple[int, str]]
) -> None:
    """However often they change zone, measured in the zone they are in at each digest."""
    zones = dict(moves)
    schedule = Schedule(DAILY, 0, hour, "UTC")
    sent: list[tuple[datetime, Schedule]] = []
    for tick in range(4 * 24 * 6):
        if tick in zones:
            schedule = Schedule(DAILY, 0, hour, zones[tick])
        now = utc(2026, 3, 25) + timedelta(minutes=15 * tick)
        if due_period(now, schedule, sent[-1][0] if sent else None) is not None:
            sent.append((now, schedule))
    for (before, _), (after, where) in zip(sent, sent[1:], strict=False):
        assert period_of(before, where) != period_of(after, where)
    assert len(sent) >= 4


def test_the_moments_between_two_instants_are_the_readers_local_hour_each_day() -> None:
    # 08:00 in New York is 13:00 UTC in November; the end is not included.
    moments = moments_between(NEW_YORK_8AM, utc(2026, 11, 24, 13, 0), utc(2026, 11, 26, 13, 0))
    assert moments == [utc(2026, 11, 24, 13, 0), utc(2026, 11, 25, 13, 0)]


def test_a_weekly_readers_moments_fall_on_their_weekday() -> None:
    thursdays = Schedule(WEEKLY, 3, 9, "Europe/Paris")  # 09:00 in Paris is 08:00 UTC in winter
    moments = moments_between(thursdays, utc(2026, 11, 20), utc(2026, 12, 11))
    assert moments == [utc(2026, 11, 26, 8, 0), utc(2026, 12, 3, 8, 0), utc(2026, 12, 10, 8, 0)]


@given(
    time_zone=st.sampled_from(ZONES),
    hour=st.integers(0, 23),
    weekday=st.integers(0, 6),
    frequency=st.sampled_from([DAILY, WEEKLY]),
    start_day=st.sampled_from([utc(2026, 3, 6), utc(2026, 3, 27), utc(2026, 10, 23)]),
)
def test_the_moments_between_are_when_a_reader_starting_then_is_due(
    time_zone: str, hour: int, weekday: int, frequency: str, start_day: datetime
) -> None:
    """The planner, every 15 minutes for 16 days from `start_day` (the reader's receiving since),
    plans exactly at the moments (to the next tick), across clock changes."""
    schedule = Schedule(frequency, weekday, hour, time_zone)
    tick = timedelta(minutes=15)
    end = start_day + timedelta(days=16)
    last, planned = None, []
    now = start_day
    while now < end:
        if due_period(now, schedule, last, since=start_day) is not None:
            planned.append(now)
            last = now
        now += tick

    moments = moments_between(schedule, start_day, end)

    # The first tick at or after each moment: floor division of the negated gap rounds up.
    next_ticks = [start_day - (start_day - moment) // tick * tick for moment in moments]
    assert planned == next_ticks
