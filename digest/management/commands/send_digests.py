"""`manage.py send_digests [--force] [--dry-run] [--now ISO8601]`: plan and send what is due, the
digests and the team channels' posts, as beat's plan_digests does."""

from collections import Counter
from datetime import datetime

from celery import current_app
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import prefetch_related_objects

from core import clock
from core.progress import progress
from digest import channel_sending
from digest.building import DigestRequest, Window, select
from digest.models import ChannelPost, Delivery
from digest.planning import due, plan
from digest.sending import Outbox, chunks, send_chunk
from digest.tasks import queue_posts, queue_sends


def moment(value: str) -> datetime:
    """An ISO 8601 instant with a UTC offset; a naive one would silently mean the server's zone."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--now: {value!r} is not an ISO 8601 date and time") from None
    if parsed.tzinfo is None:
        raise CommandError(f"--now: {value!r} needs a UTC offset, e.g. {value}+00:00")
    return parsed


class Command(BaseCommand):
    help = (
        "Plan the digests and channel posts due now and send them (queue them when a broker is"
        " configured)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="Every active reader and channel is due now."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Print who would get which papers; send nothing."
        )
        parser.add_argument("--now", type=moment, help="Plan as if it were this moment.")

    def handle(self, *args: object, **options: object) -> None:
        now = options["now"] or clock.now()
        if options["dry_run"]:
            self._dry_run(now, bool(options["force"]))
            return
        force = bool(options["force"])
        ids, post_ids = plan(now, force=force), channel_sending.plan_posts(now, force=force)
        if not current_app.conf.task_always_eager:
            queue_sends(ids)
            queue_posts(post_ids)
            self.stdout.write(
                f"Planned {len(ids)} digest(s) and {len(post_ids)} channel post(s);"
                " queued for the workers."
            )
            return
        # No broker: send here, chunk by chunk, exactly as the workers would.
        work = [(send_chunk, chunk) for chunk in chunks(ids)]
        work += [(channel_sending.send_posts, chunk) for chunk in chunks(post_ids)]
        done, total = 0, len(ids) + len(post_ids)
        for send, chunk in work:
            progress(self.stderr, done, total)
            send(chunk)
            done += len(chunk)
        progress(self.stderr, done, total)
        self.stdout.write(
            f"Planned {len(ids)} digest(s): {_counts(Delivery, ids)};"
            f" {len(post_ids)} channel post(s): {_counts(ChannelPost, post_ids)}."
        )

    def _dry_run(self, now: datetime, force: bool) -> None:
        """The same selection as a real run, without writing a row or sending an email."""
        readers = list(due(now, force))
        prefetch_related_objects([reader.subscriber for reader in readers], "topics")
        requests = [
            DigestRequest(
                subscriber=reader.subscriber,
                topics=[topic for topic in reader.subscriber.topics.all() if topic.enabled],
                window_start=reader.window_start,
                window_end=now,
            )
            for reader in readers
        ]
        for request, picks in zip(requests, select(requests), strict=True):
            self.stdout.write(f"{request.subscriber.email}: {len(picks)} paper(s)")
            for pick in picks:
                self.stdout.write(f"  - {pick.paper.title}")
        channels = self._dry_run_channels(now, force)
        self.stdout.write(
            f"Dry run: {len(requests)} reader(s) and {channels} channel(s) due; nothing was sent."
        )

    def _dry_run_channels(self, now: datetime, force: bool) -> int:
        """Print the channels a real run would post to, with their papers; return how many."""
        due = list(channel_sending.due_channels(now, force))
        for channel, window in ((d.channel, Window(d.window_start, now)) for d in due):
            chosen = channel_sending.choose(channel, window)
            owner = channel.owner.email
            self.stdout.write(f"Channel {channel.name} ({owner}): {len(chosen)} paper(s)")
            for pk in chosen:
                self.stdout.write(f"  - {window.papers[pk].title}")
        return len(due)


def _counts(model: Outbox, ids: list[int]) -> str:
    counts = Counter(model.objects.filter(pk__in=ids).values_list("status", flat=True))
    later = f", {counts['planned']} to retry later" if counts["planned"] else ""
    skipped, failed = counts["skipped"], counts["failed"]
    return f"{counts['sent']} sent, {skipped} skipped (nothing new), {failed} failed{later}"
