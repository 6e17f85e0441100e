"""The confirmation email: its content, and its trip through the broker to a real worker."""

import email
from pathlib import Path

import pytest

from config.celery import ping
from subscriptions import actions, tasks
from subscriptions.models import Subscriber
from tests.personas import ada, bob
from tests.services import celery_worker, require_postgres, require_redis, worker_environment


@pytest.mark.django_db
def test_the_confirmation_email_has_text_html_topics_and_the_link(mailoutbox) -> None:
    reader = bob()
    tasks.send_confirmation(reader.pk)

    message = mailoutbox[0]
    html = message.alternatives[0][0]
    assert message.subject == "Confirm your papers-digest subscription"
    assert "graph neural networks" in message.body and "graph neural networks" in html
    assert "/confirm/" in message.body and "72 hours" in message.body
    assert 'style="' in html  # CSS inlined for mail clients


@pytest.mark.django_db
def test_the_confirmation_email_escapes_topics_in_html_only(mailoutbox) -> None:
    reader = actions.subscribe("eve@example.com", [("x", "<b>bold</b>")], "daily", None, "")
    tasks.send_confirmation(reader.pk)

    message = mailoutbox[0]
    assert "<b>bold</b>" in message.body
    assert "&lt;b&gt;bold&lt;/b&gt;" in message.alternatives[0][0]


@pytest.mark.django_db
def test_no_confirmation_goes_to_a_reader_who_confirmed_meanwhile(mailoutbox) -> None:
    tasks.send_confirmation(ada().pk)

    assert mailoutbox == []


@pytest.mark.django_db
def test_the_already_subscribed_email_carries_one_click_unsubscribe(mailoutbox) -> None:
    tasks.send_already_subscribed(ada().pk)

    headers = mailoutbox[0].extra_headers
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/unsubscribe/" in headers["List-Unsubscribe"]
    assert "/manage/" in mailoutbox[0].body


@pytest.mark.real_broker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_confirmation_from_the_mail_queue(tmp_path: Path) -> None:
    require_postgres()
    require_redis()
    env = {
        **worker_environment(),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path),
    }
    with celery_worker(env=env):
        actions.subscribe("eve@example.com", [], "daily", "203.0.113.7", "test")
        # One worker process takes the mail queue in order: once a ping queued after the
        # confirmation answers, the confirmation has been handled.
        ping.apply_async(queue="mail", ignore_result=False).get(timeout=30)

    [written] = tmp_path.iterdir()
    message = email.message_from_bytes(written.read_bytes())
    assert message["To"] == "eve@example.com"
    assert "/confirm/" in message.as_string()
    assert Subscriber.objects.get(email="eve@example.com").status == "pending"
