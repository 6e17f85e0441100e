import pytest
from django.test import Client, override_settings

from tests.services import require_redis


@pytest.mark.django_db
def test_healthz_answers_ok_with_database_and_broker_up() -> None:
    require_redis()

    response = Client().get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
@override_settings(ALLOWED_HOSTS=["digest.example.org"], SECURE_SSL_REDIRECT=True)
def test_healthz_skips_the_https_redirect_and_host_check() -> None:
    response = Client().get("/healthz", HTTP_HOST="10.0.0.7:8000")

    assert response.status_code == 200


@pytest.mark.django_db
def test_healthz_names_the_broker_when_it_is_down(settings) -> None:
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    settings.CELERY_TASK_ALWAYS_EAGER = False

    response = Client().get("/healthz")

    assert response.status_code == 503
    assert response.json()["problems"] == ["broker: OperationalError"]
