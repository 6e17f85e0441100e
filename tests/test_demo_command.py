"""`manage.py demo` end to end on a fresh embedded SQLite database, as `make demo` runs it."""

import os
import subprocess
import sys
from email import message_from_bytes, policy
from pathlib import Path

from tests.services import ROOT


def manage(*args: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_demo_sends_each_reader_their_digest_into_the_outbox(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    (outbox / "digest-99-old.eml").write_text("from an earlier run")
    env = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "CI")} | {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "EMAIL_FILE_PATH": str(outbox),
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
    }
    manage("migrate", "--noinput", env=env)

    out = manage("demo", env=env)

    assert "Planned 5 digest(s): 4 sent, 1 skipped" in out
    assert "ada@example.com  daily, 08:00 Europe/London" in out
    assert "eve@example.com  weekly, Fri 08:00 Australia/Sydney  QCD" in out
    files = sorted(path.name for path in outbox.iterdir())
    assert len(files) == 8 and "digest-99-old.eml" not in files
    ada = message_from_bytes(
        (outbox / "digest-1-adaexamplecom.eml").read_bytes(), policy=policy.default
    )
    assert ada["To"] == "ada@example.com"
    assert ada["Subject"].endswith(" and 9 more on your topics")
    assert "<html" in (outbox / "digest-1-adaexamplecom.html").read_text()
