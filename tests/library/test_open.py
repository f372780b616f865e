"""open_store picks the backend from the settings or a URL."""

from __future__ import annotations

from pathlib import Path

from videoscope.config import Settings
from videoscope.library import SQLiteStore
from videoscope.library.open import open_store
from videoscope.library.postgres import PostgresStore


def test_settings_pick_the_embedded_store_by_default(tmp_path: Path) -> None:
    store = open_store(Settings(home=tmp_path))
    assert isinstance(store, SQLiteStore) and store.folder == tmp_path / "library"
    store.close()


def test_a_postgresql_url_picks_postgres(postgres_url: str, tmp_path: Path) -> None:
    store = open_store(Settings(home=tmp_path, database_url=postgres_url))
    assert isinstance(store, PostgresStore)
    index = store.create_index("opened", [])
    assert open_store(postgres_url).get_index(index.id).name == "opened"
    store.delete_index(index.id)
    store.close()
