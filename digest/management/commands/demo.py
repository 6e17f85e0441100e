"""`manage.py demo`: what `make demo` runs after migrating a fresh embedded database."""

import os
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from digest.models import Paper

DEMO_FEEDS = Path(__file__).resolve().parents[2] / "demo_data" / "feeds"


class Command(BaseCommand):
    help = "Run the demo on the embedded database."

    def handle(self, *args: object, **options: object) -> None:
        self.stdout.write("The demo database is migrated and ready.")
        ingest_bundled_feeds(self)


def ingest_bundled_feeds(command: BaseCommand) -> None:
    """Every feed bundled in digest/demo_data/feeds/ through `manage.py ingest`."""
    files = sorted(
        os.path.relpath(p) for p in DEMO_FEEDS.iterdir() if p.suffix in (".xml", ".json")
    )
    command.stdout.write(f"\nIngesting the {len(files)} bundled feeds:")
    try:
        call_command("ingest", *files, stdout=command.stdout, stderr=command.stderr)
    except CommandError as error:
        command.stderr.write(f"Some bundled feeds failed: {error}")
    top = Paper.objects.exclude(upvotes=None).order_by("-upvotes")[:3]
    command.stdout.write(f"{Paper.objects.count()} papers stored. Most upvoted:")
    for paper in top:
        command.stdout.write(f"  {paper.upvotes:>4}  {paper.title[:90]}")
