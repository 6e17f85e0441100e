"""A channel's webhook URL: checked like a feed's, kept encrypted, shown back only masked.

Whoever holds a webhook URL can post to the channel, so the database holds it encrypted with
Fernet (AES and an HMAC, from `cryptography`) under a key derived from SECRET_KEY; keys in
SECRET_KEY_FALLBACKS still read URLs stored before a rotation.
"""

import base64
import hashlib
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

from digest.fetching import FetchError, checked_address

SALT = b"digest.channel_urls.webhook"
MAX_LENGTH = 2000


class BadWebhookURL(ValueError):
    """The URL cannot be a channel's; the message says why in plain words."""


def _fernet(secret: str) -> Fernet:
    key = hashlib.sha256(SALT + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def _keys() -> MultiFernet:
    secrets = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return MultiFernet([_fernet(secret) for secret in secrets])


def encrypt(url: str) -> str:
    return _keys().encrypt(url.encode()).decode()


def decrypt(stored: str) -> str:
    """The URL; raises BadWebhookURL when no key in use can read it (SECRET_KEY changed with no
    fallback): the owner has to add the channel again."""
    try:
        return _keys().decrypt(stored.encode()).decode()
    except InvalidToken:
        raise BadWebhookURL("The webhook address can no longer be read.") from None


def mask(url: str) -> str:
    """The URL as shown back: the service's address and the last four characters, no more."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}/…{url[-4:]}"


def check(url: str) -> str:
    """The URL, stripped, if a channel may post to it: http(s), a host that resolves to public
    addresses only (or is in FETCH_ALLOWED_HOSTS). Raises BadWebhookURL otherwise."""
    url = url.strip()
    whole = "Paste the whole webhook address, starting with https://."
    try:
        parts = urlsplit(url)
    except ValueError:  # a broken [IPv6] host
        raise BadWebhookURL(whole) from None
    if len(url) > MAX_LENGTH or parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadWebhookURL(whole)
    if parts.username or parts.password:
        raise BadWebhookURL("A webhook address has no user name or password in it.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        allowed = frozenset(host.lower() for host in settings.FETCH_ALLOWED_HOSTS)
        checked_address(parts.hostname, port, allowed)
    except ValueError:
        raise BadWebhookURL("That address has a port that cannot be.") from None
    except FetchError:
        raise BadWebhookURL(
            "We cannot post to that address: it must be on the public internet."
        ) from None
    return url
