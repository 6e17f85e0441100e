"""The session that keeps an emailed link's token: a new key whenever a token is kept (no
session fixation), and ended everywhere when its reader unsubscribes or deletes their data."""

import pytest
from django.conf import settings
from django.test import Client

from core import links
from subscriptions.models import ReaderSession, Subscriber
from subscriptions.sessions import SessionStore
from tests.personas import ada, bob
from tests.test_link_pages import one_click_url, open_link

pytestmark = pytest.mark.django_db

COOKIE = settings.SESSION_COOKIE_NAME


def reaches_manage_page(browser: Client) -> bool:
    templates = [t.name for t in browser.get("/manage/").templates]
    return "subscriptions/manage.html" in templates


def planted_session() -> str:
    """A session an attacker started and planted in the victim's browser as a cookie."""
    session = SessionStore()
    session["planted"] = True
    session.create()
    return session.session_key


def browser_with_cookie(key: str) -> Client:
    browser = Client()
    browser.cookies[COOKIE] = key
    return browser


@pytest.mark.parametrize("link", [links.manage_url, links.confirm_url])
def test_keeping_a_links_token_cycles_a_planted_session(link) -> None:
    planted = planted_session()
    victim = browser_with_cookie(planted)

    open_link(victim, link(ada()))

    assert victim.cookies[COOKIE].value != planted
    assert not ReaderSession.objects.filter(session_key=planted).exists()
    assert not reaches_manage_page(browser_with_cookie(planted))
    assert reaches_manage_page(victim) == (link == links.manage_url)


def test_a_session_holds_one_readers_links() -> None:
    browser = Client()
    open_link(browser, links.manage_url(ada()))

    open_link(browser, links.confirm_url(bob()))

    assert not reaches_manage_page(browser)
    [session] = ReaderSession.objects.all()
    assert session.reader == Subscriber.objects.get(email="bob@example.com").public_id


def test_unsubscribing_ends_every_session_holding_the_readers_links() -> None:
    reader = ada()
    someone_else, own_browser = Client(), Client()
    for browser in (someone_else, own_browser):
        open_link(browser, links.manage_url(reader))
    assert reaches_manage_page(someone_else)

    one_click = Client().post(one_click_url(reader), {"List-Unsubscribe": "One-Click"})

    assert one_click.status_code == 200
    assert not reaches_manage_page(someone_else) and not reaches_manage_page(own_browser)
    assert not ReaderSession.objects.filter(reader=reader.public_id).exists()


def test_deleting_ends_every_session_holding_the_readers_links() -> None:
    reader, others = ada(), bob()
    someone_else, own_browser, other_reader = Client(), Client(), Client()
    for browser in (someone_else, own_browser):
        open_link(browser, links.manage_url(reader))
    open_link(other_reader, links.manage_url(others))

    response = own_browser.post("/manage/delete/", {"delete-sure": "on"})

    assert response.status_code == 200 and not Subscriber.objects.filter(pk=reader.pk).exists()
    assert not reaches_manage_page(someone_else) and not reaches_manage_page(own_browser)
    assert reaches_manage_page(other_reader)
