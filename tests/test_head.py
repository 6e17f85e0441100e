"""HEAD on every page an emailed link opens answers as GET does (link checkers and some mail
scanners send HEAD), and changes nothing."""

import pytest
from django.test import Client

from core import links
from subscriptions.models import Subscriber
from tests.personas import ada, bob
from tests.test_link_pages import open_link, path_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("link", [links.confirm_url, links.manage_url, links.unsubscribe_url])
def test_head_on_an_emailed_link_answers_as_get(link) -> None:
    reader = ada()
    path = path_of(link(reader))

    head, get = Client().head(path), Client().get(path)

    assert head.status_code == get.status_code and head.status_code in (200, 302)
    assert head.get("Location") == get.get("Location")
    assert Subscriber.objects.get(pk=reader.pk).status == "active"


@pytest.mark.parametrize("page", ["/confirm/", "/manage/"])
def test_head_on_the_pages_links_lead_to_answers_as_get(page) -> None:
    browser = Client()
    open_link(browser, links.confirm_url(bob()) if page == "/confirm/" else links.manage_url(ada()))

    assert browser.head(page).status_code == browser.get(page).status_code == 200
