"""Send: the delivery state machine, planned -> sending -> sent | skipped | failed.

A chunk of delivery ids is claimed first (so a task delivered twice does nothing to rows another
run holds or has finished), then built, then sent through one email connection, recording each
message's outcome on its row as soon as the provider answers, so a crash repeats at most the
message in flight. With a backend that reports no provider status (SMTP, file, console), handed
over means sent; Anymail backends report one.

Claiming starts the sender's lease on its rows, which it renews every quarter lease while it
works through the chunk; a sweeper hands back rows whose sender went quiet for a whole lease. A
send cannot outlast what is left of the lease (its timeout is at most half a lease), so a row is
only handed back once its sender is gone, and a sender never sends a row it no longer holds.

`attempts` counts the times a message was handed to the provider (a claim is not one). A
transient provider error puts that row alone back to planned, due again after the provider's
Retry-After (capped by the retry table's longest delay) or else the table's next delay, and the
chunk goes on; a 429 also pauses every worker's sending for as long as the provider asked. A
permanent error fails the row with the reason.
"""

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import psycopg
from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.db.models import Case, F, PositiveIntegerField, Q, When

from core import clock
from digest import sendrate
from digest.api_session import provider_connection
from digest.building import Pick, build
from digest.emails import shared_renderer
from digest.failures import Verdict, classify, next_delay
from digest.models import ChannelPost, Delivery, SentPaper
from subscriptions.models import Subscriber

logger = logging.getLogger(__name__)

# Anymail statuses that mean the provider refused the message for good.
REFUSED = {"rejected", "invalid", "failed"}
Status = Delivery.Status
# The rows that go out with this state machine: digests, and channel posts (channel_sending.py).
Outbox = type[Delivery] | type[ChannelPost]


@dataclass
class Outcome:
    """What one chunk did, by delivery id; `retry` holds the rows due again, by seconds from now."""

    sent: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    retry: dict[float, list[int]] = field(default_factory=dict)


def claim(delivery_ids: Sequence[int], now: datetime, model: Outbox = Delivery) -> list[int]:
    """Move the planned rows among `delivery_ids` to sending and return the ids this call got.

    Each row is taken by a conditional update, which only one claimer can win.
    """
    if connection.vendor == "postgresql":
        return _claim_skipping_locked(delivery_ids, now, model)
    planned = model.objects.filter(status=Status.PLANNED)
    changes = {"status": Status.SENDING, "claimed_at": now}
    return [pk for pk in delivery_ids if planned.filter(pk=pk).update(**changes) == 1]


def _claim_skipping_locked(delivery_ids: Sequence[int], now: datetime, model: Outbox) -> list[int]:
    """claim() on PostgreSQL in two statements: lock the rows with SKIP LOCKED (concurrent
    claimers never wait on each other) and move the planned ones with one update.

    A speed shortcut. It buys `make bench`'s "claim, load and lease (the rest)" row (sending):
    the plain way, claim()'s update per row, made that stage 6.5x slower (5,000 readers, 4,000
    sent, A B A B A B medians: 8.4 s against 54.9 s).
    """
    # Rows are locked by primary key alone and their status checked here: the day a big plan
    # lands, PostgreSQL's statistics still say few rows are planned, and a status condition made
    # it read every planned row's index entry to claim a chunk.
    chosen = model.objects.filter(pk__in=delivery_ids).select_for_update(skip_locked=True)
    with transaction.atomic():
        rows = chosen.values_list("pk", "status")
        ids = [pk for pk, status in rows if status == Status.PLANNED]
        model.objects.filter(pk__in=ids).update(status=Status.SENDING, claimed_at=now)
    return sorted(ids)


def _skip_inactive_readers(deliveries: list[Delivery]) -> list[Delivery]:
    """A reader who left between planning and sending gets nothing."""
    gone = [d.pk for d in deliveries if d.subscriber.status != Subscriber.Status.ACTIVE]
    Delivery.objects.filter(pk__in=gone).update(status=Status.SKIPPED, reason=Delivery.READER_GONE)
    return [d for d in deliveries if d.pk not in gone]


def renew_lease(
    delivery_ids: Sequence[int], since: datetime, now: datetime, model: Outbox = Delivery
) -> set[int]:
    """Renew the lease this sender took or last renewed at `since` on these rows; returns those
    still held (the sweeper may have handed back some whose lease ran out, and another sender
    claimed them since: their lease is not ours to renew)."""
    held = model.objects.filter(pk__in=delivery_ids, status=Status.SENDING, claimed_at=since)
    if held.update(claimed_at=now) == len(delivery_ids):
        return set(delivery_ids)
    renewed = model.objects.filter(pk__in=delivery_ids, status=Status.SENDING, claimed_at=now)
    return set(renewed.values_list("pk", flat=True))


def record_sent(delivery: Delivery, message_id: str, provider_status: str, now: datetime) -> None:
    """Mark a delivery sent with the provider's answer, one hand-over more."""
    if connection.vendor == "postgresql":
        _record_sent_prepared([Status.SENT.value, now, message_id, provider_status, delivery.pk])
        return
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Status.SENT,
        sent_at=now,
        provider_message_id=message_id,
        provider_status=provider_status,
        reason="",
        attempts=F("attempts") + 1,
    )


# The same columns as record_sent's update sets.
RECORD_SENT = (
    f"UPDATE {Delivery._meta.db_table} SET status = %s, sent_at = %s, "
    "provider_message_id = %s, provider_status = %s, reason = '', attempts = attempts + 1 "
    "WHERE id = %s"
)


def _record_sent_prepared(params: list) -> None:
    """record_sent() on PostgreSQL: a statement prepared once per connection. Django's cursors
    bind values into the text (psycopg's ClientCursor, which never prepares), so PostgreSQL would
    parse and plan the ORM's update for every email; psycopg's own Cursor sends the values apart
    and can prepare it. (Django's query log does not see it.)

    A speed shortcut. It buys `make bench`'s "record each result" row (sending): the plain way,
    the ORM's update, made that stage 2.6x slower (5,000 readers, 4,000 sent, A B A B A B
    medians: 6.5 s against 16.6 s).
    """
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(RECORD_SENT, params, prepare=True)


def record_failed(delivery_id: int, reason: str, attempts: int) -> None:
    """Fail a delivery for good after `attempts` hand-overs; its papers are released so a later
    digest can carry them."""
    with transaction.atomic():
        SentPaper.objects.filter(delivery_id=delivery_id).delete()
        Delivery.objects.filter(pk=delivery_id).update(
            status=Status.FAILED, reason=reason, attempts=attempts
        )


def release(
    delivery_id: int, attempts: int, due_at: datetime, reason: str, model: Outbox = Delivery
) -> None:
    """Hand a row this sender holds back to planned, due again at `due_at`, after `attempts`
    hand-overs."""
    model.objects.filter(pk=delivery_id, status=Status.SENDING).update(
        status=Status.PLANNED, due_at=due_at, claimed_at=None, reason=reason, attempts=attempts
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


def retry_plan(verdict: Verdict, attempts: int, reason: str) -> tuple[float | None, str]:
    """After `attempts` hand-overs and an error judged `verdict`: the seconds until the next
    try, or None when the row fails (with the reason to record)."""
    if not verdict.transient:
        return None, reason
    delay = next_delay(attempts, settings.SEND_RETRY_DELAYS, verdict.retry_after)
    if delay is None:
        return None, f"{Delivery.GAVE_UP} after {attempts} attempts. {reason}"
    return delay, reason


class _Chunk:
    """Sends one claimed chunk's messages in order, through one connection."""

    def __init__(
        self, email_connection: BaseEmailBackend, picks: dict[int, list[Pick]], claimed: datetime
    ) -> None:
        self.email_connection = email_connection
        self.picks = picks
        self.renderer = shared_renderer()
        self.outcome = Outcome()
        self.renewed_at = claimed

    def send_all(self, deliveries: list[Delivery]) -> Outcome:
        held = {delivery.pk for delivery in deliveries}
        for position, delivery in enumerate(deliveries):
            held = self._wait_for_slot([d.pk for d in deliveries[position:] if d.pk in held])
            if delivery.pk in held:  # else handed back by the sweeper: its next claimer sends it
                self._send_one(delivery, clock.now())
        return self.outcome

    def _wait_for_slot(self, rest: list[int]) -> set[int]:
        """Wait for the rate cap and any pause the provider asked for, renewing the lease on
        `rest` every quarter lease meanwhile; returns the rows of `rest` still held."""
        held, quarter = set(rest), settings.SEND_LEASE / 4
        rate = settings.SEND_RATE_PER_SECOND
        while True:
            ready = sendrate.wait_for_send_slot(rate, quarter.total_seconds())
            now = clock.now()
            if now - self.renewed_at > quarter:
                held = renew_lease(sorted(held), self.renewed_at, now)
                self.renewed_at = now
            if ready:
                return held

    def _send_one(self, delivery: Delivery, now: datetime) -> None:
        if delivery.subscriber.feed_only:  # built for the reader's feed and archive; no email
            record_sent(delivery, "", Delivery.FEED_ONLY, now)
            self.outcome.sent.append(delivery.pk)
            return
        message = self.renderer.message(delivery, self.picks[delivery.pk], now)
        try:
            self.email_connection.send_messages([message])
        except Exception as error:  # sorted below into transient and permanent
            self._failed(delivery, error, now)
            return
        message_id, status = _provider_answer(message)
        if set(status.split(",")) & REFUSED:
            self._fail(delivery, f"The provider refused the message ({status}).")
        else:
            record_sent(delivery, message_id, status, now)
            self.outcome.sent.append(delivery.pk)

    def _failed(self, delivery: Delivery, error: Exception, now: datetime) -> None:
        """Fail the row for good, or hand it back for a later try (this row only)."""
        verdict, reason = classify(error, now), _describe(error)
        logger.warning("digest %s: %s", delivery.pk, reason)
        attempts = delivery.attempts + 1
        if verdict.throttled and verdict.retry_after is not None:
            sendrate.pause_sending(min(verdict.retry_after, max(settings.SEND_RETRY_DELAYS)))
        delay, reason = retry_plan(verdict, attempts, reason)
        if delay is None:
            self._fail(delivery, reason)
            return
        release(delivery.pk, attempts, now + timedelta(seconds=delay), reason)
        self.outcome.retry.setdefault(delay, []).append(delivery.pk)

    def _fail(self, delivery: Delivery, reason: str) -> None:
        """Fail a row whose message was handed over (one attempt more)."""
        record_failed(delivery.pk, reason, delivery.attempts + 1)
        self.outcome.failed.append(delivery.pk)


def chunks(delivery_ids: Sequence[int]) -> list[list[int]]:
    """The ids in send chunks of DIGEST_CHUNK_SIZE, in order: one send task each."""
    size = settings.DIGEST_CHUNK_SIZE
    return [list(delivery_ids[start : start + size]) for start in range(0, len(delivery_ids), size)]


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
    with provider_connection(timeout=settings.SEND_TIMEOUT) as email_connection:
        outcome = _Chunk(email_connection, picks, now).send_all(ready)
    outcome.skipped = [d.pk for d in deliveries if d.pk not in picks]
    return outcome


def sweep(now: datetime) -> list[int]:
    """Hand back digests whose sender went quiet and return the ids to queue again (see
    hand_back)."""
    return hand_back(Delivery, now, record_failed)


def hand_back(model: Outbox, now: datetime, give_up: Callable[[int, str, int], None]) -> list[int]:
    """Hand back rows whose sender went quiet and return the ids to queue again.

    A row "sending" whose lease ran out lost its worker. A chunk is sent in id order and every
    row handed over leaves "sending", so of the rows one claim still holds, only the first may
    have been in flight (and may have gone): it counts one attempt, and `give_up` fails it
    (id, reason, attempts) once that uses up the retry table (a message that kills its worker
    every time). A row "planned" and overdue by a lease lost its task (a worker died holding
    it, or the broker dropped it); in a backlog longer than a lease, rows still waiting in the
    queue are queued again too, and those extra tasks claim nothing.
    """
    cutoff = now - settings.SEND_LEASE
    stuck = model.objects.filter(status=Status.SENDING, claimed_at__lt=cutoff)
    in_flight = _first_of_each_claim(stuck.values_list("pk", "claimed_at", "attempts"))
    last = len(settings.SEND_RETRY_DELAYS)  # attempts before the last one the table allows
    for pk in [pk for pk, attempts in in_flight.items() if attempts >= last]:
        reason = f"{Delivery.GAVE_UP}: the worker sending it stopped on every attempt."
        give_up(pk, reason, in_flight.pop(pk) + 1)
    stuck_ids = list(stuck.values_list("pk", flat=True))
    # Conditional: a sender that renewed its lease meanwhile keeps its row.
    stuck.filter(pk__in=stuck_ids).update(
        status=Status.PLANNED,
        due_at=now,
        claimed_at=None,
        attempts=Case(
            When(pk__in=list(in_flight), then=F("attempts") + 1),
            default=F("attempts"),
            output_field=PositiveIntegerField(),
        ),
    )
    overdue = model.objects.filter(status=Status.PLANNED).filter(
        Q(due_at__lt=cutoff) | Q(due_at__isnull=True, planned_at__lt=cutoff)
    )
    overdue_ids = list(overdue.values_list("pk", flat=True))
    model.objects.filter(pk__in=overdue_ids).update(due_at=now)
    return sorted(stuck_ids + overdue_ids)


def _first_of_each_claim(rows: Iterable[tuple[int, datetime, int]]) -> dict[int, int]:
    """Of (id, claimed at, attempts) rows, the first id of each claim (rows one sender claimed
    or last renewed together share the moment), with its attempts."""
    first: dict[datetime, tuple[int, int]] = {}
    for pk, claimed_at, attempts in rows:
        if claimed_at not in first or pk < first[claimed_at][0]:
            first[claimed_at] = (pk, attempts)
    return dict(first.values())


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
