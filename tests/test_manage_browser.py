"""The manage page in a real browser: from the emailed link to topics, schedule, pause and
export, with JavaScript (a live preview as the reader types) and without (a Preview button)."""

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from digest.models import Paper
from subscriptions.models import Subscriber
from tests.personas import ada

PHONE = {"width": 390, "height": 844}


def recent_papers() -> None:
    now = timezone.now()
    for number, title, abstract in [
        (1, "Video diffusion models that <b>respect</b> physics", "Physics-aware video."),
        (2, "Diffusion for audio", "We generate speech with diffusion."),
        (3, "Retrieval for long-context language models", "Retrieval helps."),
    ]:
        Paper.objects.create(
            key=f"arxiv:2611.0000{number}",
            title=title,
            abstract=abstract,
            first_seen_at=now - timedelta(days=number),
            abs_url=f"https://arxiv.org/abs/2611.0000{number}",
        )


def manage_link_from_the_outbox(page, live_server, mailoutbox) -> str:
    """Ask for a manage link on the site, as a reader without one would, and read the email."""
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Get a link to manage your subscription").click()
    page.get_by_label("Your email address").fill("ada@example.com")
    page.get_by_role("button", name="Send me my link").click()
    page.get_by_role("heading", name="Check your inbox").wait_for()
    [email] = mailoutbox
    return re.search(r"https?://\S+/manage/\S+/", email.body).group()


def add_form(page):
    return page.locator("form[action='/manage/topics/']")


def preview_count(page) -> str:
    return add_form(page).locator(".preview-count").inner_text()


def change_schedule(page, time_zone: str | None) -> None:
    page.get_by_label("Weekly", exact=True).check()
    page.get_by_label("Weekday (weekly digests)").select_option("Friday")
    page.get_by_label("Delivery time").select_option("18:00")
    if time_zone:
        page.get_by_label("Time zone").select_option(time_zone)
    else:
        page.get_by_role("button", name="Use my time zone (Europe/Paris)").click()
    page.get_by_label("Papers per email").fill("25")
    page.get_by_role("button", name="Save schedule").click()
    page.get_by_text("Schedule saved.").wait_for()


def export(page) -> dict:
    with page.expect_download() as download:
        page.get_by_role("button", name="Download my data (JSON)").click()
    return json.loads(download.value.path().read_text())


def assert_managed(reader: Subscriber, data: dict) -> None:
    reader.refresh_from_db()
    assert reader.status == "paused"
    assert (reader.frequency, reader.weekday, reader.delivery_hour) == ("weekly", 4, 18)
    assert (reader.time_zone, reader.max_papers) == ("Europe/Paris", 25)
    assert list(reader.topics.values_list("query", flat=True)) == [
        "diffusion",
        "cat:cs.CL retrieval",
        "diffusion video",
    ]
    assert data["subscription"]["email"] == "ada@example.com"
    assert data["subscription"]["status"] == "paused"
    assert [topic["query"] for topic in data["topics"]][-1] == "diffusion video"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_reader_manages_everything_from_the_emailed_link(
    live_server, chromium, artefacts, mailoutbox, settings
) -> None:
    settings.SITE_URL = live_server.url
    reader = ada()
    recent_papers()
    context = chromium.new_context(
        viewport=PHONE, timezone_id="Europe/Paris", accept_downloads=True
    )
    page = context.new_page()
    try:
        page.goto(manage_link_from_the_outbox(page, live_server, mailoutbox))
        page.get_by_role("heading", name="Your subscription").wait_for()
        assert page.url == f"{live_server.url}/manage/"  # the token left the address bar
        page.screenshot(path=str(artefacts / "manage-1-page.png"), full_page=True)

        query = add_form(page).get_by_label("Query")
        query.fill("diffusion")
        add_form(page).get_by_text("2 papers in the last 7 days").wait_for()
        assert add_form(page).locator("mark").first.inner_text().lower() == "diffusion"
        add_form(page).screenshot(path=str(artefacts / "manage-2-preview.png"))
        query.fill("diffusion video")
        add_form(page).get_by_text("1 paper in the last 7 days").wait_for()
        assert "<b>respect</b>" in add_form(page).locator(".preview-papers").inner_text()
        add_form(page).screenshot(path=str(artefacts / "manage-3-preview-changed.png"))
        query.fill("diffusion (video")
        add_form(page).get_by_role("alert").wait_for()
        assert "^" in add_form(page).get_by_role("alert").inner_text()
        add_form(page).screenshot(path=str(artefacts / "manage-4-query-error.png"))
        query.fill("diffusion video")
        add_form(page).get_by_text("1 paper in the last 7 days").wait_for()
        page.get_by_role("button", name="Add topic").click()
        page.get_by_text("Topic “diffusion video” added.").wait_for()
        page.screenshot(path=str(artefacts / "manage-5-topic-added.png"), full_page=True)

        change_schedule(page, time_zone=None)  # the browser's zone, offered by the page
        page.locator("#schedule").screenshot(path=str(artefacts / "manage-6-schedule.png"))

        page.get_by_role("button", name="Pause my digests").click()
        page.get_by_role("button", name="Resume my digests").wait_for()
        page.locator("#pause").screenshot(path=str(artefacts / "manage-7-paused.png"))

        data = export(page)
        page.locator("#data").screenshot(path=str(artefacts / "manage-8-export.png"))

        page.get_by_role("link", name="How to write topics").click()
        page.get_by_role("heading", name="Writing topics").wait_for()
        page.screenshot(path=str(artefacts / "manage-9-help.png"), full_page=True)
    finally:
        context.close()

    assert_managed(reader, data)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_same_flow_works_without_javascript(
    live_server, chromium, artefacts, mailoutbox, settings
) -> None:
    settings.SITE_URL = live_server.url
    reader = ada()
    recent_papers()
    context = chromium.new_context(viewport=PHONE, java_script_enabled=False, accept_downloads=True)
    page = context.new_page()
    try:
        page.goto(manage_link_from_the_outbox(page, live_server, mailoutbox))
        page.get_by_role("heading", name="Your subscription").wait_for()

        add_form(page).get_by_label("Query").fill("diffusion")
        add_form(page).get_by_role("button", name="Preview").click()
        assert preview_count(page).startswith("2 papers")
        add_form(page).get_by_label("Query").fill("diffusion video")
        add_form(page).get_by_role("button", name="Preview").click()
        assert preview_count(page).startswith("1 paper ")
        add_form(page).screenshot(path=str(artefacts / "manage-nojs-1-preview.png"))
        page.get_by_role("button", name="Add topic").click()
        page.get_by_text("Topic “diffusion video” added.").wait_for()

        change_schedule(page, time_zone="Europe/Paris")
        page.get_by_role("button", name="Pause my digests").click()
        page.get_by_role("button", name="Resume my digests").wait_for()
        page.screenshot(path=str(artefacts / "manage-nojs-2-paused.png"), full_page=True)
        data = export(page)
    finally:
        context.close()

    assert_managed(reader, data)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_topic_is_added_by_typing_and_pressing_enter(live_server, chromium, settings) -> None:
    """No mouse: focus the query, type, press Enter."""
    settings.SITE_URL = live_server.url
    reader = ada()
    from core import links

    context = chromium.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(links.manage_url(reader))
        page.get_by_role("heading", name="Your subscription").wait_for()
        add_form(page).get_by_label("Query").focus()
        page.keyboard.type("agent*")
        page.keyboard.press("Enter")
        page.get_by_text("Topic “agent*” added.").wait_for()
    finally:
        context.close()

    assert reader.topics.filter(query="agent*").exists()
