"""Settings come from the environment; a bad value stops start-up naming the variable."""

import os
import subprocess
import sys

import pytest

from tests.services import ROOT

GOOD_PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k3y-for-the-deploy-check-" + "x7Q2mN9pL4vR8tY1wE6uI3oA5sD0fG" * 2,
    "ALLOWED_HOSTS": "digest.example.org",
    "SITE_URL": "https://digest.example.org",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    inherited = ("DATABASE_URL", "REDIS_URL", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")
    clean = {k: v for k, v in os.environ.items() if k not in inherited}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATABASE_URL", "nonsense://"),
        ("REDIS_URL", "http://localhost:6379"),
        ("SITE_URL", "digest.example.org"),
        ("DEBUG", "perhaps"),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_variable(variable: str, value: str) -> None:
    result = manage("check", **{variable: value})

    assert result.returncode == 1
    assert result.stderr.startswith(f"Configuration error: {variable}: ")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_production_requires_a_secret_key() -> None:
    result = manage("check", DEBUG="false", ALLOWED_HOSTS="a.example")

    assert result.returncode == 1
    assert "SECRET_KEY: required when DEBUG is false" in result.stderr


def test_no_environment_at_all_works_as_development() -> None:
    result = manage("check")

    assert result.returncode == 0, result.stderr


def test_the_deploy_check_is_clean_with_only_four_variables() -> None:
    result = manage("check", "--deploy", "--fail-level", "WARNING", **GOOD_PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_every_anymail_variable_becomes_an_anymail_setting() -> None:
    from config.env import anymail_settings

    settings = anymail_settings(
        {"ANYMAIL_POSTMARK_SERVER_TOKEN": "t0k", "ANYMAIL_WEBHOOK_SECRET": "a:b", "HOME": "/root"}
    )

    assert settings == {"POSTMARK_SERVER_TOKEN": "t0k", "WEBHOOK_SECRET": "a:b"}


def test_the_cache_uses_the_redis_database_after_the_brokers() -> None:
    from config.env import Env

    env = Env(REDIS_URL="redis://127.0.0.1:6379/4")

    assert env.cache_redis_url == "redis://127.0.0.1:6379/5"


def test_allowed_hosts_is_comma_separated() -> None:
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.ALLOWED_HOSTS)",
        "--no-imports",
        ALLOWED_HOSTS="a.example, b.example",
    )

    assert result.stdout.strip() == "['a.example', 'b.example']"


def test_options_in_the_database_url_are_kept_beside_statement_preparing() -> None:
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS'])",
        "--no-imports",
        DATABASE_URL="postgres://digest@db.example.org:5432/digest?sslmode=require",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "{'sslmode': 'require', 'prepare_threshold': 5}"
