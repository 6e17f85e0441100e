"""Readers teach it: how well and how fast the learned ranking works (digest/topics/learning.py).

Quality is an offline evaluation on the real papers bundled in digest/demo_data/feeds/ and
tests/fixtures/feeds/: simulated readers, each with a hidden interest written as a topic query,
vote on three days of digests, and the fourth day's digest of unseen papers is scored against
trending-only ranking of the same candidates. Speed is measured on papers made by recombining the
real ones' sentences, as bench/matching.py does, since there are only a couple of hundred real
ones. One process, one core.
"""

import random
import re
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from digest.feeds import FeedError, parse
from digest.topics.features import SEEN_TEXTS, Vectoriser
from digest.topics.index import Topic, TopicIndex
from digest.topics.learning import (
    ReaderModel,
    blend,
    order,
    scores,
    taught,
    train,
    trend,
    weight_matrix,
)
from digest.topics.papers import PaperText
from digest.topics.similarity import LIKE_THRESHOLD, similarities

ROOT = Path(__file__).resolve().parent.parent
FEED_FOLDERS = (ROOT / "digest" / "demo_data" / "feeds", ROOT / "tests" / "fixtures" / "feeds")
SEED = 20261204
DAYS = 4
VOTES_A_DAY = 15
MORE_A_DAY = 5  # a third of the votes are "more"
TOP = 5
SPLITS = 5  # random splits of the papers into days, each with every interest
# Hidden interests, as a reader would write them; kept when every day offers enough matches.
INTERESTS = (
    "agent*",
    "reinforcement learning",
    '(llm OR llms OR "language model" OR "language models")',
    "(image OR images OR visual OR vision)",
    "(video OR videos)",
    "(reasoning OR reason)",
    "benchmark*",
    "(robot OR robots OR robotic OR robotics)",
    "diffusion",
    "(quantum OR spin OR lattice)",
    "(test OR testing) software",
    "(graph OR graphs)",
    "(speech OR audio)",
    "(code OR coding) -image",
    "(medical OR clinical OR health)",
    "(3d OR scene)",
    "(attention OR transformer*)",
    "(safety OR alignment OR harmful)",
)
# Written after the defaults were chosen on INTERESTS, to check they were not tuned to those.
HELD_OUT = ("(automated OR automatic OR automation)", "(tool OR tools)", "dataset*")
MIN_A_DAY = 5  # an interest is evaluated when each day has at least this many matching papers
GENERATED = 50_000
BATCH_PAPERS = 500
READERS = 100_000
PLANNING_BATCH = 5_000
DISTINCT_MODELS = 200
THRESHOLDS = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3)


def real_papers() -> list[PaperText]:
    """Every distinct paper of the bundled feeds (by arXiv id, else title), as ingest parses it."""
    records = {}
    for folder in FEED_FOLDERS:
        for path in sorted(folder.rglob("*")):
            if path.suffix not in (".xml", ".json"):
                continue
            try:
                _, parsed = parse(path.read_bytes())
            except FeedError:
                continue  # the recorded error answers of the arXiv API
            for record in parsed.records:
                records.setdefault(record.arxiv_id or record.title.lower(), record)
    start = datetime(2026, 7, 1, tzinfo=UTC)
    return [
        PaperText(
            id=number + 1,
            title=r.title,
            abstract=r.abstract,
            authors=tuple(r.authors),
            categories=tuple(r.categories),
            upvotes=r.upvotes,
            first_seen_at=r.published_at or start,
        )
        for number, r in enumerate(records.values())
        if r.abstract
    ]


def generated(real: list[PaperText], count: int, rng: random.Random) -> list[PaperText]:
    """`count` papers: a real title and eight real sentences drawn from all abstracts."""
    sentences = [s for p in real for s in re.split(r"(?<=\.)\s+", p.abstract) if s]
    start = datetime(2026, 11, 1, tzinfo=UTC)
    return [
        PaperText(
            id=number + 1,
            title=real[number % len(real)].title,
            abstract=" ".join(rng.sample(sentences, 8)),
            authors=(),
            categories=real[number % len(real)].categories,
            upvotes=rng.choice([None, 0, 3, 12, 40, 150]),
            first_seen_at=start + timedelta(minutes=number),
        )
        for number in range(count)
    ]


# --- quality ------------------------------------------------------------------------------------


@dataclass
class Outcome:
    interest: str
    votes: int  # days of votes before the scored day
    precision: float
    ndcg: float
    trending_precision: float
    trending_ndcg: float
    ceiling: float  # the best precision@5 the day's matches allow


def matching(papers: list[PaperText], interest: str) -> set[int]:
    index = TopicIndex.build([Topic(0, interest)])
    return {p.id for p in papers if index.match(p)}


def metrics(ranked: Sequence[PaperText], wanted: set[int]) -> tuple[float, float]:
    hits = [p.id in wanted for p in ranked[:TOP]]
    dcg = sum(hit / np.log2(place + 2) for place, hit in enumerate(hits))
    ideal = sum(1 / np.log2(place + 2) for place in range(min(TOP, len(wanted))))
    return sum(hits) / TOP, dcg / ideal if ideal else 0.0


def ranked_for(vectoriser: Vectoriser, model: ReaderModel, day: list[PaperText]) -> list[PaperText]:
    learned = scores(vectoriser.presence(day), weight_matrix(vectoriser, [model]))
    mix = blend(trend(day), learned, np.array([taught(model.votes)]))
    return [day[i] for i in order(day, mix.values[:, 0])]


def vote_on(digest: list[PaperText], wanted: set[int]) -> list[tuple[PaperText, bool]]:
    """The reader reads from the top: "more" on their interest, "less" on the rest."""
    more = [p for p in digest if p.id in wanted][:MORE_A_DAY]
    less = [p for p in digest if p.id not in wanted][: VOTES_A_DAY - len(more)]
    return [(p, True) for p in more] + [(p, False) for p in less]


def simulate(
    vectoriser: Vectoriser, days: list[list[PaperText]], interest: str, voting_days: int
) -> Outcome:
    wanted = matching([p for day in days for p in day], interest)
    votes: list[tuple[PaperText, bool]] = []
    model = ReaderModel({}, 0)
    for number in range(voting_days):
        votes += vote_on(ranked_for(vectoriser, model, days[number]), wanted)
        seen = [p for day in days[: number + 1] for p in day]
        model = train(vectoriser, votes, seen)
    test = days[-1]
    precision, ndcg = metrics(ranked_for(vectoriser, model, test), wanted)
    trending_precision, trending_ndcg = metrics(
        ranked_for(vectoriser, ReaderModel({}, 0), test), wanted
    )
    ceiling = min(TOP, len(wanted & {p.id for p in test})) / TOP
    return Outcome(
        interest, voting_days, precision, ndcg, trending_precision, trending_ndcg, ceiling
    )


def evaluate(real: list[PaperText], interests: Sequence[str]) -> tuple[list[Outcome], list[str]]:
    vectoriser = Vectoriser.fit(real)
    outcomes, used = [], set()
    for split in range(SPLITS):
        shuffled = real[:]
        random.Random(SEED + split).shuffle(shuffled)
        days = [shuffled[d::DAYS] for d in range(DAYS)]
        for interest in interests:
            wanted = matching(real, interest)
            if min(len(wanted & {p.id for p in day}) for day in days) < MIN_A_DAY:
                continue
            used.add(interest)
            for voting_days in (1, DAYS - 1):
                outcomes.append(simulate(vectoriser, days, interest, voting_days))
    return outcomes, [i for i in interests if i in used]


def quality_table(outcomes: list[Outcome]) -> str:
    lines = [
        "| votes from | runs | precision@5 | nDCG@5 | trending-only precision@5 | trending-only "
        "nDCG@5 | vs trending | best possible precision@5 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for days in sorted({o.votes for o in outcomes}):
        runs = [o for o in outcomes if o.votes == days]
        mean = {
            field: statistics.fmean(getattr(o, field) for o in runs)
            for field in ("precision", "ndcg", "trending_precision", "trending_ndcg", "ceiling")
        }
        lines.append(
            f"| {days} day{'s' if days > 1 else ''} (~{days * VOTES_A_DAY} votes) | {len(runs)} "
            f"| {mean['precision']:.2f} | {mean['ndcg']:.2f} | {mean['trending_precision']:.2f} "
            f"| {mean['trending_ndcg']:.2f} "
            f"| {mean['precision'] / mean['trending_precision']:.1f}x | {mean['ceiling']:.2f} |"
        )
    return "\n".join(lines)


# --- the like: threshold ------------------------------------------------------------------------


def threshold_table(real: list[PaperText], interests: list[str]) -> str:
    """like:X against "shares X's hidden interest": how precise and how complete each threshold
    is, over every real paper X of every interest, on the other real papers."""
    vectoriser = Vectoriser.fit(real)
    lines = [
        "| threshold | papers like an example | of them sharing its interest | of those sharing "
        "its interest, found |",
        "|---:|---:|---:|---:|",
    ]
    sets = [matching(real, interest) for interest in interests]
    sharing = np.array([[any(x.id in s and y.id in s for s in sets) for y in real] for x in real])
    alike = similarities_matrix(vectoriser, real)
    others = ~np.eye(len(real), dtype=bool)  # a paper is not its own match
    for threshold in THRESHOLDS:
        passing = (alike >= threshold) & others
        found, right = int(passing.sum()), int((passing & sharing).sum())
        relevant = int((sharing & others).sum())
        lines.append(
            f"| {threshold:.2f}{' (default)' if threshold == LIKE_THRESHOLD else ''} "
            f"| {found / len(real):.1f} | {right / max(found, 1):.0%} "
            f"| {right / max(relevant, 1):.0%} |"
        )
    return "\n".join(lines)


def similarities_matrix(vectoriser: Vectoriser, papers: list[PaperText]) -> np.ndarray:
    """Row x: `similarities` of every paper to the example x (one call per example)."""
    return np.array([similarities(vectoriser, [paper], papers) for paper in papers])


# --- speed --------------------------------------------------------------------------------------


def timed(work: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # Linux: VmHWM starts again from VmRSS


def peak_mb() -> float:
    line = next(
        x for x in Path("/proc/self/status").read_text().splitlines() if x.startswith("VmHWM")
    )
    return int(line.split()[1]) / 1024


def some_votes(
    papers: list[PaperText], count: int, rng: random.Random
) -> list[tuple[PaperText, bool]]:
    return [(p, rng.random() < 1 / 3) for p in rng.sample(papers, count)]


def speed(real: list[PaperText]) -> dict:
    rng = random.Random(SEED)
    many = generated(real, GENERATED, rng)
    row: dict = {}
    row["refit"], vectoriser = timed(lambda: Vectoriser.fit(many))
    row["terms"] = vectoriser.width
    recent = many[-2_000:]
    vectoriser.presence(recent)  # as in a worker that has trained readers on these papers
    state, cold, warm = vectoriser.to_state(), [], []
    for _ in range(20):  # interleaved, so that the machine's load weighs on both alike
        cold.append(training_time(Vectoriser.from_state(state), recent, rng))  # has seen none
        warm.append(training_time(vectoriser, recent, rng))
    row["train_cold"], row["train"] = statistics.median(cold), statistics.median(warm)
    models = [
        train(vectoriser, some_votes(recent, rng.randint(5, 100), rng), recent)
        for _ in range(DISTINCT_MODELS)
    ]
    row["weights"] = statistics.fmean(len(m.weights) for m in models)
    batch = many[:BATCH_PAPERS]
    reset_peak()
    row["rss_before"] = peak_mb()
    row["score"], row["first"] = timed(lambda: score_everyone(vectoriser, batch, models))
    row["peak"] = peak_mb()
    return row


def training_time(vectoriser: Vectoriser, recent: list[PaperText], rng: random.Random) -> float:
    votes = some_votes(recent, 100, rng)
    return timed(lambda: train(vectoriser, votes, recent))[0]


def score_everyone(
    vectoriser: Vectoriser, batch: list[PaperText], models: list[ReaderModel]
) -> list[int]:
    """Every reader's blended values for the batch, PLANNING_BATCH readers at a time, as a
    planner would run it; returns each batch's first reader's best paper, so nothing is skipped."""
    features, trending = vectoriser.presence(batch), trend(batch)
    firsts = []
    for start in range(0, READERS, PLANNING_BATCH):
        readers = [models[(start + n) % len(models)] for n in range(PLANNING_BATCH)]
        learned = scores(features, weight_matrix(vectoriser, readers))
        mix = blend(trending, learned, np.array([taught(m.votes) for m in readers]))
        firsts.append(int(mix.values[:, 0].argmax()))
    return firsts


def goals(outcomes: list[Outcome], row: dict) -> str:
    met = lambda ok: "met" if ok else "missed"  # noqa: E731 - a local shorthand
    quality = []
    for days, said in ((1, "a single day's votes"), (DAYS - 1, f"{DAYS - 1} days' votes")):
        runs = [o for o in outcomes if o.votes == days]
        precision = statistics.fmean(o.precision for o in runs)
        ratio = precision / statistics.fmean(o.trending_precision for o in runs)
        quality.append(
            f"- precision@{TOP} at least 0.8 and twice trending-only, from {said}: "
            f"{precision:.2f}, {ratio:.1f}x, {met(precision >= 0.8 and ratio >= 2)}"
        )
    return "\n".join(
        [
            *quality,
            f"- training one reader with 100 votes under 50 ms: {row['train'] * 1000:.1f} ms, "
            f"{met(row['train'] <= 0.05)} (papers seen before); {row['train_cold'] * 1000:.1f} ms, "
            f"{met(row['train_cold'] <= 0.05)} (first sight of every paper)",
            f"- scoring {READERS:,} readers x {BATCH_PAPERS} papers under 10 s: "
            f"{row['score']:.1f} s, {met(row['score'] <= 10)}",
            f"- peak memory under 500 MB: {row['peak']:,.0f} MB, {met(row['peak'] <= 500)}",
        ]
    )


def run() -> str:
    real = real_papers()
    outcomes, interests = evaluate(real, INTERESTS)
    print(quality_table(outcomes), flush=True)
    held_out, held_out_used = evaluate(real, HELD_OUT)
    print(quality_table(held_out), flush=True)
    thresholds = threshold_table(real, interests)
    row = speed(real)
    return f"""## Readers teach it

Offline evaluation of the learned ranking (digest/topics/learning.py, docs/learning.md) on the
{len(real)} distinct real papers of the bundled feeds (digest/demo_data/feeds/ and
tests/fixtures/feeds/, parsed by digest/feeds.py), split at random into {DAYS} "days" of about
{len(real) // DAYS} papers, {SPLITS} different splits. A simulated reader has a hidden interest
written as a topic query; of the {len(INTERESTS)} written, the {len(interests)} that match at least
{MIN_A_DAY} papers every day of a split are used there ({", ".join(f"`{i}`" for i in interests)}).
Each day the reader reads that day's digest from the top (ordered by what they taught so far) and
votes on {VOTES_A_DAY} papers: "more" on the first {MORE_A_DAY} matching their interest, "less" on
the first others. Then the last day's papers, never seen, are ranked and the first {TOP} scored
against the interest (precision@{TOP}, nDCG@{TOP}), as is trending-only ranking of the same
papers. The real papers are few, so a day offers about a dozen matches of an interest: *best
possible* is what a perfect ranking scores. Only 53 of the real papers carry upvotes, so trending
is close to newest-first here.

{quality_table(outcomes)}

Held out: {len(held_out_used)} interests written after the defaults were chosen on the ones above
({", ".join(f"`{i}`" for i in held_out_used)}), to check that they were not tuned to those:

{quality_table(held_out)}

`like:` threshold: for every real paper X and each other real paper, whether their tf-idf cosine
reaches the threshold, against whether they share one of the interests above (a rough truth: two
papers about agents need not be alike, and alike papers may share no listed interest).

{thresholds}

Speed, on {GENERATED:,} papers made of real titles and real sentences recombined (their
vocabulary is smaller than {GENERATED:,} real papers' would be, as they reuse about two thousand
sentences): *refit* fits the vectoriser on all of them ({row["terms"]:,} terms kept). *Training*
is one reader with 100 votes and 10 weak negatives, the vectoriser loaded (median of 20; it
includes finding the papers' terms): *seen before* when the vectoriser has already found the
terms of these recent papers (it keeps up to {SEEN_TEXTS:,} papers' terms, as a worker that
trained other readers on the same recent papers has), *first sight* on a fresh copy of it.
*Scoring* is {READERS:,} readers x {BATCH_PAPERS} papers in planning
batches of {PLANNING_BATCH:,} readers: their weight matrix built from the stored term weights
({row["weights"]:.0f} terms per reader on average, of {DISTINCT_MODELS} distinct trained models
reused), one sparse product, the blend with trending. Peak memory is the process's high-water
RSS during scoring (it was {row["rss_before"]:,.0f} MB before, the {GENERATED:,} papers and the
vectoriser included).

| what | time | goal |
|---|---:|---:|
| refit tf-idf over {GENERATED:,} papers | {row["refit"]:.1f} s | |
| train one reader, 100 votes, papers seen before | {row["train"] * 1000:.1f} ms | 50 ms |
| train one reader, 100 votes, first sight of the papers | {row["train_cold"] * 1000:.1f} ms | |
| score {READERS:,} readers x {BATCH_PAPERS} papers | {row["score"]:.2f} s | 10 s |
| peak memory while scoring | {row["peak"]:,.0f} MB | 500 MB |

Goals:

{goals(outcomes, row)}
"""
