"""Every change to a reader's subscription state goes through these functions, whether a page,
a management command, a task or a provider webhook asks for it.

Transitions are conditional UPDATEs, so two requests racing (a mail scanner and the reader, two
provider webhooks) cannot both act, and each function reports whether it changed anything.
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Max, Q

from core import clock, ratelimit
from core.addresses import clean_address, counting_key
from subscriptions import erasure, link_session, tasks
from subscriptions.models import ARCHIVE_DAYS, RECEIVING, Pause, Subscriber, TopicFilter

Status = Subscriber.Status

# Bump when the consent wording on the subscribe form changes; each reader records the version
# they were shown.
CONSENT_WORDING_VERSION = "2026-11-v1"
IMPORT_WORDING_VERSION = "import"

SUPPRESSED = (Status.BOUNCED, Status.COMPLAINED)


def subscribe(
    email: str,
    topics: list[tuple[str, str]],
    frequency: str,
    ip: str | None,
    user_agent: str,
    time_zone: str = "UTC",
) -> Subscriber | None:
    """Ask `email` to confirm a subscription to `topics` (name, query pairs) at `frequency`,
    delivered at its usual hour in `time_zone`.

    A new, pending or unsubscribed address becomes pending with these topics and gets a
    confirmation email (coming back after unsubscribing needs the double opt-in again). An
    active or paused reader is left as they are and gets a reminder with their manage link, so a
    stranger cannot change their topics. Returns the reader an email was queued for, or None
    when nothing is sent: the address bounced or complained, or it already had its
    CONFIRM_EMAILS_PER_ADDRESS_PER_DAY emails today (counted across spellings of the address).
    An address whose owner deleted their data is asked like a new one: signing up again is the
    one way back, and it takes the double opt-in (confirm() forgets the erasure).
    """
    address = clean_address(email)
    known = Subscriber.objects.filter(email__iexact=address).first()
    # Checked before creating a row, so spent allowances leave no half-made readers behind.
    if (known and known.status in SUPPRESSED) or not _within_daily_allowance(address):
        return None
    subscriber, _ = Subscriber.objects.get_or_create(
        email__iexact=address, defaults={"email": address}
    )
    if subscriber.status in RECEIVING:
        tasks.send_already_subscribed.delay_on_commit(subscriber.pk)
        return subscriber
    subscriber.time_zone = time_zone
    _ask_consent(subscriber, topics, frequency, ip, user_agent)
    tasks.send_confirmation.delay_on_commit(subscriber.pk)
    return subscriber


def _within_daily_allowance(address: str, scope: str = "confirmation-emails") -> bool:
    return ratelimit.hit(
        scope,
        counting_key(address),
        settings.CONFIRM_EMAILS_PER_ADDRESS_PER_DAY,
        timedelta(days=1),
    )


@transaction.atomic
def _ask_consent(
    subscriber: Subscriber,
    topics: list[tuple[str, str]],
    frequency: str,
    ip: str | None,
    user_agent: str,
) -> None:
    subscriber.status = Status.PENDING
    subscriber.frequency = frequency
    subscriber.consent_asked_at = clock.now()
    subscriber.consent_confirmed_at = None
    subscriber.consent_ip = ip
    subscriber.consent_user_agent = user_agent[:500]
    subscriber.consent_wording = CONSENT_WORDING_VERSION
    subscriber.save()
    subscriber.topics.all().delete()
    add_topics(subscriber, [(name, query, 0) for name, query in topics])


def add_topics(subscriber: Subscriber, topics: list[tuple[str, str, int]]) -> None:
    """Append (name, query, minimum upvotes) topics after the reader's existing ones."""
    last = subscriber.topics.aggregate(last=Max("position"))["last"]
    start = 0 if last is None else last + 1
    TopicFilter.objects.bulk_create(
        TopicFilter(
            subscriber=subscriber, name=name, query=query, min_upvotes=upvotes, position=start + i
        )
        for i, (name, query, upvotes) in enumerate(topics)
    )


def import_subscriber(
    email: str,
    topics: list[tuple[str, str, int]],
    frequency: str | None,
    max_papers: int | None,
    confirmed: bool,
) -> Subscriber:
    """Create a reader from another tool's export. Unconfirmed readers get a confirmation email
    (double opt-in); `confirmed` ones are active at once, the operator vouching for consent."""
    now = clock.now()
    with transaction.atomic():
        subscriber = Subscriber.objects.create(
            email=clean_address(email),
            status=Status.ACTIVE if confirmed else Status.PENDING,
            frequency=frequency or Subscriber.Frequency.DAILY,
            max_papers=max_papers or Subscriber._meta.get_field("max_papers").default,
            consent_asked_at=now,
            consent_confirmed_at=now if confirmed else None,
            receiving_since=now if confirmed else None,
            consent_user_agent="import_subscribers",
            consent_wording=IMPORT_WORDING_VERSION,
        )
        add_topics(subscriber, topics)
    if not confirmed:
        resend_confirmation(subscriber)
    return subscriber


def resend_confirmation(subscriber: Subscriber) -> bool:
    """Queue a fresh confirmation email for a pending reader, within the daily allowance."""
    if subscriber.status != Status.PENDING or not _within_daily_allowance(subscriber.email):
        return False
    tasks.send_confirmation.delay_on_commit(subscriber.pk)
    return True


def _transition(subscriber: Subscriber, from_states: tuple[str, ...], **changes: object) -> bool:
    """Apply `changes` if the reader is still in one of `from_states`; update the object too."""
    changes["updated_at"] = clock.now()
    done = Subscriber.objects.filter(pk=subscriber.pk, status__in=from_states).update(**changes)
    if done:
        for field, value in changes.items():
            setattr(subscriber, field, value)
        if changes.get("status", Status.PAUSED) != Status.PAUSED:  # resumed, or left, or suppressed
            subscriber.pauses.filter(ended_at__isnull=True).update(ended_at=changes["updated_at"])
    return bool(done)


def confirm(subscriber: Subscriber) -> bool:
    """Pending -> active, recording when consent was given. Confirming twice does nothing.

    An address erased earlier is erased no more: its owner has just opted in again."""
    now = clock.now()
    done = _transition(
        subscriber,
        (Status.PENDING,),
        status=Status.ACTIVE,
        consent_confirmed_at=now,
        receiving_since=now,
    )
    if done:
        erasure.forget(subscriber.email)
    return done


def unsubscribe(subscriber: Subscriber) -> bool:
    """Stop all email to the reader, and end every browser session holding one of their links.
    Bounced and complained readers stay as they are."""
    link_session.end_sessions(subscriber.public_id)
    return _transition(subscriber, (Status.PENDING, *RECEIVING), status=Status.UNSUBSCRIBED)


def suppress(subscriber: Subscriber, status: str) -> bool:
    """Stop all email because the address bounced or its owner complained (marked it as spam).

    A complaint overrides a bounce; neither can be undone by subscribing again.
    """
    if status not in SUPPRESSED:
        raise ValueError(f"suppress() takes bounced or complained, not {status!r}")
    from_states = [s for s in Status.values if s != status and s != Status.COMPLAINED]
    return _transition(subscriber, tuple(from_states), status=status)


# A mailbox that is full or a server that is down usually recovers: a reader is suppressed only
# at the third soft bounce in a row, each within a month of the one before.
SOFT_BOUNCE_LIMIT = 3
SOFT_BOUNCE_GAP = timedelta(days=30)


def soft_bounce(subscriber: Subscriber) -> bool:
    """Count a temporary bounce; at SOFT_BOUNCE_LIMIT in a row, suppress as bounced. A digest
    delivered in between (delivered) or a long quiet spell starts the count again."""
    now = clock.now()
    with transaction.atomic():
        reader = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
        recent = (
            reader.soft_bounced_at is not None and now - reader.soft_bounced_at <= SOFT_BOUNCE_GAP
        )
        count = reader.soft_bounces + 1 if recent else 1
        Subscriber.objects.filter(pk=reader.pk).update(soft_bounces=count, soft_bounced_at=now)
    subscriber.soft_bounces, subscriber.soft_bounced_at = count, now
    return count >= SOFT_BOUNCE_LIMIT and suppress(subscriber, Status.BOUNCED)


def delivered(subscriber_id: int) -> None:
    """A digest reached the reader's mailbox: soft bounces before it no longer count."""
    Subscriber.objects.filter(pk=subscriber_id, soft_bounces__gt=0).update(soft_bounces=0)


@transaction.atomic
def pause(subscriber: Subscriber) -> bool:
    """Active -> paused: no digests until resumed. Topics, schedule and history stay as they are.
    The pause is noted for the archive, and pauses that ended before it reaches are forgotten."""
    now = clock.now()
    done = _transition(subscriber, (Status.ACTIVE,), status=Status.PAUSED)
    if done:
        old = now - timedelta(days=ARCHIVE_DAYS)
        subscriber.pauses.filter(ended_at__lt=old).delete()
        Pause.objects.create(subscriber=subscriber, started_at=now)
    return done


def resume(subscriber: Subscriber) -> bool:
    """Paused -> active: digests start again at the next scheduled time (not at once when
    today's, or this week's, has passed: see digest/schedule.py). Ends the noted pause."""
    return _transition(
        subscriber, (Status.PAUSED,), status=Status.ACTIVE, receiving_since=clock.now()
    )


def update_schedule(subscriber: Subscriber, **schedule: object) -> None:
    """Change any of frequency, weekday, delivery_hour, time_zone and max_papers (validated by
    the caller: see manage_forms.ScheduleForm)."""
    unknown = schedule.keys() - SCHEDULE_FIELDS
    if unknown:
        raise ValueError(f"not schedule fields: {sorted(unknown)}")
    for field, value in schedule.items():
        setattr(subscriber, field, value)
    subscriber.save(update_fields=[*schedule, "updated_at"])


SCHEDULE_FIELDS = frozenset({"frequency", "weekday", "delivery_hour", "time_zone", "max_papers"})


def update_topic(
    topic: TopicFilter, name: str, query: str, min_upvotes: int, enabled: bool
) -> None:
    topic.name, topic.query, topic.min_upvotes, topic.enabled = name, query, min_upvotes, enabled
    topic.save(update_fields=["name", "query", "min_upvotes", "enabled", "updated_at"])


def remove_topic(topic: TopicFilter) -> None:
    topic.delete()


@transaction.atomic
def move_topic(topic: TopicFilter, offset: int) -> None:
    """Move a topic `offset` places up (negative) or down its reader's list; numbering the
    whole list afresh also mends positions left by removed topics."""
    topics = list(TopicFilter.objects.select_for_update().filter(subscriber=topic.subscriber_id))
    index = next(i for i, each in enumerate(topics) if each.pk == topic.pk)
    target = min(max(index + offset, 0), len(topics) - 1)
    topics.insert(target, topics.pop(index))
    for position, each in enumerate(topics):
        each.position = position
    TopicFilter.objects.bulk_update(topics, ["position"])


def request_manage_link(email: str) -> bool:
    """Someone typed `email` into the "send me my link" form: mail that reader a fresh manage
    link. Nothing is sent to an unknown, bounced or complained address, nor beyond the address's
    daily allowance. Returns whether an email was queued (the page must not say)."""
    reader = Subscriber.objects.filter(email__iexact=clean_address(email)).first()
    if reader is None:
        return False
    return send_manage_link(reader)


def send_manage_link(subscriber: Subscriber) -> bool:
    """Queue an email with a fresh manage link, within the address's daily allowance."""
    if subscriber.status in SUPPRESSED:
        return False
    if not _within_daily_allowance(subscriber.email, "manage-link-emails"):
        return False
    tasks.send_manage_link.delay_on_commit(subscriber.pk)
    return True


@transaction.atomic
def delete_reader(subscriber: Subscriber) -> None:
    """Erase the reader and everything linked to them (topics, deliveries, papers sent, the
    admin's history of them), keeping only a keyed hash of the address so it is never mailed
    again unless its owner subscribes anew and confirms (see erasure.py)."""
    erasure.remember(subscriber.email)
    link_session.end_sessions(subscriber.public_id)
    subscriber_type = ContentType.objects.get_for_model(Subscriber)
    LogEntry.objects.filter(
        Q(content_type=subscriber_type, object_id=str(subscriber.pk))
        | Q(object_repr__icontains=subscriber.email)
        | Q(change_message__icontains=subscriber.email)
    ).delete()
    subscriber.delete()  # cascades to topics, deliveries and sent papers


def set_taste_weight(subscriber: Subscriber, weight: float | None) -> None:
    """How much the reader's learned taste orders their digests (0 to 1); None: their votes
    decide (see digest/topics/learning.py)."""
    subscriber.taste_weight = weight
    subscriber.save(update_fields=["taste_weight", "updated_at"])


def regenerate_feed_key(subscriber: Subscriber) -> None:
    """A new secret for the reader's private feed: the old feed URL answers 404 from now on."""
    subscriber.feed_key = uuid.uuid4()
    subscriber.save(update_fields=["feed_key", "updated_at"])


def set_feed_only(subscriber: Subscriber, feed_only: bool) -> None:
    """Feed only: digests are still built for the feed and the archive, but not emailed."""
    subscriber.feed_only = feed_only
    subscriber.save(update_fields=["feed_only", "updated_at"])
