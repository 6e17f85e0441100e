"""Signed, stateless tokens for every link in emails.

A token signs an opaque `public_id` (never the email or the primary key) together with the moment
it was issued, under one salt per purpose, so a confirm token can never unsubscribe and an
unsubscribe token can never confirm. Confirm, manage and unsubscribe tokens sign a reader's id;
a view token (a digest's "view in browser" link) signs one sent digest's id and can only show it.
Keys rotate through SECRET_KEY_FALLBACKS (Django's Signer tries them). The issue time comes from
`core.clock`, so tests can age a link without sleeping.
"""

import base64
import uuid
from datetime import UTC, datetime, timedelta
from typing import Protocol

from django.core import signing

from core import clock
from core.signers import batch_signer

PURPOSES = ("confirm", "manage", "unsubscribe", "view", "feedback")
# View links sent before view tokens had an issue time: the delivery's public id under this salt.
# Read by read_legacy_view_token until the last of them expires (sent_at + VIEW_LINK_MAX_AGE):
# remove it 90 days after this release.
LEGACY_VIEW_SALT = "digest.view"


class BadToken(Exception):
    """The token was tampered with, truncated, or made for another purpose."""


class ExpiredToken(BadToken):
    """The token is genuine but older than the purpose allows."""


class HasPublicId(Protocol):
    public_id: uuid.UUID


def _signer(purpose: str) -> signing.Signer:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown token purpose {purpose!r}")
    return signing.Signer(salt=f"core.tokens.{purpose}")


class TokenMaker:
    """Tokens for one purpose and many readers (a digest run): the signing key is derived once."""

    def __init__(self, purpose: str) -> None:
        self._sign = batch_signer(_signer(purpose).salt)
        self._stamp = (-1, "")  # the last issue second and its encoding: a run shares a few

    def make(self, subscriber: HasPublicId, issued_at: datetime) -> str:
        second = int(issued_at.timestamp())
        if second != self._stamp[0]:
            self._stamp = (second, signing.b62_encode(second))
        return self._sign(f"{_short(subscriber.public_id)}:{self._stamp[1]}")


def make_token(subscriber: HasPublicId, purpose: str) -> str:
    """A URL-safe token for `subscriber` and `purpose`, stamped with the service clock."""
    return TokenMaker(purpose).make(subscriber, clock.now())


def read_token_with_issue_time(token: str, purpose: str) -> tuple[uuid.UUID, datetime]:
    """The public id a token signs and when it was issued; raises BadToken if not genuine."""
    try:
        value = _signer(purpose).unsign(token)
        public_id, issued = value.split(":")
        return _long(public_id), datetime.fromtimestamp(signing.b62_decode(issued), UTC)
    except (signing.BadSignature, ValueError) as error:
        raise BadToken(str(error)) from None


def read_token(token: str, purpose: str, max_age: timedelta | None = None) -> uuid.UUID:
    """The public id a token signs.

    Raises BadToken when the token is not genuine for this purpose, and ExpiredToken (a BadToken)
    when it is genuine but issued more than `max_age` ago by the service clock.
    """
    public_id, issued_at = read_token_with_issue_time(token, purpose)
    if max_age is not None and clock.now() - issued_at > max_age:
        raise ExpiredToken(f"issued at {issued_at.isoformat()}, older than {max_age}")
    return public_id


def _short(public_id: uuid.UUID) -> str:
    """The id in 22 URL-safe characters. Not its 32 hex digits: those look like a Bitcoin address
    to SpamAssassin whenever they start with 1 or 3 and hold no 0 (one link in 60), which cost a
    digest a spam point."""
    return base64.urlsafe_b64encode(public_id.bytes).rstrip(b"=").decode()


def _long(text: str) -> uuid.UUID:
    """The id `_short` wrote, or the 32 hex digits of a link sent before it."""
    if len(text) == 32:
        return uuid.UUID(hex=text)
    if len(text) != 22:
        raise ValueError("not a public id")
    return uuid.UUID(bytes=base64.urlsafe_b64decode(text + "=="))


def read_legacy_view_token(token: str) -> uuid.UUID:
    """The delivery id an old, time-less view link signs; raises BadToken if not genuine. Its
    age is the delivery's: the caller judges it by sent_at."""
    try:
        return uuid.UUID(hex=signing.Signer(salt=LEGACY_VIEW_SALT).unsign(token))
    except (signing.BadSignature, ValueError) as error:
        raise BadToken(str(error)) from None
