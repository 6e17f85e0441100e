"""Emails about a reader's subscription, sent on the mail queue. Tasks take ids only."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db.models import Prefetch

from core import links
from core.emails import render_email
from subscriptions.models import RECEIVING, Subscriber, TopicFilter


def _reader_still_in(subscriber_id: int, *statuses: str) -> Subscriber | None:
    """The reader, if they still exist and are still in one of `statuses` when the task runs."""
    return (
        Subscriber.objects.filter(pk=subscriber_id, status__in=statuses)
        .prefetch_related(Prefetch("topics", queryset=TopicFilter.objects.order_by("position")))
        .first()
    )


@shared_task
def send_confirmation(subscriber_id: int) -> None:
    subscriber = _reader_still_in(subscriber_id, Subscriber.Status.PENDING)
    if subscriber is None:  # confirmed, unsubscribed or deleted since it was queued
        return
    context = {
        "subscriber": subscriber,
        "topics": list(subscriber.topics.all()),
        "confirm_url": links.confirm_url(subscriber),
        "confirm_hours": settings.CONFIRM_LINK_MAX_AGE // timedelta(hours=1),
    }
    render_email("confirm", context, to=subscriber.email).send()


@shared_task
def send_already_subscribed(subscriber_id: int) -> None:
    subscriber = _reader_still_in(subscriber_id, *RECEIVING)
    if subscriber is None:
        return
    context = {
        "subscriber": subscriber,
        "topics": list(subscriber.topics.all()),
        "manage_url": links.manage_url(subscriber),
    }
    headers = links.list_unsubscribe_headers(subscriber)
    render_email("already-subscribed", context, to=subscriber.email, headers=headers).send()


@shared_task
def send_manage_link(subscriber_id: int) -> None:
    """The "send me my link" email: a fresh manage link, for any reader we may still mail."""
    subscriber = _reader_still_in(
        subscriber_id, Subscriber.Status.PENDING, Subscriber.Status.UNSUBSCRIBED, *RECEIVING
    )
    if subscriber is None:
        return
    context = {
        "subscriber": subscriber,
        "manage_url": links.manage_url(subscriber),
        "manage_days": settings.MANAGE_LINK_MAX_AGE.days,
    }
    # Every email to a subscribed reader offers the one-click unsubscribe.
    headers = links.list_unsubscribe_headers(subscriber) if subscriber.status in RECEIVING else {}
    render_email("manage-link", context, to=subscriber.email, headers=headers).send()
