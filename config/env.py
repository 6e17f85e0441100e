"""Every setting an operator may set, read from the environment and validated in one place.

Each field is one environment variable of the same name (no prefix). The defaults make
`make demo`, `make test` and any `manage.py` command work with no environment at all.
"""

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
from pydantic import (
    NonNegativeFloat,
    NonNegativeInt,
    PositiveInt,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

BASE_DIR = Path(__file__).resolve().parent.parent
DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-0123456789"
# Redis hands an unacknowledged task to another worker after this long: every send retry delay
# must stay below it, or a delayed retry would also be redelivered (and run twice).
BROKER_VISIBILITY_TIMEOUT_SECONDS = 2 * 60 * 60


class Env(BaseSettings):
    model_config = SettingsConfigDict(case_sensitive=True, extra="ignore")

    DEBUG: bool = True
    SECRET_KEY: str = ""
    SECRET_KEY_FALLBACKS: str = ""
    ALLOWED_HOSTS: str = "localhost,127.0.0.1,[::1],testserver"
    SITE_URL: str = "http://localhost:8000"
    SITE_NAME: str = "papers-digest"
    DATABASE_URL: str = f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    REDIS_URL: str = ""
    EMAIL_BACKEND: str = "django.core.mail.backends.console.EmailBackend"
    EMAIL_FILE_PATH: str = str(BASE_DIR / "outbox")
    DEFAULT_FROM_EMAIL: str = "papers-digest <digest@localhost>"
    POSTAL_ADDRESS: str = "papers-digest, 1 Example Street, Example City (set POSTAL_ADDRESS)"
    FETCH_ALLOWED_HOSTS: str = ""
    FETCH_CONNECT_TIMEOUT: float = 5.0
    FETCH_TOTAL_TIMEOUT: float = 15.0
    FETCH_MAX_BYTES: int = 5_000_000
    FETCH_MAX_REDIRECTS: int = 5
    FETCH_USER_AGENT: str = "papers-digest/0.1 (+https://github.com/papers-digest; feed reader)"
    ARXIV_API_INTERVAL: float = 3.0
    INGEST_EVERY_MINUTES: int = 60
    CONFIRM_LINK_MAX_AGE_HOURS: PositiveInt = 72
    CONFIRM_EMAILS_PER_ADDRESS_PER_DAY: PositiveInt = 3
    SUBSCRIBE_POSTS_PER_IP_PER_HOUR: PositiveInt = 10
    TOKEN_POSTS_PER_HOUR: PositiveInt = 30
    MANAGE_LINK_MAX_AGE_DAYS: PositiveInt = 30
    MANAGE_POSTS_PER_HOUR: PositiveInt = 120
    VIEW_LINK_MAX_AGE_DAYS: PositiveInt = 90
    PREVIEWS_PER_HOUR: PositiveInt = 600
    ADMIN_LOGIN_FAILURES: PositiveInt = 10
    ADMIN_LOGIN_WINDOW_MINUTES: PositiveInt = 15
    VOTES_PER_HOUR: PositiveInt = 200
    NUM_PROXIES: NonNegativeInt = 0
    DIGEST_CHUNK_SIZE: PositiveInt = 50
    SEND_RETRY_DELAYS: str = "10,30,60,120,300,600"
    SEND_LEASE_SECONDS: float = 300.0
    SEND_TIMEOUT_SECONDS: float = 30.0
    SEND_RATE_PER_SECOND: NonNegativeInt = 50
    CHANNEL_PART_GAP_SECONDS: NonNegativeFloat = 1.0
    LATE_BLOOMER_DAYS: PositiveInt = 7

    @field_validator(
        "FETCH_CONNECT_TIMEOUT",
        "FETCH_TOTAL_TIMEOUT",
        "FETCH_MAX_BYTES",
        "ARXIV_API_INTERVAL",
        "INGEST_EVERY_MINUTES",
        "SEND_LEASE_SECONDS",
        "SEND_TIMEOUT_SECONDS",
    )
    @classmethod
    def _positive(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("must be greater than 0")
        return value

    @field_validator("FETCH_MAX_REDIRECTS")
    @classmethod
    def _not_negative(cls, value: int) -> int:
        if value < 0:
            raise ValueError("must be 0 or more")
        return value

    @field_validator("DATABASE_URL")
    @classmethod
    def _database_url_parses(cls, value: str) -> str:
        try:
            config = dj_database_url.parse(value)
        except Exception as error:  # dj-database-url raises several kinds for bad URLs
            raise ValueError(f"not a database URL ({error})") from None
        if not config.get("NAME"):
            raise ValueError("names no database")
        return value

    @field_validator("REDIS_URL")
    @classmethod
    def _redis_url_is_redis(cls, value: str) -> str:
        if value and urlsplit(value).scheme not in ("redis", "rediss"):
            raise ValueError("must start with redis:// or rediss://")
        return value

    @field_validator("SITE_URL")
    @classmethod
    def _site_url_is_absolute(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("must be an absolute http:// or https:// URL")
        return value.rstrip("/")

    @field_validator("SEND_RETRY_DELAYS")
    @classmethod
    def _retry_delays(cls, value: str) -> str:
        try:
            delays = [float(item) for item in split_list(value)]
        except ValueError:
            raise ValueError("must be seconds separated by commas, e.g. 30,120,600") from None
        if not all(0 < delay < BROKER_VISIBILITY_TIMEOUT_SECONDS for delay in delays):
            limit = BROKER_VISIBILITY_TIMEOUT_SECONDS
            raise ValueError(f"each delay must be more than 0 and less than {limit} seconds")
        return value

    @model_validator(mode="after")
    def _a_send_ends_within_its_lease(self) -> "Env":
        # The sweeper re-queues a row its sender has not touched for a lease, and a sender
        # renews its lease every quarter lease: a send that could outlast the rest of the lease
        # would be re-queued while still in flight, and sent twice.
        if self.SEND_TIMEOUT_SECONDS > self.SEND_LEASE_SECONDS / 2:
            raise ValueError("SEND_TIMEOUT_SECONDS: must be at most half of SEND_LEASE_SECONDS")
        return self

    @property
    def send_retry_delays(self) -> list[float]:
        return [float(item) for item in split_list(self.SEND_RETRY_DELAYS)]

    @model_validator(mode="after")
    def _secret_key_in_production(self) -> "Env":
        if not self.DEBUG and not self.SECRET_KEY:
            raise ValueError("SECRET_KEY: required when DEBUG is false")
        return self

    @property
    def site_is_https(self) -> bool:
        return self.SITE_URL.startswith("https://")

    @property
    def cache_redis_url(self) -> str:
        """The cache uses the database after the broker's, so a cache flush never drops tasks."""
        parts = urlsplit(self.REDIS_URL)
        broker_db = int(parts.path.strip("/") or 0)
        return urlunsplit(parts._replace(path=f"/{broker_db + 1}"))


def split_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def anymail_settings(environ: dict[str, str]) -> dict[str, str]:
    """Every ANYMAIL_<NAME> variable becomes ANYMAIL["<NAME>"], so any provider needs no code."""
    prefix = "ANYMAIL_"
    return {key[len(prefix) :]: value for key, value in environ.items() if key.startswith(prefix)}


def describe(error: ValidationError) -> str:
    """One line per bad variable, naming it as written in the environment."""
    lines = []
    for problem in error.errors():
        name = ".".join(str(part) for part in problem["loc"])
        message = problem["msg"].removeprefix("Value error, ")
        lines.append(f"{name}: {message}" if name else message)
    return "\n".join(f"Configuration error: {line}" for line in lines)
