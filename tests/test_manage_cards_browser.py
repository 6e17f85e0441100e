"""Issue 16 in a real browser at 390 px (and 1280 px for the screenshots): topics as compact cards
edited in place without JavaScript, the error summary a keyboard lands on, the time zone the
browser offers at sign-up, the unsubscribe page's alternative, and help tables that fit."""

from collections.abc import Iterator

import pytest

from core import links
from subscriptions.models import Subscriber
from tests.personas import ada
from tests.test_manage_browser import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1280, "height": 900}
# Two topics took about 1,000 px on a phone when every one was an open form.
TWO_TOPICS_MAX_HEIGHT = 350


@pytest.fixture
def browse(chromium) -> Iterator:
    """Open pages in a fresh context: `browse(viewport, **options)` gives a new page."""
    contexts = []

    def browse(viewport: dict = PHONE, **options: object):
        contexts.append(chromium.new_context(viewport=viewport, **options))
        return contexts[-1].new_page()

    yield browse
    for context in contexts:
        context.close()


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def manage(page, live_server, reader: Subscriber) -> None:
    page.goto(live_server.url + path_of(links.manage_url(reader)))
    page.get_by_role("heading", name="Your subscription").wait_for()


def test_two_topics_are_compact_cards_edited_in_place_without_javascript(
    live_server, browse, artefacts
) -> None:
    reader = ada()
    topic = reader.topics.get(query="diffusion")
    page = browse(java_script_enabled=False)
    manage(page, live_server, reader)

    box = page.locator(".topic-list").bounding_box()
    assert box is not None and box["height"] < TWO_TOPICS_MAX_HEIGHT
    page.locator("#topics").screenshot(path=str(artefacts / "issue16-topics-390.png"))

    card = page.locator(f"#topic-{topic.pk}")
    assert not card.get_by_label("Query").is_visible()
    card.locator("summary").focus()
    page.keyboard.press("Enter")  # no mouse needed: Edit is a disclosure's summary
    card.screenshot(path=str(artefacts / "issue16-topic-edit-390.png"))
    card.get_by_label("Query").fill("diffusion video")
    card.get_by_label("Query").press("Enter")  # the form's first button: Save
    page.locator(f"#topic-{topic.pk}").get_by_text("Topic “diffusion” saved.").wait_for()
    assert reader.topics.filter(query="diffusion video").exists()
    page.screenshot(path=str(artefacts / "issue16-manage-390.png"), full_page=True)


def test_a_bad_query_comes_back_with_a_focused_summary_and_the_field_marked(
    live_server, browse, artefacts
) -> None:
    reader = ada()
    page = browse()
    manage(page, live_server, reader)

    add = page.locator("form[action='/manage/topics/']")
    add.get_by_label("Query").focus()
    page.keyboard.type("diffusion")  # the query ada already has
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Nothing was saved").wait_for()

    assert page.evaluate("document.activeElement.className") == "error-summary"
    query = page.locator("#id_new-query")
    assert query.get_attribute("aria-invalid") == "true"
    assert "already has this query" in page.locator("#new-query-errors").inner_text()
    page.screenshot(path=str(artefacts / "issue16-errors-390.png"))
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.url.endswith("#id_new-query")


def test_sign_up_takes_the_browsers_time_zone(live_server, browse, artefacts) -> None:
    page = browse(timezone_id="Europe/Paris")
    page.goto(live_server.url + "/")

    assert page.get_by_label("Time zone").input_value() == "Europe/Paris"
    page.get_by_label("Your email address").fill("eve@example.com")
    page.screenshot(path=str(artefacts / "issue16-sign-up-390.png"), full_page=True)
    page.get_by_role("button", name="Subscribe").click()
    page.get_by_role("heading", name="Check your inbox").wait_for()

    assert Subscriber.objects.get(email="eve@example.com").time_zone == "Europe/Paris"


def test_sign_up_without_javascript_offers_the_list(live_server, browse) -> None:
    page = browse(java_script_enabled=False, timezone_id="Asia/Kolkata")
    page.goto(live_server.url + "/")
    page.get_by_label("Your email address").fill("eve@example.com")
    page.get_by_label("Time zone").select_option("America/Chicago")
    page.get_by_role("button", name="Subscribe").click()
    page.get_by_role("heading", name="Check your inbox").wait_for()

    assert Subscriber.objects.get(email="eve@example.com").time_zone == "America/Chicago"


def test_the_unsubscribe_page_offers_a_manage_link_below_the_button(
    live_server, browse, artefacts, mailoutbox
) -> None:
    reader = ada()
    page = browse()
    page.goto(live_server.url + path_of(links.unsubscribe_url(reader)))

    page.get_by_text("a***@example.com").wait_for()
    page.screenshot(path=str(artefacts / "issue16-unsubscribe-390.png"), full_page=True)
    page.get_by_role("button", name="Email me a link to manage my subscription").click()
    page.get_by_role("heading", name="Check your inbox").wait_for()

    assert [message.to for message in mailoutbox] == [["ada@example.com"]]
    assert Subscriber.objects.get(pk=reader.pk).status == "active"


def test_the_help_pages_tables_fit_a_phone_and_a_small_tablet(
    live_server, browse, artefacts
) -> None:
    page = browse()
    page.goto(live_server.url + "/help/topics/")
    page.screenshot(path=str(artefacts / "issue16-help-390.png"), full_page=True)

    for width in (PHONE["width"], 600):
        page.set_viewport_size({"width": width, "height": 900})
        overflow = page.evaluate(
            "[...document.querySelectorAll('.help table')].map(t => t.scrollWidth - t.clientWidth)"
        )
        assert overflow and max(overflow) <= 0
        assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_screenshots_at_1280(live_server, browse, artefacts) -> None:
    reader = ada()
    page = browse(DESKTOP)
    manage(page, live_server, reader)
    page.screenshot(path=str(artefacts / "issue16-manage-1280.png"), full_page=True)
    page.goto(live_server.url + "/")
    page.screenshot(path=str(artefacts / "issue16-sign-up-1280.png"), full_page=True)
    page.goto(live_server.url + "/help/topics/")
    page.screenshot(path=str(artefacts / "issue16-help-1280.png"), full_page=True)
