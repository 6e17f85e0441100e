"""Planning and sending digests: who gets one, exactly once, through the configured backend."""

import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection

from digest.models import Delivery
from digest.planning import plan
from digest.sending import claim, send_chunk
from digest.tasks import plan_digests, send_digests
from subscriptions.models import Subscriber
from tests.digests import MORNING, make_paper
from tests.fake_postmark import fake_postmark
from tests.personas import make_reader
from tests.services import celery_worker, require_postgres, require_redis, worker_environment

AT_MORNING = ("--now", MORNING.isoformat())


def run(*args: str) -> str:
    out = StringIO()
    call_command("send_digests", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_only_active_readers_get_digests() -> None:
    make_paper("Diffusion models")
    make_reader("ada@example.com")
    make_reader("bob@example.com", status="pending")
    make_reader("cy@example.com", status="bounced")

    assert "1 sent" in run(*AT_MORNING)
    assert [message.to for message in mail.outbox] == [["ada@example.com"]]


@pytest.mark.django_db
def test_a_reader_is_not_due_before_their_hour() -> None:
    make_paper("Diffusion models")
    make_reader("ada@example.com", delivery_hour=9)

    assert "Planned 0 digest(s)" in run(*AT_MORNING)
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_second_forced_run_sends_nothing_new() -> None:
    make_paper("Diffusion models")
    make_reader("ada@example.com", delivery_hour=23)

    first = run("--force", *AT_MORNING)
    second = run("--force", "--now", (MORNING + timedelta(minutes=5)).isoformat())

    assert "1 sent" in first
    assert "Planned 0 digest(s): 0 sent" in second
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_dry_run_prints_who_would_get_which_papers_and_changes_nothing() -> None:
    make_paper("Diffusion models", upvotes=3)
    make_paper("Graph neural networks")
    make_reader("ada@example.com", {"Diffusion": "diffusion"})

    out = run("--dry-run", *AT_MORNING)

    assert "ada@example.com: 1 paper(s)\n  - Diffusion models\n" in out
    assert "Dry run: 1 reader(s) and 0 channel(s) due; nothing was sent." in out
    assert (mail.outbox, Delivery.objects.count()) == ([], 0)


@pytest.mark.parametrize("value", ["yesterday", "2026-11-26T08:00:00"])
def test_now_must_be_an_iso_8601_moment_with_an_offset(value: str) -> None:
    with pytest.raises(CommandError, match="--now"):
        run("--now", value)


@pytest.mark.django_db
def test_a_reader_who_unsubscribes_between_planning_and_sending_gets_nothing() -> None:
    make_paper("Diffusion models")
    ada = make_reader("ada@example.com")
    ids = plan(MORNING)
    Subscriber.objects.filter(pk=ada.pk).update(status="unsubscribed")

    send_chunk(ids)

    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.reason) == ("skipped", "The reader is no longer active.")
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_chunk_delivered_twice_sends_each_digest_once() -> None:
    make_paper("Diffusion models")
    make_reader("ada@example.com")
    ids = plan(MORNING)

    send_chunk(ids)
    again = send_chunk(ids)

    assert (again.sent, again.skipped, len(mail.outbox)) == ([], [], 1)
    assert claim(ids, MORNING) == []


@pytest.mark.django_db
def test_it_records_the_providers_message_id_and_status(settings) -> None:
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    make_paper("Diffusion models")
    make_reader("ada@example.com")

    send_chunk(plan(MORNING))

    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.provider_status) == ("sent", "sent")
    assert delivery.provider_message_id == "0"
    params = mail.outbox[0].anymail_test_params
    assert params["track_clicks"] is False
    assert params["metadata"] == {"delivery_id": str(delivery.pk)}


@pytest.mark.django_db
def test_a_backend_error_fails_the_delivery_and_releases_its_papers(settings) -> None:
    from anymail.exceptions import AnymailAPIError

    settings.EMAIL_BACKEND = "tests.test_sending.RefusingBackend"
    RefusingBackend.error = AnymailAPIError("400 Bad Request: invalid recipient")
    make_paper("Diffusion models")
    ada = make_reader("ada@example.com")

    outcome = send_chunk(plan(MORNING))

    delivery = Delivery.objects.get()
    assert outcome.failed == [delivery.pk]
    assert delivery.status == "failed"
    assert "invalid recipient" in delivery.reason
    assert ada.sent_papers.count() == 0


class RefusingBackend(mail.backends.base.BaseEmailBackend):
    """A backend whose provider answers every message with an error."""

    error: Exception = RuntimeError("refused")

    def send_messages(self, email_messages: list) -> int:
        raise self.error


@pytest.mark.django_db
def test_sending_a_chunk_costs_a_few_queries_plus_one_per_digest(
    django_assert_max_num_queries,
) -> None:
    for number in range(12):
        make_paper(f"Diffusion paper {number}", upvotes=number)
    for number in range(10):
        make_reader(f"reader{number}@example.com", {"Diffusion": "diffusion"})
    ids = plan(MORNING)

    # Claim 2 (+2 savepoints), load 2, papers and already-sent 2, the readers' mutes and tastes
    # 2, record 2 (+2), then one per digest, which on PostgreSQL is a prepared statement that
    # Django's query log does not see.
    per_digest = 0 if connection.vendor == "postgresql" else 1
    with django_assert_max_num_queries(14 + 10 * per_digest):
        outcome = send_chunk(ids)

    assert len(outcome.sent) == 10
    assert Delivery.objects.filter(pk__in=ids, status="sent").count() == 10


@pytest.mark.django_db
def test_each_digest_is_recorded_by_a_statement_postgresql_prepared_once() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    make_paper("Diffusion paper", upvotes=3)
    for number in range(3):
        make_reader(f"reader{number}@example.com", {"Diffusion": "diffusion"})

    outcome = send_chunk(plan(MORNING))

    assert len(outcome.sent) == 3
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE NOT from_sql")
        statements = [row[0] for row in cursor.fetchall()]
    recording = [text for text in statements if text.startswith("UPDATE digest_delivery")]
    assert len(recording) == 1  # one statement for all three, its values sent apart
    assert "WHERE id = $5" in recording[0]


@pytest.mark.django_db
def test_planning_costs_the_same_few_queries_for_any_number_of_readers(
    django_assert_max_num_queries,
) -> None:
    for number in range(40):
        make_reader(f"reader{number}@example.com")

    with django_assert_max_num_queries(4):
        ids = plan(MORNING)

    assert len(ids) == 40


@pytest.mark.django_db(transaction=True)
def test_two_planners_at_once_plan_each_digest_once() -> None:
    require_postgres()
    for number in range(30):
        make_reader(f"reader{number}@example.com")
    start = threading.Barrier(2)
    planned: list[list[int]] = []

    def planner() -> None:
        start.wait()
        try:
            planned.append(plan(MORNING))
        finally:
            connection.close()

    threads = [threading.Thread(target=planner) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Delivery.objects.count() == 30
    assert sorted(planned[0] + planned[1]) == sorted(Delivery.objects.values_list("pk", flat=True))


@pytest.mark.real_broker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_planned_digests_through_the_configured_backend(tmp_path) -> None:
    require_postgres()
    require_redis()
    make_paper("Diffusion models")
    make_reader("ada@example.com")
    ids = plan(MORNING)
    env = {
        **worker_environment(),
        "EMAIL_BACKEND": "digest.outbox.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path),
    }

    with celery_worker(env=env):
        send_digests.apply_async(args=[ids], ignore_result=False).get(timeout=60)

    delivery = Delivery.objects.get()
    assert delivery.status == "sent"
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        f"digest-{delivery.pk}-adaexamplecom.eml",
        f"digest-{delivery.pk}-adaexamplecom.html",
    ]


def test_beat_plans_digests_every_quarter_hour(settings) -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["plan-digests"]
    assert entry["task"] == "digest.tasks.plan_digests"
    assert entry["schedule"].minute == {0, 15, 30, 45}


@pytest.mark.django_db
def test_the_beat_task_plans_what_is_due_by_the_service_clock_and_sends_it(
    frozen_clock,
    django_capture_on_commit_callbacks,
) -> None:
    make_paper("Diffusion models")
    make_reader("ada@example.com", delivery_hour=8)
    make_reader("bob@example.com", delivery_hour=9)
    frozen_clock.travel_to(MORNING + timedelta(minutes=1))

    with django_capture_on_commit_callbacks(execute=True):
        plan_digests.delay()

    assert [message.to for message in mail.outbox] == [["ada@example.com"]]


@pytest.mark.django_db
def test_a_proxy_set_in_the_environment_still_carries_every_message(settings, monkeypatch) -> None:
    """requests' environment is read once per connection (not per message): still honoured."""
    make_paper("Diffusion models")
    for name in ("ada", "bob"):
        make_reader(f"{name}@example.com")
    with fake_postmark() as provider, fake_postmark() as proxy:
        settings.EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
        settings.ANYMAIL = {"POSTMARK_SERVER_TOKEN": "fake-token", "POSTMARK_API_URL": provider.url}
        monkeypatch.setenv("HTTP_PROXY", proxy.url)

        outcome = send_chunk(plan(MORNING))

    assert len(outcome.sent) == 2
    assert (proxy.accepted(), provider.count) == ({"ada@example.com": 1, "bob@example.com": 1}, 0)
