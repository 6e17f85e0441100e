"""Topic matching: 500 papers against 10k, 100k and 1M topics.

Papers are the real papers bundled for the demo (arXiv API and Hugging Face daily papers), and
more made by recombining their titles, sentences, authors and categories. Topics are drawn from
the same papers' words, so they hit at a realistic rate: single words and pairs, phrases that
occur in the text, prefixes, fields, categories, NOT and OR. Measured in one process, one core.

While iterating, two environment variables shorten a run (`make bench` sets neither):
BENCH_MATCHING_SIZES, comma-separated topic counts (`1000000`), and BENCH_MATCHING_PAPERS, how
many of the 500 papers to match (the papers and topics stay the same: each size draws its topics
from its own seed, so one size alone gets the topics it gets in a full run).
"""

import gc
import json
import os
import random
import re
import resource
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser

from digest.topics.compiling import compile_query
from digest.topics.index import Topic, TopicIndex
from digest.topics.papers import PaperText
from digest.topics.query import tokenize
from digest.topics.reference import match_naively

FEEDS = Path(__file__).resolve().parent.parent / "digest" / "demo_data" / "feeds"
PAPERS = 500
SIZES = (10_000, 100_000, 1_000_000)
SEED = 20261126
# The knobs described above: the sizes measured, and how many of the papers are matched.
RUN_SIZES = tuple(int(n) for n in os.environ.get("BENCH_MATCHING_SIZES", "").split(",") if n)
MATCHED = int(os.environ.get("BENCH_MATCHING_PAPERS", PAPERS))
# The naive loops are measured on these many papers and scaled to PAPERS (one paper costs the same
# as any other in a loop that evaluates every topic).
NAIVE_PAPERS = {10_000: 50, 100_000: 10}
REFERENCE_PAPERS = {10_000: 10, 100_000: 2}
CHANGED = 0.01  # share of topics edited between two runs, to measure recompiling
# Words too common to be anyone's topic: the most frequent in the corpus.
COMMON_WORDS = 300


def real_papers() -> list[PaperText]:
    arxiv = feedparser.parse((FEEDS / "arxiv_api_cs.AI_OR_cs.LG_2026-07-13.xml").read_bytes())
    found = [
        (e.title, e.summary, [a.name for a in e.authors], [t.term for t in e.tags])
        for e in arxiv.entries
    ]
    for item in json.loads((FEEDS / "daily_papers_2026-07-13.json").read_text()):
        entry = item["paper"]
        names = [a["name"] for a in entry["authors"] if not a.get("hidden")]
        found.append((entry["title"], entry["summary"], names, ["cs.LG"]))
    return [
        PaperText(0, title, abstract, tuple(authors), tuple(cats), None, datetime.now(UTC))
        for title, abstract, authors, cats in found
    ]


def make_papers(real: list[PaperText], rng: random.Random, count: int = PAPERS) -> list[PaperText]:
    """The real papers, then recombinations of them up to `count`."""
    sentences = [s for p in real for s in re.split(r"(?<=\.)\s+", p.abstract) if s]
    authors = [name for p in real for name in p.authors]
    start = datetime(2026, 11, 1, tzinfo=UTC)
    made = []
    for number in range(count):
        base = real[number % len(real)]
        fresh = number >= len(real)
        made.append(
            PaperText(
                id=number + 1,
                title=base.title,
                abstract=" ".join(rng.sample(sentences, 8)) if fresh else base.abstract,
                authors=tuple(rng.sample(authors, 5)) if fresh else base.authors,
                categories=base.categories,
                upvotes=rng.choice([None, 0, 3, 12, 40, 150]),
                first_seen_at=start + timedelta(minutes=number),
            )
        )
    return made


class Vocabulary:
    """What topics are written from: the corpus's content words, phrases, surnames, categories."""

    def __init__(self, papers: list[PaperText]) -> None:
        texts = [tokenize(f"{p.title}. {p.abstract}") for p in papers]
        counts = Counter(word for words in texts for word in set(words))
        ranked = [word for word, _ in counts.most_common() if len(word) > 2]
        self.words = [w for w in ranked[COMMON_WORDS:] if not w.isdigit()]
        content = set(self.words)
        self.phrases = sorted(
            {
                f"{a} {b}"
                for words in texts
                for a, b in zip(words, words[1:], strict=False)
                if a in content and b in content
            }
        )
        self.surnames = sorted(
            {name.split()[-1] for p in papers for name in p.authors if name.split()[-1].isalpha()}
        )
        self.categories = sorted({c for p in papers for c in p.categories})


def topic_query(rng: random.Random, vocabulary: Vocabulary) -> str:
    word = lambda: rng.choice(vocabulary.words)  # noqa: E731 - a local shorthand
    shapes: list[tuple[int, Callable[[], str]]] = [
        (25, word),
        (20, lambda: f"{word()} {word()}"),
        (15, lambda: f'"{rng.choice(vocabulary.phrases)}"'),
        (8, lambda: f"{word()[: rng.randint(4, 7)]}* {word()}"),
        (8, lambda: f"title:{word()}"),
        (6, lambda: f"author:{rng.choice(vocabulary.surnames)}"),
        (6, lambda: f"cat:{rng.choice(vocabulary.categories)} {word()}"),
        (6, lambda: f"{word()} -{word()} -survey"),
        (6, lambda: f"{word()} ({word()} OR {word()} OR {word()[:5]}*)"),
    ]
    weights = [weight for weight, _ in shapes]
    return rng.choices([shape for _, shape in shapes], weights)[0]()


def timed(work: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(size: int, topics: list[Topic], papers: list[PaperText], rng: random.Random) -> dict:
    compile_query.cache_clear()
    distinct = list(dict.fromkeys(topic.query for topic in topics))
    row: dict = {"size": size, "distinct": len(distinct)}
    row["compile"], _ = timed(lambda: TopicIndex.build(topics))
    row["build"], index = timed(lambda: TopicIndex.build(topics))
    row["fallback"] = len(index.fallback)
    edited = [
        Topic(t.key, f"{t.query} {rng.choice(['llm', 'agent*', '-survey'])}")
        if rng.random() < CHANGED
        else t
        for t in topics
    ]
    row["rebuild"], _ = timed(lambda: TopicIndex.build(edited))
    # The builds leave millions of new objects that the cyclic collector scans (several times,
    # as they age) on the next allocations: timed on its own, so that `match` is the matching.
    row["collect"], _ = timed(gc.collect)
    spent, results = timed(lambda: [index.match(p) for p in papers])
    row["match"] = spent / len(papers) * PAPERS  # scaled when BENCH_MATCHING_PAPERS is set
    row["matches"] = sum(map(len, results)) / len(papers)
    row["rss"] = peak_rss_mb()
    if size in NAIVE_PAPERS:
        sample = papers[: NAIVE_PAPERS[size]]
        spent, each = timed(lambda: [index.match_each(p) for p in sample])
        row["each"] = spent / len(sample) * PAPERS
        reference = papers[: REFERENCE_PAPERS[size]]
        spent, naive = timed(lambda: [match_naively(topics, p) for p in reference])
        row["naive"] = spent / len(reference) * PAPERS
        row["same"] = each == results[: len(sample)] and naive == results[: len(reference)]
    else:
        row["same"] = all(
            index.match_each(p) == r for p, r in zip(papers[:3], results, strict=False)
        )
    return row


def table(rows: list[dict]) -> str:
    lines = [
        "| topics | distinct queries | fallback | compile and build (cold) | build (cached) "
        "| rebuild after 1% edited | collector's pass | match 500 papers | per paper "
        "| matches per paper | peak RSS | identical |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['size']:,} | {r['distinct']:,} | {r['fallback']:,} | {r['compile']:.2f} s "
            f"| {r['build']:.2f} s | {r['rebuild']:.2f} s | {r['collect']:.2f} s "
            f"| {r['match']:.2f} s "
            f"| {r['match'] / PAPERS * 1000:.2f} ms | {r['matches']:,.0f} | {r['rss']:,.0f} MB "
            f"| {'yes' if r['same'] else 'NO'} |"
        )
    return "\n".join(lines)


def speedups(rows: list[dict]) -> str:
    lines = [
        "| topics | index | compiled loop, no index | speed-up | reference tree-walking loop "
        "| speed-up |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        if "each" in r:
            lines.append(
                f"| {r['size']:,} | {r['match']:.2f} s | {r['each']:.1f} s "
                f"| {r['each'] / r['match']:,.0f}x | {r['naive']:.1f} s "
                f"| {r['naive'] / r['match']:,.0f}x |"
            )
    return "\n".join(lines)


def goals(rows: list[dict]) -> str:
    by_size = {row["size"]: row for row in rows}
    lines = []
    if (top := by_size.get(1_000_000)) is not None:
        lines.append(
            f"- match 1M topics x {PAPERS} papers under 5 s: {top['match']:.1f} s, "
            f"{'met' if top['match'] < 5 else 'missed'}"
        )
        lines.append(
            f"- compile 1M topics under 60 s: {top['compile']:.1f} s, "
            f"{'met' if top['compile'] < 60 else 'missed'}"
        )
    if (mid := by_size.get(100_000)) is not None:
        each, naive = mid["each"] / mid["match"], mid["naive"] / mid["match"]
        lines.append(
            f"- at least 200x the naive loop at 100k: {naive:,.0f}x the reference loop, "
            f"{each:,.0f}x the compiled loop without the index"
        )
    return "\n".join(lines)


def run(sizes: tuple[int, ...] = RUN_SIZES or SIZES) -> str:
    real = real_papers()
    papers = make_papers(real, random.Random(SEED))
    vocabulary = Vocabulary(papers)
    papers = papers[:MATCHED]
    rows = []
    for size in sizes:
        rng = random.Random(SEED + size)
        topics = [
            Topic(key, topic_query(rng, vocabulary), rng.choice([0, 0, 0, 10]))
            for key in range(size)
        ]
        rows.append(measure(size, topics, papers, rng))
        print(
            f"  {size:,} topics: matched {PAPERS} papers in {rows[-1]['match']:.1f} s", flush=True
        )
    return f"""## Topic matching

{PAPERS} papers (the {len(real)} real demo papers and recombinations of their sentences) against
topics drawn from their {len(vocabulary.words):,} content words (the {COMMON_WORDS} most common
left out), {len(vocabulary.phrases):,} phrases, {len(vocabulary.surnames):,} author surnames and
{len(vocabulary.categories)} categories: words, pairs, phrases, prefixes, fields, categories, NOT
and OR. A paper matches about 1% of the topics, so at 1M the answer alone is about 11,000 topics
per paper. One process, one core. *Compile and build* parses and compiles every distinct query
with an empty cache and files it; *build* files them again with the cache warm; *rebuild* is the
next run's build after {CHANGED:.0%} of the topics were edited: only those compile (the cache is
an LRU keyed by query text). *Collector's pass* is one full run of Python's cyclic garbage
collector, timed on its own before matching: the compile cache is millions of small objects
(about 23 per distinct query: compiled tests, query trees; the index itself is mostly arrays),
and a run that does not collect after its build pays two or three such passes during its first
matches instead. Peak RSS is the process's high-water mark so far (it includes the smaller
sizes).

{table(rows)}

The naive loops evaluate every topic on every paper: the *compiled loop* runs the same compiled
queries without the index (`TopicIndex.match_each`), the *reference* walks each query's tree
(`match_naively`, the property test's oracle). Both are timed on the first
{", ".join(f"{n} papers at {s:,}" for s, n in NAIVE_PAPERS.items())} (reference:
{", ".join(f"{n} at {s:,}" for s, n in REFERENCE_PAPERS.items())}) and scaled per paper to
{PAPERS}; *identical* compares their answers with the index's on those papers (at 1M, the compiled
loop on 3 papers).

{speedups(rows)}

Goals:

{goals(rows)}
"""
