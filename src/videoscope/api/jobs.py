"""What the workers run: indexing a video into an index, and analyzing a video.

Both are safe to re-run after a crash. Indexing resumes from the per-stage cache (finished stages
are not redone) and, before storing, adopts a video that the interrupted run had already stored
(same content in the same index, stored after the task was created), so a video is never stored
twice. Analysis has no side effect until its result is written.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from videoscope.api.tasks import Task
from videoscope.api.workers import Handler, TaskContext
from videoscope.errors import InvalidRequestError, NotFoundError
from videoscope.library.ingest import add_to_library
from videoscope.library.records import ModelOption, VideoRecord
from videoscope.media.probe import probe
from videoscope.perceive.base import ProgressCallback, ProgressEvent
from videoscope.perceive.pipeline import index_video
from videoscope.perceive.registry import build_stages, stage_names
from videoscope.timeline.model import Timeline

if TYPE_CHECKING:
    from videoscope.api.state import ServerState

logger = logging.getLogger(__name__)


def handlers(state: ServerState) -> dict[str, Handler]:
    """The task handlers of a server, by task kind."""

    def run_index(task: Task, context: TaskContext) -> tuple[dict[str, Any] | None, str | None]:
        return index_task(state, task, context)

    def run_analyze(task: Task, context: TaskContext) -> tuple[dict[str, Any] | None, str | None]:
        from videoscope.api.analyze import analyze_task

        return analyze_task(state, task, context), None

    def run_embed(task: Task, context: TaskContext) -> tuple[dict[str, Any] | None, str | None]:
        from videoscope.api.embed import embed_task

        return embed_task(state, task, context), None

    return {"index": run_index, "analyze": run_analyze, "embed": run_embed}


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


def index_task(state: ServerState, task: Task, context: TaskContext) -> tuple[dict[str, Any], str]:
    """Fetch (if a URL), validate, index and store the video of an indexing task."""
    from videoscope.api.assets import fetch_asset

    index_id = str(task.index_id)
    index = state.library.store.get_index(index_id)
    asset = state.assets.get(task.payload["asset_id"])
    context.status("validating", "fetching" if asset.file is None else "probing")
    path = fetch_asset(state, asset)
    info = probe(path)
    metadata = {
        "filename": asset.filename,
        "duration": info.duration,
        "width": info.video.display_size[0] if info.video else None,
        "height": info.video.display_size[1] if info.video else None,
    }
    context.store.update(task.id, payload={**task.payload, "system_metadata": metadata})
    existing = _already_stored(state, index_id, path, task)
    if existing is not None:
        logger.info("task %s: adopting video %s stored before a restart", task.id, existing.id)
        return {"video_id": existing.id}, existing.id
    context.status("indexing", "decoding")
    options: list[ModelOption] = sorted(
        {option for model in index.models for option in model.model_options}
    )
    stages = build_stages(stage_names(options), state.settings)
    timeline = index_video(
        path,
        stages,
        cache_dir=state.settings.cache_dir,
        progress=stage_progress(context, len(stages)),
    )
    context.progress(0.99, "storing")
    record = add_to_library(
        state.library.store,
        index_id,
        path,
        timeline,
        text_embedder=state.library.text_embedder,
        user_metadata=task.payload.get("user_metadata") or None,
    )
    return {"video_id": record.id}, record.id


def _already_stored(
    state: ServerState, index_id: str, path: Path, task: Task
) -> VideoRecord | None:
    """A video of this content stored in the index by an earlier run of ``task``."""
    if task.attempts <= 1:
        return None
    from videoscope.media.hashing import content_hash

    digest = content_hash(str(path))
    page = 1
    while True:
        listing = state.library.store.list_videos(index_id, page=page, limit=100)
        for video in listing.items:
            fresh = video.created_at.isoformat() >= task.created_at[:19]
            if video.content_hash == digest and fresh and not _owned(state, video.id):
                return video
        if page >= listing.total_pages:
            return None
        page += 1


def _owned(state: ServerState, video_id: str) -> bool:
    """Whether a task already claims ``video_id`` as its result."""
    return state.tasks.page("index", limit=1, filters={"video_id": video_id})[1] > 0


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
        from videoscope.api.assets import fetch_asset

        path = fetch_asset(state, asset)
    elif kind == "url":
        from videoscope.api.assets import fetch_asset

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
