import pytest

from config.celery import app as celery_app


@pytest.fixture(autouse=True)
def _eager_celery_unless_a_worker_runs(request: pytest.FixtureRequest):
    """Tasks run in-process in tests, unless the test starts a real worker (see services.py)."""
    eager = "real_broker" not in request.keywords
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = eager
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
