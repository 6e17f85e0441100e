"""What remains of a reader who deleted their data: a keyed hash of the address, nothing else.

The hash is an HMAC under SECRET_KEY with a salt of its own, so the table cannot be reversed by
hashing a list of guessed addresses without the key, and it means nothing to any other part of
the service. Old keys in SECRET_KEY_FALLBACKS still recognise addresses erased before a rotation.
"""

from django.conf import settings
from django.utils.crypto import salted_hmac

from core import clock
from core.addresses import clean_address
from subscriptions.models import ErasedAddress

SALT = "subscriptions.erasure.address"


def _digest(email: str, secret: str) -> str:
    # The stored form, lower-cased: addresses are unique case-insensitively.
    value = clean_address(email).lower()
    return salted_hmac(SALT, value, secret=secret, algorithm="sha256").hexdigest()


def _digests(email: str) -> list[str]:
    return [_digest(email, key) for key in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]]


def remember(email: str) -> None:
    """Record that `email` was erased (idempotent)."""
    ErasedAddress.objects.get_or_create(
        digest=_digest(email, settings.SECRET_KEY), defaults={"erased_at": clock.now()}
    )


def was_erased(email: str) -> bool:
    return ErasedAddress.objects.filter(digest__in=_digests(email)).exists()


def forget(email: str) -> None:
    """The owner signed up again and confirmed: they may be mailed like anyone else."""
    ErasedAddress.objects.filter(digest__in=_digests(email)).delete()
