"""Absolute links for emails, built from settings.SITE_URL (https in production)."""

from datetime import datetime

from django.conf import settings
from django.urls import reverse

from core import clock
from core.tokens import HasPublicId, TokenMaker

PLACEHOLDER = "token"
# The page each token purpose opens.
URL_NAMES = {
    "confirm": "subscriptions:confirm",
    "manage": "subscriptions:manage",
    "unsubscribe": "subscriptions:unsubscribe",
    "view": "digest:view",
}


def url_around(name: str) -> tuple[str, str]:
    """The absolute URL of view `name` split where its token goes, so a batch reverses it once.

    Tokens are URL-safe (letters, digits, "-", "_", ":"), which reverse() leaves unquoted."""
    before, after = reverse(name, args=[PLACEHOLDER]).rsplit(PLACEHOLDER, 1)
    return f"{settings.SITE_URL}{before}", after


class Links:
    """One purpose's links for many readers or digests (a digest run): key and URL worked out
    once."""

    def __init__(self, purpose: str) -> None:
        self._tokens = TokenMaker(purpose)
        self._before, self._after = url_around(URL_NAMES[purpose])

    def url(self, subscriber: HasPublicId, issued_at: datetime) -> str:
        return f"{self._before}{self._tokens.make(subscriber, issued_at)}{self._after}"


def _absolute(purpose: str, subscriber: HasPublicId) -> str:
    return Links(purpose).url(subscriber, clock.now())


def confirm_url(subscriber: HasPublicId) -> str:
    return _absolute("confirm", subscriber)


def manage_url(subscriber: HasPublicId) -> str:
    return _absolute("manage", subscriber)


def unsubscribe_url(subscriber: HasPublicId) -> str:
    return _absolute("unsubscribe", subscriber)


def list_unsubscribe_headers(subscriber: HasPublicId) -> dict[str, str]:
    return unsubscribe_headers(unsubscribe_url(subscriber))


def unsubscribe_headers(url: str) -> dict[str, str]:
    """RFC 2369 + RFC 8058 one-click headers: providers POST `List-Unsubscribe=One-Click` there."""
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


class FeedbackLinks:
    """A digest's "More like this" and "Less like this" links: one token per digest (signed with
    its send time, so they live as long as that email's manage link) and the paper's position,
    which keeps them short: a digest carries two per paper."""

    def __init__(self) -> None:
        self._tokens = TokenMaker("feedback")
        self._more, self._less = (
            _before_token(f"subscriptions:{kind}") for kind in ("more", "less")
        )

    def bases(self, digest: HasPublicId, sent_at: datetime) -> tuple[str, str]:
        """The two URLs up to the position: append "<position>/" to each."""
        token = self._tokens.make(digest, sent_at)
        return f"{self._more}{token}/", f"{self._less}{token}/"


def _before_token(name: str) -> str:
    path = reverse(name, args=[PLACEHOLDER, 0])
    return f"{settings.SITE_URL}{path[: path.index(PLACEHOLDER)]}"
