"""`manage.py import_subscribers FILE.csv [--confirmed]`: bring readers over from another tool."""

from argparse import ArgumentParser
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from subscriptions import actions, erasure
from subscriptions.importing import ImportedReader, ImportFileError, read_readers
from subscriptions.models import Subscriber

Status = Subscriber.Status


class Command(BaseCommand):
    help = (
        "Import readers from a CSV file with a header row: email (required), topic, topic_name, "
        "frequency, max_papers, min_upvotes. Several rows with one email add several topics. "
        "Without --confirmed every new reader gets a confirmation email."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--confirmed",
            action="store_true",
            help="Make new readers active at once: you vouch that they consented.",
        )

    def handle(self, *args: object, file: Path, confirmed: bool, **options: object) -> None:
        try:
            with file.open(encoding="utf-8-sig", newline="") as lines:
                readers, problems = read_readers(lines)
        except (OSError, UnicodeDecodeError, ImportFileError) as error:
            raise CommandError(f"{file}: {error}") from None
        counts = {"created": 0, "updated": 0, "skipped": 0}
        for reader in readers:
            counts[self._import(reader, confirmed)] += 1
        for problem in problems:
            self.stderr.write(f"{file}: {problem}")
        self.stdout.write(
            f"{counts['created']} reader(s) created, {counts['updated']} updated, "
            f"{counts['skipped']} skipped, {len(problems)} bad row(s)."
        )
        if problems:
            raise CommandError(f"{len(problems)} row(s) were not imported (see above).")

    def _import(self, reader: ImportedReader, confirmed: bool) -> str:
        existing = Subscriber.objects.filter(email__iexact=reader.email).first()
        if existing is None and erasure.was_erased(reader.email):
            # Its owner deleted their data here: only they can come back, by signing up.
            self.stdout.write(f"{reader.email}: skipped, its owner deleted their data here.")
            return "skipped"
        if existing is None:
            actions.import_subscriber(
                reader.email, reader.topics, reader.frequency, reader.max_papers, confirmed
            )
            return "created"
        if existing.status not in (Status.PENDING, *actions.RECEIVING):
            # An unsubscribe or a complaint here outranks any list from elsewhere.
            self.stdout.write(f"{reader.email}: skipped, this reader is {existing.status} here.")
            return "skipped"
        known = set(existing.topics.values_list("query", flat=True))
        actions.add_topics(existing, [t for t in reader.topics if t[1] not in known])
        if confirmed:
            actions.confirm(existing)
        return "updated"
