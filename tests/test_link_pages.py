"""Pages opened from emailed links: confirm, unsubscribe (RFC 8058 one-click) and manage."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.test import Client

from core import links
from core.tokens import make_token
from subscriptions.models import Subscriber
from tests.personas import ada, bob, cy, dee

pytestmark = pytest.mark.django_db

ONE_CLICK = "List-Unsubscribe=One-Click"
CONFIRM_PAGE = "/confirm/"
RESEND = "/confirm/resend/"


def path_of(url: str) -> str:
    return urlsplit(url).path


def status_of(reader: Subscriber) -> str:
    return Subscriber.objects.get(pk=reader.pk).status


def one_click_url(reader: Subscriber) -> str:
    """The path a mail provider POSTs to: exactly the one in the List-Unsubscribe header."""
    header = links.list_unsubscribe_headers(reader)["List-Unsubscribe"]
    return path_of(header.strip("<>"))


# GET never changes anything: mail scanners open every link.


@pytest.mark.parametrize("link", [links.confirm_url, links.manage_url, links.unsubscribe_url])
def test_opening_an_emailed_link_changes_nothing(client, link) -> None:
    reader = bob()
    before = Subscriber.objects.filter(pk=reader.pk).values().get()

    for _ in range(3):
        assert client.get(path_of(link(reader)), follow=True).status_code == 200

    assert Subscriber.objects.filter(pk=reader.pk).values().get() == before


@pytest.mark.parametrize("link", [links.confirm_url, links.manage_url, links.unsubscribe_url])
def test_token_pages_send_no_referrer(client, link) -> None:
    response = client.get(path_of(link(ada())))

    assert response["Referrer-Policy"] == "no-referrer"


# Confirm: the emailed link puts its token in the session and redirects to /confirm/.


def open_link(client, url: str):
    """Follow an emailed link as a browser does, landing on the token-less page."""
    return client.get(path_of(url), follow=True)


def test_the_confirm_link_moves_its_token_out_of_the_address_bar(client) -> None:
    response = client.get(path_of(links.confirm_url(bob())))

    assert response.status_code == 302 and response["Location"] == "/confirm/"


def test_the_confirm_page_shows_the_topics_and_a_button(client) -> None:
    html = open_link(client, links.confirm_url(bob())).content.decode()

    assert "graph neural networks" in html
    assert ">Confirm</button>" in html


def test_pressing_confirm_activates_and_records_consent(client) -> None:
    reader = bob()
    open_link(client, links.confirm_url(reader))

    response = client.post(CONFIRM_PAGE)

    reader.refresh_from_db()
    assert response.status_code == 200 and "subscribed" in response.content.decode()
    assert reader.status == "active" and reader.consent_confirmed_at is not None


def test_confirming_twice_is_harmless(client) -> None:
    reader = bob()
    open_link(client, links.confirm_url(reader))
    client.post(CONFIRM_PAGE)
    first = Subscriber.objects.get(pk=reader.pk).consent_confirmed_at

    open_link(client, links.confirm_url(reader))
    response = client.post(CONFIRM_PAGE)

    assert response.status_code == 200
    assert Subscriber.objects.get(pk=reader.pk).consent_confirmed_at == first


def test_confirm_needs_a_csrf_token() -> None:
    reader = bob()
    browser = Client(enforce_csrf_checks=True)
    open_link(browser, links.confirm_url(reader))

    response = browser.post(CONFIRM_PAGE)

    assert response.status_code == 403 and status_of(reader) == "pending"


def test_confirm_without_having_opened_a_link_is_a_broken_link(client) -> None:
    assert client.post(CONFIRM_PAGE).status_code == 400


def test_an_old_confirm_link_does_not_revive_an_unsubscribed_reader(client) -> None:
    reader = bob()
    url = links.confirm_url(reader)
    Subscriber.objects.filter(pk=reader.pk).update(status="unsubscribed")
    open_link(client, url)

    response = client.post(CONFIRM_PAGE)

    assert response.status_code == 410 and status_of(reader) == "unsubscribed"


def test_a_confirm_link_expires_after_72_hours(client, frozen_clock) -> None:
    reader = bob()
    url = links.confirm_url(reader)
    frozen_clock.advance(timedelta(hours=72, minutes=1))
    open_link(client, url)

    response = client.post(CONFIRM_PAGE)

    assert response.status_code == 410 and status_of(reader) == "pending"
    assert "Send me a new link" in response.content.decode()


def test_an_expired_link_sends_a_new_one_on_request(
    client, frozen_clock, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    reader = bob()
    url = links.confirm_url(reader)
    frozen_clock.advance(timedelta(days=5))
    open_link(client, url)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(RESEND)

    assert response.status_code == 200
    new_link = next(w for w in mailoutbox[0].body.split() if "/confirm/" in w)
    open_link(client, new_link)
    assert client.post(CONFIRM_PAGE).status_code == 200
    assert status_of(reader) == "active"


def test_asking_for_new_links_is_rate_limited_per_token(client, frozen_clock, settings) -> None:
    settings.TOKEN_POSTS_PER_HOUR = 2
    url = links.confirm_url(bob())
    frozen_clock.advance(timedelta(days=5))
    open_link(client, url)

    codes = [client.post(RESEND).status_code for _ in range(3)]

    assert codes == [200, 200, 429]


# Unsubscribe (RFC 8058 one-click)


def test_the_list_unsubscribe_headers_follow_rfc_8058(settings) -> None:
    settings.SITE_URL = "https://papers.example"
    headers = links.list_unsubscribe_headers(ada())

    assert headers["List-Unsubscribe"].startswith("<https://papers.example/unsubscribe/")
    assert headers["List-Unsubscribe"].endswith("/>")
    assert headers["List-Unsubscribe-Post"] == ONE_CLICK


def test_one_click_urlencoded_unsubscribes_with_200_ten_times_over() -> None:
    reader = ada()
    url = one_click_url(reader)
    provider = Client(enforce_csrf_checks=True)

    for _ in range(10):
        response = provider.post(url, ONE_CLICK, content_type="application/x-www-form-urlencoded")
        assert response.status_code == 200
        assert not response.cookies

    assert status_of(reader) == "unsubscribed"


def test_one_click_multipart_unsubscribes_with_200_ten_times_over() -> None:
    reader = ada()
    url = one_click_url(reader)
    provider = Client(enforce_csrf_checks=True)

    for _ in range(10):
        response = provider.post(url, {"List-Unsubscribe": "One-Click"})  # multipart by default
        assert response.status_code == 200
        assert not response.cookies

    assert status_of(reader) == "unsubscribed"


def test_one_click_never_redirects_even_with_the_https_redirect_on(settings) -> None:
    settings.SECURE_SSL_REDIRECT = True
    reader = ada()

    response = Client().post(
        one_click_url(reader), ONE_CLICK, content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 200 and status_of(reader) == "unsubscribed"


def test_other_pages_do_redirect_to_https_when_it_is_on(settings, client) -> None:
    settings.SECURE_SSL_REDIRECT = True

    assert client.get(path_of(links.manage_url(ada()))).status_code == 301


def test_the_unsubscribe_page_shows_a_button_and_no_csrf_cookie(client) -> None:
    response = client.get(path_of(links.unsubscribe_url(ada())))

    assert ">Unsubscribe</button>" in response.content.decode()
    assert not response.cookies


def test_the_unsubscribe_page_names_the_address_masked(client) -> None:
    html = client.get(path_of(links.unsubscribe_url(ada()))).content.decode()

    assert "<strong>a***@example.com</strong>" in html and "ada@example.com" not in html


def test_the_unsubscribe_button_comes_first_and_a_manage_link_offer_after_it(client) -> None:
    html = client.get(path_of(links.unsubscribe_url(ada()))).content.decode()

    unsubscribe = html.index(">Unsubscribe</button>")
    assert unsubscribe < html.index("Email me a link to manage my subscription")
    assert html.count("<button") == 2 and "pause" in html and "a week" in html


def manage_link_from_unsubscribe(reader: Subscriber, ip: str = "203.0.113.9", **kwargs):
    """Press the unsubscribe page's manage-link button, as a browser without cookies does."""
    url = path_of(links.unsubscribe_url(reader)) + "manage-link/"
    return Client(enforce_csrf_checks=True).post(url, REMOTE_ADDR=ip, **kwargs)


def test_the_unsubscribe_pages_manage_link_button_mails_the_reader_not_the_visitor(
    mailoutbox, django_capture_on_commit_callbacks
) -> None:
    reader = ada()

    with django_capture_on_commit_callbacks(execute=True):
        response = manage_link_from_unsubscribe(reader)

    assert response.status_code == 200 and "Check your inbox" in response.content.decode()
    assert [message.to for message in mailoutbox] == [["ada@example.com"]]
    assert "/manage/" in mailoutbox[0].body and "/manage/" not in response.content.decode()
    assert status_of(reader) == "active" and not response.cookies


def test_the_unsubscribe_pages_manage_link_button_is_rate_limited_per_ip(
    settings, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    settings.SUBSCRIBE_POSTS_PER_IP_PER_HOUR = 2
    settings.CONFIRM_EMAILS_PER_ADDRESS_PER_DAY = 10
    reader = ada()

    with django_capture_on_commit_callbacks(execute=True):
        answers = [manage_link_from_unsubscribe(reader).status_code for _ in range(3)]

    assert answers == [200, 200, 429] and len(mailoutbox) == 2


def test_a_broken_unsubscribe_link_mails_no_manage_link(mailoutbox) -> None:
    url = path_of(links.unsubscribe_url(ada())).replace("/unsubscribe/", "/unsubscribe/x")

    response = Client().post(url + "manage-link/")

    assert response.status_code == 400 and mailoutbox == []


def test_an_unsubscribed_reader_is_offered_no_manage_link(client) -> None:
    html = client.get(path_of(links.unsubscribe_url(dee()))).content.decode()

    assert "d***@example.com" in html and "Email me a link" not in html


def test_an_unsubscribe_link_of_any_age_waits_for_the_button(client, frozen_clock) -> None:
    # A link scanner that runs JavaScript opens old links too: only the button unsubscribes.
    reader = ada()
    url = path_of(links.unsubscribe_url(reader))
    frozen_clock.advance(timedelta(hours=1))

    html = client.get(url).content.decode()

    assert "<script" not in html and ">Unsubscribe</button>" in html
    assert status_of(reader) == "active"


def test_an_unsubscribe_link_never_expires(client, frozen_clock) -> None:
    reader = ada()
    url = path_of(links.unsubscribe_url(reader))
    frozen_clock.advance(timedelta(days=3650))

    assert client.post(url).status_code == 200
    assert status_of(reader) == "unsubscribed"


def test_a_deleted_reader_is_still_told_they_are_unsubscribed(client) -> None:
    reader = ada()
    url = path_of(links.unsubscribe_url(reader))
    reader.delete()

    response = client.post(url)

    assert response.status_code == 200 and "You are unsubscribed" in response.content.decode()


def test_unsubscribing_leaves_a_bounced_reader_bounced(client) -> None:
    reader = cy()

    assert client.post(path_of(links.unsubscribe_url(reader))).status_code == 200
    assert status_of(reader) == "bounced"


def test_one_click_is_rate_limited_per_token_not_per_ip(settings) -> None:
    settings.TOKEN_POSTS_PER_HOUR = 3
    ada_url, bob_url = one_click_url(ada()), one_click_url(bob())
    provider = Client(REMOTE_ADDR="192.0.2.1")

    ada_codes = [
        provider.post(ada_url, {"List-Unsubscribe": "One-Click"}).status_code for _ in range(4)
    ]

    assert ada_codes == [200, 200, 200, 429]
    assert provider.post(bob_url, {"List-Unsubscribe": "One-Click"}).status_code == 200


# Broken links


def _tampered(url: str) -> str:
    path = path_of(url)
    return path[:-3] + ("A" if path[-3] != "A" else "B") + path[-2:]


@pytest.mark.parametrize(
    ("link", "method"),
    [
        (links.confirm_url, "get"),
        (links.unsubscribe_url, "get"),
        (links.unsubscribe_url, "post"),
        (links.manage_url, "get"),
    ],
)
def test_a_tampered_link_gets_the_broken_link_page(client, link, method) -> None:
    reader = bob()

    response = getattr(client, method)(_tampered(link(reader)))

    assert response.status_code == 400
    assert "This link is broken" in response.content.decode()
    assert status_of(reader) == "pending"


@pytest.mark.parametrize(
    ("purpose", "page", "method"),
    [
        ("unsubscribe", "confirm", "get"),
        ("manage", "confirm", "get"),
        ("confirm", "unsubscribe", "post"),
        ("manage", "unsubscribe", "post"),
        ("unsubscribe", "manage", "get"),
        ("confirm", "manage", "get"),
    ],
)
def test_a_token_used_on_another_purposes_page_is_refused(client, purpose, page, method) -> None:
    reader = bob()

    response = getattr(client, method)(f"/{page}/{make_token(reader, purpose)}/")

    assert response.status_code == 400 and "This link is broken" in response.content.decode()
    assert status_of(reader) == "pending"


# The manage page has its own tests: tests/test_manage.py.
