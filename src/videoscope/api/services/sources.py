"""The video a request names, as a source and as a :class:`Timeline` (routes and task handlers).

A source is an indexed video (``{type: video_id, index_id, video_id}``), an asset
(``{type: asset_id, asset_id}``) or a URL (``{type: url, url}``); a ``base64_string`` becomes an
asset when the request is checked. Assets and URLs are indexed on the fly with every stage
(cached by content).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any

from videoscope.api.deps import ServerState
from videoscope.api.security import PayloadTooLargeError, check_url, safe_filename
from videoscope.api.services.assets import fetch_asset
from videoscope.api.tasks.workers import TaskContext
from videoscope.errors import InvalidRequestError, NotFoundError
from videoscope.perceive.base import ProgressCallback, ProgressEvent
from videoscope.perceive.pipeline import index_video
from videoscope.perceive.registry import build_stages, stage_names
from videoscope.timeline.model import Timeline


def resolve_source(
    state: ServerState, video: dict[str, Any] | None, video_id: str | None, index_id: str | None
) -> dict[str, Any]:
    """Check the video a request names and return it as a stored source description."""
    if video is None and video_id:
        video = {"type": "video_id", "video_id": video_id, "index_id": index_id}
    if not isinstance(video, dict):
        raise InvalidRequestError("video", "is required", "give {type: asset_id, asset_id: ...}")
    kind = video.get("type")
    if kind == "asset_id":
        asset = state.assets.get(str(video.get("asset_id")))
        return {"type": "asset_id", "asset_id": asset.id}
    if kind == "url":
        url = str(video.get("url") or "")
        check_url(url, state.settings.server)
        return {"type": "url", "url": url}
    if kind == "video_id":
        if not video.get("index_id"):
            raise InvalidRequestError("video.index_id", "is required with video_id", "")
        state.library.store.get_video(str(video["index_id"]), str(video.get("video_id")))
        return {"type": "video_id", "video_id": video["video_id"], "index_id": video["index_id"]}
    if kind == "base64_string":
        text = str(video.get("base64_string") or "")
        limit = state.settings.server.max_upload_bytes
        if len(text) * 3 // 4 > limit:
            raise PayloadTooLargeError("video.base64_string", f"is over {limit} bytes", "")
        try:
            data = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError) as error:
            raise InvalidRequestError("video.base64_string", "is not valid base64", "") from error
        if not data:
            raise InvalidRequestError("video.base64_string", "is empty", "")
        asset = state.assets.create("direct", "video.mp4")
        folder = state.assets.folder(asset.id)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / safe_filename("video.mp4")
        path.write_bytes(data)
        state.assets.attach(asset.id, path)
        return {"type": "asset_id", "asset_id": asset.id}
    raise InvalidRequestError(
        "video.type",
        f"{str(kind)[:40]!r} is not supported",
        "use asset_id, url, base64_string or video_id",
    )


def named_timeline(
    state: ServerState, video: dict[str, Any] | None, video_id: str | None, index_id: str | None
) -> Timeline:
    """The timeline of the video a synchronous request names (its index found if not given)."""
    if video is None and video_id and not index_id:
        index_id = find_index_of(state, video_id)
    source = resolve_source(state, video, video_id, index_id)
    return timeline_for_source(state, source, None)


def find_index_of(state: ServerState, video_id: str) -> str:
    """The index holding ``video_id`` (legacy routes name a video without its index)."""
    store, page = state.library.store, 1
    while True:
        listing = store.list_indexes(page=page, limit=100)
        for index in listing.items:
            try:
                store.get_video(index.id, video_id)
            except NotFoundError:
                continue
            return index.id
        if page >= listing.total_pages:
            raise NotFoundError(f"video {video_id!r}", "no index holds this video", "")
        page += 1


def stage_progress(context: TaskContext, stages: int) -> ProgressCallback:
    """A pipeline progress callback that stores the mean progress of ``stages`` stages.

    Each stage reports the fraction of the media it has processed, so the shared ``hash`` and
    ``decode`` steps are left out of the mean (decode events still check for cancelation).
    """
    done: dict[str, float] = {}

    def report(event: ProgressEvent) -> None:
        if event.stage == "hash":
            return
        if event.stage != "decode":
            done[event.stage] = max(done.get(event.stage, 0.0), event.fraction)
        total = sum(done.values()) / max(1, stages)
        context.progress(min(0.99, total), event.stage)

    return report


def timeline_for_source(
    state: ServerState,
    source: dict[str, Any],
    context: TaskContext | None,
) -> Timeline:
    """The timeline of an analyze source: an indexed video, an asset or a URL (indexed on the
    fly with every stage, cached by content)."""
    kind = source.get("type")
    if kind == "video_id":
        return state.library.store.get_timeline(
            str(source.get("index_id")), str(source.get("video_id"))
        )
    if kind == "asset_id":
        asset = state.assets.get(str(source.get("asset_id")))
        indexed = indexed_video_of_asset(state, asset.id)
        if indexed is not None:
            return state.library.store.get_timeline(*indexed)
        path = fetch_asset(state, asset)
    elif kind == "url":
        asset = state.assets.create("url", "video", url=str(source.get("url")))
        path = fetch_asset(state, asset)
    else:
        raise InvalidRequestError(
            "video.type", f"{kind!r} is not supported", "use 'asset_id', 'url' or 'video_id'"
        )
    stages = build_stages(stage_names(), state.settings)
    progress: Callable[[ProgressEvent], None] | None = (
        stage_progress(context, len(stages)) if context is not None else None
    )
    return index_video(path, stages, cache_dir=state.settings.cache_dir, progress=progress)


def indexed_video_of_asset(state: ServerState, asset_id: str) -> tuple[str, str] | None:
    """``(index_id, video_id)`` of a ready video indexed from ``asset_id``, if any still exists."""
    page = 1
    while True:
        tasks, total = state.tasks.page("index", page=page, limit=100, filters={"status": "ready"})
        for task in tasks:
            if task.payload.get("asset_id") == asset_id and task.video_id and task.index_id:
                try:
                    state.library.store.get_video(task.index_id, task.video_id)
                except NotFoundError:
                    continue
                return task.index_id, task.video_id
        if page * 100 >= total:
            return None
        page += 1
