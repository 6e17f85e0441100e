"""A digest's "view in browser" link shows that digest and nothing more: a forwarded digest
hands over no address and no way to change the subscription, and the link expires."""

from datetime import timedelta

import pytest
from django.core.signing import Signer
from django.test import Client
from django.utils.html import strip_tags

from digest.models import Delivery
from tests.test_digest_view import send_adas_digest

pytestmark = pytest.mark.django_db

BUTTON = "Email me a link to manage my subscription"


def manage_links_in(outbox) -> list[tuple[list[str], str]]:
    return [(m.to, m.body) for m in outbox if "/manage/" in m.body]


def test_a_forwarded_view_link_shows_no_address_and_reaches_no_manage_page() -> None:
    path = send_adas_digest()
    stranger = Client()  # no cookies: whoever the digest was forwarded to

    response = stranger.get(path, follow=True)

    page = response.content.decode()
    assert response.status_code == 200 and "Scaling diffusion transformers" in strip_tags(page)
    assert "ada@example.com" not in page
    assert "/manage/" not in page and "/unsubscribe/" not in page
    assert BUTTON in page
    assert stranger.get("/manage/").templates[0].name == "subscriptions/manage_request.html"


def test_the_button_mails_a_manage_link_to_the_reader_not_the_visitor(
    mailoutbox, django_capture_on_commit_callbacks
) -> None:
    path = send_adas_digest()
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(f"{path}manage-link/")

    assert response.status_code == 200 and "Check your inbox" in response.content.decode()
    assert "ada@example.com" not in response.content.decode()
    [(to, _body)] = manage_links_in(mailoutbox)
    assert to == ["ada@example.com"]


def test_the_button_is_limited_per_ip_like_the_send_me_my_link_form(settings) -> None:
    settings.SUBSCRIBE_POSTS_PER_IP_PER_HOUR = 2
    path = send_adas_digest()

    answers = [Client().post(f"{path}manage-link/").status_code for _ in range(3)]

    assert answers == [200, 200, 429]


def test_a_view_link_expires_after_90_days_and_offers_the_button(
    frozen_clock, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    path = send_adas_digest()
    frozen_clock.advance(timedelta(days=89, hours=23))
    assert Client().get(path).status_code == 200
    frozen_clock.advance(timedelta(hours=2))
    mailoutbox.clear()

    response = Client().get(path)

    assert response.status_code == 410 and BUTTON in response.content.decode()
    assert "Scaling diffusion transformers" not in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert Client().post(f"{path}manage-link/").status_code == 200
    assert [to for to, _ in manage_links_in(mailoutbox)] == [["ada@example.com"]]


def test_a_view_link_sent_before_view_tokens_works_for_90_days_after_its_digest(
    frozen_clock,
) -> None:
    send_adas_digest()
    delivery = Delivery.objects.get()
    old_link = f"/digests/{Signer(salt='digest.view').sign(delivery.public_id.hex)}/"
    assert Client().get(old_link).status_code == 200

    frozen_clock.travel_to(delivery.sent_at + timedelta(days=90, minutes=1))

    assert Client().get(old_link).status_code == 410


def test_head_answers_like_get() -> None:
    path = send_adas_digest()

    assert Client().head(path).status_code == 200
