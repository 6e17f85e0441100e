"""Redis going down mid-run: unsubscribing still works; every other form answers a plain 503.

The test runs a private redis-server on a free loopback port as both the cache and the broker
(never the shared one), uses it, then shuts it down. Transactions commit as in production
(transactional_db), so anything queued after commit would be published inside the request.
"""

import socket
import subprocess
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import redis
from django.test import Client

from config.celery import app as celery_app
from core import links
from subscriptions.models import Subscriber
from tests.personas import ada

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.real_broker]

ONE_CLICK = "List-Unsubscribe=One-Click"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_redis(port: int) -> subprocess.Popen:
    """A throwaway redis-server, returned once it says it accepts connections."""
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    command += ["--appendonly", "no", "--loglevel", "notice"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    for line in process.stdout:  # blocks on the server's own log, no polling
        if "Ready to accept connections" in line:
            return process
    pytest.fail(f"redis-server on port {port} exited with status {process.wait()}")


def use_broker(url: str) -> None:
    celery_app.conf.broker_url = url
    # Celery caches broker connections and producers: drop them so the next task goes to `url`.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def private_redis(settings) -> Iterator[tuple[subprocess.Popen, int]]:
    """A private Redis (its process and port) as the cache and the broker, both put back as
    they were afterwards."""
    port = free_port()
    process = start_redis(port)
    location = f"redis://127.0.0.1:{port}/1"
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": location}
    }
    previous_broker = celery_app.conf.broker_url
    use_broker(f"redis://127.0.0.1:{port}/0")
    try:
        yield process, port
    finally:
        process.terminate()
        process.wait()
        use_broker(previous_broker)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait()


def test_with_redis_down_unsubscribing_works_and_other_forms_answer_503(
    private_redis, caplog
) -> None:
    process, port = private_redis
    reader = ada()
    path = urlsplit(links.unsubscribe_url(reader)).path
    browser = Client()
    # While Redis is up, a sign-up is counted in it and its email is queued on it.
    assert browser.post("/subscribe/", {"email": "eve@example.com"}).status_code == 200
    assert redis.Redis(port=port).llen("mail") == 1

    stop(process)

    assert browser.get(path).status_code == 200
    provider = Client(enforce_csrf_checks=True)
    response = provider.post(path, ONE_CLICK, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert Subscriber.objects.get(pk=reader.pk).status == "unsubscribed"
    assert "Rate limit 'unsubscribe' not counted: the cache is unreachable" in caplog.text
    forms = {
        "/subscribe/": {"email": "fay@example.com"},
        "/manage/link/": {"email": "ada@example.com"},
        "/admin/login/": {"username": "admin", "password": "guess"},
    }
    for form, data in forms.items():
        response = browser.post(form, data)
        assert response.status_code == 503
        assert "Please try again in a minute" in response.content.decode()


def test_with_the_broker_down_a_sign_up_answers_503_not_500(settings) -> None:
    # The cache (the shared test Redis) answers; the broker's port has no server behind it.
    previous_broker = celery_app.conf.broker_url
    use_broker(f"redis://127.0.0.1:{free_port()}/0")
    try:
        response = Client().post("/subscribe/", {"email": "eve@example.com"})
    finally:
        use_broker(previous_broker)

    assert response.status_code == 503
    assert "Please try again in a minute" in response.content.decode()
