"""The manage page's preview: one new query against the 20,000 papers first seen in the last week.

The papers are bench/matching.py's (the real demo papers and recombinations of their sentences),
stored in a throwaway PostgreSQL database with first sightings spread over the week; the queries
are drawn as that benchmark draws topics, plus a few of the costliest shapes (a common phrase, a
short prefix, a NOT with no required word). Each preview is timed end to end, as the view calls
it: the version check, the search, the shown rows read back. Times are CPU seconds of the process
(what a preview takes from the web server; a busy machine stretches the wall clock, not these).
"""

import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from bench.databases import on_postgres

PAPERS = 20_000
QUERIES = 200
HARD_QUERIES = ['"language model"', '"large language model*"', "lea* OR the", "-survey OR llm"]
BASELINE_QUERIES = 3  # the old way, matching the whole week per preview, is timed on a few
GOAL_MS = 20
SEED = 20261204
ROOT = Path(__file__).resolve().parent.parent


def cpu(work: Callable[[], object]) -> float:
    started = time.process_time()
    work()
    return time.process_time() - started


def wall(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def measure() -> dict:
    """In the child: migrate, store the week's papers, then time previews."""
    import django

    django.setup()
    from django.core.management import call_command

    from bench import matching
    from core import clock
    from digest.models import Paper
    from subscriptions import preview

    call_command("migrate", verbosity=0)
    rng = random.Random(SEED)
    made = matching.make_papers(matching.real_papers(), rng, PAPERS)
    vocabulary = matching.Vocabulary(made[:500])
    now = clock.now()
    Paper.objects.bulk_create(
        Paper(
            key=f"bench:{number}",
            title=paper.title,
            abstract=paper.abstract,
            authors=list(paper.authors),
            categories=list(paper.categories),
            upvotes=paper.upvotes,
            first_seen_at=now - timedelta(days=rng.uniform(0, 6.9)),
        )
        for number, paper in enumerate(made)
    )
    queries = [matching.topic_query(rng, vocabulary) for _ in range(QUERIES)] + HARD_QUERIES
    result = {"build": cpu(lambda: preview.preview("warm up"))}
    since = now - timedelta(days=preview.PREVIEW_DAYS)
    result["newest"] = statistics.median(wall(preview.newest_id) for _ in range(20))
    result["version"] = statistics.median(
        wall(lambda: preview.week_version(since)) for _ in range(20)
    )
    times, walls = {}, []
    for query in queries:
        started = time.perf_counter()
        times[query] = cpu(lambda q=query: preview.preview(q))
        walls.append(time.perf_counter() - started)
    result["median"] = statistics.median(times.values())
    result["wall_median"], result["wall_worst"] = statistics.median(walls), max(walls)
    result["worst"], result["worst_query"] = max((t, q) for q, t in times.items())
    result["over_goal"] = sum(t > GOAL_MS / 1000 for t in times.values())
    result["queries"] = len(times)
    result["baseline"] = statistics.median(
        cpu(lambda q=query: old_preview(q)) for query in queries[:BASELINE_QUERIES]
    )
    return result


def old_preview(query: str) -> int:
    """How a preview matched before the week was indexed: every paper of the week, read from the
    database and matched by a one-topic TopicIndex, on every request."""
    from core import clock
    from digest.models import Paper
    from digest.topics.index import Topic, TopicIndex
    from digest.topics.papers import MATCHED_FIELDS, PaperText

    index = TopicIndex.build([Topic(0, query)])
    since = clock.now() - timedelta(days=7)
    recent = Paper.objects.filter(first_seen_at__gte=since).only(*MATCHED_FIELDS)
    texts = [PaperText.of(paper) for paper in recent.iterator(chunk_size=2000)]
    return sum(0 in index.match(text) for text in texts)


def in_child(database_url: str) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.pop("REDIS_URL", None)
    code = "import json, bench.preview as b; print(json.dumps(b.measure()))"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def run() -> str:
    r = on_postgres("bench_preview", in_child)
    heading = "## Topic preview\n\n"
    if r is None:
        return heading + "PostgreSQL was not reachable: the preview was not measured.\n"
    met = "met" if r["worst"] * 1000 <= GOAL_MS else "missed"
    return (
        heading + f"{PAPERS:,} papers first seen in the last week (bench/matching.py's real demo "
        f"papers and recombinations of their sentences) in PostgreSQL; {r['queries']} new "
        f"distinct queries ({QUERIES} drawn as the matching benchmark draws topics, and "
        f"{', '.join(f'`{q}`' for q in HARD_QUERIES)}). Each preview is timed end to end as the "
        "view calls it (freshness check, search, the shown rows read back), in CPU time of the "
        "process; the wall clock adds PostgreSQL's work and, on a busy machine, waiting for a "
        "core. The week is indexed by the first preview of a process and again when its "
        "papers change.\n\n"
        "| what | time |\n|---|---:|\n"
        f"| index the week (the first preview of a process) | {r['build']:.2f} s |\n"
        f"| newest paper's id (part of every preview), wall clock, PostgreSQL's work included "
        f"| {r['newest'] * 1000:.1f} ms |\n"
        f"| the week's version (at most once a minute), wall clock, PostgreSQL's work included "
        f"| {r['version'] * 1000:.1f} ms |\n"
        f"| one preview, median | {r['median'] * 1000:.1f} ms |\n"
        f"| one preview, worst (`{r['worst_query']}`) | {r['worst'] * 1000:.1f} ms |\n"
        f"| one preview, wall clock: median, worst | {r['wall_median'] * 1000:.1f} ms, "
        f"{r['wall_worst'] * 1000:.1f} ms |\n"
        f"| before: matching the whole week per preview (median of {BASELINE_QUERIES}) "
        f"| {r['baseline']:.2f} s |\n\n"
        f"Goal: every preview at most {GOAL_MS} ms at {PAPERS:,} papers: worst "
        f"{r['worst'] * 1000:.1f} ms ({r['over_goal']} of {r['queries']} over), {met}.\n"
    )
