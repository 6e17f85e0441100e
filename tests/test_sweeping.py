"""The sweeper hands back rows whose worker or task was lost; the admin can retry failed ones."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends import locmem

from core import clock
from digest.models import Delivery
from digest.planning import plan
from digest.sending import claim, renew_lease, retry, send_chunk, sweep
from digest.tasks import sweep_deliveries
from tests.digests import MORNING, make_paper
from tests.personas import make_reader

pytestmark = pytest.mark.django_db
LEASE = timedelta(seconds=300)  # the default SEND_LEASE_SECONDS


@pytest.fixture
def ada_planned() -> int:
    make_paper("Diffusion models")
    make_reader("ada@example.com")
    [delivery_id] = plan(MORNING)
    return delivery_id


def test_a_row_sending_past_its_lease_is_planned_again(ada_planned: int) -> None:
    claim([ada_planned], MORNING)

    assert sweep(MORNING + LEASE + timedelta(seconds=1)) == [ada_planned]
    assert Delivery.objects.get().status == "planned"


def test_a_row_within_its_lease_is_left_to_its_sender(ada_planned: int) -> None:
    claim([ada_planned], MORNING)

    assert sweep(MORNING + LEASE - timedelta(seconds=1)) == []
    assert Delivery.objects.get().status == "sending"


def test_a_planned_row_never_picked_up_is_queued_again_once_per_lease(ada_planned: int) -> None:
    later = MORNING + LEASE + timedelta(seconds=1)

    assert sweep(later) == [ada_planned]
    assert sweep(later + timedelta(seconds=1)) == []
    assert Delivery.objects.get().status == "planned"


def test_only_the_first_row_a_lost_sender_held_counts_an_attempt(ada_planned: int) -> None:
    make_reader("bob@example.com")
    [bob_planned] = plan(MORNING)
    claim([ada_planned, bob_planned], MORNING)  # its worker died handing over ada's digest

    sweep(MORNING + LEASE + timedelta(seconds=1))

    # A chunk goes in id order, so bob's digest never reached the provider.
    attempts = dict(Delivery.objects.values_list("pk", "attempts"))
    assert attempts == {ada_planned: 1, bob_planned: 0}


def test_a_row_whose_worker_died_on_every_attempt_fails(ada_planned: int, settings) -> None:
    claim([ada_planned], MORNING)
    Delivery.objects.update(attempts=len(settings.SEND_RETRY_DELAYS))  # this one was the last

    assert sweep(MORNING + LEASE + timedelta(seconds=1)) == []
    delivery = Delivery.objects.get()
    assert delivery.status == "failed" and delivery.reason.startswith("Gave up")


def test_the_beat_task_sends_what_the_sweeper_hands_back(
    ada_planned: int,
    frozen_clock,
    django_capture_on_commit_callbacks,
) -> None:
    frozen_clock.travel_to(MORNING + LEASE + timedelta(seconds=1))

    with django_capture_on_commit_callbacks(execute=True):
        sweep_deliveries.delay()

    assert Delivery.objects.get().status == "sent"
    assert [message.to for message in mail.outbox] == [["ada@example.com"]]


def test_sweeping_costs_a_few_queries_however_many_rows(django_assert_max_num_queries) -> None:
    make_paper("Diffusion models")
    for number in range(20):
        make_reader(f"reader{number}@example.com")
    claim(plan(MORNING)[:10], MORNING)

    with django_assert_max_num_queries(5):
        handed_back = sweep(MORNING + LEASE + timedelta(seconds=1))

    assert len(handed_back) == 20


def test_a_failed_digest_retried_is_built_afresh_and_sent(ada_planned: int, settings) -> None:
    settings.EMAIL_BACKEND = "tests.test_sending.RefusingBackend"
    send_chunk([ada_planned])
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    assert retry([ada_planned], MORNING) == [ada_planned]
    send_chunk([ada_planned])

    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.reason, delivery.items.count()) == ("sent", "", 1)


def test_a_sent_digest_is_never_retried(ada_planned: int) -> None:
    send_chunk([ada_planned])

    assert retry([ada_planned], MORNING) == []
    assert Delivery.objects.get().status == "sent"


def test_renewing_a_lease_keeps_only_the_rows_still_held(ada_planned: int) -> None:
    make_reader("bob@example.com")
    [bob_planned] = plan(MORNING)
    claim([ada_planned, bob_planned], MORNING)
    Delivery.objects.filter(pk=bob_planned).update(status="planned")  # the sweeper took it

    later = MORNING + timedelta(seconds=100)
    assert renew_lease([ada_planned, bob_planned], MORNING, later) == {ada_planned}
    assert Delivery.objects.get(pk=ada_planned).claimed_at == later


class SweptWhileSending(locmem.EmailBackend):
    """ada's hand-over takes 100 s of service time, and meanwhile the sweeper takes bob's row."""

    def send_messages(self, messages: list) -> int:
        clock.advance(timedelta(seconds=100))
        Delivery.objects.filter(subscriber__email="bob@example.com").update(status="planned")
        return super().send_messages(messages)


def test_a_sender_never_sends_a_row_the_sweeper_handed_back(settings, frozen_clock) -> None:
    settings.EMAIL_BACKEND = "tests.test_sweeping.SweptWhileSending"
    make_paper("Diffusion models")
    make_reader("ada@example.com")
    make_reader("bob@example.com")
    frozen_clock.travel_to(MORNING)

    send_chunk(plan(MORNING))

    assert [message.to for message in mail.outbox] == [["ada@example.com"]]
    assert Delivery.objects.get(subscriber__email="bob@example.com").status == "planned"
