"""The global send-rate cap, counted in the shared cache, moved by the service clock."""

from datetime import UTC, datetime, timedelta

from digest.sendrate import wait_for_turn

START = datetime(2026, 11, 26, 8, 0, 0, 250_000, tzinfo=UTC)


def test_the_email_over_the_cap_waits_for_the_next_second(frozen_clock) -> None:
    frozen_clock.travel_to(START)
    waits: list[float] = []

    def wait(seconds: float) -> None:
        waits.append(seconds)
        frozen_clock.advance(timedelta(seconds=seconds))

    for _ in range(4):
        wait_for_turn(3, sleep=wait)

    assert [round(seconds, 2) for seconds in waits] == [0.75]


def test_no_cap_never_waits(frozen_clock) -> None:
    frozen_clock.travel_to(START)
    waits: list[float] = []

    for _ in range(100):
        wait_for_turn(0, sleep=waits.append)

    assert waits == []
