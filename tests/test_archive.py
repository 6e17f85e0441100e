"""The reader's archive and log on the manage page (subscriptions/archive.py): every digest of
the last 90 days, sent or not and why not, and the reader's pauses, newest first."""

import re
from datetime import timedelta

import pytest
from django.test import Client

from digest.planning import plan
from digest.sending import send_chunk
from subscriptions import actions
from subscriptions.archive import archive
from subscriptions.models import Pause, Subscriber
from tests.digests import MORNING, make_paper, make_sent_digest
from tests.fake_postmark import fake_postmark, invalid_recipient
from tests.manage_page import PAGE, open_link, path_of
from tests.personas import make_reader
from tests.test_webhooks import SECRET, bounce, post, soft_bounce

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)
NOON = timedelta(hours=4)  # after MORNING's 08:00


def archive_lines(client: Client) -> list[str]:
    """The archive's lines as a reader reads them (tags dropped, spaces squeezed)."""
    page = client.get(PAGE).content.decode()
    section = page.split('id="archive"', 1)[1].split("</section>", 1)[0]
    items = re.findall(r"<li>(.*?)</li>", section, re.S)
    return [" ".join(re.sub(r"<[^>]+>", "", item).split()) for item in items]


def send_at(frozen_clock, moment) -> None:
    frozen_clock.travel_to(moment)
    send_chunk(plan(moment))


def test_the_archive_lists_sent_and_skipped_days_with_reasons(
    client, frozen_clock, settings
) -> None:
    reader = make_reader("ada@example.com", {"Diffusion": "diffusion"})
    make_paper("Diffusion for video", hours_ago=4 * 24 + 2)
    send_at(frozen_clock, MORNING - 4 * DAY)  # Sunday: sent
    send_at(frozen_clock, MORNING - 3 * DAY)  # Monday: nothing new
    frozen_clock.travel_to(MORNING - 3 * DAY + NOON)
    actions.pause(reader)
    send_at(frozen_clock, MORNING - 2 * DAY)  # Tuesday: paused, no digest planned
    frozen_clock.travel_to(MORNING - 2 * DAY + NOON)
    actions.resume(reader)
    make_paper("Diffusion for audio", hours_ago=24 + 2)
    send_at(frozen_clock, MORNING - DAY)  # Wednesday: sent
    make_paper("Diffusion for text")
    with fake_postmark() as provider:  # Thursday: the provider refuses the address
        settings.EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
        settings.ANYMAIL = {"POSTMARK_SERVER_TOKEN": "fake-token", "POSTMARK_API_URL": provider.url}
        provider.script = {1: invalid_recipient("ada@example.com")}
        send_at(frozen_clock, MORNING)

    frozen_clock.travel_to(MORNING + NOON)
    open_link(client, reader)

    assert archive_lines(client) == [
        "Thu 26 Nov 2026 Not sent: the provider refused the address",
        "Wed 25 Nov 2026 Sent (1 paper, view it: the digest of 25 Nov 2026)",
        "Tue 24 Nov 2026 Paused",
        "Mon 23 Nov 2026 Not sent: nothing new matched your topics",
        "Sun 22 Nov 2026 Sent (1 paper, view it: the digest of 22 Nov 2026)",
    ]


def test_a_sent_digest_links_to_its_view_page(client, frozen_clock) -> None:
    reader = make_reader("ada@example.com")
    make_sent_digest(reader, [make_paper("Diffusion for video")])
    frozen_clock.travel_to(MORNING + NOON)
    open_link(client, reader)

    page = client.get(PAGE).content.decode()
    view_url = re.search(r'id="archive".*?<a href="([^"]+)"', page, re.S)[1]

    assert "Diffusion for video" in client.get(path_of(view_url)).content.decode()


def test_the_archive_reaches_back_90_days(client, frozen_clock) -> None:
    reader = make_reader("ada@example.com")
    make_sent_digest(reader, [make_paper("Old")], days_ago=91)
    make_sent_digest(reader, [make_paper("Recent")], days_ago=89)
    frozen_clock.travel_to(MORNING)
    open_link(client, reader)

    assert archive_lines(client) == [
        "Sat 29 Aug 2026 Sent (1 paper, view it: the digest of 29 Aug 2026)"
    ]


def test_a_reader_still_paused_is_told_so(client, frozen_clock) -> None:
    reader = make_reader("ada@example.com")
    frozen_clock.travel_to(MORNING)
    actions.pause(reader)
    open_link(client, reader)

    assert archive_lines(client) == [
        "Thu 26 Nov 2026 Paused: nothing is sent until you resume",
    ]


def test_each_digest_a_pause_swallowed_is_a_line_at_the_readers_time(client, frozen_clock) -> None:
    # 07:00 on Fridays in Auckland (UTC+13 in November) is 18:00 UTC on Thursdays.
    reader = make_reader(
        "ada@example.com",
        frequency="weekly",
        weekday=4,
        delivery_hour=7,
        time_zone="Pacific/Auckland",
    )
    make_sent_digest(reader, [make_paper("Diffusion for video")], days_ago=21)
    frozen_clock.travel_to(MORNING - 21 * DAY + NOON)  # Thursday 5 Nov, noon UTC
    actions.pause(reader)
    frozen_clock.travel_to(MORNING + NOON)  # Thursday 26 Nov, noon UTC: before that Friday's
    actions.resume(reader)
    frozen_clock.travel_to(MORNING + 2 * DAY)
    open_link(client, reader)

    assert archive_lines(client) == [
        "Fri 20 Nov 2026 Paused",
        "Fri 13 Nov 2026 Paused",
        "Fri 6 Nov 2026 Paused",
        "Thu 5 Nov 2026 Sent (1 paper, view it: the digest of 5 Nov 2026)",
    ]


def test_a_pause_of_months_shows_the_last_90_days_in_two_queries(
    frozen_clock, django_assert_num_queries
) -> None:
    reader = make_reader("ada@example.com")
    frozen_clock.travel_to(MORNING - 200 * DAY)
    actions.pause(reader)
    frozen_clock.travel_to(MORNING + NOON)

    with django_assert_num_queries(2):
        entries = archive(reader)

    paused = [entry.day for entry in entries if entry.what == "Paused"]
    assert len(paused) == 90
    assert (paused[0], paused[-1]) == (MORNING.date(), (MORNING - 89 * DAY).date())
    assert entries[-1].what == "Paused: nothing is sent until you resume"


def test_unsubscribing_ends_a_pause(frozen_clock) -> None:
    reader = make_reader("ada@example.com")
    frozen_clock.travel_to(MORNING)
    actions.pause(reader)
    frozen_clock.travel_to(MORNING + DAY)
    actions.unsubscribe(reader)

    pause = Pause.objects.get()
    assert pause.ended_at is not None and pause.ended_at.date() == (MORNING + DAY).date()


def test_only_pauses_the_archive_shows_are_kept(frozen_clock) -> None:
    reader = make_reader("ada@example.com")
    for days_ago in (200, 100, 50):
        frozen_clock.travel_to(MORNING - days_ago * DAY)
        actions.pause(reader)
        frozen_clock.travel_to(MORNING - days_ago * DAY + NOON)
        actions.resume(reader)
    frozen_clock.travel_to(MORNING)
    actions.pause(Subscriber.objects.get(pk=reader.pk))

    kept = Pause.objects.order_by("started_at").values_list("started_at__date", flat=True)
    assert list(kept) == [(MORNING - 50 * DAY).date(), MORNING.date()]


def test_a_digest_the_mailbox_bounced_after_sending_says_so(client, frozen_clock, settings) -> None:
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": SECRET}
    reader = make_reader("ada@example.com")
    make_paper("Diffusion for video")
    send_at(frozen_clock, MORNING)
    [delivery] = reader.deliveries.all()

    assert post(bounce(delivery.pk)) == 200  # the provider's tracking webhook, as Postmark posts it
    open_link(client, reader)

    assert archive_lines(client) == [
        "Thu 26 Nov 2026 Not delivered: the provider refused the address "
        "(1 paper, view it: the digest of 26 Nov 2026)"
    ]


def test_a_digest_a_full_mailbox_turned_back_says_we_keep_trying(
    client, frozen_clock, settings
) -> None:
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": SECRET}
    reader = make_reader("ada@example.com")
    make_paper("Diffusion for video")
    send_at(frozen_clock, MORNING)
    [delivery] = reader.deliveries.all()

    assert post(soft_bounce(delivery.pk, event_id=1)) == 200
    open_link(client, reader)

    assert archive_lines(client) == [
        "Thu 26 Nov 2026 Not delivered: the mailbox was full or unavailable; we will keep trying "
        "(1 paper, view it: the digest of 26 Nov 2026)"
    ]


def test_a_feed_only_digest_says_it_went_to_the_feed(client, frozen_clock) -> None:
    reader = make_reader("ada@example.com", feed_only=True)
    make_paper("Diffusion for video")
    send_at(frozen_clock, MORNING)
    open_link(client, reader)

    assert archive_lines(client) == [
        "Thu 26 Nov 2026 Sent to your feed (1 paper, view it: the digest of 26 Nov 2026)"
    ]
