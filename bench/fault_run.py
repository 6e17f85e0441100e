"""The fault run: sending through throttling, server errors and a killed worker, with the defaults.

A throwaway PostgreSQL database holds READERS readers, each due one digest. A real Celery worker
and beat (the Procfile's processes) send through Anymail's Postmark backend to the tests' fake
Postmark on 127.0.0.1 (tests/fake_postmark.py), which answers every 7th request with a 429
(Retry-After: 1) or a 500, in turn. Once a quarter of the digests were accepted the worker is
SIGKILLed, with its processes, and a new one started; the beat's sweeper hands back what the
dead one held. Every setting is the default (retry table, lease, rate cap). The broker and
cache are Redis databases of their own (BENCH_REDIS_URL, else REDIS_URL's server at /14 and /15),
emptied before and after, so tasks naming rows of the throwaway database never reach a real one.
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench.databases import on_postgres

READERS = int(os.environ.get("BENCH_FAULT_READERS", 600))
GOAL = timedelta(minutes=20)
ROOT = Path(__file__).resolve().parent.parent


def bench_redis() -> str | None:
    """The broker's Redis URL for this run (the cache takes the next database)."""
    if url := os.environ.get("BENCH_REDIS_URL"):
        return url
    if url := os.environ.get("REDIS_URL"):
        return urlunsplit(urlsplit(url)._replace(path="/14"))
    return None


def empty_redis(url: str) -> None:
    import redis

    for database in (0, 1):
        broker = int(urlsplit(url).path.strip("/") or 0)
        redis.Redis.from_url(url, db=broker + database).flushdb()


@contextmanager
def process(*command: str, env: dict[str, str]) -> Iterator[subprocess.Popen]:
    """A Celery process in a session of its own (so a kill takes its children), stopped on exit."""
    started = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", *command, "--loglevel", "WARNING"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        yield started
    finally:
        kill(started, signal.SIGTERM)


def kill(started: subprocess.Popen, how: signal.Signals) -> None:
    try:
        os.killpg(started.pid, how)
    except ProcessLookupError:
        return
    started.wait()


def faults(requests: int) -> dict:
    """Every 7th request fails, a 429 asking for a second and a 500 in turn."""
    from tests.fake_postmark import server_error, throttled

    return {
        number: throttled("1") if number % 14 == 7 else server_error(500)
        for number in range(7, requests, 7)
    }


def seed() -> None:
    """READERS readers with no topics (every paper suits them) and a few new papers."""
    from django.utils import timezone

    from digest.models import Paper
    from subscriptions.models import Subscriber

    Paper.objects.bulk_create(
        Paper(
            key=f"bench:{number}",
            title=f"A paper on diffusion models, part {number}",
            abstract="Diffusion models for everything.",
            first_seen_at=timezone.now() - timedelta(hours=2),
            abs_url=f"https://arxiv.org/abs/2611.{number:05d}",
        )
        for number in range(5)
    )
    Subscriber.objects.bulk_create(
        Subscriber(email=f"reader{number}@example.com", status="active")
        for number in range(READERS)
    )


def wait_until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(1)
    return True


def measure() -> dict:
    """In the child process: seed, plan everyone, send with a worker killed a quarter through."""
    import django

    django.setup()
    from django.core.management import call_command

    from digest.models import Delivery
    from tests.fake_postmark import fake_postmark

    call_command("migrate", verbosity=0)
    seed()
    with fake_postmark() as provider, tempfile.TemporaryDirectory() as folder:
        provider.script = faults(10 * READERS)
        env = {**os.environ, **provider.environment()}
        sent = Delivery.objects.filter(status="sent")
        beat = ("beat", "--schedule", str(Path(folder) / "schedule"))
        worker = ("worker", "--queues", "default,feeds,mail")  # as the Procfile runs it
        with process(*beat, env=env), process(*worker, env=env) as first:
            started = time.monotonic()
            call_command("send_digests", "--force", verbosity=0)
            wait_until(lambda: len(provider.accepted()) >= READERS // 4, GOAL.total_seconds())
            kill(first, signal.SIGKILL)
            killed_at = time.monotonic() - started
            with process(*worker, env=env):
                wait_until(lambda: sent.count() == READERS, GOAL.total_seconds() - killed_at)
                wall = time.monotonic() - started
        accepted = provider.accepted()
        return {
            "wall": wall,
            "killed_at": killed_at,
            "sent": sent.count(),
            "requests": provider.count,
            "failed_requests": len([n for n in provider.script if n <= provider.count]),
            "delivered": len(accepted),
            "repeats": sum(accepted.values()) - len(accepted),
        }


def in_child(database_url: str, redis_url: str) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-secret-key",
    }
    for name in [name for name in env if name.startswith(("SEND_", "DIGEST_CHUNK"))]:
        del env[name]  # the defaults are what this run measures
    code = "import json, bench.fault_run as b; print(json.dumps(b.measure()))"
    empty_redis(redis_url)
    try:
        done = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
        )
    finally:
        empty_redis(redis_url)
    if done.returncode:
        raise RuntimeError(f"the fault run failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run() -> str:
    redis_url = bench_redis()
    result = None
    if redis_url:
        result = on_postgres("bench_faults", lambda url: in_child(url, redis_url))
    if result is None:
        return "## Sending through faults\n\nPostgreSQL or Redis was not reachable: not measured.\n"
    within = result["sent"] == READERS and result["wall"] <= GOAL.total_seconds()
    return "\n".join(
        [
            "## Sending through faults",
            "",
            f"{READERS} readers due a digest; a real worker and beat with the default settings "
            "send through Anymail's Postmark backend to a fake Postmark on 127.0.0.1 that answers "
            "every 7th request with a 429 (Retry-After: 1) or a 500, in turn. The worker is "
            f"SIGKILLed once a quarter were accepted ({result['killed_at']:.0f} s in) and a new "
            "one started; beat's sweeper hands back what the dead one held (bench/fault_run.py).",
            "",
            "| wall time | digests sent | sends/s | requests (failing) | repeats |",
            "|---:|---:|---:|---:|---:|",
            f"| {result['wall']:.0f} s | {result['sent']} of {READERS} | "
            f"{result['sent'] / result['wall']:.1f} | {result['requests']} "
            f"({result['failed_requests']}) | {result['repeats']} |",
            "",
            f"Goal: {READERS} of {READERS} within {GOAL.seconds // 60} minutes with the default "
            f"settings: {'met' if within else 'missed'}. A repeat is a digest the provider "
            "accepted twice: at most the one in flight when the worker was killed.",
            "",
        ]
    )
