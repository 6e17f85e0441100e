"""Ingest a generated 10,000-entry arXiv RSS listing into SQLite and PostgreSQL.

Each database is a throwaway one made for the run, measured in a child process (Django binds its
database at start-up): a first ingest (all new) and a second one (all unchanged), with entries per
second, queries per entry and the share of the time spent parsing the feed (arXiv RSS is read
with ElementTree; until that change feedparser alone took about 60% of the first run).
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.databases import on_postgres

ENTRIES = 10_000
ROOT = Path(__file__).resolve().parent.parent


def listing(entries: int) -> bytes:
    """An arXiv RSS listing in rss.arxiv.org's layout, with realistic sizes."""
    abstract = "We study a problem with $\\alpha$-stable noise &amp; show bounds. " * 12
    items = [
        f"<item><title>Paper number {n}: scaling laws for $k$-sparse models</title>"
        f"<link>https://arxiv.org/abs/2611.{n:05d}</link>"
        f"<description>arXiv:2611.{n:05d}v1 Announce Type: new \nAbstract: {abstract}"
        f'</description><guid isPermaLink="false">oai:arXiv.org:2611.{n:05d}v1</guid>'
        "<category>cs.LG</category><category>cs.CL</category>"
        "<pubDate>Tue, 24 Nov 2026 00:00:00 -0500</pubDate>"
        "<arxiv:announce_type>new</arxiv:announce_type>"
        "<dc:creator>Ada Lovelace, Charles Babbage, Grace Hopper</dc:creator></item>"
        for n in range(entries)
    ]
    return (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        '<rss xmlns:arxiv="http://arxiv.org/schemas/atom" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" version="2.0"><channel>'
        "<title>cs.LG updates on arXiv.org</title><link>http://rss.arxiv.org/rss/cs.LG</link>"
        f"<description>cs.LG</description>{''.join(items)}</channel></rss>"
    ).encode()


def measure(path: str) -> dict[str, float]:
    """In the child: migrate, then ingest the file twice, timing the parse separately."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from digest import feeds
    from digest.ingest import store
    from digest.models import Source

    call_command("migrate", verbosity=0)
    source = Source.objects.create(name="bench", url="https://bench.example/rss")
    content = Path(path).read_bytes()
    results = {}
    for run in ("first", "again"):
        start = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            _, parsed = feeds.parse(content)
            parsed_at = time.perf_counter()
            store(source, parsed)
        results[run] = {
            "seconds": time.perf_counter() - start,
            "queries": len(queries),
            "parsing": parsed_at - start,
        }
    return results


def in_child(database_url: str, path: str) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.pop("REDIS_URL", None)
    code = f"import json, bench.ingest as b; print(json.dumps(b.measure({path!r})))"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def row(database: str, run: str, result: dict) -> str:
    seconds = result["seconds"]
    return (
        f"| {database} | {run} | {seconds:.2f} | {ENTRIES / seconds:,.0f} | "
        f"{result['queries'] / ENTRIES:.4f} ({result['queries']}) | "
        f"{100 * result['parsing'] / seconds:.0f}% |"
    )


def run() -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "listing.xml")
        Path(path).write_bytes(listing(ENTRIES))
        results = {"SQLite": in_child(f"sqlite:///{folder}/bench.sqlite3", path)}
        postgres = on_postgres("bench_ingest", lambda url: in_child(url, path))
        if postgres:
            results["PostgreSQL"] = postgres
    lines = [
        "## Ingest",
        "",
        f"A generated arXiv RSS listing of {ENTRIES:,} entries "
        f"({Path(__file__).name}): parse and store, first (all new) and again (all unchanged). "
        "Goal: under 5 s for the first run on PostgreSQL.",
        "",
        "| database | run | seconds | entries/s | queries per entry (total) | in parsing |",
        "|---|---|---|---|---|---|",
    ]
    for database, runs in results.items():
        lines += [row(database, name, result) for name, result in runs.items()]
    if "PostgreSQL" not in results:
        lines += ["", "PostgreSQL was not reachable: only SQLite was measured."]
    return "\n".join(lines) + "\n"
