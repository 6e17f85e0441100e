"""The manage page's team channels: add (with its errors shown back), the masked URL, a test post
to a fake service, pause, resume, remove; only the owner's browser, only by POST."""

import pytest

from digest.models import Channel
from tests.fake_chat import fake_chat
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
