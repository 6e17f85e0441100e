"""Which send errors are retried, and after how long (pure: no database)."""

import smtplib
from datetime import UTC, datetime

import pytest
import requests
from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused, AnymailRequestsAPIError

from digest.failures import classify, next_delay, retry_after

NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
TABLE = [30.0, 120.0, 600.0]


def answered(status: int, retry_after: str | None = None) -> AnymailRequestsAPIError:
    response = requests.Response()
    response.status_code = status
    if retry_after is not None:
        response.headers["Retry-After"] = retry_after
    return AnymailRequestsAPIError("the provider said no", response=response)


@pytest.mark.parametrize("status", [429, 408, 500, 502, 503])
def test_throttling_and_server_errors_are_transient(status: int) -> None:
    assert classify(answered(status), NOW).transient


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_a_refusal_of_the_message_is_permanent(status: int) -> None:
    assert not classify(answered(status), NOW).transient


def test_a_rejected_recipient_is_permanent() -> None:
    assert not classify(AnymailRecipientsRefused(), NOW).transient


def test_no_answer_at_all_is_transient() -> None:
    class NoAnswer(AnymailRequestsAPIError, requests.ConnectionError):
        pass

    assert classify(NoAnswer("Error posting"), NOW).transient
    assert classify(smtplib.SMTPServerDisconnected("gone"), NOW).transient


def test_smtp_4xx_is_transient_and_5xx_permanent() -> None:
    assert classify(smtplib.SMTPResponseException(421, b"try later"), NOW).transient
    assert not classify(smtplib.SMTPResponseException(554, b"no"), NOW).transient
    refused = smtplib.SMTPRecipientsRefused({"a@example.com": (550, b"no such user")})
    assert not classify(refused, NOW).transient


def test_an_unknown_error_is_not_retried() -> None:
    assert not classify(AnymailAPIError("bad payload"), NOW).transient


def test_retry_after_in_seconds_or_as_a_date() -> None:
    assert classify(answered(429, "7"), NOW).retry_after == 7
    assert retry_after("Thu, 26 Nov 2026 08:01:30 GMT", NOW) == 90
    assert retry_after("Thu, 26 Nov 2026 07:00:00 GMT", NOW) == 0
    assert retry_after("soon", NOW) is None
    assert retry_after(None, NOW) is None


def test_each_attempt_waits_the_next_delay_of_the_table() -> None:
    assert [next_delay(attempt, TABLE, None) for attempt in (1, 2, 3)] == TABLE


def test_after_the_last_delay_there_is_no_retry() -> None:
    assert next_delay(4, TABLE, None) is None


def test_retry_after_is_honoured_as_given_but_never_beyond_the_longest_delay() -> None:
    assert next_delay(1, TABLE, 45) == 45
    assert next_delay(1, TABLE, 1) == 1  # not the table's 30 s: the provider asked for one
    assert next_delay(1, TABLE, 86_400) == 600


def test_only_a_429_asks_every_sender_to_slow_down() -> None:
    assert classify(answered(429, "1"), NOW).throttled
    assert not classify(answered(503, "1"), NOW).throttled
