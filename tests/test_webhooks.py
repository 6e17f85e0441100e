"""Provider tracking webhooks, as Postmark posts them, through Anymail's real webhook view."""

import base64
import json
from datetime import timedelta

import pytest
from django.test import Client

from digest.models import Delivery, TrackingEvent
from digest.planning import plan
from subscriptions.models import Subscriber
from tests.digests import MORNING, make_paper
from tests.personas import make_reader
from tests.test_settings import GOOD_PRODUCTION, manage

pytestmark = pytest.mark.django_db
URL = "/anymail/postmark/tracking/"
SECRET = "postmark:s3cret-webhook-password"


@pytest.fixture(autouse=True)
def _webhook_secret(settings) -> None:
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": SECRET}


@pytest.fixture
def ada_digest() -> Delivery:
    make_paper("Diffusion models")
    make_reader("ada@example.com")
    plan(MORNING)
    return Delivery.objects.get()


def post(payload: dict, secret: str = SECRET) -> int:
    auth = base64.b64encode(secret.encode()).decode()
    response = Client().post(
        URL,
        json.dumps(payload),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Basic {auth}",
    )
    return response.status_code


def bounce(
    delivery_id: object, kind: str = "HardBounce", event_id: int = 4323372036854775807
) -> dict:
    return {
        "RecordType": "SpamComplaint" if kind == "SpamComplaint" else "Bounce",
        "ID": event_id,
        "Type": kind,
        "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
        "Metadata": {"delivery_id": str(delivery_id)},
        "Description": "The server was unable to deliver your message (unknown user).",
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
        "Email": "ada@example.com",
        "BouncedAt": "2026-11-26T08:01:54.9070259Z",
    }


def unsubscribed(delivery_id: object) -> dict:
    return {
        "RecordType": "SubscriptionChange",
        "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
        "ChangedAt": "2026-11-26T09:53:34.416071Z",
        "Recipient": "ada@example.com",
        "Origin": "Recipient",
        "SuppressSending": True,
        "SuppressionReason": "ManualSuppression",
        "Metadata": {"delivery_id": str(delivery_id)},
    }


def status() -> str:
    return Subscriber.objects.get(email="ada@example.com").status


def test_a_hard_bounce_marks_the_reader_bounced_and_notes_it_on_the_digest(ada_digest) -> None:
    assert post(bounce(ada_digest.pk)) == 200

    assert status() == "bounced"
    ada_digest.refresh_from_db()
    assert ada_digest.provider_status == "bounced"
    assert "unknown user" in ada_digest.reason


def soft_bounce(delivery_id: object, event_id: int) -> dict:
    return {
        **bounce(delivery_id, "SoftBounce", event_id),
        "Description": "The server could not temporarily deliver your message (mailbox full).",
        "Details": "smtp;452 4.2.2 The email account that you tried to reach is over quota.",
    }


def delivered(delivery_id: object) -> dict:
    return {
        "RecordType": "Delivery",
        "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
        "Recipient": "ada@example.com",
        "DeliveredAt": "2026-11-26T08:00:03Z",
        "Details": "250 OK",
        "Metadata": {"delivery_id": str(delivery_id)},
    }


def test_a_full_mailbox_is_counted_not_suppressed(ada_digest, frozen_clock) -> None:
    frozen_clock.travel_to(MORNING)

    assert post(soft_bounce(ada_digest.pk, event_id=1)) == 200

    ada = Subscriber.objects.get(email="ada@example.com")
    assert (ada.status, ada.soft_bounces) == ("active", 1)
    assert MORNING <= ada.soft_bounced_at < MORNING + timedelta(minutes=1)  # the clock runs on
    ada_digest.refresh_from_db()
    assert "mailbox full" in ada_digest.reason
    assert ada_digest.provider_status == Delivery.SOFT_BOUNCED  # not a hard bounce's "bounced"


def test_the_third_soft_bounce_in_a_row_suppresses_the_reader(ada_digest, frozen_clock) -> None:
    frozen_clock.travel_to(MORNING)
    for event_id in (1, 2):
        post(soft_bounce(ada_digest.pk, event_id))
        frozen_clock.advance(timedelta(days=29))
        assert status() == "active"

    post(soft_bounce(ada_digest.pk, event_id=3))

    assert status() == "bounced"


def test_soft_bounces_a_month_apart_or_with_a_delivery_between_start_again(
    ada_digest, frozen_clock
) -> None:
    frozen_clock.travel_to(MORNING)
    post(soft_bounce(ada_digest.pk, event_id=1))
    post(soft_bounce(ada_digest.pk, event_id=2))
    frozen_clock.advance(timedelta(days=31))
    post(soft_bounce(ada_digest.pk, event_id=3))  # the first of a new run
    post(delivered(ada_digest.pk))
    post(soft_bounce(ada_digest.pk, event_id=4))
    post(soft_bounce(ada_digest.pk, event_id=5))

    ada = Subscriber.objects.get(email="ada@example.com")
    assert (ada.status, ada.soft_bounces) == ("active", 2)


def test_a_replayed_soft_bounce_counts_once(ada_digest) -> None:
    for _ in range(3):
        assert post(soft_bounce(ada_digest.pk, event_id=1)) == 200

    ada = Subscriber.objects.get(email="ada@example.com")
    assert (ada.status, ada.soft_bounces) == ("active", 1)


def test_a_complaint_marks_the_reader_complained(ada_digest) -> None:
    assert post(bounce(ada_digest.pk, "SpamComplaint")) == 200

    assert status() == "complained"


def test_an_unsubscribe_event_unsubscribes_the_reader(ada_digest) -> None:
    assert post(unsubscribed(ada_digest.pk)) == 200

    assert status() == "unsubscribed"


def test_a_replayed_unsubscribe_does_not_undo_a_later_resubscription(ada_digest) -> None:
    post(unsubscribed(ada_digest.pk))
    Subscriber.objects.update(status="active")  # ada signed up and confirmed again

    assert post(unsubscribed(ada_digest.pk)) == 200

    assert status() == "active"
    assert TrackingEvent.objects.count() == 1


def test_a_replayed_bounce_is_acted_on_once(ada_digest, django_assert_max_num_queries) -> None:
    post(bounce(ada_digest.pk))
    Subscriber.objects.update(status="active")  # an operator reactivated the address

    with django_assert_max_num_queries(5):
        assert post(bounce(ada_digest.pk)) == 200

    assert status() == "active"


def test_a_delivery_event_is_noted_on_the_digest(ada_digest) -> None:
    assert post(delivered(ada_digest.pk)) == 200

    ada_digest.refresh_from_db()
    assert (ada_digest.provider_status, status()) == ("delivered", "active")


@pytest.mark.parametrize("delivery_id", ["", "not-a-number", "99999999"])
def test_an_event_without_a_known_digest_goes_by_the_address(ada_digest, delivery_id) -> None:
    assert post(bounce(delivery_id)) == 200

    assert status() == "bounced"


def test_an_event_for_nobody_we_know_is_accepted_and_ignored(ada_digest) -> None:
    event = {**bounce(""), "Email": "stranger@example.org"}

    assert post(event) == 200

    assert status() == "active"


def test_an_event_without_the_webhook_secret_is_refused(ada_digest) -> None:
    assert post(bounce(ada_digest.pk), secret="postmark:guess") == 400

    assert status() == "active"
    assert TrackingEvent.objects.count() == 0


def post_raw(body: bytes) -> int:
    auth = base64.b64encode(SECRET.encode()).decode()
    response = Client().post(
        URL, body, content_type="application/json", HTTP_AUTHORIZATION=f"Basic {auth}"
    )
    return response.status_code


UNREADABLE = {
    "invalid JSON": b'{"RecordType": "Bounce",',
    "a JSON array": json.dumps([bounce(1)]).encode(),
    "a JSON string": b'"Bounce"',
    "invalid UTF-8": b'{"RecordType": "Bounce", "Type": "\xff\xfe"}',
    "a string Metadata": json.dumps({**bounce(1), "Metadata": "delivery_id=1"}).encode(),
    "a list for Email": json.dumps({**bounce(""), "Email": ["ada@example.com"]}).encode(),
}


@pytest.mark.parametrize("body", UNREADABLE.values(), ids=UNREADABLE.keys())
def test_a_body_the_receiver_cannot_read_is_a_400_with_the_reason_logged(
    ada_digest, body, caplog
) -> None:
    assert post_raw(body) == 400

    assert status() == "active"
    assert TrackingEvent.objects.count() == 0
    assert "Unreadable webhook body answered 400" in caplog.text


def test_without_a_secret_in_production_the_webhook_is_not_there(ada_digest, settings) -> None:
    settings.DEBUG = False
    settings.ANYMAIL = {k: v for k, v in settings.ANYMAIL.items() if k != "WEBHOOK_SECRET"}

    response = Client().post(URL, json.dumps(bounce(ada_digest.pk)), "application/json")

    assert response.status_code == 404
    assert status() == "active"
    assert TrackingEvent.objects.count() == 0


def test_without_a_secret_in_production_start_up_says_so_in_one_line() -> None:
    result = manage("check", "--deploy", "--fail-level", "WARNING", **GOOD_PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if "ANYMAIL_WEBHOOK_SECRET" in line]
    assert lines == [
        "ANYMAIL_WEBHOOK_SECRET is not set: the provider tracking webhook answers 404, "
        "so bounces and complaints are not recorded."
    ]


def test_with_a_secret_in_production_start_up_is_quiet_about_it() -> None:
    secret = {"ANYMAIL_WEBHOOK_SECRET": SECRET}
    result = manage("check", "--deploy", "--fail-level", "WARNING", **GOOD_PRODUCTION, **secret)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "ANYMAIL_WEBHOOK_SECRET" not in result.stderr
