"""`manage.py match "QUERY" [--days N]`: the stored papers a topic query matches, newest first.

The operator's way to try a topic before a reader relies on it. A query that starts with `-`
goes after `--`: `manage.py match -- "-survey llm"`.
"""

import sys
from collections.abc import Iterator
from datetime import timedelta
from itertools import islice

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import QuerySet

from core import clock
from digest.likes import LookAlikes, check_query
from digest.models import Paper
from digest.topics.index import Topic, TopicIndex
from digest.topics.papers import MATCHED_FIELDS, PaperText
from digest.topics.query import QueryError

# Papers are read in batches so a long history does not sit in memory at once.
PAPERS_PER_BATCH = 2000
MAX_DAYS = 36_500  # a century: more than any installation's history, and a date Python can hold


class Command(BaseCommand):
    help = "Print the stored papers a topic query matches (id, then title), newest first."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("query", help='the topic query, e.g. "diffusion video OR audio"')
        parser.add_argument("--days", type=int, help="only papers first seen in the last N days")

    def handle(self, *args: object, query: str, days: int | None, **options: object) -> None:
        if days is not None and not 1 <= days <= MAX_DAYS:
            raise CommandError(f"--days must be a whole number of days, from 1 to {MAX_DAYS:,}.")
        try:
            check_query(query)
        except QueryError as error:
            self.stderr.write(str(error))
            sys.exit(2)
        index = TopicIndex.build([Topic(key=0, query=query)])
        for batch in batches(papers(days)):
            texts = [PaperText.of(paper) for paper in batch]
            if index.likes:
                texts = LookAlikes(texts).texts(index.likes)
            for paper, text in zip(batch, texts, strict=True):
                if index.match(text):
                    self.stdout.write(f"{paper.id} {' '.join(paper.title.split())}")


def batches(found: QuerySet[Paper]) -> Iterator[list[Paper]]:
    """The papers in lists of PAPERS_PER_BATCH (a like: term compares a batch at once)."""
    rows = found.iterator(chunk_size=PAPERS_PER_BATCH)
    while batch := list(islice(rows, PAPERS_PER_BATCH)):
        yield batch


def papers(days: int | None) -> QuerySet[Paper]:
    found = Paper.objects.only(*MATCHED_FIELDS).order_by("-first_seen_at", "-id")
    if days is not None:
        found = found.filter(first_seen_at__gte=clock.now() - timedelta(days=days))
    return found
