"""The manage page's archive in Chromium, without JavaScript, on a 390 px phone and at 1280 px:
it reads line by line, fits the screen, and its links open the digests they name."""

from datetime import timedelta

import pytest

from core import clock, links
from digest.models import Delivery
from subscriptions import actions
from tests.digests import MORNING, make_paper, make_sent_digest
from tests.personas import ada

pytestmark = pytest.mark.django_db(transaction=True)


def history() -> object:
    """Ada's last days: a digest sent on Tuesday, nothing new on Wednesday, and Thursday's digest
    swallowed by a pause she ended after it (the clock stays on Thursday)."""
    reader = ada()
    sent = make_sent_digest(reader, [make_paper("Diffusion for <b>video</b>")], days_ago=2)
    Delivery.objects.create(
        subscriber=reader,
        period="2026-11-25",
        status=Delivery.Status.SKIPPED,
        reason=Delivery.NOTHING_NEW,
        batch=sent.batch,
        window_start=sent.window_end,
        window_end=sent.window_end + timedelta(days=1),
        planned_at=sent.planned_at + timedelta(days=1),
    )
    clock.travel_to(MORNING - timedelta(hours=20))
    actions.pause(reader)
    clock.travel_to(MORNING + timedelta(hours=1))
    actions.resume(reader)
    return reader


@pytest.mark.parametrize("width", [390, 1280])
def test_the_archive_reads_and_fits_without_javascript(
    chromium, live_server, artefacts, settings, frozen_clock, width
) -> None:
    settings.SITE_URL = live_server.url
    reader = history()
    context = chromium.new_context(
        viewport={"width": width, "height": 900}, java_script_enabled=False
    )
    page = context.new_page()
    page.goto(links.manage_url(reader))
    archive = page.locator("#archive")
    archive.scroll_into_view_if_needed()
    archive.screenshot(path=artefacts / f"manage-archive-{width}.png")

    lines = archive.locator("li").all_inner_texts()
    assert lines[0].endswith("Paused")
    assert "Not sent: nothing new matched your topics" in lines[1]
    assert "Sent (1 paper, view it" in lines[2]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    archive.get_by_role("link", name="view it").click()
    assert page.get_by_text("Diffusion for <b>video</b>").is_visible()
    context.close()
