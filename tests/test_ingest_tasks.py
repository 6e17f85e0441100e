"""The periodic ingest: one task per enabled source on the feeds queue, safe to run twice."""

from pathlib import Path

import pytest

from digest import tasks
from digest.models import Paper, Sighting, Source
from tests import feed_server as serve
from tests.services import celery_worker, require_postgres, require_redis, worker_environment

RSS = (Path(__file__).resolve().parent.parent / "digest/demo_data/feeds").joinpath(
    "arxiv_rss_cs.CL+cs.LG_weekday.xml"
)


@pytest.mark.django_db
def test_the_beat_task_ingests_every_enabled_source_and_records_failures(
    settings, django_capture_on_commit_callbacks
):
    settings.FETCH_ALLOWED_HOSTS = ["127.0.0.1"]
    Source.objects.update(enabled=False)
    with serve.feed_server() as server:
        server.routes["/rss"] = serve.body(RSS.read_bytes())
        Source.objects.create(name="listing", url=server.url("/rss"))
        broken = Source.objects.create(name="broken", url=server.url("/missing"))
        with django_capture_on_commit_callbacks(execute=True):
            tasks.ingest_all_sources.delay()
    broken.refresh_from_db()
    assert Paper.objects.count() == 5
    assert (broken.consecutive_failures, broken.last_error) == (1, "HTTP 404 Not Found")


@pytest.mark.django_db
def test_a_body_that_is_not_the_gzip_it_claims_is_recorded_on_the_source(settings):
    settings.FETCH_ALLOWED_HOSTS = ["127.0.0.1"]
    with serve.feed_server() as server:
        server.routes["/rss"] = serve.encoded(b"<rss>not gzip</rss>", "gzip")
        source = Source.objects.create(name="mislabelled", url=server.url("/rss"))
        tasks.ingest_one_source.delay(source.pk)
    source.refresh_from_db()
    assert source.consecutive_failures == 1
    assert source.last_error.startswith("the body is not valid gzip")
    assert source.last_error_at is not None


def test_the_beat_schedule_runs_the_fan_out():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["ingest-every-source"]
    assert entry["task"] == "digest.tasks.ingest_all_sources"


@pytest.mark.real_broker
@pytest.mark.django_db(transaction=True)
def test_two_workers_ingesting_the_same_source_at_once_store_each_paper_once():
    require_postgres()
    require_redis()
    with serve.feed_server() as server:
        server.routes["/rss"] = serve.body(RSS.read_bytes())
        source = Source.objects.create(name="listing", url=server.url("/rss"))
        env = {**worker_environment(), "FETCH_ALLOWED_HOSTS": "127.0.0.1"}
        with celery_worker("--concurrency", "2", env=env):
            results = [
                tasks.ingest_one_source.apply_async((source.pk,), ignore_result=False)
                for _ in range(2)
            ]
            for result in results:
                result.get(timeout=30)
    assert Paper.objects.count() == 5
    assert Sighting.objects.filter(source=source).count() == 5
    source.refresh_from_db()
    assert source.consecutive_failures == 0
