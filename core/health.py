"""/healthz: answered before any other middleware, so plain-HTTP probes need no allowed host."""

from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from kombu import Connection


def check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:
        return f"database: {error.__class__.__name__}"
    return None


def check_broker() -> str | None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return None
    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=0, timeout=2)
    except Exception as error:
        return f"broker: {error.__class__.__name__}"
    return None


class HealthCheckMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path != "/healthz":
            return self.get_response(request)
        problems = [p for p in (check_database(), check_broker()) if p]
        if problems:
            return JsonResponse({"status": "down", "problems": problems}, status=503)
        return JsonResponse({"status": "ok"})
