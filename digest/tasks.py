"""Celery tasks: thin wrappers that take ids and call the module that does the work."""

from celery import shared_task

from core import clock
from digest import channel_sending, tastes
from digest.fetching import wait_before_fetching, wait_for_turn
from digest.ingest import ingest_source
from digest.models import Source
from digest.planning import plan
from digest.sending import chunks, send_chunk, sweep
from subscriptions.models import Subscriber


@shared_task
def ingest_all_sources() -> None:
    """Beat entry: one task per enabled source, so one slow feed never holds the others."""
    for source_id in Source.objects.filter(enabled=True).values_list("pk", flat=True):
        ingest_one_source.delay_on_commit(source_id)


@shared_task(bind=True, max_retries=None)
def ingest_one_source(self, source_id: int) -> None:
    # Safe to run twice at once: conditional fetches and serialised, idempotent upserts.
    source = Source.objects.filter(pk=source_id, enabled=True).first()
    if source is None:
        return
    if self.request.is_eager:
        wait_for_turn(source.url)  # in-process (no broker): nothing else could run meanwhile
    elif wait := wait_before_fetching(source.url):
        raise self.retry(countdown=wait)  # free the worker for other feeds meanwhile
    ingest_source(source)


def queue_sends(delivery_ids: list[int]) -> None:
    """One send task per chunk of deliveries, queued once the planning transaction commits."""
    for chunk in chunks(delivery_ids):
        send_digests.delay_on_commit(chunk)


def queue_posts(post_ids: list[int]) -> None:
    """One send task per chunk of channel posts, queued once the planning transaction commits."""
    for chunk in chunks(post_ids):
        send_channel_posts.delay_on_commit(chunk)


@shared_task
def plan_digests() -> None:
    """Beat entry: plan the digests and channel posts due now and queue their sending."""
    now = clock.now()
    queue_sends(plan(now))
    queue_posts(channel_sending.plan_posts(now))


# Acknowledged only when done, and handed back to the queue if its worker process dies: safe,
# as a run delivered twice claims nothing that another run holds or has finished.
@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_digests(delivery_ids: list[int]) -> None:
    # Each delay is below the broker's visibility timeout (checked in config/env.py), so a
    # delayed task is not also redelivered meanwhile.
    for delay, retry_ids in send_chunk(delivery_ids).retry.items():
        send_digests.apply_async(args=[retry_ids], countdown=delay)


# As send_digests: a run delivered twice claims nothing another run holds or has finished.
@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_channel_posts(post_ids: list[int]) -> None:
    for delay, retry_ids in channel_sending.send_posts(post_ids).retry.items():
        send_channel_posts.apply_async(args=[retry_ids], countdown=delay)


@shared_task
def sweep_deliveries() -> None:
    """Beat entry: queue again the digests and channel posts whose worker or task was lost."""
    now = clock.now()
    queue_sends(sweep(now))
    queue_posts(channel_sending.sweep_posts(now))


@shared_task
def train_taste(reader_id: int) -> None:
    """Retrains one reader after their votes changed; a reader deleted meanwhile is skipped."""
    reader = Subscriber.objects.filter(pk=reader_id).first()
    if reader is not None:
        tastes.retrain(reader)


@shared_task
def refit_vocabulary() -> None:
    tastes.refit()
