"""`manage.py demo`: what `make demo` runs after migrating a fresh embedded database."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the demo on the embedded database."

    def handle(self, *args: object, **options: object) -> None:
        self.stdout.write("The demo database is migrated and ready.")
