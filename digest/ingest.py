"""Feed -> records -> Paper rows: fetch a source, parse it, merge and upsert in bulk.

Writes happen in a few bulk queries per thousand entries, never one query per entry. Fetching
(the slow part) happens before the transaction; the write phase holds a PostgreSQL advisory lock,
so two ingests running at once (the same source twice, or Hugging Face and arXiv announcing the
same paper) merge one after the other instead of losing each other's fields.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import F

from core import clock
from digest import feeds
from digest.fetching import FetchError, fetch
from digest.merging import MERGED_FIELDS, merge, paper_key
from digest.models import Paper, Sighting, Source
from digest.records import PaperRecord, ParsedFeed

ROWS_PER_BATCH = 1000
_PAPER_WRITE_LOCK = 7_401_226  # an arbitrary constant naming "writing papers" for pg_advisory


@dataclass
class IngestReport:
    """What one input gave: papers new, updated or unchanged, entries skipped, or why it failed."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    not_modified: bool = False
    error: str = ""
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if self.error:
            return f"failed: {self.error}"
        if self.not_modified:
            return "not modified since the last fetch"
        return (
            f"{self.new} new, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.skipped} skipped"
        )


def ingest_source(source: Source) -> IngestReport:
    """Fetch one source (conditionally) and store its papers; a failure is recorded on the source
    and returned, never raised, and leaves stored papers untouched."""
    try:
        response = fetch(source.url, etag=source.etag, last_modified=source.last_modified)
        if response.not_modified:
            _record_success(source, response.etag, response.last_modified)
            return IngestReport(not_modified=True)
        report = ingest_content(source, response.content)
    except (FetchError, feeds.FeedError) as error:
        _record_failure(source, str(error))
        return IngestReport(error=str(error))
    _record_success(source, response.etag, response.last_modified)
    return report


def ingest_content(source: Source, content: bytes) -> IngestReport:
    """Parse `content` (raises feeds.FeedError if it is no feed) and store what it holds."""
    _, parsed = feeds.parse(content)
    return store(source, parsed)


def store(source: Source, parsed: ParsedFeed) -> IngestReport:
    report = IngestReport(skipped=parsed.skipped, problems=parsed.problems)
    now = clock.now()
    by_key = _group_by_key(parsed.records, source.pk)
    with transaction.atomic():
        _lock_paper_writes()
        for keys in _chunks(list(by_key), ROWS_PER_BATCH):
            _store_chunk(source, {key: by_key[key] for key in keys}, now, report)
    return report


def _store_chunk(
    source: Source, by_key: dict[str, list[PaperRecord]], now: datetime, report: IngestReport
) -> None:
    existing = Paper.objects.in_bulk(list(by_key), field_name="key")
    new, changed = _merged_papers(existing, by_key, now)
    Paper.objects.bulk_create(new, batch_size=ROWS_PER_BATCH)
    Paper.objects.bulk_update(changed, [*MERGED_FIELDS, "upvotes_at"], batch_size=ROWS_PER_BATCH)
    report.new += len(new)
    report.updated += len(changed)
    report.unchanged += len(by_key) - len(new) - len(changed)
    papers = {**existing, **{paper.key: paper for paper in new}}
    raw_ids = {papers[key].pk: records[-1].raw_id for key, records in by_key.items()}
    _record_sightings(source, raw_ids, now)


def _merged_papers(
    existing: dict[str, Paper], by_key: dict[str, list[PaperRecord]], now: datetime
) -> tuple[list[Paper], list[Paper]]:
    """Papers to insert and papers whose fields really changed (nothing else is written)."""
    new, changed = [], []
    for key, records in by_key.items():
        paper = existing.get(key)
        current = {name: getattr(paper, name) for name in MERGED_FIELDS} if paper else None
        fields = current
        for record in records:
            fields = merge(fields, record)
        if paper is None:
            upvotes_at = now if fields["upvotes"] is not None else None
            new.append(Paper(key=key, first_seen_at=now, upvotes_at=upvotes_at, **fields))
        elif fields != current:
            if fields["upvotes"] != current["upvotes"]:
                paper.upvotes_at = now
            for name, value in fields.items():
                setattr(paper, name, value)
            changed.append(paper)
    return new, changed


def _record_sightings(source: Source, raw_ids: dict[int, str], now: datetime) -> None:
    """One sighting per source and paper, carrying the raw id it was last announced under."""
    seen = {s.paper_id: s for s in Sighting.objects.filter(source=source, paper_id__in=raw_ids)}
    renamed = []
    for paper_id, sighting in seen.items():
        if sighting.raw_id != raw_ids[paper_id]:
            sighting.raw_id = raw_ids[paper_id]
            renamed.append(sighting)
    fresh = [
        Sighting(source=source, paper_id=paper_id, raw_id=raw_id, seen_at=now)
        for paper_id, raw_id in raw_ids.items()
        if paper_id not in seen
    ]
    Sighting.objects.bulk_create(fresh, batch_size=ROWS_PER_BATCH, ignore_conflicts=True)
    Sighting.objects.bulk_update(renamed, ["raw_id"], batch_size=ROWS_PER_BATCH)


def _group_by_key(records: Iterable[PaperRecord], source_id: int) -> dict[str, list[PaperRecord]]:
    """Entries of one feed by paper, in feed order (a feed may list a paper twice)."""
    by_key: dict[str, list[PaperRecord]] = {}
    for record in records:
        by_key.setdefault(paper_key(record, source_id), []).append(record)
    return by_key


def _lock_paper_writes() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PAPER_WRITE_LOCK])


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _record_success(source: Source, etag: str, last_modified: str) -> None:
    Source.objects.filter(pk=source.pk).update(
        last_fetched_at=clock.now(),
        consecutive_failures=0,
        etag=etag[:500],
        last_modified=last_modified[:100],
    )


def _record_failure(source: Source, reason: str) -> None:
    Source.objects.filter(pk=source.pk).update(
        last_fetched_at=clock.now(),
        last_error=reason,
        last_error_at=clock.now(),
        consecutive_failures=F("consecutive_failures") + 1,
    )
