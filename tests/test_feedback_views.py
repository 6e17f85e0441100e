""" "More like this" / "Less like this": the feedback links beside every paper of a digest."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from core.tokens import TokenMaker
from digest.models import Delivery
from subscriptions.models import Mute, Vote
from tests.digests import MORNING, make_paper, make_sent_digest
from tests.personas import make_reader

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _at_morning(frozen_clock):
    frozen_clock.travel_to(MORNING)


def _url(delivery: Delivery, position: int, liked: bool, purpose: str = "feedback") -> str:
    token = TokenMaker(purpose).make(delivery, MORNING)
    return reverse("subscriptions:more" if liked else "subscriptions:less", args=[token, position])


def test_opening_a_feedback_link_changes_nothing() -> None:
    ada = make_reader("ada@example.com")
    paper = make_paper("Sparse attention")
    delivery = make_sent_digest(ada, [paper])

    response = Client().get(_url(delivery, 0, liked=True))

    assert response.status_code == 200
    assert b"Sparse attention" in response.content
    assert b"More like this" in response.content
    assert not Vote.objects.exists()


def test_pressing_the_button_records_the_vote_and_a_second_vote_replaces_it() -> None:
    ada = make_reader("ada@example.com")
    paper = make_paper("Sparse attention")
    delivery = make_sent_digest(ada, [paper])
    client = Client()

    client.post(_url(delivery, 0, liked=True))
    first = list(Vote.objects.values_list("subscriber_id", "paper_id", "liked"))
    response = client.post(_url(delivery, 0, liked=False))

    assert first == [(ada.pk, paper.pk, True)]
    assert response.status_code == 200
    assert b"Thanks, noted" in response.content
    assert list(Vote.objects.values_list("liked", flat=True)) == [False]


def test_a_tampered_or_wrong_purpose_link_is_refused() -> None:
    ada = make_reader("ada@example.com")
    delivery = make_sent_digest(ada, [make_paper("Sparse attention")])
    good = _url(delivery, 0, liked=True)
    tampered = good.replace("/0/", "/0/").replace(
        good.split("/")[2], good.split("/")[2][:-2] + "xx"
    )

    assert Client().post(tampered).status_code == 400
    assert Client().post(_url(delivery, 0, liked=True, purpose="manage")).status_code == 400
    assert Client().post(_url(delivery, 5, liked=True)).status_code == 400
    assert not Vote.objects.exists()


def test_a_link_older_than_a_manage_link_lives_is_expired(frozen_clock, settings) -> None:
    ada = make_reader("ada@example.com")
    delivery = make_sent_digest(ada, [make_paper("Sparse attention")])
    url = _url(delivery, 0, liked=True)
    frozen_clock.travel_to(MORNING + settings.MANAGE_LINK_MAX_AGE + timedelta(minutes=1))

    response = Client().post(url)

    assert response.status_code == 410
    assert not Vote.objects.exists()


def test_votes_are_limited_per_reader_not_per_ip(settings) -> None:
    settings.VOTES_PER_HOUR = 2
    ada, bob = make_reader("ada@example.com"), make_reader("bob@example.com")
    papers = [make_paper(f"Paper {n}") for n in range(3)]
    ada_digest, bob_digest = make_sent_digest(ada, papers), make_sent_digest(bob, papers)
    client = Client()  # one IP for both readers

    answers = [client.post(_url(ada_digest, n, liked=True)).status_code for n in range(3)]
    bob_answer = client.post(_url(bob_digest, 0, liked=True)).status_code

    assert answers == [200, 200, 429]
    assert bob_answer == 200


def test_after_less_like_this_without_a_manage_session_it_offers_a_manage_link_not_a_mute() -> None:
    ada = make_reader("ada@example.com")
    delivery = make_sent_digest(ada, [make_paper("Sparse attention", authors=["Grace Hopper"])])

    response = Client().post(_url(delivery, 0, liked=False))

    assert b"Email me a link to manage my subscription" in response.content
    assert b'name="mute"' not in response.content
    assert not Mute.objects.exists()


def test_with_the_readers_manage_session_it_offers_to_mute_an_author_and_the_mute_is_kept() -> None:
    ada = make_reader("ada@example.com")
    delivery = make_sent_digest(ada, [make_paper("Sparse attention", authors=["Grace Hopper"])])
    client = Client()
    manage = TokenMaker("manage").make(ada, MORNING)
    client.get(reverse("subscriptions:manage", args=[manage]))

    page = client.post(_url(delivery, 0, liked=False))
    muted = client.post(reverse("subscriptions:mute"), {"mute": "author:Grace Hopper"})

    assert b"by Grace Hopper" in page.content
    assert muted.status_code == 302
    assert list(Mute.objects.values_list("subscriber_id", "kind", "value")) == [
        (ada.pk, "author", "Grace Hopper")
    ]


def test_another_readers_manage_session_gets_no_mute_offer() -> None:
    ada, bob = make_reader("ada@example.com"), make_reader("bob@example.com")
    delivery = make_sent_digest(ada, [make_paper("Sparse attention", authors=["Grace Hopper"])])
    client = Client()
    client.get(reverse("subscriptions:manage", args=[TokenMaker("manage").make(bob, MORNING)]))

    page = client.post(_url(delivery, 0, liked=False))

    assert b'name="mute"' not in page.content
    assert b"Email me a link to manage my subscription" in page.content


def test_the_manage_link_offer_mails_the_reader_not_the_visitor(
    mailoutbox, django_capture_on_commit_callbacks
) -> None:
    ada = make_reader("ada@example.com")
    delivery = make_sent_digest(ada, [make_paper("Sparse attention")])

    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(_url(delivery, 0, liked=False), {"action": "manage-link"})

    assert response.status_code == 200
    assert [message.to for message in mailoutbox] == [["ada@example.com"]]
    assert not Vote.objects.exists()
