"""Redis down (the cache or the broker): a plain "try again in a minute" page, never a 500.

What must always work (the one-click unsubscribe) does not reach this: its rate limit fails
open and it queues nothing (see core/ratelimit.py and subscriptions/link_views.py).
"""

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# The cache's errors (Django's Redis cache) and the broker's (Celery publishing a task).
UNREACHABLE = (RedisError, OperationalError)


class OutageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, error: Exception) -> HttpResponse | None:
        if not isinstance(error, UNREACHABLE):
            return None
        logger.error(
            "%s %s answered 503, Redis is unreachable: %r", request.method, request.path, error
        )
        response = render(request, "unavailable.html", status=503)
        response["Retry-After"] = "60"
        return response
