"""A confirm link confirms, and never hands out a manage link: for a reader who is already
active it offers to email one to the reader's own address instead."""

import pytest
from django.test import Client

from core import links
from tests.personas import ada, bob
from tests.test_link_pages import CONFIRM_PAGE, open_link

pytestmark = pytest.mark.django_db

BUTTON = "Email me a link to manage my subscription"
MANAGE_LINK = "/confirm/manage-link/"


def test_the_confirm_link_of_an_active_reader_shows_no_manage_link(client) -> None:
    reader = ada()

    page = open_link(client, links.confirm_url(reader)).content.decode()

    assert "You're subscribed" in page and BUTTON in page
    assert "/manage/" not in page and "ada@example.com" not in page


def test_pressing_confirm_shows_no_manage_link_either(client) -> None:
    open_link(client, links.confirm_url(bob()))

    page = client.post(CONFIRM_PAGE).content.decode()

    assert "You're subscribed" in page and "/manage/" not in page


def test_the_button_mails_the_reader_a_manage_link(
    client, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    open_link(client, links.confirm_url(ada()))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(MANAGE_LINK)

    assert response.status_code == 200 and "Check your inbox" in response.content.decode()
    [message] = mailoutbox
    assert message.to == ["ada@example.com"] and "/manage/" in message.body


def test_the_button_needs_an_opened_confirm_link() -> None:
    assert Client().post(MANAGE_LINK).status_code == 400


def test_the_button_is_limited_per_link(client, settings) -> None:
    settings.TOKEN_POSTS_PER_HOUR = 2
    open_link(client, links.confirm_url(ada()))

    assert [client.post(MANAGE_LINK).status_code for _ in range(3)] == [200, 200, 429]
