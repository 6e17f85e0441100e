"""Absolute links for emails, built from settings.SITE_URL (https in production)."""

from django.conf import settings
from django.urls import reverse

from subscriptions.tokens import HasPublicId, make_token


def _absolute(name: str, subscriber: HasPublicId, purpose: str) -> str:
    path = reverse(f"subscriptions:{name}", args=[make_token(subscriber, purpose)])
    return f"{settings.SITE_URL}{path}"


def confirm_url(subscriber: HasPublicId) -> str:
    return _absolute("confirm", subscriber, "confirm")


def manage_url(subscriber: HasPublicId) -> str:
    return _absolute("manage", subscriber, "manage")


def unsubscribe_url(subscriber: HasPublicId) -> str:
    return _absolute("unsubscribe", subscriber, "unsubscribe")


def list_unsubscribe_headers(subscriber: HasPublicId) -> dict[str, str]:
    """RFC 2369 + RFC 8058 one-click headers: providers POST `List-Unsubscribe=One-Click` there."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(subscriber)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
