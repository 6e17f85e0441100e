"""`manage.py match "QUERY" [--days N]`: the stored papers a topic query matches, newest first.

The operator's way to try a topic before a reader relies on it. A query that starts with `-`
goes after `--`: `manage.py match -- "-survey llm"`.
"""

import sys
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import QuerySet

from core import clock
from digest.models import Paper
from digest.topics.compiling import compile_query
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
            compile_query(query)
        except QueryError as error:
            self.stderr.write(str(error))
            sys.exit(2)
        index = TopicIndex.build([Topic(key=0, query=query)])
        for paper in papers(days).iterator(chunk_size=PAPERS_PER_BATCH):
            if index.match(PaperText.of(paper)):
                self.stdout.write(f"{paper.id} {' '.join(paper.title.split())}")


def papers(days: int | None) -> QuerySet[Paper]:
    found = Paper.objects.only(*MATCHED_FIELDS).order_by("-first_seen_at", "-id")
    if days is not None:
        found = found.filter(first_seen_at__gte=clock.now() - timedelta(days=days))
    return found
