"""What the workers run, by task kind: index a video into an index, analyze one, embed one.

All are safe to re-run after a crash. Indexing resumes from the per-stage cache (finished stages
are not redone) and, before storing, adopts a video that the interrupted run had already stored
(same content in the same index, stored after the task was created), so a video is never stored
twice. Analysis and embedding have no side effect until their result is written.

:func:`videoscope.api.app.create_app` hands :func:`handlers` to the worker pool; routes only
queue tasks and never call in here.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from videoscope.api.deps import ServerState
from videoscope.api.services.assets import fetch_asset
from videoscope.api.services.describer import run_prompt
from videoscope.api.services.models import dump, embedder
from videoscope.api.services.sources import stage_progress, timeline_for_source
from videoscope.api.tasks.store import Task
from videoscope.api.tasks.workers import Handler, TaskContext
from videoscope.library.ingest import add_to_library
from videoscope.library.records import ModelOption, VideoRecord
from videoscope.media.probe import probe
from videoscope.perceive.pipeline import index_video
from videoscope.perceive.registry import build_stages, stage_names

logger = logging.getLogger(__name__)

#: The stages a video embedding task indexes (visual-text and audio vectors).
EMBED_STAGES = ["shots", "silence", "speech", "visual"]


def handlers(state: ServerState) -> dict[str, Handler]:
    """The task handlers of a server, by task kind."""

    def run_index(task: Task, context: TaskContext) -> tuple[dict[str, Any] | None, str | None]:
        return index_task(state, task, context)

    def run_analyze(task: Task, context: TaskContext) -> tuple[dict[str, Any] | None, str | None]:
        return analyze_task(state, task, context), None

    def run_embed(task: Task, context: TaskContext) -> tuple[dict[str, Any] | None, str | None]:
        return embed_task(state, task, context), None

    return {"index": run_index, "analyze": run_analyze, "embed": run_embed}


def index_task(state: ServerState, task: Task, context: TaskContext) -> tuple[dict[str, Any], str]:
    """Fetch (if a URL), validate, index and store the video of an indexing task."""
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


def analyze_task(state: ServerState, task: Task, context: TaskContext) -> dict[str, Any]:
    """Worker side: index (or load) the video, then analyze it."""
    params: dict[str, Any] = task.payload["params"]
    context.status("processing", "indexing")
    timeline = timeline_for_source(state, task.payload["source"], context)
    context.progress(0.95, "analyzing")
    system = {"duration": timeline.video.duration}
    if params.get("analysis_mode") == "time_based_metadata":
        from videoscope.segments import analyze_timeline

        result = analyze_timeline(timeline, params)
        return {
            "generation_id": result.generation_id,
            "data": result.data,
            "finish_reason": result.finish_reason,
            "usage": {
                "output_tokens": int(result.usage.get("output_tokens", 0)),
                "input_tokens": int(result.usage.get("input_tokens", 0)),
            },
            "warnings": result.warnings,
            "system_metadata": system,
        }
    answer = run_prompt(timeline, params)
    return {**answer, "system_metadata": system}


def embed_task(state: ServerState, task: Task, context: TaskContext) -> dict[str, Any]:
    """Worker side: index the video (visual and speech stages), then embed its clips."""
    from videoscope.embed import DEFAULT_CLIP

    payload = task.payload
    path = fetch_asset(state, state.assets.get(payload["asset_id"]))
    stages = build_stages(EMBED_STAGES, state.settings)
    timeline = index_video(
        path,
        stages,
        cache_dir=state.settings.cache_dir,
        progress=stage_progress(context, len(stages)),
    )
    response = embedder(state).embed_video(
        timeline,
        clip_length=payload.get("clip_length") or DEFAULT_CLIP,
        scopes=payload["scopes"],
        options=["visual-text", "audio"],
    )
    dumped = dump(response)
    media = dumped.get("video_embedding") or dumped.get("audio_embedding")
    start = payload.get("start") or 0.0
    end = payload.get("end") or timeline.video.duration
    segments = [
        s
        for s in (media or {}).get("segments", [])
        if s.get("embedding_scope") == "video"
        or (s.get("end_offset_sec", 0) > start and s.get("start_offset_sec", 0) < end)
    ]
    return {
        "segments": segments,
        "duration": timeline.video.duration,
        "model_name": response.model_name,
    }
