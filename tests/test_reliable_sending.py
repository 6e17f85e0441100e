"""Exactly once under faults, end to end: PostgreSQL, Redis, a real Celery worker process and
Anymail's real Postmark backend talking to a fake Postmark on 127.0.0.1 that throttles, fails,
refuses, dawdles or hangs as each test scripts it.

Delays, leases and timeouts are tiny here (environment variables the worker reads). Tests wait
for a condition with a bounded poll, never a fixed sleep.
"""

import threading
from collections.abc import Iterator

import pytest

from digest.models import Delivery
from digest.planning import plan
from digest.tasks import queue_sends
from subscriptions.actions import unsubscribe
from tests.digests import MORNING
from tests.fake_postmark import (
    ACCEPT,
    Answer,
    FakePostmark,
    fake_postmark,
    invalid_recipient,
    server_error,
    throttled,
)
from tests.sending import all_final, eventually, readers, statuses, worker
from tests.services import require_postgres, require_redis

pytestmark = [pytest.mark.real_broker, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def running(django_db_setup, django_db_blocker) -> Iterator[FakePostmark]:
    """One fake provider and one worker for the module's tests (starting a worker takes seconds)."""
    with django_db_blocker.unblock():
        require_postgres()
        require_redis()
    with fake_postmark() as fake, worker(fake):
        yield fake


@pytest.fixture
def provider(running: FakePostmark) -> Iterator[FakePostmark]:
    """The running fake provider with a blank script and record."""
    yield running
    running.release.set()  # let any request still held go before the next test
    running.script, running.default, running.requests, running.count = {}, ACCEPT, [], 0
    running.hung, running.release = threading.Event(), threading.Event()


def test_throttling_and_server_errors_are_retried_until_every_digest_went_once(provider) -> None:
    addresses = readers("ada", "bob", "cy", "dee", "eve")
    provider.script = {2: throttled("0"), 4: server_error(503)}

    queue_sends(plan(MORNING))
    eventually(all_final)

    assert set(statuses().values()) == {"sent"}
    assert provider.accepted() == {address: 1 for address in addresses}
    assert provider.count == 7


def test_a_retry_waits_at_least_as_long_as_retry_after_asks(provider) -> None:
    readers("ada")
    provider.script = {1: throttled("1")}  # capped at the table's longest delay, 0.6 s

    queue_sends(plan(MORNING))
    eventually(all_final)

    first, second = provider.requests
    assert second.at - first.at >= 0.6
    assert Delivery.objects.get().status == "sent"


def test_a_refused_recipient_fails_with_the_reason_and_is_not_tried_again(provider) -> None:
    readers("ada", "bob")
    provider.script = {1: invalid_recipient("ada@example.com")}

    queue_sends(plan(MORNING))
    eventually(all_final)

    ada = Delivery.objects.get(subscriber__email="ada@example.com")
    assert ada.status == "failed"
    assert "ada@example.com" in ada.reason and ada.items.count() == 0
    assert provider.received() == {"ada@example.com": 1, "bob@example.com": 1}


def test_a_digest_fails_once_the_retry_table_is_used_up(provider) -> None:
    readers("ada")
    provider.default = server_error(500)

    queue_sends(plan(MORNING))
    eventually(all_final)

    delivery = Delivery.objects.get()
    assert delivery.status == "failed"
    assert delivery.reason.startswith("Gave up after 3 attempts.")
    assert provider.count == 3


def test_a_slow_answer_is_waited_for_and_a_missing_one_is_retried(provider) -> None:
    readers("ada", "bob")
    provider.script = {1: Answer(delay=0.3), 2: Answer(hang=True)}

    queue_sends(plan(MORNING))
    eventually(all_final)

    assert set(statuses().values()) == {"sent"}
    assert provider.accepted() == {"ada@example.com": 1, "bob@example.com": 1}
    assert provider.received()["bob@example.com"] == 2  # the unanswered try, then the retry


def test_a_reader_who_unsubscribes_after_planning_gets_nothing(provider) -> None:
    readers("ada", "bob")
    ids = plan(MORNING)
    unsubscribe(Delivery.objects.get(subscriber__email="bob@example.com").subscriber)

    queue_sends(ids)
    eventually(all_final)

    assert statuses() == {"ada@example.com": "sent", "bob@example.com": "skipped"}
    assert provider.received() == {"ada@example.com": 1}
