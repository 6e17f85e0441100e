"""Responses shared by the reader's pages: refusals and the headers token pages need."""

from collections.abc import Callable
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core import ratelimit

View = Callable[..., HttpResponse]


def no_referrer(view: View) -> View:
    """Token pages must not leak their URL (the token) to any site they link to."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "no-referrer"
        return response

    return wrapper


def ip_allows(request: HttpRequest, scope: str) -> bool:
    """Count a public form post against its client IP's hourly allowance."""
    ip = ratelimit.client_ip(request.META, settings.NUM_PROXIES)
    limit = settings.SUBSCRIBE_POSTS_PER_IP_PER_HOUR
    return ratelimit.hit(scope, ip, limit, timedelta(hours=1))


def broken_link(request: HttpRequest) -> HttpResponse:
    """A tampered, truncated or wrong-purpose token."""
    return render(request, "subscriptions/broken_link.html", status=400)


def unknown_reader(request: HttpRequest) -> HttpResponse:
    """A genuine token for a reader who no longer exists (deleted their data)."""
    return render(request, "subscriptions/unknown_reader.html", status=404)


def too_many(request: HttpRequest) -> HttpResponse:
    return render(request, "subscriptions/too_many.html", status=429)


def check_inbox(request: HttpRequest, email: str | None) -> HttpResponse:
    hours = settings.CONFIRM_LINK_MAX_AGE // timedelta(hours=1)
    context = {"email": email, "confirm_hours": hours}
    return render(request, "subscriptions/check_inbox.html", context)


def manage_link_sent(request: HttpRequest, email: str | None) -> HttpResponse:
    """After a manage link was asked for: the same answer whether or not one was sent."""
    context = {"email": email, "manage_days": settings.MANAGE_LINK_MAX_AGE.days}
    return render(request, "subscriptions/manage_link_sent.html", context)
