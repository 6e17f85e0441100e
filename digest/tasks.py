"""Celery tasks: thin wrappers that take ids and call the module that does the work."""

from celery import shared_task

from digest.fetching import wait_before_fetching
from digest.ingest import ingest_source
from digest.models import Source


@shared_task
def ingest_all_sources() -> None:
    """Beat entry: one task per enabled source, so one slow feed never holds the others."""
    for source_id in Source.objects.filter(enabled=True).values_list("pk", flat=True):
        ingest_one_source.delay(source_id)


@shared_task(bind=True, max_retries=None)
def ingest_one_source(self, source_id: int) -> None:
    # Safe to run twice at once: conditional fetches and serialised, idempotent upserts.
    source = Source.objects.filter(pk=source_id, enabled=True).first()
    if source is None:
        return
    wait = wait_before_fetching(source.url)
    if wait:
        raise self.retry(countdown=wait)
    ingest_source(source)
