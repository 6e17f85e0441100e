"""The Celery app. Its settings are the CELERY_* names in config.settings."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("papers_digest")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="config.celery.ping")
def ping() -> str:
    """Answers "pong": `celery -A config call config.celery.ping` shows that a worker is alive."""
    return "pong"
