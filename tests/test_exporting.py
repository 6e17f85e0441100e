"""The "export my data" download (subscriptions/exporting.py): everything stored about a reader."""

import json

import pytest

from digest import actions
from digest.models import ChannelPaper, ChannelPost, Delivery
from subscriptions.exporting import reader_data
from tests.manage_page import NOW, open_link, sent_digest
from tests.personas import ada

pytestmark = pytest.mark.django_db


def test_the_export_holds_subscription_consent_topics_and_deliveries(
    client, django_assert_max_num_queries
) -> None:
    reader = ada()
    sent_digest(reader)
    open_link(client, reader)

    with django_assert_max_num_queries(16):  # the page's session and the export's ten queries
        response = client.post("/manage/export/")

    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith('attachment; filename="papers-digest-data-')
    data = json.loads(response.content)
    assert data["subscription"]["email"] == "ada@example.com"
    assert data["subscription"]["status"] == "active"
    assert data["subscription"]["time_zone"] == "UTC"
    assert data["consent"]["consent_confirmed_at"] is not None
    assert [t["query"] for t in data["topics"]] == ["diffusion", "cat:cs.CL retrieval"]
    [delivery] = data["deliveries"]
    assert delivery["period"] == "2026-11-25" and delivery["status"] == "sent"
    assert delivery["provider_message_id"] == "<msg-1@example.com>"
    [item] = delivery["papers"]
    assert item["paper"]["title"] == "Diffusion for video" and item["topics"] == ["diffusion"]


def test_the_export_query_count_does_not_grow_with_deliveries(
    django_assert_max_num_queries,
) -> None:

    reader = ada()
    sent_digest(reader)
    for day in range(20, 25):
        Delivery.objects.create(
            subscriber=reader,
            period=f"2026-11-{day}",
            status="skipped",
            batch="00000000-0000-0000-0000-000000000002",
            window_start=NOW,
            window_end=NOW,
            planned_at=NOW,
        )

    with django_assert_max_num_queries(10):
        data = reader_data(reader)

    assert len(data["deliveries"]) == 6


def test_the_export_holds_the_readers_votes_and_mutes() -> None:
    from digest import actions as digest_actions
    from tests.digests import make_paper

    reader = ada()
    paper = make_paper("Sparse attention")
    digest_actions.vote(reader, paper, liked=False)
    digest_actions.mute(reader, "author", "Grace Hopper")

    data = reader_data(reader)

    assert [(v["liked"], v["paper"]["title"]) for v in data["votes"]] == [
        (False, "Sparse attention")
    ]
    assert [(m["kind"], m["value"]) for m in data["mutes"]] == [("author", "Grace Hopper")]


def test_deleting_the_reader_erases_their_votes_and_mutes() -> None:
    from digest import actions as digest_actions
    from subscriptions import actions
    from subscriptions.models import Mute, Vote
    from tests.digests import make_paper

    reader = ada()
    digest_actions.vote(reader, make_paper("Sparse attention"), liked=True)
    digest_actions.mute(reader, "word", "survey")

    actions.delete_reader(reader)

    assert not Vote.objects.exists() and not Mute.objects.exists()


def test_the_export_holds_the_private_feed_and_the_pauses(now) -> None:
    from subscriptions import actions
    from subscriptions.feed_views import feed_url

    reader = ada()
    actions.set_feed_only(reader, True)
    actions.pause(reader)

    data = reader_data(reader)

    assert data["feed"] == {
        "atom": feed_url(reader),
        "rss": feed_url(reader, "rss"),
        "feed_only": True,
    }
    [pause] = data["pauses"]
    assert pause["started_at"].startswith("2026-11-26T12:00") and pause["ended_at"] is None


def test_the_export_holds_the_papers_a_minimum_held_back(now) -> None:
    from digest.models import HeldBack
    from tests.digests import make_paper

    reader = ada()
    topic = reader.topics.first()
    paper = make_paper("Diffusion for audio", upvotes=3)
    HeldBack.objects.create(
        subscriber=reader, paper=paper, topic=topic, min_upvotes=10, upvotes=3, held_at=NOW
    )

    [held] = reader_data(reader)["held_back"]

    assert (held["topic"], held["min_upvotes"], held["upvotes"]) == ("diffusion", 10, 3)
    assert held["paper"]["title"] == "Diffusion for audio"


def test_deleting_the_reader_erases_their_feed_pauses_and_held_back_papers(client) -> None:
    from digest.models import HeldBack
    from subscriptions import actions
    from subscriptions.feed_views import feed_url
    from subscriptions.models import Pause
    from tests.digests import make_paper
    from tests.manage_page import path_of

    reader = ada()
    actions.pause(reader)
    HeldBack.objects.create(
        subscriber=reader,
        paper=make_paper("Diffusion for audio"),
        topic=reader.topics.first(),
        min_upvotes=10,
        held_at=NOW,
    )
    feed = path_of(feed_url(reader))
    assert client.get(feed).status_code == 200

    actions.delete_reader(reader)

    assert not Pause.objects.exists() and not HeldBack.objects.exists()
    assert client.get(feed).status_code == 404


def test_the_export_holds_the_readers_channels_with_their_url_masked(settings) -> None:
    settings.FETCH_ALLOWED_HOSTS = ["127.0.0.1"]
    reader = ada()
    url = "http://127.0.0.1:9/services/T0001/B0001/secrettoken"
    channel = actions.add_channel(reader, url, name="ML team", kind="slack", topics=["diffusion"])
    delivery = sent_digest(reader)
    post = ChannelPost.objects.create(
        channel=channel,
        period="2026-11-26",
        status="sent",
        batch="00000000-0000-0000-0000-000000000003",
        window_start=NOW,
        window_end=NOW,
        planned_at=NOW,
        parts_sent=1,
    )
    paper = delivery.items.get().paper
    ChannelPaper.objects.create(channel=channel, paper=paper, post=post, position=0)

    data = reader_data(reader)

    [exported] = data["channels"]
    assert exported["name"] == "ML team" and exported["url_masked"] == "http://127.0.0.1/…oken"
    assert exported["topics"] == ["diffusion"]
    assert "secrettoken" not in json.dumps(data) and "url_encrypted" not in exported
    [exported_post] = exported["posts"]
    assert exported_post["status"] == "sent" and exported_post["parts_sent"] == 1
    assert [p["paper"]["title"] for p in exported_post["papers"]] == [paper.title]


# How the manage page's "Your data" and "Delete me" texts name each part of the export: a part
# added to the export fails here until the texts name it.
NAMED = {
    "subscription": "subscription",
    "consent": "consent record",
    "feed": "private feed",
    "topics": "topics",
    "votes": "votes",
    "mutes": "mutes",
    "pauses": "pauses",
    "deliveries": "digests we sent",
    "held_back": "held back",
    "channels": "team channels",
}


def test_the_your_data_and_delete_me_texts_name_everything_the_export_holds(client) -> None:
    import re

    from tests.manage_page import PAGE

    reader = ada()
    open_link(client, reader)
    page = client.get(PAGE).content.decode()
    section = page.split('id="data"', 1)[1].split("</section>", 1)[0]
    download, delete = re.findall(r"<p>(.*?)</p>", section, re.S)[:2]

    parts = set(reader_data(reader)) - {"exported_at"}
    for part in parts:
        assert NAMED[part] in download, part
        assert NAMED[part] in delete, part
