import pytest
from django.core.management import call_command
from django.db import connection

from tests.services import require_postgres


@pytest.mark.django_db
def test_migrations_apply_on_postgresql_and_match_the_models() -> None:
    require_postgres()

    call_command("makemigrations", "--check", "--dry-run", verbosity=0)

    tables = connection.introspection.table_names()
    assert {"digest_paper", "digest_source", "subscriptions_subscriber"} <= set(tables)
