"""`manage.py demo_staff`: the demo's staff account, made (or put back) and printed, for
`make site`. Only on a SQLite database with DEBUG on (as the demo runs): its password is printed
for all to read, so it must never reach a production database."""

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from digest.management.commands.demo import SITE_URL

USERNAME = "demo"
PASSWORD = "demo-password"  # printed on purpose: see the guard in handle()


class Command(BaseCommand):
    help = "Make the demo's staff account (again) and print how to sign in. SQLite only."

    def handle(self, *args: object, **options: object) -> None:
        if connection.vendor != "sqlite" or not settings.DEBUG:
            raise CommandError(
                "demo_staff makes an account whose password anyone can read: it only runs on the "
                "demo's SQLite database, with DEBUG on (make site)."
            )
        user, _ = User.objects.get_or_create(username=USERNAME)
        user.is_staff = user.is_superuser = user.is_active = True
        user.set_password(PASSWORD)
        user.save()
        self.stdout.write(
            f"The demo's site: {SITE_URL}/  Its admin: {SITE_URL}/admin/ "
            f"(sign in as {USERNAME}, password {PASSWORD})"
        )
