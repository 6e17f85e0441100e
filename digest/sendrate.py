"""When a worker may hand over its next email: the global send-rate cap and the provider's pause.

Both live in Django's cache (Redis in production, so all workers share them). The cap counts
emails in one-second windows numbered by the service clock, through the same fixed-window counter
the public forms use; a sender over the cap waits for the next window. A 429's Retry-After pauses
every worker until the moment the provider named.
"""

import math
import time
from collections.abc import Callable
from datetime import timedelta

from django.core.cache import cache

from core import clock, ratelimit

ONE_SECOND = timedelta(seconds=1)
PAUSE_KEY = "send-paused-until"


def pause_sending(seconds: float) -> None:
    """Hold every worker's sends for `seconds` from now; a longer pause already set stays."""
    until = clock.now().timestamp() + seconds
    if until > cache.get(PAUSE_KEY, 0.0):
        cache.set(PAUSE_KEY, until, timeout=math.ceil(seconds) + 1)


def paused_for() -> float:
    """Seconds left of the provider's pause; 0 when sending may go on."""
    return max(cache.get(PAUSE_KEY, 0.0) - clock.now().timestamp(), 0.0)


def wait_for_send_slot(
    per_second: int, at_most: float = math.inf, sleep: Callable[[float], None] = time.sleep
) -> bool:
    """Take the slot of one more email: True once it fits this second's window (no cap when
    `per_second` is 0) and sending is not paused. During a pause, sleeps at most `at_most`
    seconds of it and returns False, so a caller holding a lease can renew it and ask again."""
    if pause := paused_for():
        sleep(min(pause, at_most))
        return False
    while per_second and not ratelimit.hit("send-rate", "all", per_second, ONE_SECOND):
        moment = clock.now().timestamp()
        sleep(int(moment) + 1 - moment)
    return True
