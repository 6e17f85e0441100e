"""Schedule edges through the planner and the readers' own actions: joining after one's weekday,
resuming after one's hour, moving across the date line; and beat's schedule file."""

import re
import subprocess
from datetime import UTC, datetime

import pytest

from core import clock
from digest.models import Delivery
from digest.planning import plan
from subscriptions import actions
from subscriptions.models import Subscriber
from tests.services import ROOT


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def confirmed_reader(at: datetime, **schedule: object) -> Subscriber:
    clock.travel_to(at)
    reader = Subscriber.objects.create(email="ada@example.com", **schedule)
    actions.confirm(reader)
    return reader


def periods(reader: Subscriber) -> list[str]:
    return list(reader.deliveries.order_by("planned_at").values_list("period", flat=True))


@pytest.mark.django_db
def test_a_weekly_reader_who_joins_after_their_weekday_waits_for_it(frozen_clock) -> None:
    # Weekly on Mondays at 02:00 in Berlin; joins on Wednesday 17 March 2027, 00:55 in Berlin.
    reader = confirmed_reader(
        utc(2027, 3, 16, 23, 55),
        frequency="weekly",
        weekday=0,
        delivery_hour=2,
        time_zone="Europe/Berlin",
    )

    plan(utc(2027, 3, 17, 0, 0))
    plan(utc(2027, 3, 21, 22, 0))  # Sunday 23:00 in Berlin
    assert periods(reader) == []
    plan(utc(2027, 3, 22, 1, 0))  # Monday 02:00 in Berlin
    assert periods(reader) == ["2027-W12"]


@pytest.mark.django_db
def test_a_reader_who_joins_before_their_hour_gets_that_days_digest(frozen_clock) -> None:
    reader = confirmed_reader(utc(2027, 3, 17, 6, 0), delivery_hour=8)

    plan(utc(2027, 3, 17, 8, 0))

    assert periods(reader) == ["2027-03-17"]


@pytest.mark.django_db
def test_resuming_after_the_days_hour_waits_for_the_next_day(frozen_clock) -> None:
    reader = confirmed_reader(utc(2027, 3, 10, 6, 0), delivery_hour=8)
    plan(utc(2027, 3, 10, 8, 0))
    actions.pause(reader)
    clock.travel_to(utc(2027, 3, 17, 15, 0))
    actions.resume(reader)

    plan(utc(2027, 3, 17, 15, 15))
    assert periods(reader) == ["2027-03-10"]
    plan(utc(2027, 3, 18, 8, 0))
    assert periods(reader) == ["2027-03-10", "2027-03-18"]


@pytest.mark.django_db
def test_moving_across_the_date_line_never_drops_a_local_day(frozen_clock) -> None:
    # 23:00 on 17 March in Kiritimati (UTC+14) is 09:00 UTC; then to Pago Pago (UTC-11), where
    # it is 22:00 on 16 March: 17 March comes round again there, at 10:00 UTC on the 18th.
    reader = confirmed_reader(utc(2027, 3, 1), delivery_hour=23, time_zone="Pacific/Kiritimati")
    plan(utc(2027, 3, 17, 9, 0))
    actions.update_schedule(reader, time_zone="Pacific/Pago_Pago")

    plan(utc(2027, 3, 17, 10, 0))  # 23:00 on the 16th in Pago Pago: served at 22:00 already
    plan(utc(2027, 3, 18, 10, 0))  # 23:00 on the 17th in Pago Pago
    plan(utc(2027, 3, 19, 10, 0))  # 23:00 on the 18th

    assert periods(reader) == ["2027-03-17", "2027-03-17/2", "2027-03-18"]
    assert Delivery.objects.count() == 3


def test_beat_keeps_its_schedule_file_in_an_ignored_folder() -> None:
    beat = next(
        line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("beat:")
    )
    schedule = re.search(r"--schedule[ =](\S+)", beat)
    assert schedule, "beat writes celerybeat-schedule into the project folder"
    path = schedule.group(1)
    assert "/" in path
    ignored = subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT, check=False)
    assert ignored.returncode == 0, f"git does not ignore {path}"
