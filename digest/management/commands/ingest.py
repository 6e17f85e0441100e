"""`manage.py ingest [PATH_OR_URL ...]`: fetch every enabled source, or ingest the given inputs."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from core.progress import progress
from digest import feeds
from digest.fetching import wait_for_turn
from digest.ingest import IngestReport, ingest_content, ingest_source
from digest.models import Source


class Command(BaseCommand):
    help = (
        "Ingest papers. Without arguments, fetch every enabled source; with arguments, ingest "
        "those files or http(s) URLs. Prints one line per input; failures go to stderr and make "
        "the exit status 1, after everything readable has been stored."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("inputs", nargs="*", metavar="PATH_OR_URL")

    def handle(self, *args: Any, **options: Any) -> None:
        inputs: list[str] = options["inputs"]
        jobs = [(text, lambda text=text: _ingest_input(text)) for text in inputs] or [
            (source.name, lambda source=source: _ingest_fetched(source))
            for source in Source.objects.filter(enabled=True).order_by("pk")
        ]
        failures = 0
        for done, (name, job) in enumerate(jobs, start=1):
            progress(self.stderr, done - 1, len(jobs))
            report = job()
            if report.error:
                failures += 1
                self.stderr.write(f"{name}: {report.error}")
            else:
                self.stdout.write(f"{name}: {report.summary()}")
        progress(self.stderr, len(jobs), len(jobs))
        if failures:
            raise CommandError(f"{failures} of {len(jobs)} inputs failed", returncode=1)


def _ingest_fetched(source: Source) -> IngestReport:
    wait_for_turn(source.url)  # arXiv's API asks for one request every few seconds
    return ingest_source(source)


def _ingest_input(text: str) -> IngestReport:
    if text.startswith(("http://", "https://")):
        source, _ = Source.objects.get_or_create(
            url=text, defaults={"name": text[:200], "enabled": False}
        )
        return _ingest_fetched(source)
    try:
        content = Path(text).read_bytes()
    except OSError as error:
        return IngestReport(error=f"cannot read the file ({error.strerror or error})")
    try:
        source = _file_source(Path(text), content)
        return ingest_content(source, content)
    except feeds.FeedError as error:
        return IngestReport(error=str(error))


def _file_source(path: Path, content: bytes) -> Source:
    """Papers need a source to be sighted by; a file gets a disabled one, never fetched."""
    uri = path.resolve().as_uri()
    kind = feeds.detect(content).name
    source, _ = Source.objects.get_or_create(
        url=uri, defaults={"name": str(path)[-200:], "kind": kind, "enabled": False}
    )
    return source
