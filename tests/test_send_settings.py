"""The sending settings are checked at start-up: delays below the visibility timeout, a send
that ends within its lease."""

import pytest
from pydantic import ValidationError

from config.env import BROKER_VISIBILITY_TIMEOUT_SECONDS, Env


def test_the_retry_table_is_read_as_seconds() -> None:
    assert Env(SEND_RETRY_DELAYS="0.5, 30,600").send_retry_delays == [0.5, 30.0, 600.0]


@pytest.mark.parametrize("delays", ["30,soon", "0,30", str(BROKER_VISIBILITY_TIMEOUT_SECONDS)])
def test_a_retry_delay_must_be_a_positive_number_below_the_visibility_timeout(delays: str) -> None:
    with pytest.raises(ValidationError, match="SEND_RETRY_DELAYS"):
        Env(SEND_RETRY_DELAYS=delays)


def test_a_send_may_take_at_most_half_a_lease() -> None:
    Env(SEND_TIMEOUT_SECONDS=30, SEND_LEASE_SECONDS=60)
    with pytest.raises(ValidationError, match="SEND_TIMEOUT_SECONDS: must be at most half"):
        Env(SEND_TIMEOUT_SECONDS=31, SEND_LEASE_SECONDS=60)


def test_the_default_settings_send_a_held_up_digest_within_15_minutes(settings) -> None:
    sweep_every = settings.CELERY_BEAT_SCHEDULE["sweep-deliveries"]["schedule"]

    # Handed back once its lease is over, at the latest one sweep later.
    assert settings.SEND_LEASE.total_seconds() + sweep_every <= 15 * 60
    assert max(settings.SEND_RETRY_DELAYS) < BROKER_VISIBILITY_TIMEOUT_SECONDS
