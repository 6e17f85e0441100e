"""Pages under the Content-Security-Policy, in a real browser: the manage page's JavaScript still
loads and works, and the "view in browser" page shows the digest styled, with no violation
reported, while a style the page did not carry is still refused."""

from collections.abc import Iterator

import pytest

from tests.personas import ada
from tests.test_digest_view import send_adas_digest
from tests.test_manage_browser import add_form, manage_link_from_the_outbox, recent_papers

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def watched(chromium) -> Iterator[tuple[object, list[str]]]:
    """A phone-sized page, and the console's messages and page errors as they come."""
    context = chromium.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    page.on("pageerror", lambda error: messages.append(str(error)))
    yield page, messages
    context.close()


def violations(messages: list[str]) -> list[str]:
    return [text for text in messages if "Content Security Policy" in text]


def test_the_manage_pages_live_preview_works_under_the_policy(
    live_server, watched, mailoutbox, settings
) -> None:
    page, messages = watched
    settings.SITE_URL = live_server.url
    ada()
    recent_papers()

    page.goto(manage_link_from_the_outbox(page, live_server, mailoutbox))
    add_form(page).get_by_label("Query").fill("diffusion")

    # The preview follows the typing: only manage.js, loaded from static, does that.
    add_form(page).get_by_text("2 papers in the last 7 days").wait_for()
    assert add_form(page).get_by_role("button", name="Preview").is_hidden()
    assert violations(messages) == []


def test_the_unsubscribe_button_works_under_the_policy(live_server, watched) -> None:
    from core import links

    page, messages = watched
    reader = ada()

    page.goto(links.unsubscribe_url(reader).replace("http://localhost:8000", live_server.url))
    page.get_by_role("button", name="Unsubscribe").click()

    page.get_by_text("You are unsubscribed").wait_for()
    assert violations(messages) == []


def test_the_view_in_browser_page_is_styled_and_refuses_other_styles(live_server, watched) -> None:
    page, messages = watched
    response = page.goto(f"{live_server.url}{send_adas_digest()}")
    policy = response.headers["content-security-policy"]
    assert "'sha256-" in policy and "'unsafe-inline'" not in policy

    background = page.locator(".container").evaluate("node => getComputedStyle(node).background")
    assert background.startswith("rgb(255, 255, 255)")  # its style attribute applies
    # The <style> block's phone rule applies: the 600 px card fits a 390 px screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert not page.locator(".preheader").is_visible()
    assert violations(messages) == []

    other = '<p id="other" style="color: rgb(1, 2, 3)">x</p>'
    page.evaluate("html => document.body.insertAdjacentHTML('beforeend', html)", other)
    color = page.locator("#other").evaluate("node => getComputedStyle(node).color")
    assert color != "rgb(1, 2, 3)"
    assert violations(messages)
