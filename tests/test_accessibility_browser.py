"""Every page and every email, in Chromium at 390 and 1280 px, light and dark: nothing wider than
the screen, no WCAG 2.1 AA violation axe-core can find, and no error in the Nu Html Checker.

Screenshots go to test-artefacts/look/, so a person can look. A new page is one more entry in PAGES:
a function that takes the browser there and the page's h1; a new email, one more in EMAILS.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from core import clock, links
from digest import actions as digest_actions
from digest.models import Paper
from subscriptions import actions, tasks
from subscriptions.models import Subscriber
from tests import checkers
from tests.personas import ada, bob, make_reader

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# Tells the browser (and mail apps) both schemes are designed, so its controls follow too.
COLOR_SCHEME = '<meta name="color-scheme" content="light dark">'


@dataclass
class Site:
    """The live site as a reader's browser sees it, with the emails the site sent."""

    url: str
    page: object
    outbox: list
    settings: object
    papers: list[Paper] = field(default_factory=list)

    def go(self, path: str) -> None:
        self.page.goto(path if path.startswith("http") else f"{self.url}{path}")

    def press(self, button: str) -> None:
        self.page.get_by_role("button", name=button, exact=True).click()
        self.page.wait_for_load_state()

    def link_in_last_email(self, text: str, nth: int = 0) -> str:
        """The URL of the `nth` link reading `text` in the newest email's HTML part."""
        [(html, _type)] = self.outbox[-1].alternatives
        return re.findall(rf'<a [^>]*href="([^"]+)"[^>]*>{text}</a>', html)[nth]


def papers_today() -> list[Paper]:
    now = timezone.now()
    return [
        Paper.objects.create(
            key=f"arxiv:2611.0000{n}",
            arxiv_id=f"2611.0000{n}",
            title=title,
            abstract=abstract,
            authors=["Ada Lovelace", "Grace Hopper", "Alan Turing", "Edsger Dijkstra"],
            first_seen_at=now - timedelta(hours=n),
            published_at=now - timedelta(hours=n),
            upvotes=40 - n,
            abs_url=f"https://arxiv.org/abs/2611.0000{n}",
            pdf_url=f"https://arxiv.org/pdf/2611.0000{n}",
            code_url="https://github.com/example/a-rather-long-repository-name-for-a-phone",
        )
        for n, title, abstract in [
            (1, "Video diffusion models that respect physics", "We study diffusion. " * 12),
            (2, "Retrieval for long-context language models", "Retrieval helps diffusion."),
        ]
    ]


def sent_digest(site: Site) -> None:
    """Send ada a digest of today's papers (highlighted words, feedback links)."""
    make_reader("ada@example.com", {"Diffusion": "diffusion"}, time_zone="UTC")
    call_command("send_digests", "--force", stdout=StringIO())


def manage_session(site: Site) -> None:
    """Ada, with topics, a vote, a mute, a feed, a team channel with a post waiting to be
    tried again, a digest and a pause in her archive, opens her manage link."""
    sent_digest(site)
    reader = Subscriber.objects.get(email="ada@example.com")
    digest_actions.vote(reader, site.papers[0], liked=True)
    digest_actions.mute(reader, "author", "Grace Hopper")
    site.settings.FETCH_ALLOWED_HOSTS = ["127.0.0.1"]
    url = "http://127.0.0.1:9/services/T0001/B0001/secrettoken"
    digest_actions.add_channel(reader, url, name="ML team", kind="slack", topics=["diffusion"])
    call_command("send_digests", "--force", stdout=StringIO())  # nothing listens: a retry
    clock.advance(-timedelta(days=3))  # a pause of two days, before the digest: two lines
    actions.pause(reader)
    clock.advance(timedelta(days=2))
    actions.resume(reader)
    clock.reset()
    site.go(links.manage_url(reader))


# Each takes the browser to one page, through the site as a reader gets there.
def home(site: Site) -> None:
    site.go("/")


def check_inbox(site: Site) -> None:
    site.go("/")
    site.page.get_by_label("Your email address").fill("eve@example.com")
    site.press("Subscribe")


def too_many(site: Site) -> None:
    site.settings.SUBSCRIBE_POSTS_PER_IP_PER_HOUR = 0
    check_inbox(site)


def unavailable(site: Site) -> None:
    # The cache (rate limits) on a loopback port where no Redis answers.
    cache = {"BACKEND": "django.core.cache.backends.redis.RedisCache"}
    site.settings.CACHES = {"default": {**cache, "LOCATION": "redis://127.0.0.1:9/0"}}
    check_inbox(site)


def confirm(site: Site) -> None:
    site.go(links.confirm_url(bob()))


def confirmed(site: Site) -> None:
    confirm(site)
    site.press("Confirm")


def long_ago(make_url: Callable[[], str]) -> str:
    """A link made 100 days ago: older than any link lasts."""
    clock.travel_to(timezone.now() - timedelta(days=100))
    try:
        return make_url()
    finally:
        clock.reset()


def confirm_expired(site: Site) -> None:
    reader = bob()
    site.go(long_ago(lambda: links.confirm_url(reader)))


def manage_expired(site: Site) -> None:
    reader = ada()
    site.go(long_ago(lambda: links.manage_url(reader)))


def broken_link(site: Site) -> None:
    site.go("/confirm/not-a-token/")


def manage(site: Site) -> None:
    manage_session(site)


def channel_add(site: Site) -> None:
    manage_session(site)
    site.go("/manage/channels/new/")


def channel_edit(site: Site) -> None:
    manage_session(site)
    site.page.get_by_role("link", name="Edit ML team").click()


def feedback_more(site: Site) -> None:
    """ "More like this" from a reader whose manage session offers a topic from the paper."""
    manage_session(site)  # which voted for the first paper already
    site.go(site.link_in_last_email("More like this", nth=1))
    site.press("More like this")


def manage_request(site: Site) -> None:
    site.go("/manage/link/")


def manage_link_sent(site: Site) -> None:
    manage_request(site)
    site.page.get_by_label("Your email address").fill("ada@example.com")
    site.press("Send me my link")


def deleted(site: Site) -> None:
    manage_session(site)
    site.page.get_by_label("Yes, delete my subscription").check()
    site.press("Delete me")


def unsubscribe(site: Site) -> None:
    site.go(links.unsubscribe_url(ada()))


def unsubscribed(site: Site) -> None:
    unsubscribe(site)
    site.press("Unsubscribe")


def topics_help(site: Site) -> None:
    site.go("/help/topics/")


def feedback(site: Site) -> None:
    sent_digest(site)
    site.go(site.link_in_last_email("Less like this"))


def view(site: Site) -> None:
    sent_digest(site)
    site.go(site.link_in_last_email("View in browser"))


def a_hundred_days_after_the_digest(site: Site, link: str) -> None:
    sent_digest(site)
    url = site.link_in_last_email(link)
    clock.travel_to(timezone.now() + timedelta(days=100))  # the site fixture puts it back
    site.go(url)


def feedback_expired(site: Site) -> None:
    a_hundred_days_after_the_digest(site, "Less like this")


def view_expired(site: Site) -> None:
    a_hundred_days_after_the_digest(site, "View in browser")


# Each page: how a reader's browser gets there, and the page's h1 (so a wrong turn fails).
PAGES: dict[str, tuple[Callable[[Site], None], str]] = {
    "home": (home, "Trending research papers, on your topics, in your inbox"),
    "check-inbox": (check_inbox, "Check your inbox"),
    "too-many": (too_many, "Too many attempts"),
    "unavailable": (unavailable, "Try again in a minute"),
    "confirm": (confirm, "Confirm your subscription"),
    "confirmed": (confirmed, "You're subscribed"),
    "confirm-expired": (confirm_expired, "This confirmation link has expired"),
    "broken-link": (broken_link, "This link is broken"),
    "manage": (manage, "Your subscription"),
    "channel-add": (channel_add, "Add a team channel"),
    "channel-edit": (channel_edit, "Edit a team channel"),
    "manage-expired": (manage_expired, "This link has expired"),
    "manage-request": (manage_request, "Manage your subscription"),
    "manage-link-sent": (manage_link_sent, "Check your inbox"),
    "deleted": (deleted, "Your data is deleted"),
    "unsubscribe": (unsubscribe, "Unsubscribe"),
    "unsubscribed": (unsubscribed, "You are unsubscribed"),
    "topics-help": (topics_help, "Writing topics"),
    "feedback": (feedback, "Less like this?"),
    "feedback-more": (feedback_more, "Thanks, noted"),
    "feedback-expired": (feedback_expired, "This link has expired"),
    "view": (view, "2 new papers on your topics"),
    "view-expired": (view_expired, "This digest's link has expired"),
}


# Each sends one email; the test opens its HTML part.
EMAILS: dict[str, Callable[[Site], None]] = {
    "digest": sent_digest,
    "confirm": lambda site: tasks.send_confirmation(bob().pk),
    "manage-link": lambda site: tasks.send_manage_link(ada().pk),
    "already-subscribed": lambda site: tasks.send_already_subscribed(ada().pk),
}


@pytest.fixture(scope="session")
def nu() -> Iterator[checkers.NuChecker]:
    checkers.require_checkers()
    with checkers.nu_checker() as checker:
        yield checker


@pytest.fixture
def site(chromium, live_server, mailoutbox, settings, artefacts) -> Iterator[Site]:
    checkers.require_checkers()
    settings.SITE_URL = live_server.url  # links in emails point at this server
    # axe-core is injected as a script, which the site's CSP (rightly) refuses.
    context = chromium.new_context(bypass_csp=True)
    try:
        site = Site(live_server.url, context.new_page(), mailoutbox, settings)
        site.papers = papers_today()
        yield site
    finally:
        context.close()
        clock.reset()


@pytest.fixture
def screenshots(artefacts) -> Path:
    folder = artefacts / "look"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.mark.parametrize("name", PAGES)
def test_every_page_fits_reads_and_validates(site: Site, nu, screenshots, name: str) -> None:
    recorder = checkers.DocumentRecorder(site.page)
    go, heading = PAGES[name]
    go(site)
    site.page.get_by_role("heading", level=1, name=heading, exact=True).wait_for()

    problems = checkers.look_at(site.page, f"page-{name}", screenshots)

    assert not problems, "\n".join(problems)
    html = recorder.html()
    errors = nu.errors(html)
    assert not errors, "\n".join(errors)
    assert COLOR_SCHEME in html


@pytest.mark.parametrize("name", EMAILS)
def test_every_email_fits_reads_and_validates(site: Site, nu, screenshots, name: str) -> None:
    EMAILS[name](site)
    [(html, _type)] = site.outbox[-1].alternatives
    site.page.set_content(html)

    problems = checkers.look_at(site.page, f"email-{name}", screenshots)

    assert not problems, "\n".join(problems)
    assert not site.page.locator(".preheader").is_visible()
    errors = nu.errors(html)
    assert not errors, "\n".join(errors)
    assert COLOR_SCHEME in html


def tab_to(page, target) -> list[str]:
    """Press Tab until `target` (a locator) has focus; what was wrong with each focus ring on
    the way."""
    problems = []
    for _ in range(40):
        page.keyboard.press("Tab")
        if problem := checkers.focus_ring(page):
            problems.append(problem)
        if target.evaluate("element => element === document.activeElement"):
            return problems
    pytest.fail(f"Tab never reached {target}")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_reader_subscribes_confirms_and_unsubscribes_with_the_keyboard_alone(
    site: Site, scheme: str
) -> None:
    page = site.page
    page.set_viewport_size({"width": 390, "height": 844})
    page.emulate_media(color_scheme=scheme)
    site.go("/")
    rings = tab_to(page, page.get_by_label("Your email address"))
    page.keyboard.type("eve@example.com")
    rings += tab_to(page, page.get_by_role("button", name="Subscribe"))
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Check your inbox").wait_for()

    site.go(site.link_in_last_email("Confirm my subscription"))
    rings += tab_to(page, page.get_by_role("button", name="Confirm"))
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="You're subscribed").wait_for()

    reader = Subscriber.objects.get(email="eve@example.com")
    site.go(links.unsubscribe_url(reader))
    rings += tab_to(page, page.get_by_role("button", name="Unsubscribe"))
    page.keyboard.press("Space")
    page.get_by_role("heading", name=re.compile("unsubscribed", re.IGNORECASE)).wait_for()

    assert Subscriber.objects.get(pk=reader.pk).status == "unsubscribed"
    assert rings == []
