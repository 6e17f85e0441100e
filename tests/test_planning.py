"""Planning digests (digest/planning.py): who is due, for which period, and from when its papers
were first seen. That planning costs a few queries whatever the number of readers, and that two
planners at once plan each digest once, is in test_sending.py; the schedule's rules for one reader
are in test_schedule.py."""

from datetime import datetime, timedelta

import pytest
from django.core import mail

from digest.models import Delivery
from digest.planning import plan
from digest.sending import send_chunk
from subscriptions import actions
from tests.digests import MORNING, make_paper
from tests.personas import make_reader

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


def windows() -> list[tuple[str, datetime, datetime]]:
    """Every planned digest's period and window, oldest first."""
    rows = Delivery.objects.order_by("planned_at", "id")
    return list(rows.values_list("period", "window_start", "window_end"))


def test_it_plans_one_digest_per_due_reader_and_period() -> None:
    make_reader("ada@example.com")
    make_reader("bob@example.com")

    first = plan(MORNING)
    again = plan(MORNING + timedelta(hours=1))

    assert len(first) == 2 and again == []
    assert Delivery.objects.filter(period="2026-11-26", planned_at=MORNING).count() == 2


def test_a_planner_hands_on_only_the_rows_it_created() -> None:
    make_reader("ada@example.com")
    [ada_digest] = plan(MORNING)
    make_reader("bob@example.com")

    [bob_digest] = plan(MORNING + timedelta(minutes=15))

    assert bob_digest != ada_digest
    assert Delivery.objects.get(pk=bob_digest).subscriber.email == "bob@example.com"


def test_only_active_readers_are_planned_even_when_forced() -> None:
    make_reader("ada@example.com")
    for status in ("pending", "paused", "unsubscribed", "bounced", "complained"):
        make_reader(f"{status}@example.com", status=status)

    [planned] = plan(MORNING, force=True)

    assert Delivery.objects.get(pk=planned).subscriber.email == "ada@example.com"


def test_forcing_plans_a_reader_before_their_hour_still_once_per_period() -> None:
    make_reader("ada@example.com", delivery_hour=23)

    assert plan(MORNING) == []
    assert len(plan(MORNING, force=True)) == 1
    assert plan(MORNING + timedelta(minutes=5), force=True) == []


def test_a_first_digest_reaches_back_one_day_or_one_week() -> None:
    make_reader("ada@example.com")
    make_reader("bob@example.com", frequency="weekly", weekday=MORNING.weekday())

    plan(MORNING)

    assert sorted(windows()) == [
        ("2026-11-26", MORNING - DAY, MORNING),
        ("2026-W48", MORNING - 7 * DAY, MORNING),
    ]


def test_each_digest_starts_where_the_last_one_ended_however_late() -> None:
    make_reader("ada@example.com")
    plan(MORNING)

    plan(MORNING + 3 * DAY)

    assert windows()[1] == ("2026-11-29", MORNING, MORNING + 3 * DAY)


def test_a_failed_digest_neither_ends_a_window_nor_starts_one() -> None:
    make_reader("ada@example.com")
    plan(MORNING)
    [failed] = plan(MORNING + DAY)
    Delivery.objects.filter(pk=failed).update(status=Delivery.Status.FAILED)

    plan(MORNING + 2 * DAY)

    assert windows()[2] == ("2026-11-28", MORNING, MORNING + 2 * DAY)


def test_a_paused_reader_gets_nothing_and_then_every_paper_of_the_pause(frozen_clock) -> None:

    def digest_on(day: datetime) -> list[str]:
        frozen_clock.travel_to(day)
        mail.outbox.clear()
        send_chunk(plan(day))
        return [message.subject for message in mail.outbox]

    reader = make_reader("ada@example.com", {"Diffusion": "diffusion"})
    make_paper("Diffusion before the pause", hours_ago=24 * 3 + 2)
    assert len(digest_on(MORNING - timedelta(days=3))) == 1
    actions.pause(reader)
    make_paper("Diffusion while away", hours_ago=36)

    assert digest_on(MORNING - timedelta(days=2)) == []
    assert digest_on(MORNING - timedelta(days=1)) == []
    actions.resume(reader)
    [subject] = digest_on(MORNING)

    assert subject.startswith("Diffusion while away")
    assert "Diffusion while away" in mail.outbox[0].body
