"""What providers tell us after sending, through Anymail's normalised `tracking` signal.

A hard bounce suppresses the reader as bounced, a complaint as complained, an unsubscribe event
unsubscribes them; a delivery or rejection is noted on the digest's row. Anymail reports some
providers' soft bounces (a full mailbox) as `bounced` too: those are told apart by the provider's
own event, only counted (see subscriptions.actions.soft_bounce) and noted on the digest's row as
Delivery.SOFT_BOUNCED; a delivery resets the count.
Anymail checks the webhook's basic auth (ANYMAIL_WEBHOOK_SECRET) before the signal fires; Anymail
would take anyone's events without a secret, so in production (DEBUG false) the routes are not
there until one is set (`guarded_urls`). A body that cannot be read is answered 400, not 500:
providers retry a 5xx for days, and a malformed event never gets better.
Providers deliver each event at least once: the event's key is recorded in the same transaction
as its action, so a replay changes nothing, even one that arrives after the reader subscribed
again. Input a provider may send (no metadata, an unknown delivery, an event type we ignore) is
logged, never raised."""

import hashlib
import logging
from collections.abc import Callable
from functools import wraps

from anymail import urls as anymail_urls
from anymail.signals import AnymailTrackingEvent, EventType, tracking
from django.conf import settings
from django.db import IntegrityError, transaction
from django.dispatch import receiver
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.urls import URLPattern

from core import clock
from core.addresses import clean_address
from digest.models import Delivery, TrackingEvent
from subscriptions.actions import delivered, soft_bounce, suppress, unsubscribe
from subscriptions.models import Subscriber

logger = logging.getLogger(__name__)

ACTIONS = {
    EventType.BOUNCED: lambda reader: suppress(reader, Subscriber.Status.BOUNCED),
    EventType.COMPLAINED: lambda reader: suppress(reader, Subscriber.Status.COMPLAINED),
    EventType.UNSUBSCRIBED: unsubscribe,
}
# Noted on the digest's row only: nothing to do for the reader.
NOTED = {EventType.DELIVERED, EventType.REJECTED, EventType.FAILED, EventType.DEFERRED}

# What reading a body of the wrong shape raises, in Anymail's parsing or in our receiver: bad JSON
# or UTF-8 (ValueError), a list or string where an object belongs (TypeError, AttributeError).
UNREADABLE = (ValueError, TypeError, AttributeError, KeyError)


def tracking_enabled() -> bool:
    """Whether the webhook routes answer: in development always, in production with a secret."""
    return settings.DEBUG or bool(settings.ANYMAIL.get("WEBHOOK_SECRET"))


def log_if_disabled() -> None:
    """Said once at start-up (digest/apps.py): a closed webhook is a choice, not an error."""
    if not tracking_enabled():
        logger.warning(
            "ANYMAIL_WEBHOOK_SECRET is not set: the provider tracking webhook answers 404, "
            "so bounces and complaints are not recorded."
        )


def _guarded(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)  # keeps Anymail's csrf_exempt mark
    def guarded(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not tracking_enabled():
            raise Http404
        try:
            return view(request, *args, **kwargs)
        except UNREADABLE as error:
            logger.warning("Unreadable webhook body answered 400: %r", error, exc_info=True)
            return HttpResponseBadRequest()

    return guarded


def guarded_urls() -> list[URLPattern]:
    """Anymail's webhook routes, each behind `tracking_enabled` and answering 400, never 500,
    to a body that cannot be read."""
    return [
        URLPattern(route.pattern, _guarded(route.callback), route.default_args, route.name)
        for route in anymail_urls.urlpatterns
    ]


# How each provider whose soft bounces Anymail calls `bounced` marks them in its own event.
SOFT_BOUNCE_MARKS = {
    "Postmark": lambda raw: raw.get("Type") == "SoftBounce",
    "Brevo": lambda raw: raw.get("event") == "soft_bounce",
    "Mandrill": lambda raw: raw.get("event") == "soft_bounce",
    "MailerSend": lambda raw: (raw.get("data") or {}).get("type") == "soft_bounced",
}


def is_soft_bounce(esp_name: str, event: AnymailTrackingEvent) -> bool:
    marked = SOFT_BOUNCE_MARKS.get(esp_name)
    raw = event.esp_event
    return (
        event.event_type == EventType.BOUNCED
        and isinstance(raw, dict)
        and bool(marked and marked(raw))
    )


def event_key(esp_name: str, event: AnymailTrackingEvent) -> str:
    """The provider's event id, or (some send none) a digest of what identifies the event."""
    if event.event_id:
        return f"{esp_name}:{event.event_id}"[:200]
    parts = [event.event_type, event.message_id, event.timestamp, event.recipient]
    identity = "|".join(str(part) for part in parts)
    return f"{esp_name}:sha256:{hashlib.sha256(identity.encode()).hexdigest()}"


def _delivery(event: AnymailTrackingEvent) -> Delivery | None:
    """Our row, from the `delivery_id` metadata every digest carries."""
    raw = (event.metadata or {}).get("delivery_id")
    if not str(raw or "").isdigit():
        return None
    return Delivery.objects.select_related("subscriber").filter(pk=int(raw)).first()


def _reader_of_event(event: AnymailTrackingEvent, delivery: Delivery | None) -> Subscriber | None:
    if delivery is not None:
        return delivery.subscriber
    if not event.recipient:
        return None
    # Events about other emails (a confirmation, say) carry no delivery: go by the address.
    return Subscriber.objects.filter(email__iexact=clean_address(event.recipient)).first()


def _note(delivery: Delivery | None, event: AnymailTrackingEvent, soft: bool = False) -> None:
    """Notes the event on the digest's row; a soft bounce as one (Delivery.SOFT_BOUNCED), so the
    reader's archive does not call a full mailbox a refused address."""
    if delivery is None:
        return
    changes = {"provider_status": Delivery.SOFT_BOUNCED if soft else event.event_type}
    if event.event_type != EventType.DELIVERED:
        changes["reason"] = (event.description or event.mta_response or "")[:2000]
    Delivery.objects.filter(pk=delivery.pk).update(**changes)


@receiver(tracking, dispatch_uid="digest.webhooks.handle_tracking")
def handle_tracking(
    sender: object, event: AnymailTrackingEvent, esp_name: str, **_: object
) -> None:
    soft = is_soft_bounce(esp_name, event)
    action = soft_bounce if soft else ACTIONS.get(event.event_type)
    if action is None and event.event_type not in NOTED:
        return
    delivery = _delivery(event)
    if action is None:
        _note(delivery, event)
        if delivery is not None and event.event_type == EventType.DELIVERED:
            delivered(delivery.subscriber_id)
        return
    reader = _reader_of_event(event, delivery)
    try:
        with transaction.atomic():
            TrackingEvent.objects.create(
                key=event_key(esp_name, event),
                event_type=event.event_type,
                delivery=delivery,
                received_at=clock.now(),
            )
            _note(delivery, event, soft)
            if reader is not None:
                action(reader)
    except IntegrityError:
        logger.info("%s event %s seen before: ignored", esp_name, event.event_type)
        return
    if reader is None:
        logger.warning("%s %s event for no reader we know", esp_name, event.event_type)
