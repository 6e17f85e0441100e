"""A worker killed mid-batch, and the global send-rate cap, each with its own real worker.

See test_reliable_sending.py for the setting: PostgreSQL, Redis, Anymail's Postmark backend and
a fake Postmark on 127.0.0.1.
"""

import os
import signal
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from digest.planning import plan
from digest.sending import sweep
from digest.tasks import queue_sends
from tests.digests import MORNING
from tests.fake_postmark import Answer, FakePostmark, fake_postmark
from tests.sending import all_final, eventually, readers, statuses, worker
from tests.services import require_postgres, require_redis

pytestmark = [pytest.mark.real_broker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def provider() -> Iterator[FakePostmark]:
    require_postgres()
    require_redis()
    with fake_postmark() as fake:
        yield fake


def pool_children(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def test_a_worker_killed_mid_batch_loses_nothing_and_repeats_only_the_send_in_flight(
    provider: FakePostmark,
    frozen_clock,
) -> None:
    addresses = readers(*(f"reader{number}" for number in range(8)))
    provider.script = {4: Answer(hang=True)}

    with worker(provider) as process:
        queue_sends(plan(MORNING))
        assert provider.hung.wait(timeout=30), "the worker never reached the fourth send"
        [child] = pool_children(process.pid)
        os.kill(child, signal.SIGKILL)
        provider.release.set()
        # The task comes back (reject_on_worker_lost) but finds its rows claimed and leaves
        # them; the sweeper hands them back once their lease is over.
        frozen_clock.advance(timedelta(seconds=301))
        queue_sends(sweep(frozen_clock.now()))
        eventually(all_final)

    in_flight = provider.requests[3].to
    assert set(statuses().values()) == {"sent"}
    assert provider.received() == {a: 2 if a == in_flight else 1 for a in addresses}


def test_the_send_rate_cap_holds_across_the_whole_run(provider: FakePostmark) -> None:
    readers(*(f"reader{number}" for number in range(14)))

    with worker(provider, SEND_RATE_PER_SECOND="6", DIGEST_CHUNK_SIZE="5"):
        queue_sends(plan(MORNING))
        eventually(all_final)

    # One-second windows of at most six: any thirteen sends in a row span more than a second.
    arrivals = [request.at for request in provider.requests]
    assert len(arrivals) == 14
    assert all(
        later - earlier > 0.9 for earlier, later in zip(arrivals, arrivals[12:], strict=False)
    )
