"""``/assets``: upload a file or fetch a URL as an asset; list, get, delete; ``user_metadata``."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Response, UploadFile

from videoscope.api.asset_store import Asset
from videoscope.api.deps import State, parse_metadata
from videoscope.api.schemas import AssetList, AssetOut, page_info
from videoscope.api.security import check_url
from videoscope.api.services.assets import fetch_asset, store_upload
from videoscope.errors import InvalidRequestError


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


router = APIRouter(tags=["assets"])


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
