"""`manage.py ingest`: one line per input, failures on stderr and exit status 1."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from digest.models import Paper, Source
from tests import feed_server as serve

DEMO = Path(__file__).resolve().parent.parent / "digest" / "demo_data" / "feeds"
RSS = DEMO / "arxiv_rss_cs.CL+cs.LG_weekday.xml"
HF = DEMO / "daily_papers_2026-07-13.json"

pytestmark = pytest.mark.django_db


def ingest(*inputs: str) -> tuple[str, str, int]:
    out, err = StringIO(), StringIO()
    try:
        call_command("ingest", *inputs, stdout=out, stderr=err)
    except CommandError as error:
        return out.getvalue(), err.getvalue(), error.returncode
    return out.getvalue(), err.getvalue(), 0


def test_it_prints_one_line_per_file_and_stores_its_papers():
    out, err, status = ingest(str(RSS), str(HF))
    assert out.splitlines() == [
        f"{RSS}: 5 new, 0 updated, 0 unchanged, 0 skipped",
        f"{HF}: 25 new, 0 updated, 0 unchanged, 0 skipped",
    ]
    assert (err, status, Paper.objects.count()) == ("", 0, 30)


def test_a_second_run_reports_everything_unchanged():
    ingest(str(RSS))
    out, _, _ = ingest(str(RSS))
    assert out == f"{RSS}: 0 new, 0 updated, 5 unchanged, 0 skipped\n"


def test_a_file_never_becomes_a_fetched_source():
    ingest(str(RSS))
    assert not Source.objects.filter(url__startswith="file:", enabled=True).exists()


def test_bad_inputs_are_named_on_stderr_and_exit_1_after_storing_the_good(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<html><body>Not a feed</body></html>")
    out, err, status = ingest("missing.xml", str(page), str(RSS))
    assert status == 1
    assert out == f"{RSS}: 5 new, 0 updated, 0 unchanged, 0 skipped\n"
    lines = err.splitlines()
    assert lines[0].startswith("missing.xml: cannot read the file (No such file or directory")
    assert lines[1].startswith(f"{page}: not a feed")
    assert Paper.objects.count() == 5


def test_without_arguments_it_fetches_every_enabled_source(settings):
    settings.FETCH_ALLOWED_HOSTS = ["127.0.0.1"]
    Source.objects.update(enabled=False)  # the default sources live on the internet
    with serve.feed_server() as server:
        server.routes["/rss"] = serve.body(RSS.read_bytes())
        server.routes["/down"] = serve.status(503)
        Source.objects.create(name="listing", url=server.url("/rss"))
        Source.objects.create(name="flaky", url=server.url("/down"))
        Source.objects.create(name="paused", url=server.url("/paused"), enabled=False)
        out, err, status = ingest()
    assert out == "listing: 5 new, 0 updated, 0 unchanged, 0 skipped\n"
    assert err == "flaky: HTTP 503 Service Unavailable\n"
    assert status == 1
    assert [path for path, _ in server.requests] == ["/rss", "/down"]
