import pytest

from config.celery import ping
from tests.services import celery_worker, require_redis


@pytest.mark.real_broker
def test_a_task_round_trips_through_a_real_worker() -> None:
    require_redis()

    with celery_worker():
        result = ping.apply_async(ignore_result=False)
        assert result.get(timeout=30) == "pong"


def test_feed_and_mail_work_have_their_own_queues() -> None:
    from django.conf import settings

    routes = settings.CELERY_TASK_ROUTES
    assert routes["digest.tasks.ingest_*"] == {"queue": "feeds"}
    assert routes["digest.tasks.send_*"] == {"queue": "mail"}
