"""Keeping an emailed link's token in the session, so its page lives at a token-less address.

As Django's password reset does: the token URL (served with Referrer-Policy: no-referrer)
keeps the token here and redirects. The token then cannot leak through Referer, and forms on
the page keep a real Origin header: browsers send `Origin: null` from a no-referrer page, which
Django's CSRF check refuses. Any page with forms behind an emailed link (confirm, manage) can
use this.
"""

from django.http import HttpRequest

from core.tokens import BadToken


def _key(purpose: str) -> str:
    return f"subscriptions.link.{purpose}"


def keep(request: HttpRequest, purpose: str, token: str) -> None:
    request.session[_key(purpose)] = token


def kept(request: HttpRequest, purpose: str) -> str:
    """The token kept for `purpose`; BadToken if this browser never opened such a link."""
    token = request.session.get(_key(purpose))
    if not token:
        raise BadToken(f"no {purpose} link was opened in this session")
    return token


def forget(request: HttpRequest, purpose: str) -> None:
    request.session.pop(_key(purpose), None)
