"""`manage.py demo`: what `make demo` runs after migrating a fresh embedded database."""

import calendar
import os
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.test import override_settings

from digest import outbox
from digest.models import Delivery, Paper
from subscriptions.models import Subscriber

# Where `make site` serves the demo's database: the links in the demo's emails point there.
SITE_ADDRESS = "127.0.0.1:8000"
SITE_URL = f"http://{SITE_ADDRESS}"
# The footer's postal address (CAN-SPAM), reading as the example it is.
POSTAL_ADDRESS = "Demo Lab, 1 Example Street, Example City (an example address)"
DEMO_FEEDS = Path(__file__).resolve().parents[2] / "demo_data" / "feeds"
DEMO_READERS = Path(__file__).resolve().parents[2] / "demo_data" / "readers.csv"
# (time zone, local hour, weekday for weekly readers): the CSV format has no schedule columns.
DEMO_SCHEDULES = {
    "ada@example.com": ("Europe/London", 8, 0),
    "bob@example.com": ("America/New_York", 7, 0),
    "cy@example.com": ("Asia/Tokyo", 9, 0),
    "dee@example.com": ("Asia/Kolkata", 6, 0),
    "eve@example.com": ("Australia/Sydney", 8, 4),
}


class Command(BaseCommand):
    help = "Run the demo on the embedded database."

    def handle(self, *args: object, **options: object) -> None:
        self.stdout.write("The demo database is migrated and ready.")
        ingest_bundled_feeds(self)
        send_demo_digests(self)


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


def send_demo_digests(command: BaseCommand) -> None:
    """Import the demo readers as confirmed, send everyone's digest now into outbox/, and show
    what each reader got. The outbox backend, the links' address and the postal address are set
    here whatever the environment says: the demo's emails are opened beside `make site`."""
    command.stdout.write("\nImporting the demo readers (as confirmed):")
    call_command(
        "import_subscribers",
        os.path.relpath(DEMO_READERS),
        "--confirmed",
        stdout=command.stdout,
        stderr=command.stderr,
    )
    for email, (time_zone, hour, weekday) in DEMO_SCHEDULES.items():
        Subscriber.objects.filter(email=email).update(
            time_zone=time_zone, delivery_hour=hour, weekday=weekday
        )
    folder = Path(settings.EMAIL_FILE_PATH)
    outbox.clear(folder)
    command.stdout.write("\nSending every reader's digest now (send_digests --force):")
    demo = {"SITE_URL": SITE_URL, "POSTAL_ADDRESS": POSTAL_ADDRESS}
    with override_settings(EMAIL_BACKEND="digest.outbox.EmailBackend", **demo):
        call_command("send_digests", "--force", stdout=command.stdout)
    print_digest_table(command, folder)


def _schedule(reader: Subscriber) -> str:
    day = f"{calendar.day_abbr[reader.weekday]} " if reader.frequency == "weekly" else ""
    return f"{reader.frequency}, {day}{reader.delivery_hour:02d}:00 {reader.time_zone}"


def print_digest_table(command: BaseCommand, folder: Path) -> None:
    rows = [("reader", "schedule", "topics", "papers sent", "files")]
    deliveries = Delivery.objects.select_related("subscriber").order_by("subscriber__email")
    for delivery in deliveries.prefetch_related("subscriber__topics"):
        reader = delivery.subscriber
        topics = ", ".join(topic.name for topic in reader.topics.all()) or "(every paper)"
        files = sorted(folder.glob(f"{outbox.PREFIX}{delivery.pk}-*"))
        sent = str(delivery.items.count()) if delivery.status == "sent" else delivery.status
        shown = " ".join(os.path.relpath(path) for path in files) or "-"
        rows.append((reader.email, _schedule(reader), topics, sent, shown))
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    command.stdout.write("")
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        command.stdout.write("  ".join([*cells, row[4]]))
    where = os.path.relpath(folder)
    command.stdout.write(
        f"\nOpen the .html files in a browser, the .eml files in a mail app: {where}/"
        f"\nTheir links work once the site runs on this data: `make site` serves it at {SITE_URL}/"
    )
