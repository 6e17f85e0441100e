"""Answers both apps give on the pages emailed links open: refusals, and the headers token
pages need."""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

View = Callable[..., HttpResponse]


def no_referrer(view: View) -> View:
    """Token pages must not leak their URL (the token) to any site they link to."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "no-referrer"
        return response

    return wrapper


def broken_link(request: HttpRequest) -> HttpResponse:
    """A tampered, truncated or wrong-purpose token."""
    return render(request, "subscriptions/broken_link.html", status=400)


def unknown_reader(request: HttpRequest) -> HttpResponse:
    """A genuine token for a reader who no longer exists (deleted their data)."""
    return render(request, "subscriptions/unknown_reader.html", status=404)


def too_many(request: HttpRequest) -> HttpResponse:
    return render(request, "subscriptions/too_many.html", status=429)


def manage_link_sent(request: HttpRequest, email: str | None) -> HttpResponse:
    """After a manage link was asked for: the same answer whether or not one was sent."""
    context = {"email": email, "manage_days": settings.MANAGE_LINK_MAX_AGE.days}
    return render(request, "subscriptions/manage_link_sent.html", context)
