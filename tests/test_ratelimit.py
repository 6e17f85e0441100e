import socket
from datetime import timedelta

import pytest
from redis.exceptions import RedisError

from core.ratelimit import client_ip, hit, spent

HOUR = timedelta(hours=1)


def test_it_allows_up_to_the_limit_then_refuses() -> None:
    results = [hit("test", "ada", 3, HOUR) for _ in range(5)]

    assert results == [True, True, True, False, False]


def test_keys_and_scopes_are_counted_apart() -> None:
    for _ in range(3):
        hit("test", "ada", 3, HOUR)

    assert hit("test", "bob", 3, HOUR)
    assert hit("other", "ada", 3, HOUR)


def test_a_new_window_starts_afresh(frozen_clock) -> None:
    for _ in range(4):
        hit("test", "ada", 3, HOUR)
    frozen_clock.advance(HOUR)

    assert hit("test", "ada", 3, HOUR)


@pytest.mark.parametrize(
    ("meta", "proxies", "expected"),
    [
        ({"REMOTE_ADDR": "10.0.0.1"}, 0, "10.0.0.1"),
        ({"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6"}, 0, "10.0.0.1"),
        (
            {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.9"},
            1,
            "203.0.113.9",
        ),
        ({"REMOTE_ADDR": "10.0.0.1"}, 1, "10.0.0.1"),
    ],
)
def test_the_client_ip_trusts_only_the_configured_proxies(meta, proxies, expected) -> None:
    assert client_ip(meta, proxies) == expected


def test_spent_tells_without_counting() -> None:
    assert not spent("test", "ada", 2, HOUR)
    hit("test", "ada", 2, HOUR)
    hit("test", "ada", 2, HOUR)

    assert spent("test", "ada", 2, HOUR)
    assert not spent("test", "bob", 2, HOUR)


@pytest.fixture
def unreachable_cache(settings) -> None:
    """A Redis cache on a loopback port where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
        }
    }


def test_an_unreachable_cache_raises_unless_the_limit_fails_open(unreachable_cache, caplog) -> None:
    with pytest.raises(RedisError):
        hit("test", "ada", 3, HOUR)

    assert hit("test", "ada", 3, HOUR, fail_open=True)
    assert "Rate limit 'test' not counted: the cache is unreachable" in caplog.text
