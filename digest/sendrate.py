"""The global send-rate cap: at most N emails a second, counted across every worker.

Counts live in Django's cache (Redis in production, so all workers share them) in one-second
windows numbered by the service clock, through the same fixed-window counter the public forms
use. A sender over the cap waits for the next window.
"""

import time
from collections.abc import Callable
from datetime import timedelta

from core import clock, ratelimit

ONE_SECOND = timedelta(seconds=1)


def wait_for_turn(per_second: int, sleep: Callable[[float], None] = time.sleep) -> None:
    """Return once one more email fits this second's window; no cap when `per_second` is 0."""
    while per_second and not ratelimit.hit("send-rate", "all", per_second, ONE_SECOND):
        moment = clock.now().timestamp()
        sleep(int(moment) + 1 - moment)
