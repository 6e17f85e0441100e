"""The admin in Chromium: the overview's charts at 1280 and 390 px, light and dark, and the
deliveries' and sources' lists showing what went wrong without scrolling at 1280 px."""

import pytest

from core import clock
from digest.models import Paper, Sighting, Source
from tests.digests import make_delivery
from tests.personas import make_reader
from tests.test_admin_overview import one_day_of_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_REASON = (
    "550 5.1.1 <someone.with.a.long.address@mail.example.org>: Recipient address rejected: "
    "User unknown in virtual mailbox table (the provider said so, at length)"
)


def sign_in(page, live_server, admin_user) -> None:
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill(admin_user.username)
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/admin/")


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_overview_draws_its_charts(live_server, page, admin_user, artefacts, width, scheme):
    one_day_of_data()
    # Feed files' sources are named after their paths: long, in the charts' hidden tables too.
    for n in range(4):
        feed_file = Source.objects.create(
            name=f"digest/demo_data/feeds/arxiv_api_cs.AI_OR_cs.LG_2026-07-1{n}.xml",
            url=f"file:///srv/papers-digest/digest/demo_data/feeds/arxiv_api_{n}.xml",
            enabled=False,
        )
        paper = Paper.objects.create(key=f"file:{n}", title="A", first_seen_at=clock.now())
        Sighting.objects.create(paper=paper, source=feed_file, raw_id="a", seen_at=clock.now())
    page.set_viewport_size({"width": width, "height": 900})
    page.emulate_media(color_scheme=scheme)
    sign_in(page, live_server, admin_user)

    charts = page.locator("svg.chart")
    assert charts.count() == 5
    for index in range(5):
        box = charts.nth(index).bounding_box()
        assert box is not None and box["width"] >= 340 and box["height"] >= 180
    assert page.get_by_role("img", name="Readers by status").is_visible()
    # The page itself never scrolls sideways: a chart too wide for a phone scrolls in its frame.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=str(artefacts / f"admin-overview-{width}-{scheme}.png"), full_page=True)


def test_the_deliveries_list_shows_the_reason_and_provider_status_at_1280(
    live_server, page, admin_user, artefacts
):
    reader = make_reader("someone.with.a.long.address@mail.example.org")
    fields = {"attempts": 6, "provider_status": "rejected", "reason": LONG_REASON}
    make_delivery(reader, "failed", clock.now(), **fields)

    open_list(page, live_server, admin_user, artefacts, "delivery")

    for column in ("status", "provider_status", "short_reason", "attempts"):
        assert_in_view(page, f"th.column-{column}", 1280)
    assert page.locator("td.field-short_reason span").get_attribute("title") == LONG_REASON


def test_the_sources_list_shows_health_failures_and_last_error_at_1280(
    live_server, page, admin_user, artefacts
):
    Source.objects.create(
        name="A lab's feed with a rather long name, as people give them",
        url="https://lab.example/feed.xml",
        consecutive_failures=4,
        last_error=LONG_REASON,
        last_error_at=clock.now(),
    )
    open_list(page, live_server, admin_user, artefacts, "source")

    for column in ("health", "failures_in_a_row", "short_error", "last_error_at"):
        assert_in_view(page, f"th.column-{column}", 1280)
    assert page.get_by_text("Failing: 4 in a row").is_visible()


def open_list(page, live_server, admin_user, artefacts, model: str) -> None:
    """The admin's list of `model` at 1280 px, signed in, with a screenshot kept."""
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, live_server, admin_user)
    page.goto(f"{live_server.url}/admin/digest/{model}/")
    page.screenshot(path=str(artefacts / f"admin-{model}-list-1280.png"))


def assert_in_view(page, selector: str, width: int) -> None:
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    assert box["x"] + box["width"] <= width, f"{selector} ends at {box['x'] + box['width']}"
