"""The preview (subscriptions/preview.py): the week's papers indexed once per process and again
when they change, answering every query as the digest's TopicIndex would; and its allowance,
counted per reader."""

from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.test import Client

from core import links
from digest.models import Paper
from digest.topics.index import Topic, TopicIndex
from digest.topics.papers import PaperText
from digest.topics.ranking import rank
from subscriptions.models import Subscriber
from subscriptions.preview import RECHECK_AFTER, SHOWN, preview
from tests.personas import ada

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 7, 14, 12, tzinfo=UTC)
FEEDS = Path(__file__).parent / "fixtures" / "feeds"
SAVED_FEEDS = [
    FEEDS / "arxiv_api" / "cat_cs.AI_OR_cs.LG_max50_2026-07-13.xml",
    FEEDS / "hf_daily_papers" / "daily_papers_2026-07-13.json",
    FEEDS / "arxiv_rss" / "cs.CL+cs.LG_weekday.xml",
]
QUERIES = [
    ('"language model*" OR llm* -survey', 0),
    ("agent*", 0),
    ("diffusion OR denois*", 3),
    ("reinforcement learning", 0),
    ('"reinforcement learning"', 0),
    ("cat:cs.CL", 0),
    ("cat:cs.* -reasoning", 0),
    ("title:benchmark*", 0),
    ("author:wang OR author:li", 0),
    ("-survey OR reason*", 1),
    ("video (generation OR synthesis OR edit*)", 0),
    ('abstract:"state of the art"', 0),
]


@pytest.fixture
def now(frozen_clock):
    frozen_clock.travel_to(NOW)
    return frozen_clock


def paper(title: str, days_ago: float = 1, **fields: object) -> Paper:
    return Paper.objects.create(
        key=f"test:{title}", title=title, first_seen_at=NOW - timedelta(days=days_ago), **fields
    )


def test_the_preview_finds_what_the_digests_topic_index_finds_in_the_saved_feeds(now) -> None:
    call_command("ingest", *map(str, SAVED_FEEDS), stdout=StringIO())
    texts = [PaperText.of(row) for row in Paper.objects.all()]
    assert len(texts) > 50

    for query, min_upvotes in QUERIES:
        index = TopicIndex.build([Topic(0, query, min_upvotes)])
        matched = {text.id: found[0] for text in texts if 0 in (found := index.match(text))}
        ranked = [text for text in rank(texts) if text.id in matched][:SHOWN]

        shown = preview(query, min_upvotes)

        assert shown.total == len(matched), query
        assert [item.paper.pk for item in shown.papers] == [text.id for text in ranked], query
        for item, text in zip(shown.papers, ranked, strict=True):
            assert item.words == matched[text.id], query


def test_the_preview_sees_papers_added_at_once_and_upvotes_within_a_minute(now) -> None:
    first = paper("Diffusion one")
    assert preview("diffusion").total == 1
    paper("Diffusion two", upvotes=5)
    paper("Diffusion old", days_ago=8, upvotes=50)

    assert [item.paper.title for item in preview("diffusion", 3).papers] == ["Diffusion two"]

    Paper.objects.filter(pk=first.pk).update(upvotes=9, upvotes_at=NOW)
    now.travel_to(NOW + RECHECK_AFTER + timedelta(seconds=1))
    shown = preview("diffusion", 3)
    assert [item.paper.title for item in shown.papers] == ["Diffusion one", "Diffusion two"]


def test_a_preview_reads_the_week_once_and_then_only_checks_it_is_unchanged(
    now, django_assert_num_queries
) -> None:
    paper("Diffusion one")
    preview("video")

    with django_assert_num_queries(2):  # the newest paper's id, and the rows shown
        assert preview("diffusion").total == 1


def test_the_week_slides_without_reading_it_again(now) -> None:
    paper("Diffusion one", days_ago=6.5)
    assert preview("diffusion").total == 1

    now.travel_to(NOW + timedelta(days=1))

    assert preview("diffusion").total == 0


# --- the allowance --------------------------------------------------------------------------------


def open_link(client: Client, reader: Subscriber) -> None:
    client.get(urlsplit(links.manage_url(reader)).path, follow=True)


def test_two_manage_links_of_one_reader_share_one_preview_allowance(settings, now) -> None:
    settings.PREVIEWS_PER_HOUR = 1
    reader = ada()
    phone, laptop = Client(), Client()
    open_link(phone, reader)
    now.travel_to(NOW + timedelta(minutes=5))  # a later email's link: another token
    open_link(laptop, reader)

    assert phone.get("/manage/preview/", {"query": "a1"}).status_code == 200
    assert laptop.get("/manage/preview/", {"query": "a1"}).status_code == 429
