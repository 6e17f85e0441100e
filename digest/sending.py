"""Send: the delivery state machine, planned -> sending -> sent | skipped | failed.

A chunk of delivery ids is claimed first (so a task delivered twice does nothing to rows another
run holds or has finished), then built, then sent through one email connection, recording each
message's outcome on its row as soon as the backend hands it over. With a backend that reports no
provider status (SMTP, file, console), handed over means sent; Anymail backends report one.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.db.models import F

from config import clock
from digest.building import Pick, build
from digest.emails import DigestRenderer
from digest.models import Delivery
from subscriptions.models import Subscriber

logger = logging.getLogger(__name__)

# Anymail statuses that mean the provider refused the message for good.
REFUSED = {"rejected", "invalid", "failed"}


@dataclass
class Outcome:
    """What one chunk did, by delivery id."""

    sent: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def claim(delivery_ids: Sequence[int], now: datetime) -> list[int]:
    """Move the planned rows among `delivery_ids` to sending and return the ids this call got.

    On PostgreSQL rows are locked with SKIP LOCKED, so concurrent claimers never wait on each other;
    elsewhere each row is taken by a conditional update, which only one claimer can win.
    """
    planned = Delivery.objects.filter(pk__in=delivery_ids, status=Delivery.Status.PLANNED)
    changes = {"status": Delivery.Status.SENDING, "claimed_at": now, "attempts": F("attempts") + 1}
    if connection.vendor == "postgresql":
        with transaction.atomic():
            ids = list(planned.select_for_update(skip_locked=True).values_list("pk", flat=True))
            Delivery.objects.filter(pk__in=ids).update(**changes)
        return sorted(ids)
    return [pk for pk in delivery_ids if planned.filter(pk=pk).update(**changes) == 1]


def _skip_inactive_readers(deliveries: list[Delivery]) -> list[Delivery]:
    """A reader who left between planning and sending gets nothing."""
    gone = [d.pk for d in deliveries if d.subscriber.status != Subscriber.Status.ACTIVE]
    Delivery.objects.filter(pk__in=gone).update(
        status=Delivery.Status.SKIPPED, reason="The reader is no longer active."
    )
    return [d for d in deliveries if d.pk not in gone]


def record_sent(delivery: Delivery, message_id: str, provider_status: str, now: datetime) -> None:
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.SENT,
        sent_at=now,
        provider_message_id=message_id,
        provider_status=provider_status,
    )


def record_failed(delivery: Delivery, reason: str) -> None:
    """Fail a delivery for good; its papers are released so a later digest can carry them."""
    with transaction.atomic():
        delivery.items.all().delete()
        Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.FAILED, reason=reason)


def _provider_answer(message: object) -> tuple[str, str]:
    """(message id, status) from Anymail's anymail_status; ("", "sent") for other backends."""
    status = getattr(message, "anymail_status", None)
    if status is None or not status.status:
        return "", "sent"
    message_id = "" if status.message_id is None else str(status.message_id)
    return message_id, ",".join(sorted(status.status))


def _send_one(
    email_connection: BaseEmailBackend,
    renderer: DigestRenderer,
    delivery: Delivery,
    picks: list[Pick],
    outcome: Outcome,
) -> None:
    now = clock.now()
    message = renderer.message(delivery, picks, now)
    try:
        email_connection.send_messages([message])
    except Exception as error:  # any backend error; issue #8 sorts transient from permanent
        logger.warning("digest %s failed: %s", delivery.pk, error)
        record_failed(delivery, f"{type(error).__name__}: {error}")
        outcome.failed.append(delivery.pk)
        return
    message_id, status = _provider_answer(message)
    if set(status.split(",")) & REFUSED:
        record_failed(delivery, f"The provider refused the message ({status}).")
        outcome.failed.append(delivery.pk)
        return
    record_sent(delivery, message_id, status, now)
    outcome.sent.append(delivery.pk)


def send_chunk(delivery_ids: Sequence[int]) -> Outcome:
    """Claim, build and send these deliveries; rows claimed elsewhere are left alone."""
    now = clock.now()
    ids = claim(delivery_ids, now)
    deliveries = list(
        Delivery.objects.filter(pk__in=ids)
        .select_related("subscriber")
        .prefetch_related("subscriber__topics")
        .order_by("pk")
    )
    active = _skip_inactive_readers(deliveries)
    picks = build(active, now)
    outcome = Outcome(skipped=[d.pk for d in deliveries if d.pk not in picks])
    renderer = DigestRenderer()
    with get_connection() as email_connection:
        for delivery in active:
            if delivery.pk in picks:
                _send_one(email_connection, renderer, delivery, picks[delivery.pk], outcome)
    return outcome
