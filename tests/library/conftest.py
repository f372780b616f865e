"""Library fixtures: a real PostgreSQL server (with pgvector) for the session, and a ``store``
fixture that runs each store test on both backends.

The server comes from :class:`videoscope.library.pgserver.LocalPostgres` on a free loopback port.
Where it cannot start, the PostgreSQL variants fail under CI (``CI`` set) and skip elsewhere.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from videoscope.library import SQLiteStore, Store
from videoscope.library.pgserver import LocalPostgres

BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The URL of a PostgreSQL server with pgvector, started for this test session."""
    server = LocalPostgres()
    try:
        url = server.start()
    except Exception as error:
        server.stop(remove=True)
        message = f"PostgreSQL with pgvector could not start: {error}"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI runs the store tests on PostgreSQL too)")
        pytest.skip(message)
    yield url
    server.stop()


def postgres_store(url: str) -> Store:
    """A PostgresStore in a fresh schema of the session's server (a clean store per test)."""
    import psycopg

    from videoscope.library.postgres import PostgresStore

    schema = f"test_{secrets.token_hex(6)}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    return PostgresStore(f"{url}?options={quote(f'-csearch_path={schema},public')}")


def reopen(store: Store) -> Store:
    """A second, independent handle on the same stored library."""
    if isinstance(store, SQLiteStore):
        return SQLiteStore(store.folder)
    from videoscope.library.postgres import PostgresStore

    assert isinstance(store, PostgresStore)
    return PostgresStore(store.url)


def make_store(backend: str, request: pytest.FixtureRequest, folder: Path) -> Store:
    """A new, empty store of ``backend``."""
    if backend == "sqlite":
        return SQLiteStore(folder)
    return postgres_store(request.getfixturevalue("postgres_url"))


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty store, once per backend."""
    opened = make_store(request.param, request, tmp_path)
    yield opened
    opened.close()
