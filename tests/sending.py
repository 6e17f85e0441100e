"""Helpers for the end-to-end sending tests: readers, a worker tuned for tests, polling."""

import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from subprocess import Popen

import pytest

from digest.models import Delivery
from tests.digests import make_paper
from tests.fake_postmark import FakePostmark
from tests.personas import make_reader
from tests.services import celery_worker, worker_environment

# Tiny delays, lease and timeout, so a retry or a lost worker costs the suite a fraction of a
# second; the worker reads them from its environment like any other setting.
TUNING = {
    "SEND_RETRY_DELAYS": "0.05,0.6",
    "SEND_TIMEOUT_SECONDS": "1",
    "SEND_LEASE_SECONDS": "5",
    "SEND_RATE_PER_SECOND": "0",
    "CHANNEL_PART_GAP_SECONDS": "0.01",
}


def worker(provider: FakePostmark, **tuning: str) -> AbstractContextManager[Popen]:
    """A real Celery worker sending through `provider` with Anymail's Postmark backend."""
    return celery_worker(env={**worker_environment(), **provider.environment(), **TUNING, **tuning})


def readers(*names: str) -> list[str]:
    """Active readers `<name>@example.com` (every paper suits them) and one new paper."""
    make_paper("Diffusion models")
    addresses = [f"{name}@example.com" for name in names]
    for address in addresses:
        make_reader(address)
    return addresses


def eventually(condition: Callable[[], bool], seconds: float = 30) -> None:
    """Poll `condition` until it holds, failing after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"still not true after {seconds} s: {condition.__doc__ or condition}")
        time.sleep(0.05)


def all_final() -> bool:
    """every delivery is sent, skipped or failed"""
    return not Delivery.objects.filter(status__in=["planned", "sending"]).exists()


def statuses() -> dict[str, str]:
    return dict(Delivery.objects.values_list("subscriber__email", "status"))
