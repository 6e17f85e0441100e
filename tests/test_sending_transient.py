"""A transient provider error retries that message alone, when the provider asked, and the
chunk goes on; a 429 pauses every sender. Anymail's Postmark backend in this process, talking to
a fake Postmark on 127.0.0.1."""

from collections.abc import Iterator
from datetime import timedelta

import pytest

from core import clock
from digest.models import Delivery
from digest.planning import plan
from digest.sending import send_chunk
from tests.digests import MORNING, make_paper
from tests.fake_postmark import FakePostmark, fake_postmark, server_error, throttled
from tests.personas import make_reader

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider(settings) -> Iterator[FakePostmark]:
    with fake_postmark() as fake:
        settings.EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
        settings.ANYMAIL = {"POSTMARK_SERVER_TOKEN": "fake-token", "POSTMARK_API_URL": fake.url}
        settings.SEND_RETRY_DELAYS = [0.05, 0.2]
        yield fake


def planned(*names: str) -> list[int]:
    make_paper("Diffusion models")
    for name in names:
        make_reader(f"{name}@example.com")
    return plan(MORNING)


def test_a_server_error_sends_that_digest_back_alone_and_the_chunk_goes_on(provider) -> None:
    ids = planned("ada", "bob", "cy", "dee")
    provider.script = {2: server_error(500)}
    started = clock.now()

    outcome = send_chunk(ids)

    bob = Delivery.objects.get(subscriber__email="bob@example.com")
    assert outcome.retry == {0.05: [bob.pk]}
    assert sorted(outcome.sent) == sorted(set(ids) - {bob.pk})
    assert provider.accepted() == {f"{n}@example.com": 1 for n in ("ada", "cy", "dee")}
    assert (bob.status, bob.attempts) == ("planned", 1)
    assert bob.due_at >= started + timedelta(seconds=0.05)
    assert set(Delivery.objects.exclude(pk=bob.pk).values_list("attempts", flat=True)) == {1}


def test_a_429_retries_after_what_the_provider_asked_and_pauses_every_sender(provider) -> None:
    ids = planned("ada", "bob")
    provider.script = {1: throttled("1")}  # capped at the table's longest delay, 0.2 s

    outcome = send_chunk(ids)

    ada = Delivery.objects.get(subscriber__email="ada@example.com")
    assert outcome.retry == {0.2: [ada.pk]}
    throttled_at, bob_at = (request.at for request in provider.requests)
    assert bob_at - throttled_at >= 0.2  # bob waited out the pause the 429 asked for
    assert provider.accepted() == {"bob@example.com": 1}
