"""Team channels in a real browser on a phone-sized screen: add one from the manage page, see
its address only masked, send it a test post that a fake Discord receives, pause and remove."""

import pytest

from core import links
from digest.models import Channel
from tests.fake_chat import fake_chat
from tests.personas import ada


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_reader_adds_tests_pauses_and_removes_a_channel(page, live_server, settings, artefacts):
    settings.FETCH_ALLOWED_HOSTS = ["127.0.0.1"]
    reader = ada()
    with fake_chat() as chat:
        page.goto(links.manage_url(reader).replace(settings.SITE_URL, live_server.url))
        page.get_by_role("link", name="Add a team channel").click()
        page.screenshot(path=artefacts / "channel-add-phone.png", full_page=True)
        page.get_by_label("Name", exact=True).fill("ML <team>")
        page.get_by_label("Discord").check()
        page.get_by_label("Webhook address").fill(chat.url("discord"))
        page.get_by_label("Topics, one query per line").fill("diffusion\nretrieval")
        page.get_by_label("Daily").check()
        page.get_by_label("Delivery time").select_option("09:00")
        page.get_by_label("Papers per post").fill("8")
        page.get_by_role("button", name="Add channel").click()

        page.get_by_text("Channel “ML <team>” added.").wait_for()
        section = page.locator("#channels")
        assert "secretdiscordtoken" not in section.inner_text()
        assert "http://127.0.0.1/…oken" in section.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.get_by_role("button", name="Send a test post to ML <team>").click()
        page.get_by_text("Test post sent").wait_for()
        page.screenshot(path=artefacts / "channel-manage-phone.png", full_page=True)
        assert len(chat.accepted()) == 1

    page.get_by_role("button", name="Pause ML <team>").click()
    page.get_by_text("paused", exact=False).first.wait_for()
    assert Channel.objects.get().paused
    page.get_by_role("button", name="Remove ML <team>").click()
    page.get_by_text("No channels yet.").wait_for()
    assert not Channel.objects.exists()
