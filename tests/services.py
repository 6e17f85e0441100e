"""Real services for tests: PostgreSQL, Redis and a Celery worker process.

A test that needs a service it cannot reach is skipped on a developer's machine, but fails
under CI (CI=true), where every service must be there.
"""

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def missing(what: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is required under CI and is not available")
    pytest.skip(f"{what} is not available")


def require_postgres() -> None:
    if connection.vendor != "postgresql":
        missing("PostgreSQL (set DATABASE_URL to a postgres:// URL)")


def require_redis() -> str:
    url = settings.CELERY_BROKER_URL
    if not url.startswith("redis"):
        missing("Redis (set REDIS_URL)")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        missing(f"Redis at {url}")
    return url


def worker_environment() -> dict[str, str]:
    """The worker sees the test database (pytest-django's test_ name), not the real one."""
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return {**os.environ, "DATABASE_URL": url, "REDIS_URL": settings.CELERY_BROKER_URL}


@contextmanager
def celery_worker(
    *extra_args: str, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen]:
    """Start `celery worker` as a real process on the Redis broker; stop it on exit.

    Waits for the worker to answer a ping (Celery's own readiness handshake), not a fixed time.
    """
    from config.celery import app

    name = f"test-{os.getpid()}@%h"
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--hostname",
        name,
        "--queues",
        "default,feeds,mail",
        "--concurrency",
        "1",
        "--pool",
        "prefork",
        "--without-gossip",
        "--without-mingle",
        "--loglevel",
        "WARNING",
        *extra_args,
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env or worker_environment())
    try:
        hostname = name.replace("%h", os.uname().nodename)
        for _ in range(60):
            if app.control.ping(destination=[hostname], timeout=0.5):
                break
            if process.poll() is not None:
                pytest.fail(f"the Celery worker exited with status {process.returncode}")
        else:
            pytest.fail("the Celery worker did not answer a ping within 30 seconds")
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
