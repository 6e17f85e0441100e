"""`manage.py import_subscribers FILE.csv [--confirmed]`: bring readers over from another tool."""

from argparse import ArgumentParser
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.progress import progress
from subscriptions import actions, erasure
from subscriptions.forms import MAX_TOPICS, topic_key
from subscriptions.importing import ImportedReader, ImportFileError, RowProblem, read_readers
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
        for done, reader in enumerate(readers):
            progress(self.stderr, done, len(readers))
            counts[self._import(reader, confirmed, problems)] += 1
        progress(self.stderr, len(readers), len(readers))
        problems.sort(key=lambda problem: problem.line)
        for problem in problems:
            self.stderr.write(f"{file}: {problem}")
        self.stdout.write(
            f"{counts['created']} reader(s) created, {counts['updated']} updated, "
            f"{counts['skipped']} skipped, {len(problems)} bad row(s)."
        )
        if problems:
            raise CommandError(f"{len(problems)} row(s) were not imported (see above).")

    def _import(self, reader: ImportedReader, confirmed: bool, problems: list[RowProblem]) -> str:
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
        actions.add_topics(existing, _topics_with_room(existing, reader, problems))
        if confirmed:
            actions.confirm(existing)
        return "updated"


def _topics_with_room(
    existing: Subscriber, reader: ImportedReader, problems: list[RowProblem]
) -> list[tuple[str, str, int]]:
    """The topics the reader does not have yet, as many as fit under MAX_TOPICS; the rows of
    those that do not fit become problems."""
    known = {topic_key(query) for query in existing.topics.values_list("query", flat=True)}
    fresh = [
        (topic, line)
        for topic, line in zip(reader.topics, reader.topic_lines, strict=True)
        if topic_key(topic[1]) not in known
    ]
    room = max(0, MAX_TOPICS - len(known))
    full = f"{reader.email} already has {MAX_TOPICS} topics here, the most a reader may have"
    problems.extend(RowProblem(line, full) for _, line in fresh[room:])
    return [topic for topic, _ in fresh[:room]]
