"""Asset files: save an upload as an asset, fetch an asset's URL (routes and task handlers)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import UploadFile

from videoscope.api.asset_store import Asset
from videoscope.api.deps import ServerState
from videoscope.api.security import download, safe_filename, save_upload
from videoscope.errors import InvalidRequestError


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
