"""Which send errors are worth retrying (pure: no database, no settings).

The provider's or the network's passing trouble is: no answer (a refused connection, a timeout),
429 Too Many Requests, 408, any 5xx, an SMTP 4xx. A refusal of this very message is not, since
sending it again would get the same answer: 400 and other 4xx, a rejected recipient, an SMTP 5xx.
"""

import smtplib
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime

import requests
from anymail.exceptions import AnymailRecipientsRefused

RETRYABLE_HTTP = {408, 425, 429}


@dataclass(frozen=True)
class Verdict:
    transient: bool
    retry_after: float | None = None  # seconds the provider asked us to wait, if it said
    throttled: bool = False  # a 429: the provider wants every sender to slow down, not one message


def classify(error: Exception, now: datetime) -> Verdict:
    """Whether `error`, raised while handing over one message, may pass if we try again later."""
    if isinstance(error, AnymailRecipientsRefused | smtplib.SMTPRecipientsRefused):
        return Verdict(transient=False)
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None)
    if isinstance(status, int):
        return http_verdict(status, response.headers.get("Retry-After"), now)
    if isinstance(error, smtplib.SMTPResponseException):
        return Verdict(transient=400 <= error.smtp_code < 500)
    # No answer at all (requests' and smtplib's network errors are both OSErrors).
    return Verdict(transient=isinstance(error, requests.RequestException | OSError))


def http_verdict(status: int, asked: str | None, now: datetime) -> Verdict:
    """Whether an HTTP error `status` may pass later; `asked` is its Retry-After header."""
    if status in RETRYABLE_HTTP or status >= 500:
        return Verdict(True, retry_after(asked, now), throttled=status == 429)
    return Verdict(transient=False)


def retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds from a Retry-After header: delay-seconds or an HTTP date; None when unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        return None
    return max((moment - now).total_seconds(), 0.0)


def next_delay(attempt: int, delays: list[float], asked: float | None) -> float | None:
    """Seconds before attempt number `attempt` + 1, or None when the table is used up.

    The provider's Retry-After is honoured as given, up to the table's longest delay (which is
    below the broker's visibility timeout); without one, the table's delay for this attempt.
    """
    if attempt > len(delays):
        return None
    if asked is not None:
        return min(asked, max(delays))
    return delays[attempt - 1]
