"""When the next email may go: the global send-rate cap and the provider's pause, both in the
shared cache, moved by the service clock."""

from datetime import UTC, datetime, timedelta

from digest.sendrate import pause_sending, wait_for_send_slot

START = datetime(2026, 11, 26, 8, 0, 0, 250_000, tzinfo=UTC)


def test_the_email_over_the_cap_waits_for_the_next_second(frozen_clock) -> None:
    frozen_clock.travel_to(START)
    waits: list[float] = []

    def wait(seconds: float) -> None:
        waits.append(seconds)
        frozen_clock.advance(timedelta(seconds=seconds))

    for _ in range(4):
        assert wait_for_send_slot(3, sleep=wait)

    assert [round(seconds, 2) for seconds in waits] == [0.75]


def test_no_cap_never_waits(frozen_clock) -> None:
    frozen_clock.travel_to(START)
    waits: list[float] = []

    for _ in range(100):
        wait_for_send_slot(0, sleep=waits.append)

    assert waits == []


def test_a_pause_holds_every_sender_for_as_long_as_asked_in_lease_sized_steps(
    frozen_clock,
) -> None:
    frozen_clock.travel_to(START + timedelta(hours=1))  # a window no other test has paused
    waits: list[float] = []

    def wait(seconds: float) -> None:
        waits.append(seconds)
        frozen_clock.advance(timedelta(seconds=seconds))

    pause_sending(10)
    pause_sending(4)  # a shorter pause asked meanwhile does not cut the longer one short
    while not wait_for_send_slot(0, at_most=4, sleep=wait):
        pass

    assert [round(seconds, 2) for seconds in waits] == [4, 4, 2]
