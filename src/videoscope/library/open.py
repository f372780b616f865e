"""Open the store the settings name: the embedded SQLite store, or PostgreSQL for a URL."""

from __future__ import annotations

from pathlib import Path

from videoscope.config import Settings, get_settings
from videoscope.library.store import Store

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def open_store(target: Settings | str | Path | None = None) -> Store:
    """The store for ``target``: settings (``database_url``, else ``home/library``), a
    ``postgresql://`` URL, or a folder for the embedded store. ``None`` reads the settings.

    Example:
        >>> store = open_store("/tmp/my-library")  # doctest: +SKIP
        >>> store = open_store("postgresql://me@localhost/videoscope")  # doctest: +SKIP
    """
    if target is None:
        target = get_settings()
    if isinstance(target, Settings):
        if target.database_url:
            return open_store(target.database_url)
        return open_store(target.home / "library")
    if str(target).startswith(POSTGRES_SCHEMES):
        from videoscope.library.postgres import PostgresStore

        return PostgresStore(str(target))
    from videoscope.library.sqlite import SQLiteStore

    return SQLiteStore(Path(target))
