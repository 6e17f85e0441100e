"""Late bloomers (digest/blooming.py): a paper held back by a topic's minimum upvotes that reaches
it within LATE_BLOOMER_WINDOW of being first seen goes out in the reader's next digest, once,
"Trending late". Papers arrive through the real ingest (store), which times their upvotes."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from digest.building import build, recorded_picks
from digest.ingest import store
from digest.models import Delivery, HeldBack, Source
from digest.planning import plan
from digest.records import PaperRecord, ParsedFeed
from digest.sending import send_chunk
from subscriptions.models import Subscriber, TopicFilter
from tests.digests import MORNING
from tests.personas import make_reader

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)
WEDNESDAY = MORNING - DAY  # 08:00 UTC, when daily readers get their digest


def announce(frozen_clock, at, **upvotes: int) -> None:
    """A Hugging Face listing at `at` of papers titled by their keyword, with these upvotes."""
    frozen_clock.travel_to(at)
    source, _ = Source.objects.get_or_create(
        name="hf", defaults={"kind": "hf_daily_api", "url": "http://127.0.0.1/papers"}
    )
    numbers = {"video": 1, "audio": 2, "text": 3, "images": 4}
    records = [
        PaperRecord(
            raw_id=f"2611.{numbers[word]:05d}",
            arxiv_id=f"2611.{numbers[word]:05d}",
            title=f"Diffusion for {word}",
            upvotes=count,
        )
        for word, count in upvotes.items()
    ]
    store(source, ParsedFeed(records=records))


def reader(name: str, min_upvotes: int = 0, **fields: object) -> Subscriber:
    made = make_reader(f"{name}@example.com", {"Diffusion": "diffusion"}, **fields)
    TopicFilter.objects.filter(subscriber=made).update(min_upvotes=min_upvotes)
    return made


def send_at(frozen_clock, moment) -> dict[str, str]:
    """Plan and send the digests due at `moment`; each reader's email text by address."""
    frozen_clock.travel_to(moment)
    mail.outbox.clear()
    send_chunk(plan(moment))
    return {message.to[0]: message.body for message in mail.outbox}


def test_a_late_bloomer_reaches_a_reader_with_a_minimum_once_after_it_crosses(
    frozen_clock,
) -> None:
    reader("ada", min_upvotes=10)
    reader("bob")  # no minimum
    announce(frozen_clock, WEDNESDAY - timedelta(hours=2), video=3, audio=20)

    wednesday = send_at(frozen_clock, WEDNESDAY)
    announce(frozen_clock, WEDNESDAY + timedelta(hours=12), video=12, audio=20)
    thursday = send_at(frozen_clock, MORNING)
    announce(frozen_clock, MORNING + DAY - timedelta(hours=2), video=40, text=30)
    friday = send_at(frozen_clock, MORNING + DAY)

    assert "Diffusion for audio" in wednesday["ada@example.com"]
    assert "Diffusion for video" not in wednesday["ada@example.com"]
    assert "Diffusion for video" in thursday["ada@example.com"]
    assert "Trending late" in thursday["ada@example.com"]
    assert "Diffusion for text" in friday["ada@example.com"]
    assert "Diffusion for video" not in friday["ada@example.com"]
    # A reader without a minimum got both at once and nothing late.
    assert "Diffusion for video" in wednesday["bob@example.com"]
    assert "bob@example.com" not in thursday
    assert "Trending late" not in friday["bob@example.com"]


def test_the_digest_keeps_saying_trending_late_in_the_browser(frozen_clock) -> None:
    reader("ada", min_upvotes=10)
    announce(frozen_clock, WEDNESDAY - timedelta(hours=2), video=3, audio=20)
    send_at(frozen_clock, WEDNESDAY)
    announce(frozen_clock, WEDNESDAY + timedelta(hours=12), video=12)
    send_at(frozen_clock, MORNING)

    thursday = Delivery.objects.get(period="2026-11-26")
    [pick] = recorded_picks([thursday])[thursday.pk]
    assert (pick.paper.title, pick.reason) == ("Diffusion for video", "Trending late")


def test_a_paper_crossing_after_the_window_stays_out(frozen_clock, settings) -> None:
    settings.LATE_BLOOMER_WINDOW = timedelta(hours=12)
    reader("ada", min_upvotes=10)
    announce(frozen_clock, WEDNESDAY - timedelta(hours=2), video=3, audio=20)
    send_at(frozen_clock, WEDNESDAY)
    announce(frozen_clock, WEDNESDAY + timedelta(hours=12), video=12)  # 14 hours after first seen

    assert send_at(frozen_clock, MORNING) == {}


def test_a_paper_cut_only_by_the_papers_per_email_limit_does_not_come_back(frozen_clock) -> None:
    ada = reader("ada", min_upvotes=10, max_papers=1)
    # Below the first topic's minimum, but the second, without one, lets it through.
    TopicFilter.objects.create(subscriber=ada, name="Video", query="video", position=1)
    announce(frozen_clock, WEDNESDAY - timedelta(hours=2), video=5, audio=20)
    send_at(frozen_clock, WEDNESDAY)
    announce(frozen_clock, WEDNESDAY + timedelta(hours=12), video=30)

    assert send_at(frozen_clock, MORNING) == {}
    assert not HeldBack.objects.exists()


def test_a_removed_topic_lets_its_held_back_papers_go(frozen_clock) -> None:
    ada = reader("ada", min_upvotes=10)
    announce(frozen_clock, WEDNESDAY - timedelta(hours=2), video=3, audio=20)
    send_at(frozen_clock, WEDNESDAY)
    TopicFilter.objects.filter(subscriber=ada).delete()
    announce(frozen_clock, WEDNESDAY + timedelta(hours=12), video=12)

    assert send_at(frozen_clock, MORNING) == {}


def queries_to_build(frozen_clock, readers: int) -> int:
    for number in range(readers):
        reader(f"reader{number}", min_upvotes=10)
    announce(frozen_clock, WEDNESDAY - timedelta(hours=2), video=3, audio=20)
    send_at(frozen_clock, WEDNESDAY)
    announce(frozen_clock, WEDNESDAY + timedelta(hours=12), video=12)
    frozen_clock.travel_to(MORNING)
    deliveries = list(
        Delivery.objects.filter(pk__in=plan(MORNING))
        .select_related("subscriber")
        .prefetch_related("subscriber__topics")
    )
    with CaptureQueriesContext(connection) as queries:
        picks = build(deliveries, MORNING)
    assert len(picks) == readers
    return len(queries)


def test_late_bloomers_cost_the_same_queries_for_one_reader_as_for_many(frozen_clock) -> None:
    one = queries_to_build(frozen_clock, 1)
    Subscriber.objects.all().delete()

    assert queries_to_build(frozen_clock, 6) == one


def test_a_digest_holds_back_at_most_its_papers_per_email_the_most_upvoted(frozen_clock) -> None:
    reader("ada", min_upvotes=10, max_papers=1)
    announce(frozen_clock, WEDNESDAY - timedelta(hours=2), video=3, audio=5, images=20)
    send_at(frozen_clock, WEDNESDAY)
    announce(frozen_clock, WEDNESDAY + timedelta(hours=12), video=12, audio=12)

    thursday = send_at(frozen_clock, MORNING)["ada@example.com"]

    assert "Diffusion for audio" in thursday and "Diffusion for video" not in thursday
