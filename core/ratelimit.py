"""The one rate limiter: fixed windows counted in Django's cache (Redis when configured, so every
web process and worker shares the counts). Every limit of the service goes through `hit`.

Windows are numbered by the service clock, so tests move time instead of sleeping. Keys are
hashed: the cache never holds a raw email address or IP.
"""

import hashlib
import logging
from datetime import timedelta

from django.core.cache import cache
from redis.exceptions import RedisError

from core import clock

logger = logging.getLogger(__name__)

HOUR = timedelta(hours=1)


def _cache_key(scope: str, key: str, window: timedelta) -> str:
    seconds = int(window.total_seconds())
    number = int(clock.now().timestamp()) // seconds
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"ratelimit:{scope}:{seconds}:{number}:{digest}"


def _count(cache_key: str, window: timedelta) -> int:
    timeout = int(window.total_seconds()) + 60
    # add() is a no-op when the counter exists; incr() is atomic on Redis.
    cache.add(cache_key, 0, timeout=timeout)
    try:
        return cache.incr(cache_key)
    except ValueError:  # the counter expired between add() and incr()
        cache.set(cache_key, 1, timeout=timeout)
        return 1


def hit(
    scope: str, key: str, limit: int, window: timedelta = HOUR, *, fail_open: bool = False
) -> bool:
    """Count one attempt for (scope, key); True while the window holds at most `limit` of them.

    When the cache is unreachable, a `fail_open` limit logs a warning and allows (for what must
    always work: unsubscribing); any other limit lets the cache's error rise, which the
    outage middleware answers with a "try again in a minute" page (core/outage.py).
    """
    try:
        return _count(_cache_key(scope, key, window), window) <= limit
    except RedisError as error:
        if not fail_open:
            raise
        logger.warning("Rate limit %r not counted: the cache is unreachable (%s)", scope, error)
        return True


def spent(scope: str, key: str, limit: int, window: timedelta = HOUR) -> bool:
    """Whether (scope, key) already had `limit` attempts this window, without counting one:
    for limits on failures, counted with `hit` only once an attempt has failed."""
    count = cache.get(_cache_key(scope, key, window)) or 0
    return int(count) >= limit


def client_ip(meta: dict[str, str], num_proxies: int) -> str:
    """The client's address: REMOTE_ADDR, or with `num_proxies` trusted proxies in front, the
    address the outermost of them saw (X-Forwarded-For entries left of it can be forged)."""
    if num_proxies:
        forwarded = [part.strip() for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if len(forwarded) >= num_proxies and forwarded[-num_proxies]:
            return forwarded[-num_proxies]
    return meta.get("REMOTE_ADDR", "") or "unknown"
