"""A small fixed-window rate limiter on Django's cache (Redis when configured, so every web
process shares the counts).

Windows are numbered by the service clock, so tests move time instead of sleeping. Keys are
hashed: the cache never holds a raw email address or IP.
"""

import hashlib
from datetime import timedelta

from django.core.cache import cache

from core import clock


def _cache_key(scope: str, key: str, window: timedelta) -> str:
    seconds = int(window.total_seconds())
    number = int(clock.now().timestamp()) // seconds
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"ratelimit:{scope}:{seconds}:{number}:{digest}"


def hit(scope: str, key: str, limit: int, window: timedelta) -> bool:
    """Count one attempt for (scope, key); True while the window holds at most `limit` of them."""
    cache_key = _cache_key(scope, key, window)
    # add() is a no-op when the counter exists; incr() is atomic on Redis.
    cache.add(cache_key, 0, timeout=int(window.total_seconds()) + 60)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # the counter expired between add() and incr()
        cache.set(cache_key, 1, timeout=int(window.total_seconds()) + 60)
        count = 1
    return count <= limit


def client_ip(meta: dict[str, str], num_proxies: int) -> str:
    """The client's address: REMOTE_ADDR, or with `num_proxies` trusted proxies in front, the
    address the outermost of them saw (X-Forwarded-For entries left of it can be forged)."""
    if num_proxies:
        forwarded = [part.strip() for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if len(forwarded) >= num_proxies and forwarded[-num_proxies]:
            return forwarded[-num_proxies]
    return meta.get("REMOTE_ADDR", "") or "unknown"
