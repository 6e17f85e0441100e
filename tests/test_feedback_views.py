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


def _managing(reader) -> Client:
    """A browser holding the reader's manage session, as after opening their emailed link."""
    client = Client()
    client.get(reverse("subscriptions:manage", args=[TokenMaker("manage").make(reader, MORNING)]))
    return client


def test_after_more_like_this_with_a_manage_session_it_starts_a_topic_from_the_paper() -> None:
    ada = make_reader("ada@example.com", {"Agents": "agents"})
    title = "Sparse attention: a long, careful study of what heads look at in long contexts"
    paper = make_paper(title)
    client = _managing(ada)

    page = client.post(_url(make_sent_digest(ada, [paper]), 0, liked=True))
    started = client.post(reverse("subscriptions:start_topic"), {"paper": paper.pk}, follow=True)

    assert b"Start a topic from this paper" in page.content
    assert f'name="paper" value="{paper.pk}"'.encode() in page.content
    assert list(ada.topics.values_list("name", "query")) == [
        ("Agents", "agents"),
        ("Sparse attention: a long, careful study of what heads look…", f"like:{paper.arxiv_id}"),
    ]
    assert started.redirect_chain == [("/manage/#topics", 302)]
    assert "papers like this one" in started.content.decode()


def test_a_topic_the_reader_has_is_not_started_twice() -> None:
    ada = make_reader("ada@example.com")
    paper = make_paper("Sparse attention")
    client = _managing(ada)
    client.post(reverse("subscriptions:start_topic"), {"paper": paper.pk})

    again = client.post(reverse("subscriptions:start_topic"), {"paper": paper.pk}, follow=True)

    assert "You already have this topic: “Sparse attention”." in again.content.decode()
    assert ada.topics.count() == 1


def test_a_topic_the_reader_wrote_with_a_version_counts_as_the_same() -> None:
    paper = make_paper("Sparse attention")
    ada = make_reader("ada@example.com", {"Mine": f"like:{paper.arxiv_id}v2"})

    again = _managing(ada).post(
        reverse("subscriptions:start_topic"), {"paper": paper.pk}, follow=True
    )

    assert "You already have this topic: “Mine”." in again.content.decode()
    assert ada.topics.count() == 1


def test_a_reader_at_the_topic_limit_is_told_to_remove_one_first() -> None:
    ada = make_reader("ada@example.com", {f"t{n}": f"word{n}" for n in range(20)})
    paper = make_paper("Sparse attention")

    refused = _managing(ada).post(
        reverse("subscriptions:start_topic"), {"paper": paper.pk}, follow=True
    )

    assert "You have 20 topics, the most there can be: remove one first." in (
        refused.content.decode()
    )
    assert not ada.topics.filter(query__startswith="like:").exists()


def test_after_more_like_this_without_a_manage_session_it_offers_a_manage_link() -> None:
    ada = make_reader("ada@example.com")
    paper = make_paper("Sparse attention")
    delivery = make_sent_digest(ada, [paper])

    page = Client().post(_url(delivery, 0, liked=True))
    tried = Client().post(reverse("subscriptions:start_topic"), {"paper": paper.pk})

    assert b"Want a topic from this paper?" in page.content
    assert b"Email me a link to manage my subscription" in page.content
    assert b"Start a topic from this paper" not in page.content
    assert tried.status_code == 400
    assert not ada.topics.exists()


def test_starting_a_topic_needs_a_post_with_the_csrf_token() -> None:
    ada = make_reader("ada@example.com")
    paper = make_paper("Sparse attention")
    client = _managing(ada)
    client.handler.enforce_csrf_checks = True

    opened = client.get(reverse("subscriptions:start_topic"), {"paper": paper.pk})
    forged = client.post(reverse("subscriptions:start_topic"), {"paper": paper.pk})

    assert (opened.status_code, forged.status_code) == (405, 403)
    assert not ada.topics.exists()


def test_another_readers_manage_session_gets_no_topic_offer() -> None:
    ada, bob = make_reader("ada@example.com"), make_reader("bob@example.com")
    delivery = make_sent_digest(ada, [make_paper("Sparse attention")])

    page = _managing(bob).post(_url(delivery, 0, liked=True))

    assert b"Start a topic from this paper" not in page.content
    assert b"Email me a link to manage my subscription" in page.content
