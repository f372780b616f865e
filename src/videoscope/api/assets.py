"""Assets: media files the server holds (uploaded, or fetched from a ``video_url``).

Every video the server indexes or analyzes is first an asset: a file under
``<home>/server/uploads/<asset_id>/`` whose name the server chooses from a sanitised client name.
Rows live in ``tasks.db`` beside the tasks. ``/assets`` routes expose them as Twelve Labs does.
"""

from __future__ import annotations

import json
import mimetypes
import shutil
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Response, UploadFile

from videoscope.api.schemas import AssetList, AssetOut, page_info
from videoscope.api.security import check_url, download, inside, safe_filename, save_upload
from videoscope.api.state import ServerState, get_state, parse_metadata
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


def asset_out(asset: Asset) -> AssetOut:
    """The API view of an asset."""
    return AssetOut(
        id=asset.id,
        method=asset.method,
        status=asset.status,  # type: ignore[arg-type]
        filename=asset.filename,
        file_type=mimetypes.guess_type(asset.filename)[0],
        created_at=asset.created_at,
        user_metadata=asset.user_metadata,
    )


def store_upload(state: ServerState, upload: UploadFile, user_metadata: dict[str, Any]) -> Asset:
    """Save an uploaded file as a new, ready asset."""
    name = safe_filename(upload.filename)
    asset = state.assets.create("direct", name, user_metadata=user_metadata)
    try:
        path = save_upload(
            upload.file, state.assets.folder(asset.id), name, state.settings.server.max_upload_bytes
        )
    except BaseException:
        state.assets.delete(asset.id)
        raise
    return state.assets.attach(asset.id, path)


def fetch_asset(state: ServerState, asset: Asset) -> Path:
    """The asset's file, downloading its URL first if needed (status ``failed`` on error)."""
    if asset.file is not None:
        return state.assets.path(asset)
    if asset.url is None:
        raise InvalidRequestError(f"asset {asset.id!r}", "has neither a file nor a URL", "")
    try:
        path = download(
            asset.url, state.assets.folder(asset.id), state.settings.server, asset.filename
        )
    except BaseException:
        state.assets.fail(asset.id)
        raise
    return state.assets.path(state.assets.attach(asset.id, path))


router = APIRouter(tags=["assets"])
State = Annotated[ServerState, Depends(get_state)]


@router.post("/assets", status_code=201, response_model=AssetOut)
def create_asset(
    state: State,
    method: Annotated[str, Form()] = "direct",
    file: Annotated[UploadFile | None, File()] = None,
    url: Annotated[str | None, Form(max_length=4096)] = None,
    filename: Annotated[str | None, Form(max_length=512)] = None,
    user_metadata: Annotated[str | None, Form(max_length=65536)] = None,
) -> AssetOut:
    """Upload a file (``method=direct``) or fetch a URL (``method=url``) as an asset."""
    metadata = parse_metadata(user_metadata)
    if method == "direct":
        if file is None:
            raise InvalidRequestError("file", "is required when method is 'direct'", "")
        if filename:
            file.filename = filename
        return asset_out(store_upload(state, file, metadata))
    if method == "url":
        if not url:
            raise InvalidRequestError("url", "is required when method is 'url'", "")
        check_url(url, state.settings.server)
        asset = state.assets.create(
            "url", filename or Path(url).name or "video", url=url, user_metadata=metadata
        )
        fetch_asset(state, asset)
        return asset_out(state.assets.get(asset.id))
    raise InvalidRequestError("method", f"{method[:40]!r} is not 'direct' or 'url'", "")


@router.get("/assets", response_model=AssetList)
def list_assets(
    state: State,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_limit: Annotated[int, Query(ge=1, le=50)] = 10,
    asset_ids: Annotated[list[str] | None, Query()] = None,
) -> AssetList:
    """Assets, newest first."""
    items, total = state.assets.page(page, page_limit, asset_ids)
    return AssetList(
        data=[asset_out(a) for a in items], page_info=page_info(page, page_limit, total)
    )


@router.get("/assets/{asset_id}", response_model=AssetOut)
def get_asset(asset_id: str, state: State) -> AssetOut:
    """One asset."""
    return asset_out(state.assets.get(asset_id))


@router.delete("/assets/{asset_id}", status_code=204)
def delete_asset(asset_id: str, state: State) -> Response:
    """Delete an asset and its file (indexed videos made from it stay)."""
    state.assets.delete(asset_id)
    return Response(status_code=204)


@router.put("/assets/{asset_id}/user-metadata", status_code=204)
def replace_asset_metadata(asset_id: str, body: dict[str, Any], state: State) -> Response:
    """Replace the asset's ``user_metadata``."""
    state.assets.set_metadata(asset_id, _metadata_body(body), merge=False)
    return Response(status_code=204)


@router.patch("/assets/{asset_id}/user-metadata", status_code=204)
def update_asset_metadata(asset_id: str, body: dict[str, Any], state: State) -> Response:
    """Merge keys into the asset's ``user_metadata`` (``null`` deletes a key)."""
    state.assets.set_metadata(asset_id, _metadata_body(body), merge=True)
    return Response(status_code=204)


@router.delete("/assets/{asset_id}/user-metadata", status_code=204)
def delete_asset_metadata(asset_id: str, state: State) -> Response:
    """Clear the asset's ``user_metadata``."""
    state.assets.set_metadata(asset_id, {}, merge=False)
    return Response(status_code=204)


def _metadata_body(body: dict[str, Any]) -> dict[str, Any]:
    value = body.get("user_metadata")
    if not isinstance(value, dict):
        raise InvalidRequestError("user_metadata", "must be a JSON object", "")
    return value
