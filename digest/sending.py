"""Send: the delivery state machine, planned -> sending -> sent | skipped | failed.

A chunk of delivery ids is claimed first (so a task delivered twice does nothing to rows another
run holds or has finished), then built, then sent through one email connection, recording each
message's outcome on its row as soon as the provider answers, so a crash repeats at most the
message in flight. With a backend that reports no provider status (SMTP, file, console), handed
over means sent; Anymail backends report one.

Claiming counts an attempt and starts the sender's lease on its rows, which it renews every
quarter lease while it works through the chunk; a sweeper hands back rows whose sender went
quiet for a whole lease. A send cannot outlast what is left of the lease (its timeout is at most
half a lease), so a row is only handed back once its sender is gone, and a sender never sends a
row it no longer holds. A transient provider error puts the row and the rest of its chunk back
to planned, due again after the next delay of the retry table; a permanent one fails the row
with the reason.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import psycopg
from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.db.models import F, Q

from core import clock
from digest import sendrate
from digest.api_session import streamline
from digest.building import Pick, build
from digest.emails import shared_renderer
from digest.failures import classify, next_delay
from digest.models import Delivery
from subscriptions.models import Subscriber

logger = logging.getLogger(__name__)

# Anymail statuses that mean the provider refused the message for good.
REFUSED = {"rejected", "invalid", "failed"}
Status = Delivery.Status


@dataclass
class Outcome:
    """What one chunk did, by delivery id; `retry` rows are due again in `retry_in` seconds."""

    sent: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    retry: list[int] = field(default_factory=list)
    retry_in: float = 0.0


def claim(delivery_ids: Sequence[int], now: datetime) -> list[int]:
    """Move the planned rows among `delivery_ids` to sending and return the ids this call got.

    On PostgreSQL rows are locked with SKIP LOCKED, so concurrent claimers never wait on each other;
    elsewhere each row is taken by a conditional update, which only one claimer can win.
    """
    changes = {"status": Status.SENDING, "claimed_at": now, "attempts": F("attempts") + 1}
    if connection.vendor == "postgresql":
        # Rows are locked by primary key alone and their status checked here: the day a big
        # plan lands, PostgreSQL's statistics still say few rows are planned, and a status
        # condition made it read every planned row's index entry to claim a chunk.
        chosen = Delivery.objects.filter(pk__in=delivery_ids).select_for_update(skip_locked=True)
        with transaction.atomic():
            rows = chosen.values_list("pk", "status")
            ids = [pk for pk, status in rows if status == Status.PLANNED]
            Delivery.objects.filter(pk__in=ids).update(**changes)
        return sorted(ids)
    planned = Delivery.objects.filter(status=Status.PLANNED)
    return [pk for pk in delivery_ids if planned.filter(pk=pk).update(**changes) == 1]


def _skip_inactive_readers(deliveries: list[Delivery]) -> list[Delivery]:
    """A reader who left between planning and sending gets nothing."""
    gone = [d.pk for d in deliveries if d.subscriber.status != Subscriber.Status.ACTIVE]
    Delivery.objects.filter(pk__in=gone).update(
        status=Status.SKIPPED, reason="The reader is no longer active."
    )
    return [d for d in deliveries if d.pk not in gone]


def renew_lease(delivery_ids: Sequence[int], now: datetime) -> set[int]:
    """Renew the lease on rows this sender holds; returns those still held (the sweeper may
    have handed back some whose lease ran out)."""
    held = Delivery.objects.filter(pk__in=delivery_ids, status=Status.SENDING)
    if held.update(claimed_at=now) == len(delivery_ids):
        return set(delivery_ids)
    return set(held.filter(claimed_at=now).values_list("pk", flat=True))


# Run once per email, so written out rather than compiled by the ORM each time (which doubled
# its cost); the same columns as `.filter(pk=...).update(...)` would set.
RECORD_SENT = (
    f"UPDATE {Delivery._meta.db_table} SET status = %s, sent_at = %s, "
    "provider_message_id = %s, provider_status = %s, reason = '' WHERE id = %s"
)


def record_sent(delivery: Delivery, message_id: str, provider_status: str, now: datetime) -> None:
    params = [Status.SENT.value, now, message_id, provider_status, delivery.pk]
    if connection.vendor == "postgresql":
        # A statement prepared once per connection. Django's cursors bind values into the text
        # (psycopg's ClientCursor, which never prepares), so PostgreSQL would parse and plan it
        # for every email; psycopg's own Cursor sends the values apart and can prepare it.
        # (Django's query log does not see it.)
        connection.ensure_connection()
        with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(RECORD_SENT, params, prepare=True)
        return
    params[1] = connection.ops.adapt_datetimefield_value(now)  # as the ORM stores it (SQLite)
    with connection.cursor() as cursor:
        cursor.execute(RECORD_SENT, params)


def record_failed(delivery: Delivery | int, reason: str) -> None:
    """Fail a delivery for good; its papers are released so a later digest can carry them."""
    pk = getattr(delivery, "pk", delivery)
    with transaction.atomic():
        Delivery.objects.get(pk=pk).items.all().delete()
        Delivery.objects.filter(pk=pk).update(status=Status.FAILED, reason=reason)


def release(tried: int, untried: Sequence[int], due_at: datetime, reason: str) -> None:
    """Hand rows this sender holds back to planned, due again at `due_at`. The claim counted an
    attempt for each; the rows never handed over get theirs back."""
    with transaction.atomic():
        Delivery.objects.filter(pk__in=untried).update(attempts=F("attempts") - 1)
        Delivery.objects.filter(pk__in=[tried, *untried], status=Status.SENDING).update(
            status=Status.PLANNED, due_at=due_at, claimed_at=None, reason=reason
        )


def _provider_answer(message: object) -> tuple[str, str]:
    """(message id, status) from Anymail's anymail_status; ("", "sent") for other backends."""
    status = getattr(message, "anymail_status", None)
    if status is None or not status.status:
        return "", "sent"
    message_id = "" if status.message_id is None else str(status.message_id)
    return message_id, ",".join(sorted(status.status))


def _describe(error: Exception) -> str:
    """The error, with the provider's answer when the message alone does not quote it."""
    text = f"{type(error).__name__}: {error}"
    answer = getattr(getattr(error, "response", None), "text", "")
    if isinstance(answer, str) and answer and answer not in text:
        text = f"{text} (the provider said: {answer})"
    return text[:2000]


class _Chunk:
    """Sends one claimed chunk's messages in order, through one connection."""

    def __init__(
        self, email_connection: BaseEmailBackend, picks: dict[int, list[Pick]], claimed: datetime
    ) -> None:
        self.email_connection = email_connection
        self.picks = picks
        self.renderer = shared_renderer()
        self.outcome = Outcome()
        self.reason = ""
        self.renewed_at = claimed

    def send_all(self, deliveries: list[Delivery]) -> Outcome:
        held = {delivery.pk for delivery in deliveries}
        for position, delivery in enumerate(deliveries):
            sendrate.wait_for_turn(settings.SEND_RATE_PER_SECOND)
            now = clock.now()
            if now - self.renewed_at > settings.SEND_LEASE / 4:
                held = renew_lease([d.pk for d in deliveries[position:]], now)
                self.renewed_at = now
            if delivery.pk not in held:
                continue  # handed back by the sweeper: whoever claims it next sends it
            delay = self._send_one(delivery, now)
            if delay is not None:
                # The provider is struggling or throttling: the rest of the chunk waits too.
                untried = [d.pk for d in deliveries[position + 1 :] if d.pk in held]
                release(delivery.pk, untried, now + timedelta(seconds=delay), self.reason)
                self.outcome.retry, self.outcome.retry_in = [delivery.pk, *untried], delay
                break
        return self.outcome

    def _send_one(self, delivery: Delivery, now: datetime) -> float | None:
        """Send one message; returns a delay when it should be tried again later."""
        message = self.renderer.message(delivery, self.picks[delivery.pk], now)
        try:
            self.email_connection.send_messages([message])
        except Exception as error:  # sorted below into transient and permanent
            return self._failed(delivery, error, now)
        message_id, status = _provider_answer(message)
        if set(status.split(",")) & REFUSED:
            self._fail(delivery, f"The provider refused the message ({status}).")
        else:
            record_sent(delivery, message_id, status, now)
            self.outcome.sent.append(delivery.pk)
        return None

    def _failed(self, delivery: Delivery, error: Exception, now: datetime) -> float | None:
        verdict = classify(error, now)
        self.reason = _describe(error)
        logger.warning("digest %s: %s", delivery.pk, self.reason)
        if not verdict.transient:
            self._fail(delivery, self.reason)
            return None
        delay = next_delay(delivery.attempts, settings.SEND_RETRY_DELAYS, verdict.retry_after)
        if delay is None:
            self._fail(delivery, f"Gave up after {delivery.attempts} attempts. {self.reason}")
        return delay

    def _fail(self, delivery: Delivery, reason: str) -> None:
        record_failed(delivery, reason)
        self.outcome.failed.append(delivery.pk)


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
    ready = [delivery for delivery in active if delivery.pk in picks]
    with get_connection(timeout=settings.SEND_TIMEOUT) as email_connection:
        streamline(email_connection)
        outcome = _Chunk(email_connection, picks, now).send_all(ready)
    outcome.skipped = [d.pk for d in deliveries if d.pk not in picks]
    return outcome


def sweep(now: datetime) -> list[int]:
    """Hand back rows whose sender went quiet and return the ids to queue again.

    A row "sending" whose lease ran out lost its worker (its message may or may not have gone:
    the one send in flight is the one a crash may repeat). A row "planned" and overdue by a
    lease lost its task (a worker died holding it, or the broker dropped it); in a backlog longer
    than a lease, rows still waiting in the queue are queued again too, and those extra tasks
    claim nothing. Rows that have used every attempt of the retry table fail instead of going
    round again.
    """
    cutoff = now - settings.SEND_LEASE
    stuck = Delivery.objects.filter(status=Status.SENDING, claimed_at__lt=cutoff)
    overdue = Delivery.objects.filter(status=Status.PLANNED).filter(
        Q(due_at__lt=cutoff) | Q(due_at__isnull=True, planned_at__lt=cutoff)
    )
    exhausted = stuck.filter(attempts__gt=len(settings.SEND_RETRY_DELAYS))
    for pk in exhausted.values_list("pk", flat=True):
        record_failed(pk, "Gave up: the worker sending it stopped on every attempt.")
    stuck_ids = list(stuck.values_list("pk", flat=True))
    # Conditional: a sender that renewed its lease meanwhile keeps its row.
    stuck.filter(pk__in=stuck_ids).update(status=Status.PLANNED, due_at=now, claimed_at=None)
    overdue_ids = list(overdue.values_list("pk", flat=True))
    Delivery.objects.filter(pk__in=overdue_ids).update(due_at=now)
    return sorted(stuck_ids + overdue_ids)


def retry(delivery_ids: Sequence[int], now: datetime) -> list[int]:
    """Plan failed and stuck deliveries again (the admin's action); returns the ids to queue.

    A failed digest's papers were released, so it is built afresh; a stuck one keeps its papers.
    """
    again = {"status": Status.PLANNED, "due_at": now, "claimed_at": None, "attempts": 0}
    chosen = Delivery.objects.filter(pk__in=delivery_ids)
    failed = list(chosen.filter(status=Status.FAILED).values_list("pk", flat=True))
    # Only rows whose sender went quiet for a lease: a live sender's row is left alone.
    quiet = chosen.filter(status=Status.SENDING, claimed_at__lt=now - settings.SEND_LEASE)
    stuck = list(quiet.values_list("pk", flat=True))
    Delivery.objects.filter(pk__in=failed, status=Status.FAILED).update(
        **again, built_at=None, reason=""
    )
    quiet.filter(pk__in=stuck).update(**again)
    return sorted(failed + stuck)
