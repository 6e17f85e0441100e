"""A throwaway PostgreSQL database for one benchmark, created and dropped around it."""

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"


def _server_database(name: str) -> str:
    """DATABASE_URL's server (or the local default) with another database name."""
    url = os.environ.get("DATABASE_URL", "")
    server = url if url.startswith("postgres") else DEFAULT_SERVER
    return urlunsplit(urlsplit(server)._replace(path=f"/{name}"))


@contextmanager
def _throwaway(prefix: str) -> Iterator[str | None]:
    import psycopg

    name = f"{prefix}_{os.getpid()}"
    try:
        admin = psycopg.connect(_server_database("postgres"), autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        yield None
        return
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield _server_database(name)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def on_postgres(prefix: str, measure: Callable[[str], dict]) -> dict | None:
    """`measure(database_url)` on a fresh database; None when no PostgreSQL answers."""
    with _throwaway(prefix) as url:
        return measure(url) if url else None
