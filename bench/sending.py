"""Sending at scale: plan, match and record, render, and hand to a provider through Anymail.

A throwaway PostgreSQL database holds READERS readers (one to three of bench.digests' topic
profiles each) and 500 papers (bench.matching's real and recombined ones). Every reader is
planned; the first SENT of those digests are then sent by two worker processes, each calling
send_chunk on chunks of DIGEST_CHUNK_SIZE ids exactly as the Celery task does (the broker is left
out), through Anymail's Postmark backend to a light fake Postmark on 127.0.0.1 in a process of
its own (bench/light_postmark.py). Each worker times its stages; the building comparison reuses
bench.digests on one core.
"""

import json
import multiprocessing
import os
import random
import resource
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import wraps
from pathlib import Path

from bench.databases import on_postgres
from bench.light_postmark import LightPostmark

# Smaller runs while working on it: BENCH_READERS=2000 BENCH_SENT=1000 make bench ARGS=sending
READERS = int(os.environ.get("BENCH_READERS", 100_000))
SENT = int(os.environ.get("BENCH_SENT", 20_000))
WORKERS = 2
ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
STAGES = ("match and record", "render", "hand to the provider", "record each result")
spent: Counter = Counter()


def seed() -> None:
    """READERS readers with realistic topics and 500 papers first seen in their window."""
    from django.db import connection

    from bench.digests import PROFILES
    from bench.matching import make_papers, real_papers
    from digest.models import Paper
    from subscriptions.models import Subscriber, TopicFilter

    rng = random.Random(7)
    Paper.objects.bulk_create(
        Paper(
            key=f"bench:{text.id}",
            title=text.title,
            abstract=text.abstract,
            authors=list(text.authors),
            categories=list(text.categories),
            upvotes=text.upvotes,
            first_seen_at=NOW - timedelta(hours=2),
            abs_url=f"https://arxiv.org/abs/2611.{text.id:05d}",
        )
        for text in make_papers(real_papers(), rng)
    )
    readers = Subscriber.objects.bulk_create(
        (Subscriber(email=f"reader{n}@example.com", status="active") for n in range(READERS)),
        batch_size=5000,
    )
    names = list(PROFILES)
    TopicFilter.objects.bulk_create(
        (
            TopicFilter(subscriber=reader, name=name, query=PROFILES[name], position=position)
            for reader in readers
            for position, name in enumerate(rng.sample(names, rng.randint(1, 3)))
        ),
        batch_size=5000,
    )
    # The statistics autovacuum would have gathered by the time an installation this size sends
    # (the deliveries planned next have none, as on a real planning day).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def timing(stage: str, function: Callable) -> Callable:
    @wraps(function)
    def timed(*args: object, **kwargs: object) -> object:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[stage] += time.perf_counter() - started

    return timed


def start_worker() -> None:
    """In each worker process: time the stages where send_chunk spends them."""
    from anymail.backends.postmark import EmailBackend

    from digest import emails, sending

    sending.build = timing("match and record", sending.build)
    emails.DigestRenderer.message = timing("render", emails.DigestRenderer.message)
    EmailBackend.send_messages = timing("hand to the provider", EmailBackend.send_messages)
    sending.record_sent = timing("record each result", sending.record_sent)


def cpu_seconds(pid: int) -> float:
    """User and system CPU a process has used so far (Linux /proc; 0 where it is not readable)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def database_pid() -> int:
    """The PostgreSQL backend serving this process's connection."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def send(chunk: list[int]) -> dict:
    from digest.sending import send_chunk

    before = dict(spent)
    backend = database_pid()
    cpu, database_cpu = time.process_time(), cpu_seconds(backend)
    started = time.perf_counter()
    outcome = send_chunk(chunk)
    busy = time.perf_counter() - started
    delta = {stage: spent[stage] - before.get(stage, 0.0) for stage in STAGES}
    return {
        "sent": len(outcome.sent),
        "busy": busy,
        "worker cpu": time.process_time() - cpu,
        "database cpu": cpu_seconds(backend) - database_cpu,
        **delta,
    }


def send_with_workers(ids: list[int], size: int) -> tuple[float, Counter]:
    from django.db import connections

    connections.close_all()  # each forked worker opens its own connection
    chunks = [ids[start : start + size] for start in range(0, len(ids), size)]
    totals: Counter = Counter()
    context = multiprocessing.get_context("fork")
    started = time.perf_counter()
    with context.Pool(WORKERS, initializer=start_worker) as pool:
        for result in pool.imap_unordered(send, chunks):
            totals.update(result)
    return time.perf_counter() - started, totals


def measure() -> dict:
    """In the child process: seed, plan everyone, send SENT digests with two workers."""
    from bench.light_postmark import light_postmark

    with light_postmark() as provider:
        os.environ.update(provider.environment())
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command

        from digest.models import Delivery
        from digest.planning import plan

        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        seed()
        seeded = time.perf_counter() - started
        started = time.perf_counter()
        ids = plan(NOW, force=True)
        planned = time.perf_counter() - started
        provider_cpu = cpu_seconds(provider.pid)
        wall, totals = send_with_workers(ids[:SENT], settings.DIGEST_CHUNK_SIZE)
        totals["provider cpu"] = cpu_seconds(provider.pid) - provider_cpu
        sent_ids = ids[:SENT]
        statuses = Counter(
            Delivery.objects.filter(pk__in=sent_ids).values_list("status", flat=True)
        )
        return {
            "seed": seeded,
            "planned": len(ids),
            "plan": planned,
            "wall": wall,
            "totals": dict(totals),
            "statuses": dict(statuses),
            "requests": provider.count,
            "chunk": settings.DIGEST_CHUNK_SIZE,
            "peak_main_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "peak_worker_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        }


def in_child(database_url: str) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-secret-key",
        "SEND_RATE_PER_SECOND": "0",
    }
    env.pop("REDIS_URL", None)
    code = "import json, bench.sending as b; print(json.dumps(b.measure()))"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise RuntimeError(f"the sending benchmark failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def building() -> tuple[float, float, float, int]:
    """Digests/s on one core (bench.digests' readers): our way on a fresh renderer, which renders
    each paper's card the first time it meets it; our way again over the same readers, every
    card rendered (the steady rate of a long run); premailer once per email. And the cards."""
    from bench import digests
    from digest.emails import DigestRenderer

    batch = digests.digests(20_000)
    ours = DigestRenderer()
    first = digests.measure(lambda d, p: ours.message(d, p, digests.NOW), batch)
    steady = digests.measure(lambda d, p: ours.message(d, p, digests.NOW), batch)
    baseline = digests.inlined_per_email(DigestRenderer(inline=lambda html: html))
    return first, steady, digests.measure(baseline, batch[:1000]), len(ours._blocks)


def postmark_settings(provider: "LightPostmark") -> dict:
    """Django settings sending through Anymail's Postmark backend to `provider`."""
    api = {"POSTMARK_SERVER_TOKEN": "fake-token", "POSTMARK_API_URL": provider.url}
    return {"EMAIL_BACKEND": "anymail.backends.postmark.EmailBackend", "ANYMAIL": api}


def anymail_alone(count: int = 3000) -> tuple[float, float]:
    """CPU seconds per email of Anymail's Postmark backend alone (prebuilt emails, sent one at a
    time through one connection, as a chunk sends them), and of the fake provider answering."""
    from django.test import override_settings

    from bench import digests
    from bench.light_postmark import light_postmark
    from digest.api_session import provider_connection
    from digest.emails import DigestRenderer

    renderer = DigestRenderer()
    messages = [renderer.message(d, p, digests.NOW) for d, p in digests.digests(count)]
    with light_postmark() as provider, override_settings(**postmark_settings(provider)):
        with provider_connection() as backend:
            provider_cpu, cpu = cpu_seconds(provider.pid), time.process_time()
            for message in messages:
                backend.send_messages([message])
            worker = time.process_time() - cpu
        return worker / count, (cpu_seconds(provider.pid) - provider_cpu) / count


def stages(result: dict) -> list[str]:
    totals, sent = result["totals"], result["totals"]["sent"]
    busy = totals["busy"]
    rest = busy - sum(totals[stage] for stage in STAGES)
    planned, seconds = result["planned"], result["plan"]
    rows = [
        f"| plan ({planned:,} readers, one process) | {planned / seconds:,.0f} | {seconds:.1f} s |"
    ]
    for stage in STAGES:
        rows.append(f"| {stage} | {sent / totals[stage]:,.0f} | {totals[stage]:.1f} s |")
    rows.append(f"| claim, load and lease (the rest) | {sent / rest:,.0f} | {rest:.1f} s |")
    rows.append(f"| **all of sending, per worker** | {sent / busy:,.0f} | {busy:.1f} s |")
    return rows


def cpu_rows(totals: dict, alone: tuple[float, float]) -> list[str]:
    """CPU per email by process, and the rate that CPU alone allows on this machine's cores; then
    the same for Anymail and the fake provider alone."""
    cores, sent = os.cpu_count() or 1, totals["sent"]
    parts = {
        "workers (build, render, Anymail, bookkeeping)": totals["worker cpu"] / sent,
        "PostgreSQL (the workers' connections)": totals["database cpu"] / sent,
        "fake provider": totals["provider cpu"] / sent,
    }
    total = sum(parts.values())
    anymail, provider = alone
    return [
        *(f"| {name} | {seconds * 1000:.2f} ms |" for name, seconds in parts.items()),
        f"| **all** | **{total * 1000:.2f} ms**: at most {cores / total:,.0f} emails/s |",
        f"| Anymail alone (payload, HTTP, its answer) | {anymail * 1000:.2f} ms |",
        f"| fake provider answering it | {provider * 1000:.2f} ms |",
        f"| **handing over alone** | **{(anymail + provider) * 1000:.2f} ms**: at most "
        f"{cores / (anymail + provider):,.0f} emails/s |",
    ]


def run() -> str:
    result = on_postgres("bench_sending", in_child)
    if result is None:
        return "## Sending at scale\n\nPostgreSQL was not reachable: not measured.\n"
    from bench.digests import PROFILES

    first, ours, baseline, blocks = building()
    alone = anymail_alone()
    sent = result["totals"]["sent"]
    end_to_end = sent / result["wall"]
    lines = [
        "## Sending at scale",
        "",
        f"{READERS:,} readers (one to three of {len(PROFILES)} "
        "topic profiles) x 500 papers on PostgreSQL (a throwaway database). Every reader is "
        f"planned; the first {SENT:,} digests are then matched, recorded, rendered (HTML and text) "
        f"and handed over by {WORKERS} worker processes calling `send_chunk` on chunks of "
        f"{result['chunk']} (as the Celery task does, without the broker), through Anymail's "
        "Postmark backend to a light fake Postmark on 127.0.0.1 (bench/light_postmark.py, "
        "a process of its own), which "
        "shares the 2 cores, as does PostgreSQL. "
        f"Sending all {READERS:,} would take longer than this benchmark's few minutes; the "
        "per-digest rates do not depend on how many were planned.",
        "",
        "Stage rates are digests per second of one worker's time in that stage (per core); "
        "the end-to-end rate is wall-clock with both workers.",
        "",
        "| stage | digests/s | time |",
        "|---|---:|---:|",
        *stages(result),
        f"| **end to end, {WORKERS} workers (wall clock)** | **{end_to_end:,.0f}** | "
        f"{result['wall']:.1f} s |",
        "",
        "CPU per email by process (sending only; PostgreSQL's is read from /proc for each "
        "worker's backend), and the rate that much CPU allows on this machine's "
        f"{os.cpu_count()} cores however the work is spread. Below it, measured in this run: "
        "handing prebuilt emails one at a time to the same fake through Anymail's Postmark "
        "backend and nothing else, the floor of any sender built on Anymail here.",
        "",
        "| process | CPU per email |",
        "|---|---:|",
        *cpu_rows(result["totals"], alone),
        "",
        f"Outcome: {result['statuses']} of {SENT:,}; the provider received "
        f"{result['requests']:,} requests (each digest once). Peak memory: "
        f"{result['peak_main_mb']:,.0f} MB for the planning process, "
        f"{result['peak_worker_mb']:,.0f} MB for the largest worker. Seeding took "
        f"{result['seed']:.0f} s (not counted).",
        "",
        "Building one email (subject, HTML, text, headers) on one core, measured in this run "
        "with bench/digests.py's readers:",
        "",
        "| way | digests/s | vs baseline |",
        "|---|---:|---:|",
        f"| premailer once per email (baseline, 1,000 emails) | {baseline:,.0f} | 1.0x |",
        f"| ours, first pass: inlined pieces, batch signer and links (20,000 emails; "
        f"{blocks} paper blocks inlined on first use) | {first:,.0f} | {first / baseline:,.0f}x |",
        f"| ours, steady: the same 20,000 again, every block inlined | {ours:,.0f} | "
        f"{ours / baseline:,.0f}x |",
        "",
        "Goals:",
        "",
        f"- building at least 20,000 digests/s on one core: {ours:,.0f} steady "
        f"({first:,.0f} on the first pass), {'met' if ours >= 20_000 else 'missed'}",
        f"- at least 1,000 emails/s handed to the provider end to end: {end_to_end:,.0f}, "
        f"{'met' if end_to_end >= 1_000 else 'missed'}",
    ]
    return "\n".join(lines) + "\n"
