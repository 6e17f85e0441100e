"""`manage.py demo` end to end on a fresh embedded SQLite database, as `make demo` runs it, and
what `make site` relies on to serve that database: the staff account and the address."""

import os
import re
import sqlite3
import subprocess
import sys
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import call_command
from django.core.management.base import CommandError

from digest.management.commands import demo
from subscriptions.importing import read_readers
from tests.services import ROOT

# A paper whose abstract says "language" and "models", never "language model": bob's topic,
# "language model*" as a phrase, does not match it (unquoted, it did).
MODELS_ONLY = "Video Generation Models are General-Purpose Vision Learners"


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "manage.py", *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def manage(*args: str, env: dict[str, str]) -> str:
    result = run_manage(*args, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout


class DemoRun:
    def __init__(self, folder: Path) -> None:
        self.outbox = folder / "outbox"
        self.database = folder / "demo.sqlite3"
        self.env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CI")} | {
            "DATABASE_URL": f"sqlite:///{self.database}",
            "EMAIL_FILE_PATH": str(self.outbox),
            "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
            "SITE_URL": "https://digest.example.org",  # the demo's links ignore it
        }
        self.out = ""

    def email(self, name: str) -> str:
        return (self.outbox / name).read_text()


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> DemoRun:
    """The demo, run once for the module's tests."""
    run = DemoRun(tmp_path_factory.mktemp("demo"))
    run.outbox.mkdir()
    (run.outbox / "digest-99-old.eml").write_text("from an earlier run")
    manage("migrate", "--noinput", env=run.env)
    run.out = manage("demo", env=run.env)
    return run


def test_the_demo_sends_each_reader_their_digest_into_the_outbox(run) -> None:
    assert "Planned 5 digest(s): 4 sent, 1 skipped" in run.out
    assert "ada@example.com  daily, 08:00 Europe/London" in run.out
    assert "eve@example.com  weekly, Fri 08:00 Australia/Sydney  QCD" in run.out
    files = sorted(path.name for path in run.outbox.iterdir())
    assert len(files) == 8 and "digest-99-old.eml" not in files
    ada = message_from_bytes(
        (run.outbox / "digest-1-adaexamplecom.eml").read_bytes(), policy=policy.default
    )
    assert ada["To"] == "ada@example.com"
    assert ada["Subject"].endswith(" and 9 more on your topics")
    assert "<html" in run.email("digest-1-adaexamplecom.html")


def test_the_demo_csv_keeps_the_quotes_of_phrases() -> None:
    with demo.DEMO_READERS.open(encoding="utf-8", newline="") as lines:
        readers, problems = read_readers(lines)

    queries = {reader.email: [query for _, query, _ in reader.topics] for reader in readers}
    assert problems == []
    assert queries["bob@example.com"] == ['"language model*" OR llm*', "cat:cs.CL retrieval"]
    assert queries["eve@example.com"] == ['"quantum chromodynamics"']
    assert queries["ada@example.com"] == ["agent*", 'diffusion OR "flow matching"']


def test_bob_is_not_sent_a_paper_that_only_says_models(run) -> None:
    assert MODELS_ONLY not in run.email("digest-2-bobexamplecom.html")
    assert MODELS_ONLY in run.email("digest-3-cyexamplecom.html")  # cy takes every paper


def test_the_demos_links_point_where_make_site_serves_it(run) -> None:
    html = run.email("digest-1-adaexamplecom.html")
    links = re.findall(r'href="([^"]+)"', html)
    ours = [link for link in links if re.search(r"/(more|less|manage|unsubscribe|view)/", link)]
    assert len(ours) > 20 and all(link.startswith(f"{demo.SITE_URL}/") for link in ours)
    assert "localhost" not in html and "digest.example.org" not in html
    assert f"`make site` serves it at {demo.SITE_URL}/" in run.out

    dry_run = subprocess.run(
        ["make", "--dry-run", "site"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert f"SITE_URL={demo.SITE_URL} " in dry_run
    assert f"manage.py runserver {demo.SITE_ADDRESS}\n" in dry_run


def test_the_demos_footer_shows_an_example_postal_address(run) -> None:
    html = run.email("digest-1-adaexamplecom.html")
    assert demo.POSTAL_ADDRESS in html
    assert "set POSTAL_ADDRESS" not in html


def test_demo_staff_makes_one_account_and_prints_how_to_sign_in(run) -> None:
    first = manage("demo_staff", env=run.env)
    again = manage("demo_staff", env=run.env)

    assert first == again
    assert f"{demo.SITE_URL}/admin/ (sign in as demo, password demo-password)" in first
    with sqlite3.connect(run.database) as db:
        rows = db.execute(
            "SELECT password, is_staff, is_superuser FROM auth_user WHERE username = 'demo'"
        ).fetchall()
    assert len(rows) == 1
    password, is_staff, is_superuser = rows[0]
    assert is_staff and is_superuser
    assert check_password("demo-password", password)


@pytest.mark.django_db
def test_demo_staff_refuses_any_database_but_sqlite(settings) -> None:
    settings.DEBUG = True  # PostgreSQL alone is reason enough

    with pytest.raises(CommandError, match="only runs on the demo's SQLite database"):
        call_command("demo_staff")


def test_demo_staff_refuses_to_run_with_debug_off(run) -> None:
    result = run_manage("demo_staff", env=run.env | {"DEBUG": "false", "SECRET_KEY": "x" * 50})

    assert result.returncode == 1
    assert "with DEBUG on" in result.stderr
