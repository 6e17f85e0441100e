"""The manage page's team channels: add (with its errors shown back), the masked URL, a test post
to a fake service, pause, resume, remove; only the owner's browser, only by POST."""

import re
from datetime import timedelta
from uuid import uuid4

import pytest

from digest import actions
from digest.channel_sending import plan_posts, send_posts
from digest.models import Channel, ChannelPost
from subscriptions.channel_log import channels_with_recent_posts
from tests.digests import MORNING, make_paper
from tests.fake_chat import Answer, fake_chat
from tests.manage_page import PAGE, open_link
from tests.personas import make_reader

pytestmark = pytest.mark.django_db
NEW = "/manage/channels/new/"


@pytest.fixture
def ada(client, settings):
    settings.FETCH_ALLOWED_HOSTS = ["127.0.0.1"]
    reader = make_reader("ada@example.com", time_zone="Europe/Paris")
    open_link(client, reader)
    return reader


def form(url: str, **changes: str) -> dict[str, str]:
    return {
        "name": "ML <team>",
        "kind": "slack",
        "url": url,
        "topics": "diffusion\n\n  cat:cs.CL retrieval  ",
        "frequency": "weekly",
        "weekday": "2",
        "delivery_hour": "9",
        "time_zone": "Europe/Paris",
        "papers_per_post": "7",
        **changes,
    }


def test_a_reader_adds_a_channel_and_sees_its_url_only_masked(client, ada):
    with fake_chat() as chat:
        url = chat.url("slack")
        assert client.get(NEW).status_code == 200
        response = client.post(NEW, form(url), follow=True)

    channel = Channel.objects.get()
    assert (channel.owner, channel.kind, channel.papers_per_post) == (ada, "slack", 7)
    assert channel.topics == ["diffusion", "cat:cs.CL retrieval"]
    assert (channel.frequency, channel.weekday, channel.delivery_hour) == ("weekly", 2, 9)
    page = response.content.decode()
    assert "ML &lt;team&gt;" in page and "secretslacktoken" not in page
    assert channel.url_masked in page and "/…oken" in channel.url_masked


def test_a_topic_repeated_in_other_capitals_or_spacing_is_kept_once(client, ada):
    topics = "diffusion\n  Diffusion \n" + "\n".join(["LLM agents", "llm  agents"] * 20)

    client.post(NEW, form("http://127.0.0.1:9/hook", topics=topics))

    assert Channel.objects.get().topics == ["diffusion", "LLM agents"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"url": "http://10.1.2.3/hook"}, "public internet"),
        ({"url": "javascript:alert(1)"}, "starting with https://"),
        ({"url": "https://[::1/hook"}, "starting with https://"),
        ({"topics": "diffusion\n(unclosed"}, "Line 2:"),
        ({"topics": "diffusion\nlike:9999.99999"}, "Line 2: No paper here has the arXiv id"),
        ({"papers_per_post": "51"}, "less than or equal to 50"),
        ({"time_zone": "Mars/Olympus"}, "not a time zone we know"),
    ],
)
def test_a_bad_channel_is_shown_back_with_the_reason(client, ada, changes, message):
    response = client.post(NEW, {**form("http://127.0.0.1:9/hook"), **changes})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Channel.objects.exists()


def test_a_test_post_pause_resume_and_remove(client, ada):
    with fake_chat() as chat:
        client.post(NEW, form(chat.url("discord"), kind="discord"))
        channel = Channel.objects.get()
        change = f"/manage/channels/{channel.pk}/"

        page = client.post(change, {"action": "test"}, follow=True).content.decode()
        assert "Test post sent" in page
        assert chat.accepted()[0]["embeds"][0]["title"] == "Test post from papers\\-digest"

        client.post(change, {"action": "pause"})
        assert Channel.objects.get().paused
        client.post(change, {"action": "resume"})
        assert not Channel.objects.get().paused
        client.post(change, {"action": "remove"})
    assert not Channel.objects.exists()


def test_a_failed_test_post_says_why_and_test_posts_are_limited(client, ada):
    client.post(NEW, form("http://127.0.0.1:9/hook"))  # nothing listens on port 9
    change = f"/manage/channels/{Channel.objects.get().pk}/"
    page = client.post(change, {"action": "test"}, follow=True).content.decode()
    assert "did not go through" in page
    for _ in range(5):
        client.post(change, {"action": "test"})
    page = client.post(change, {"action": "test"}, follow=True).content.decode()
    assert "Enough test posts for now" in page


def test_only_the_owners_browser_changes_a_channel_and_only_by_post(client, ada):
    client.post(NEW, form("http://127.0.0.1:9/hook"))
    channel = Channel.objects.get()
    change = f"/manage/channels/{channel.pk}/"
    assert client.get(change, {"action": "remove"}).status_code == 405

    bob = make_reader("bob@example.com")
    open_link(client, bob)  # this browser now holds bob's link
    assert client.post(change, {"action": "remove"}).status_code == 404
    assert Channel.objects.exists()
    assert "No channels yet." in client.get(PAGE).content.decode()


def test_a_reader_edits_a_channel_and_keeps_its_url(client, ada):
    client.post(NEW, form("http://127.0.0.1:9/services/T1/B1/secretslacktoken"))
    channel = Channel.objects.get()
    edit = f"/manage/channels/{channel.pk}/edit/"

    page = client.get(edit).content.decode()
    assert "ML &lt;team&gt;" in page and channel.url_masked in page
    assert "secretslacktoken" not in page and "diffusion\ncat:cs.CL retrieval" in page

    changes = {"name": "Vision", "topics": "segmentation", "frequency": "daily"}
    response = client.post(edit, form("", delivery_hour="17", papers_per_post="3", **changes))
    assert response.status_code == 302

    edited = Channel.objects.get()
    assert (edited.name, edited.topics, edited.frequency) == ("Vision", ["segmentation"], "daily")
    assert (edited.delivery_hour, edited.papers_per_post, edited.kind) == (17, 3, "slack")
    assert (edited.url_encrypted, edited.url_masked) == (channel.url_encrypted, channel.url_masked)


def test_a_reader_replaces_a_channels_url_checked_as_on_add(client, ada):
    client.post(NEW, form("http://127.0.0.1:9/hook"))
    edit = f"/manage/channels/{Channel.objects.get().pk}/edit/"

    response = client.post(edit, form("http://10.1.2.3/hook"))
    assert response.status_code == 400 and "public internet" in response.content.decode()
    assert Channel.objects.get().url_masked == "http://127.0.0.1/…hook"

    with fake_chat() as chat:
        client.post(edit, form(chat.url("slack")))
        client.post(f"/manage/channels/{Channel.objects.get().pk}/", {"action": "test"})
        assert len(chat.accepted()) == 1
    assert "/…oken" in Channel.objects.get().url_masked


def test_only_the_owner_edits_a_channel(client, ada):
    client.post(NEW, form("http://127.0.0.1:9/hook"))
    edit = f"/manage/channels/{Channel.objects.get().pk}/edit/"
    assert client.get(edit).status_code == 200
    open_link(client, make_reader("bob@example.com"))
    assert client.get(edit).status_code == 404
    assert client.post(edit, form("", name="Mine now")).status_code == 404
    assert Channel.objects.get().name == "ML <team>"


def channel_log(page: str) -> list[str]:
    """The lines of the channels' recent posts, as text."""
    section = page[page.index('id="channels"') :]
    lines = re.findall(r"<li><time.*?</li>", section, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", line).split()) for line in lines]


def test_the_manage_page_shows_each_channels_last_posts(client, ada, frozen_clock):
    frozen_clock.travel_to(MORNING - timedelta(days=1))
    with fake_chat() as chat:
        actions.add_channel(ada, chat.url("slack"), name="ML team", kind="slack")
        make_paper("Diffusion", upvotes=5)
        make_paper("Retrieval", upvotes=3)
        for day, script in enumerate([{}, {}, {2: Answer(404, "no_service")}]):
            frozen_clock.travel_to(MORNING + timedelta(days=day))
            if day == 2:
                make_paper("Graphs", hours_ago=-40)
            chat.script = script
            send_posts(plan_posts(MORNING + timedelta(days=day)))

    page = client.get("/manage/").content.decode()
    assert channel_log(page) == [
        "Sat 28 Nov 2026 Failed: The service no longer takes this webhook address (it answered"
        " 404: no_service). Edit the channel to give it a new one.",
        "Fri 27 Nov 2026 Nothing new, no post",
        "Thu 26 Nov 2026 Sent, 2 papers",
    ]


def test_each_channel_shows_its_last_five_posts_in_two_queries(ada, django_assert_num_queries):
    for name in ["A", "B", "C"]:
        channel = actions.add_channel(ada, "http://127.0.0.1:9/hook", name=name, kind="slack")
        for day in range(1, 8):
            at = MORNING + timedelta(days=day)
            ChannelPost.objects.create(
                channel=channel,
                period=f"day {day}",
                status="sent",
                batch=uuid4(),
                window_start=at,
                window_end=at,
                planned_at=at,
            )

    with django_assert_num_queries(2):
        channels = channels_with_recent_posts(ada)

    assert [channel.name for channel, _ in channels] == ["A", "B", "C"]
    for _, posts in channels:
        assert [post.day.day for post in posts] == [3, 2, 1, 30, 29]  # 3 Dec back to 29 Nov
