"""The operator's overview on the admin index: what happened lately, as charts, and how each
source is doing. One aggregate query per chart (six in all, however much data there is)."""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from core import clock
from core.charts import Chart, Series
from digest.models import Delivery, Sighting, Source, TrackingEvent
from digest.topics.query import And, Node, Or, QueryError, Term, parse
from subscriptions.models import RECEIVING, Subscriber, TopicFilter

DAYS = 14
WEEKS = 8
TOP_SOURCES = 5
TOP_WORDS = 10
Status = Subscriber.Status
LEFT = (Status.UNSUBSCRIBED, Status.BOUNCED, Status.COMPLAINED)
DIGEST_COLOURS = {"sent": "#59a14f", "skipped": "#9c9c9c", "failed": "#e15759"}


@dataclass(frozen=True)
class Overview:
    charts: list[Chart]
    sources: list[Source]


def overview() -> Overview:
    today = timezone.localdate(clock.now())
    days = [today - timedelta(days=n) for n in range(DAYS - 1, -1, -1)]
    return Overview(
        charts=[
            papers_per_source(days),
            digests_per_day(days),
            bounces_per_week(today),
            readers_over_time(days),
            topic_words(),
        ],
        sources=list(Source.objects.order_by("-enabled", "-consecutive_failures", "name")),
    )


def _day_label(day: date) -> str:
    return f"{day:%b} {day.day}"


def _start(day: date) -> datetime:
    """The day's first moment where TruncDate counts days: in the site's time zone."""
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def _per_day_and(rows: QuerySet, moment: str, key: str, since: date) -> Counter[tuple[date, str]]:
    """How many rows there are by day of `moment` and value of `key`, from `since`: one query."""
    counted = (
        rows.filter(**{f"{moment}__gte": _start(since)})
        .annotate(day=TruncDate(moment))
        .values_list("day", key)
        .annotate(n=Count("pk"))
    )
    return Counter({(day, value): n for day, value, n in counted})


def _per_day(counts: dict[tuple[date, str], int], days: list[date], name: str) -> tuple[int, ...]:
    return tuple(counts.get((day, name), 0) for day in days)


def papers_per_source(days: list[date]) -> Chart:
    """Papers each source announced, per day (the five busiest sources, the rest together)."""
    counts = _per_day_and(Sighting.objects.all(), "seen_at", "source__name", days[0])
    totals: Counter[str] = Counter()
    for (_, name), n in counts.items():
        totals[name] += n
    busiest = [name for name, _ in totals.most_common(TOP_SOURCES)]
    series = [Series(_short(name), _per_day(counts, days, name)) for name in busiest]
    rest = [name for name in totals if name not in busiest]
    if rest:
        other = [sum(counts.get((day, name), 0) for name in rest) for day in days]
        series.append(Series("other sources", tuple(other)))
    labels = tuple(map(_day_label, days))
    empty = (Series("papers", (0,) * DAYS),)
    return Chart("Papers per source per day", labels, tuple(series) or empty)


def _short(name: str, length: int = 30) -> str:
    """A source's name fit for a legend: its end, which tells feed files apart."""
    return name if len(name) <= length else "…" + name[-(length - 1) :]


def digests_per_day(days: list[date]) -> Chart:
    """Digests by what became of them, per day they were planned."""
    counts = _per_day_and(Delivery.objects.all(), "planned_at", "status", days[0])
    series = tuple(
        Series(status, _per_day(counts, days, status), colour)
        for status, colour in DIGEST_COLOURS.items()
    )
    return Chart("Digests sent, skipped and failed per day", tuple(map(_day_label, days)), series)


def bounces_per_week(today: date) -> Chart:
    """Hard bounces and complaints the provider reported, per week (weeks start on Monday)."""
    monday = today - timedelta(days=today.weekday())
    weeks = [monday - timedelta(weeks=n) for n in range(WEEKS - 1, -1, -1)]
    events = TrackingEvent.objects.filter(event_type__in=("bounced", "complained"))
    week_of = {w + timedelta(days=d): w for w in weeks for d in range(7)}
    counts: Counter[tuple[date, str]] = Counter()
    for (day, kind), n in _per_day_and(events, "received_at", "event_type", weeks[0]).items():
        if day in week_of:
            counts[week_of[day], kind] += n
    series = (
        Series("bounces", _per_day(counts, weeks, "bounced"), "#f28e2b"),
        Series("complaints", _per_day(counts, weeks, "complained"), "#e15759"),
    )
    labels = tuple(_day_label(week) for week in weeks)
    return Chart("Bounces and complaints per week (from Monday)", labels, series)


def readers_over_time(days: list[date]) -> Chart:
    """How many readers were pending, receiving (active or paused) and gone at the end of each
    day, from when each was created and confirmed. Readers who left are counted from their last
    change (`updated_at`: no edit follows leaving); deleted readers are not counted at all."""
    counts = {}
    for i, day in enumerate(days):
        end = _start(day) + timedelta(days=1)
        gone = Q(status__in=LEFT, updated_at__lt=end)
        confirmed = Q(consent_confirmed_at__lt=end)
        counts[f"pending{i}"] = Count("pk", filter=Q(created_at__lt=end) & ~confirmed & ~gone)
        counts[f"receiving{i}"] = Count("pk", filter=confirmed & ~gone)
        counts[f"gone{i}"] = Count("pk", filter=gone)
    totals = Subscriber.objects.aggregate(**counts)
    series = (
        Series("receiving", tuple(totals[f"receiving{i}"] for i in range(DAYS)), "#59a14f"),
        Series("pending", tuple(totals[f"pending{i}"] for i in range(DAYS)), "#4e79a7"),
        Series("left", tuple(totals[f"gone{i}"] for i in range(DAYS)), "#e15759"),
    )
    return Chart("Readers by status", tuple(map(_day_label, days)), series, kind="lines")


def topic_words() -> Chart:
    """The words and phrases most often asked for in the topics of readers receiving digests."""
    queries = TopicFilter.objects.filter(
        enabled=True, subscriber__status__in=RECEIVING
    ).values_list("query", flat=True)
    words: Counter[str] = Counter()
    for text in queries:
        try:
            words.update(set(_asked_terms(parse(text).root)))
        except QueryError:
            continue  # a query saved before the language changed: nothing to count
    top = sorted(words.items(), key=lambda item: (-item[1], item[0]))[:TOP_WORDS]
    labels = tuple(word for word, _ in top)
    return Chart(
        "Most common topic words", labels, (Series("topics", tuple(n for _, n in top)),), "ranking"
    )


def _asked_terms(node: Node) -> list[str]:
    """The words and phrases a query asks for (not those it leaves out), phrases in quotes."""
    if isinstance(node, Term):
        words = " ".join(node.words) + ("*" if node.prefix else "")
        return [f'"{words}"' if len(node.words) > 1 else words]
    if isinstance(node, And | Or):
        return [term for child in node.children for term in _asked_terms(child)]
    return []  # what a Not leaves out is not asked for; a category is not a word
