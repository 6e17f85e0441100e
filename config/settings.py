"""Django settings: everything an operator may change comes from `config.env.Env`."""

import os
import sys
from datetime import timedelta

import dj_database_url
from celery.schedules import crontab
from pydantic import ValidationError

from config.env import (
    BASE_DIR,
    BROKER_VISIBILITY_TIMEOUT_SECONDS,
    DEV_SECRET_KEY,
    Env,
    anymail_settings,
    describe,
    split_list,
)

try:
    env = Env()
except ValidationError as error:
    sys.exit(describe(error))

DEBUG = env.DEBUG
SECRET_KEY = env.SECRET_KEY or DEV_SECRET_KEY
SECRET_KEY_FALLBACKS = split_list(env.SECRET_KEY_FALLBACKS)
ALLOWED_HOSTS = split_list(env.ALLOWED_HOSTS)
SITE_URL = env.SITE_URL
SITE_NAME = env.SITE_NAME
POSTAL_ADDRESS = env.POSTAL_ADDRESS

INSTALLED_APPS = [
    "config.admin.ThrottledAdminConfig",  # django.contrib.admin, its login throttled
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "anymail",
    "digest",
    "subscriptions",
]

MIDDLEWARE = [
    # First, so platform probes over plain HTTP skip the HTTPS redirect and the host check.
    "core.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy and Permissions-Policy, on static files too.
    "core.headers.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Redis down: a "try again in a minute" page (503) instead of a 500.
    "core.outage.OutageMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
    {
        # Plain-text emails and subjects: nothing is HTML-escaped there.
        "NAME": "text",
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"autoescape": False},
    },
]

DATABASES = {"default": dj_database_url.parse(env.DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # psycopg's default, which Django turns off for the sake of connection poolers. Django's own
    # cursors bind values client-side and never prepare, so this only lets the one statement run
    # for every email sent (digest.sending.record_sent) be prepared (docs/deploy.md: PgBouncer).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", 5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if env.REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env.cache_redis_url,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Files browsers ask for at the site's root (/favicon.ico), served by WhiteNoise like static files.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Email: Django's own meaning for EMAIL_BACKEND and EMAIL_FILE_PATH; ANYMAIL_* for providers.
EMAIL_BACKEND = env.EMAIL_BACKEND
EMAIL_FILE_PATH = env.EMAIL_FILE_PATH
DEFAULT_FROM_EMAIL = env.DEFAULT_FROM_EMAIL
SERVER_EMAIL = env.DEFAULT_FROM_EMAIL
ANYMAIL = anymail_settings(dict(os.environ))

# HTTPS follows SITE_URL's scheme: on for https, off for plain http (development, the demo).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.site_is_https
SESSION_COOKIE_SECURE = env.site_is_https
# Database sessions that name the reader whose emailed link they hold (subscriptions/sessions.py).
SESSION_ENGINE = "subscriptions.sessions"
CSRF_COOKIE_SECURE = env.site_is_https
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365 if env.site_is_https else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.site_is_https
SECURE_HSTS_PRELOAD = env.site_is_https
SECURE_REFERRER_POLICY = "same-origin"
# Mail providers POST one-click unsubscribes to the exact URL in List-Unsubscribe: never redirect.
SECURE_REDIRECT_EXEMPT = [r"^unsubscribe/[^/]+/$"]  # the one-click URL only
CSRF_TRUSTED_ORIGINS = [SITE_URL]

# Celery: no REDIS_URL means tasks run eagerly in-process, so the demo needs no broker.
CELERY_BROKER_URL = env.REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not env.REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Results are ignored unless a caller asks for one (apply_async(ignore_result=False)).
CELERY_RESULT_BACKEND = env.REDIS_URL or None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Longer than any task or retry delay: Redis redelivers an unacknowledged task after this.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": BROKER_VISIBILITY_TIMEOUT_SECONDS}
CELERY_TASK_ROUTES = {
    "digest.tasks.ingest_*": {"queue": "feeds"},
    "digest.tasks.send_*": {"queue": "mail"},
    "subscriptions.tasks.*": {"queue": "mail"},
}
CELERY_BEAT_SCHEDULE: dict[str, dict] = {}

# Readers' lifecycle (subscriptions/): link lifetimes and the limits that stop list-bombing.
CONFIRM_LINK_MAX_AGE = timedelta(hours=env.CONFIRM_LINK_MAX_AGE_HOURS)
CONFIRM_EMAILS_PER_ADDRESS_PER_DAY = env.CONFIRM_EMAILS_PER_ADDRESS_PER_DAY
SUBSCRIBE_POSTS_PER_IP_PER_HOUR = env.SUBSCRIBE_POSTS_PER_IP_PER_HOUR
TOKEN_POSTS_PER_HOUR = env.TOKEN_POSTS_PER_HOUR
# The manage page (subscriptions/manage_views.py): a fresh link is in every email, so links can
# expire; changes are counted per link, previews per reader.
MANAGE_LINK_MAX_AGE = timedelta(days=env.MANAGE_LINK_MAX_AGE_DAYS)
MANAGE_POSTS_PER_HOUR = env.MANAGE_POSTS_PER_HOUR
PREVIEWS_PER_HOUR = env.PREVIEWS_PER_HOUR
# A digest's "view in browser" link (digest/views.py) shows that digest only, for this long.
VIEW_LINK_MAX_AGE = timedelta(days=env.VIEW_LINK_MAX_AGE_DAYS)
# The admin login: failed sign-ins allowed per client IP and per username in each window.
ADMIN_LOGIN_FAILURES = env.ADMIN_LOGIN_FAILURES
ADMIN_LOGIN_WINDOW = timedelta(minutes=env.ADMIN_LOGIN_WINDOW_MINUTES)
VOTES_PER_HOUR = env.VOTES_PER_HOUR
# A paper held back by a topic's minimum upvotes that reaches it within this long of being first
# seen goes out late (digest/blooming.py).
LATE_BLOOMER_WINDOW = timedelta(days=env.LATE_BLOOMER_DAYS)
# How many reverse proxies append to X-Forwarded-For in front of the web process (0: none).
NUM_PROXIES = env.NUM_PROXIES

# Feed fetching and ingest (digest/fetching.py, digest/ingest.py).
FETCH_ALLOWED_HOSTS = split_list(env.FETCH_ALLOWED_HOSTS)
FETCH_CONNECT_TIMEOUT = env.FETCH_CONNECT_TIMEOUT
FETCH_TOTAL_TIMEOUT = env.FETCH_TOTAL_TIMEOUT
FETCH_MAX_BYTES = env.FETCH_MAX_BYTES
FETCH_MAX_REDIRECTS = env.FETCH_MAX_REDIRECTS
FETCH_USER_AGENT = env.FETCH_USER_AGENT
ARXIV_API_INTERVAL = env.ARXIV_API_INTERVAL
CELERY_BEAT_SCHEDULE["ingest-every-source"] = {
    "task": "digest.tasks.ingest_all_sources",
    "schedule": env.INGEST_EVERY_MINUTES * 60,
}

# Digests (digest/planning.py, digest/sending.py): plan on the quarter hour, send in chunks.
DIGEST_CHUNK_SIZE = env.DIGEST_CHUNK_SIZE
CELERY_BEAT_SCHEDULE["plan-digests"] = {
    "task": "digest.tasks.plan_digests",
    "schedule": crontab(minute="*/15"),
}
# The learned ranking (digest/tastes.py): the tf-idf vocabulary is refitted on the newest papers
# once a week; readers' weights are keyed by term, so they carry over.
CELERY_BEAT_SCHEDULE["refit-vocabulary"] = {
    "task": "digest.tasks.refit_vocabulary",
    "schedule": crontab(minute=30, hour=3, day_of_week="sunday"),
}
# Reliable sending (digest/sending.py): a digest a transient provider error held up is retried
# after the provider's Retry-After, or else the table's next delay (seconds, all below the
# broker's visibility timeout, the longest capping a Retry-After); after the last, it fails.
SEND_RETRY_DELAYS = env.send_retry_delays
# A row "sending" untouched for a lease, or "planned" and overdue by one, is handed back by the
# sweeper, which runs once a lease: a digest held up by a dead worker goes out within two leases.
SEND_LEASE = timedelta(seconds=env.SEND_LEASE_SECONDS)
SEND_TIMEOUT = env.SEND_TIMEOUT_SECONDS
# Emails per second across every worker (0: no cap); providers enforce theirs (SES starts at 14).
SEND_RATE_PER_SECOND = env.SEND_RATE_PER_SECOND
# Between two parts of one channel post (0: back to back): Slack takes about one request a
# second per webhook, Discord five in two seconds, Teams four a second.
CHANNEL_PART_GAP = env.CHANNEL_PART_GAP_SECONDS
CELERY_BEAT_SCHEDULE["sweep-deliveries"] = {
    "task": "digest.tasks.sweep_deliveries",
    "schedule": env.SEND_LEASE_SECONDS,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO" if DEBUG else "WARNING"},
}
