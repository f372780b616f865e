"""The asset table: media files the server holds (uploaded, or fetched from a ``video_url``).

Every video the server indexes or analyzes is first an asset: a file under
``<home>/server/uploads/<asset_id>/`` whose name the server chooses from a sanitised client name.
Rows live in ``tasks.db`` beside the tasks. :mod:`videoscope.api.routes.assets` exposes them as
Twelve Labs does; :mod:`videoscope.api.services.assets` saves uploads and fetches URLs.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from videoscope.api.security import inside, safe_filename
from videoscope.errors import InvalidRequestError, NotFoundError
from videoscope.library.sqlite import new_id

_SCHEMA = """
CREATE TABLE IF NOT EXISTS assets (
    id TEXT PRIMARY KEY, method TEXT NOT NULL, status TEXT NOT NULL, filename TEXT NOT NULL,
    file TEXT, url TEXT, size INTEGER, user_metadata TEXT NOT NULL, created_at TEXT NOT NULL);
"""


@dataclass(frozen=True)
class Asset:
    """An asset row; ``file`` is relative to the uploads folder (None until fetched)."""

    id: str
    method: str
    status: str
    filename: str
    file: str | None
    url: str | None
    size: int | None
    user_metadata: dict[str, Any]
    created_at: str


class AssetStore:
    """Asset rows plus their files under ``uploads``."""

    def __init__(self, db_path: Path, uploads: Path) -> None:
        self.uploads = uploads
        uploads.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(db_path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)

    def folder(self, asset_id: str) -> Path:
        """The asset's own folder (inside ``uploads``)."""
        return inside(self.uploads, asset_id)

    def create(
        self,
        method: str,
        filename: str,
        *,
        url: str | None = None,
        user_metadata: dict[str, Any] | None = None,
        asset_id: str | None = None,
    ) -> Asset:
        """A new asset row in status ``processing``."""
        asset_id = asset_id or new_id()
        now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        with self._lock:
            self._db.execute(
                "INSERT INTO assets VALUES (?, ?, 'processing', ?, NULL, ?, NULL, ?, ?)",
                (
                    asset_id,
                    method,
                    safe_filename(filename),
                    url,
                    json.dumps(user_metadata or {}),
                    now,
                ),
            )
        return self.get(asset_id)

    def attach(self, asset_id: str, path: Path) -> Asset:
        """Record ``path`` (inside the asset folder) as the asset's file; status ``ready``."""
        relative = path.resolve().relative_to(self.uploads.resolve())
        with self._lock:
            self._db.execute(
                "UPDATE assets SET file = ?, size = ?, status = 'ready' WHERE id = ?",
                (str(relative), path.stat().st_size, asset_id),
            )
        return self.get(asset_id)

    def fail(self, asset_id: str) -> None:
        """Mark the asset ``failed`` (its file could not be fetched)."""
        with self._lock:
            self._db.execute("UPDATE assets SET status = 'failed' WHERE id = ?", (asset_id,))

    def get(self, asset_id: str) -> Asset:
        """The asset or ``NotFoundError``."""
        with self._lock:
            row = self._db.execute("SELECT * FROM assets WHERE id = ?", (asset_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"asset {asset_id!r}", "no such asset", "check the asset id")
        return _asset(row)

    def path(self, asset: Asset) -> Path:
        """The asset's file, checked to lie inside ``uploads``."""
        if asset.file is None:
            raise InvalidRequestError(
                f"asset {asset.id!r}", f"the asset is {asset.status}, its file is not here", ""
            )
        return inside(self.uploads, asset.file)

    def page(self, page: int, limit: int, ids: list[str] | None = None) -> tuple[list[Asset], int]:
        """A page of assets, newest first, and the total."""
        where, params = "", []
        if ids:
            where = f"WHERE id IN ({', '.join('?' * len(ids))})"
            params = list(ids)
        with self._lock:
            total = self._db.execute(f"SELECT COUNT(*) FROM assets {where}", params).fetchone()[0]
            rows = self._db.execute(
                f"SELECT * FROM assets {where} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
                [*params, limit, (page - 1) * limit],
            ).fetchall()
        return [_asset(r) for r in rows], int(total)

    def set_metadata(self, asset_id: str, metadata: dict[str, Any], merge: bool) -> None:
        """Replace (or merge into) the asset's ``user_metadata``."""
        current = self.get(asset_id).user_metadata if merge else {}
        merged = {k: v for k, v in {**current, **metadata}.items() if v is not None}
        with self._lock:
            self._db.execute(
                "UPDATE assets SET user_metadata = ? WHERE id = ?", (json.dumps(merged), asset_id)
            )

    def delete(self, asset_id: str) -> None:
        """Delete the row and the asset's folder."""
        self.get(asset_id)
        with self._lock:
            self._db.execute("DELETE FROM assets WHERE id = ?", (asset_id,))
        shutil.rmtree(self.folder(asset_id), ignore_errors=True)

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()


def _asset(row: sqlite3.Row) -> Asset:
    return Asset(
        id=row["id"],
        method=row["method"],
        status=row["status"],
        filename=row["filename"],
        file=row["file"],
        url=row["url"],
        size=row["size"],
        user_metadata=json.loads(row["user_metadata"]),
        created_at=row["created_at"],
    )
