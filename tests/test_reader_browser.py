"""A reader's whole life in a real browser: subscribe, confirm from the email, unsubscribe."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from core import links
from digest.models import Paper
from subscriptions.models import Subscriber


def todays_papers() -> None:
    now = timezone.now()
    Paper.objects.create(
        key="arxiv:2611.00001",
        title="Video diffusion models that <b>respect</b> physics",
        authors=["Ada Lovelace", "Bob Noyce", "Cy Young", "Dee Hock"],
        published_at=now,
        first_seen_at=now,
        upvotes=41,
        abs_url="https://arxiv.org/abs/2611.00001",
        pdf_url="https://arxiv.org/pdf/2611.00001",
        code_url="https://github.com/example/physics-diffusion",
    )
    Paper.objects.create(
        key="arxiv:2611.00002",
        title="Retrieval for long-context language models",
        authors=["Eve Smith"],
        published_at=now,
        first_seen_at=now,
        upvotes=12,
        abs_url="https://arxiv.org/abs/2611.00002",
    )


def confirm_link(mailoutbox) -> str:
    [message] = mailoutbox
    return re.search(r"https?://\S+/confirm/\S+/", message.body).group()


def manage_link(mailoutbox) -> str:
    """The confirmed page shows no manage link: it emails one (the newest message)."""
    return re.search(r"https?://\S+/manage/\S+/", mailoutbox[-1].body).group()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_reader_subscribes_confirms_and_unsubscribes(
    live_server, page, artefacts, mailoutbox, settings
) -> None:
    settings.SITE_URL = live_server.url  # links in the email point at this server
    todays_papers()

    page.goto(f"{live_server.url}/")
    assert page.get_by_role(
        "link", name="Video diffusion models that <b>respect</b> physics", exact=True
    ).is_visible()
    page.screenshot(path=str(artefacts / "reader-1-home.png"), full_page=True)
    page.get_by_label("Your email address").fill("ada@example.com")
    page.get_by_label("Topics (optional)").fill('"diffusion model"\ncat:cs.CL retrieval')
    page.get_by_label("Weekly").check()
    page.get_by_role("button", name="Subscribe").click()
    page.get_by_role("heading", name="Check your inbox").wait_for()
    page.screenshot(path=str(artefacts / "reader-2-check-inbox.png"), full_page=True)

    page.goto(confirm_link(mailoutbox))
    assert page.get_by_text("cat:cs.CL retrieval").is_visible()
    page.screenshot(path=str(artefacts / "reader-3-confirm.png"), full_page=True)
    assert Subscriber.objects.get().status == "pending"  # opening the link changed nothing
    page.get_by_role("button", name="Confirm").click()
    page.get_by_role("heading", name="You're subscribed").wait_for()
    page.screenshot(path=str(artefacts / "reader-4-confirmed.png"), full_page=True)
    assert Subscriber.objects.get().status == "active"

    page.get_by_role("button", name="Email me a link to manage my subscription").click()
    page.get_by_role("heading", name="Check your inbox").wait_for()
    page.goto(manage_link(mailoutbox))
    page.get_by_role("heading", name="Your subscription").wait_for()
    page.screenshot(path=str(artefacts / "reader-5-manage.png"), full_page=True)
    page.get_by_role("link", name="Unsubscribe").click()
    page.get_by_role("button", name="Unsubscribe").wait_for()
    page.screenshot(path=str(artefacts / "reader-6-unsubscribe.png"), full_page=True)
    assert Subscriber.objects.get().status == "active"
    page.get_by_role("button", name="Unsubscribe").click()
    page.get_by_role("heading", name="You are unsubscribed").wait_for()
    page.screenshot(path=str(artefacts / "reader-7-unsubscribed.png"), full_page=True)

    assert Subscriber.objects.get().status == "unsubscribed"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_topic_with_a_mistake_is_shown_back_next_to_its_line(
    live_server, page, artefacts
) -> None:
    page.goto(f"{live_server.url}/")
    page.get_by_label("Your email address").fill("bob@example.com")
    page.get_by_label("Topics (optional)").fill("diffusion\n(video")
    page.get_by_role("button", name="Subscribe").click()

    problem = page.locator(".topic-problems li")
    problem.wait_for()
    page.screenshot(path=str(artefacts / "reader-topic-error.png"), full_page=True)
    assert "Line 2" in problem.inner_text()
    assert page.get_by_label("Topics (optional)").input_value() == "diffusion\n(video"
    assert not Subscriber.objects.exists()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_step_works_without_javascript(live_server, chromium, mailoutbox, settings) -> None:
    settings.SITE_URL = live_server.url
    context = chromium.new_context(
        java_script_enabled=False, viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/")
        page.get_by_label("Your email address").fill("bob@example.com")
        page.get_by_role("button", name="Subscribe").click()
        page.goto(confirm_link(mailoutbox))
        page.get_by_role("button", name="Confirm").click()
        page.get_by_role("button", name="Email me a link to manage my subscription").click()
        page.goto(manage_link(mailoutbox))
        page.get_by_role("link", name="Unsubscribe").click()
        page.get_by_role("button", name="Unsubscribe").click()
        page.get_by_role("heading", name="You are unsubscribed").wait_for()
    finally:
        context.close()

    assert Subscriber.objects.get().status == "unsubscribed"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_aged_unsubscribe_link_opened_in_a_browser_waits_for_the_button(
    live_server, page, frozen_clock
) -> None:
    # Link scanners run JavaScript and open old links too: only pressing the button counts.
    reader = Subscriber.objects.create(email="ada@example.com", status="active")
    url = f"{live_server.url}{urlsplit(links.unsubscribe_url(reader)).path}"
    frozen_clock.advance(timedelta(days=2))

    page.goto(url, wait_until="networkidle")
    assert page.get_by_role("heading", name="Unsubscribe").is_visible()
    assert Subscriber.objects.get().status == "active"

    page.get_by_role("button", name="Unsubscribe").click()
    page.get_by_role("heading", name="You are unsubscribed").wait_for()
    assert Subscriber.objects.get().status == "unsubscribed"
