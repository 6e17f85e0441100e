"""The fault run, end to end and small: a fake Postmark failing one request in seven (a 429 with
Retry-After, then a 500, in turn), a real worker SIGKILLed mid-run and a new one started. Every
digest arrives, and only the send in flight when the worker died may arrive twice.

See test_reliable_sending.py for the setting; delays, lease and timeouts are tiny.
"""

import os
import signal
from datetime import timedelta

import pytest

from digest.models import Delivery
from digest.planning import plan
from digest.sending import sweep
from digest.tasks import queue_sends
from tests.digests import MORNING
from tests.fake_postmark import Answer, fake_postmark, server_error, throttled
from tests.sending import all_final, eventually, readers, worker
from tests.services import require_postgres, require_redis
from tests.test_sending_crash_and_rate import pool_children

pytestmark = [pytest.mark.real_broker, pytest.mark.django_db(transaction=True)]
READERS = 60
KILLED_AT = 20  # the request the worker is handing over when it is killed


def faults(requests: int) -> dict[int, Answer]:
    """Every 7th request fails, a 429 asking for a second and a 500 in turn."""
    return {
        number: throttled("1") if number % 14 == 7 else server_error(500)
        for number in range(7, requests, 7)
    }


def test_throttling_errors_and_a_killed_worker_still_deliver_every_digest_once(
    frozen_clock,
) -> None:
    require_postgres()
    require_redis()
    addresses = readers(*(f"reader{number}" for number in range(READERS)))
    with fake_postmark() as provider:
        provider.script = {**faults(4 * READERS), KILLED_AT: Answer(hang=True)}
        with worker(provider, DIGEST_CHUNK_SIZE="10") as first:
            queue_sends(plan(MORNING))
            assert provider.hung.wait(timeout=30), "the worker never reached the killing point"
            for pid in [*pool_children(first.pid), first.pid]:
                os.kill(pid, signal.SIGKILL)  # its prefetched and delayed tasks die with it
        provider.release.set()
        # The sweeper hands back what the dead worker held once its lease is over (here, before
        # the new worker claims anything: this clock is ahead of the worker's).
        frozen_clock.advance(timedelta(seconds=301))
        queue_sends(sweep(frozen_clock.now()))
        with worker(provider, DIGEST_CHUNK_SIZE="10"):
            eventually(all_final, seconds=60)

    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
    accepted = provider.accepted()
    assert set(accepted) == set(addresses)
    assert sum(accepted.values()) - READERS <= 1  # at most the send in flight went twice
    # Each attempt counted is a hand-over the provider received (the killed one included).
    received = provider.received()
    attempts = dict(Delivery.objects.values_list("subscriber__email", "attempts"))
    assert attempts == dict(received)
