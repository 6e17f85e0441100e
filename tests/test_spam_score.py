"""A real digest through Debian's SpamAssassin: it must look like the mail people asked for."""

import re
import shutil
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command

from digest.planning import plan
from digest.sending import send_chunk
from tests.personas import make_reader
from tests.services import missing

FEEDS = Path(__file__).resolve().parent.parent / "digest" / "demo_data" / "feeds"


@pytest.mark.django_db
def test_a_demo_digest_scores_at_most_half_a_point_with_spamassassin(frozen_clock) -> None:
    if shutil.which("spamassassin") is None:
        missing("SpamAssassin (apt-get install spamassassin)")
    call_command("ingest", *sorted(map(str, FEEDS.glob("*.json"))), stdout=StringIO())
    make_reader("ada@example.com", {"Agents": "agent*", "Vision": "video OR vision"})
    send_chunk(plan(frozen_clock.now(), force=True))
    [digest] = mail.outbox

    # -L: local tests only (no network lookups); -t: append the report to the message.
    result = subprocess.run(
        ["spamassassin", "-L", "-t"],
        input=digest.message().as_bytes(),
        capture_output=True,
        timeout=120,
        check=True,
    )

    report = result.stdout.decode(errors="replace")
    score = float(re.search(r"Content analysis details:\s+\((-?[\d.]+) points", report).group(1))
    assert score <= 0.5, report[report.index("Content analysis details") :]
