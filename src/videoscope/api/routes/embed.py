"""``/embed`` (text, image, audio) and ``/embed/tasks`` (video, as a persistent task).

Served by :class:`videoscope.embed.Embedder` in Twelve Labs' shapes (the worker side is
:func:`videoscope.api.tasks.handlers.embed_task`). Text, images and video clips
(``visual-text``) share one space; ``audio`` vectors embed the words spoken in each clip (see
docs/classify_embed.md).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, UploadFile

from videoscope.api.deps import ServerState, State
from videoscope.api.schemas import IdOnly, PageInfo, page_info
from videoscope.api.security import check_url, download
from videoscope.api.services.assets import fetch_asset, store_upload
from videoscope.api.services.models import dump, embedder
from videoscope.api.services.queries import query_image
from videoscope.api.tasks.store import Task
from videoscope.errors import InvalidRequestError
from videoscope.perceive.pipeline import index_video
from videoscope.perceive.registry import build_stages

router = APIRouter(tags=["embed"])
_MODEL = "videoscope-1"
_AUDIO_STAGES = ["silence", "speech"]


def _media_bytes(
    state: ServerState, url: str | None, upload: UploadFile | None, limit: int
) -> bytes:
    if url:
        path = download(url, state.folder / "queries", state.settings.server, "media")
        try:
            return path.read_bytes()
        finally:
            path.unlink(missing_ok=True)
    assert upload is not None
    return upload.file.read(limit + 1)


@router.post("/embed")
def embed(
    state: State,
    model_name: Annotated[str, Form(max_length=64)] = _MODEL,
    text: Annotated[str | None, Form(max_length=4000)] = None,
    image_url: Annotated[str | None, Form(max_length=4096)] = None,
    image_file: Annotated[UploadFile | None, File()] = None,
    audio_url: Annotated[str | None, Form(max_length=4096)] = None,
    audio_file: Annotated[UploadFile | None, File()] = None,
    audio_start_offset_sec: Annotated[float | None, Form(ge=0)] = None,
) -> dict[str, Any]:
    """Embed a text, an image and/or an audio file (``EmbeddingResponse``)."""
    has_image = (image_file is not None and image_file.filename) or image_url
    has_audio = (audio_file is not None and audio_file.filename) or audio_url
    if not text and not has_image and not has_audio:
        raise InvalidRequestError("text", "give a text, an image or an audio file", "")
    engine = embedder(state)
    out: dict[str, Any] = {"model_name": model_name, "spaces": []}
    if text:
        part = dump(engine.embed_text(text))
        out["text_embedding"] = part["text_embedding"]
        out["spaces"] += part["spaces"]
    if has_image:
        data = _media_bytes(state, image_url, image_file, 20 * 1024 * 1024)
        part = dump(engine.embed_image(query_image(data)))
        part["image_embedding"]["metadata"] = {
            "input_url": image_url,
            "input_filename": image_file.filename if image_file else None,
        }
        out["image_embedding"] = part["image_embedding"]
        out["spaces"] += part["spaces"]
    if has_audio:
        out["audio_embedding"] = _audio(state, audio_url, audio_file, audio_start_offset_sec)
    return out


def _audio(
    state: ServerState, url: str | None, upload: UploadFile | None, offset: float | None
) -> dict[str, Any]:
    if url:
        check_url(url, state.settings.server)
        asset = state.assets.create("url", "audio", url=url)
    else:
        assert upload is not None
        asset = store_upload(state, upload, {})
    path = fetch_asset(state, asset)
    try:
        timeline = index_video(
            path, build_stages(_AUDIO_STAGES, state.settings), cache_dir=state.settings.cache_dir
        )
        part = dump(embedder(state).embed_video(timeline, scopes=["clip"], options=["audio"]))
    finally:
        state.assets.delete(asset.id)
    result = part.get("audio_embedding") or part.get("video_embedding") or {}
    if offset:
        result["segments"] = [
            s for s in result.get("segments", []) if s.get("end_offset_sec", 0) > offset
        ]
    return dict(result)


@router.post("/embed/tasks", status_code=201, response_model=IdOnly)
def create_embed_task(
    state: State,
    model_name: Annotated[str, Form(max_length=64)] = _MODEL,
    video_file: Annotated[UploadFile | None, File()] = None,
    video_url: Annotated[str | None, Form(max_length=4096)] = None,
    video_start_offset_sec: Annotated[float | None, Form(ge=0)] = None,
    video_end_offset_sec: Annotated[float | None, Form(gt=0)] = None,
    video_clip_length: Annotated[float | None, Form(gt=0)] = None,
    video_embedding_scope: Annotated[list[str] | None, Form()] = None,
) -> IdOnly:
    """Queue a video embedding task."""
    from videoscope.embed import MAX_CLIP, MIN_CLIP

    if video_clip_length is not None and not MIN_CLIP <= video_clip_length <= MAX_CLIP:
        raise InvalidRequestError(
            "video_clip_length", f"is {video_clip_length:g}", f"use {MIN_CLIP:g} to {MAX_CLIP:g} s"
        )
    scopes = video_embedding_scope or ["clip"]
    if any(s not in ("clip", "video") for s in scopes):
        raise InvalidRequestError("video_embedding_scope", "use 'clip' and/or 'video'", "")
    if video_file is not None and video_file.filename:
        asset = store_upload(state, video_file, {})
    elif video_url:
        check_url(video_url, state.settings.server)
        asset = state.assets.create("url", "video", url=video_url)
    else:
        raise InvalidRequestError("video_file", "give a video_file or a video_url", "")
    task = state.tasks.create(
        "embed",
        {
            "asset_id": asset.id,
            "model_name": model_name,
            "scopes": scopes,
            "start": video_start_offset_sec,
            "end": video_end_offset_sec,
            "input_url": video_url,
            "input_filename": asset.filename,
            "clip_length": video_clip_length,
        },
    )
    state.pool.notify()
    return IdOnly(id=task.id)


def _embed_status(task: Task) -> str:
    return "processing" if task.status == "pending" else task.status


def _embed_out(task: Task, with_segments: bool) -> dict[str, Any]:
    payload, result = task.payload, task.result or {}
    video: dict[str, Any] = {
        "metadata": {
            "input_url": payload.get("input_url"),
            "input_filename": payload.get("input_filename"),
            "video_clip_length": payload.get("clip_length"),
            "video_embedding_scope": payload.get("scopes"),
            "duration": result.get("duration"),
        }
    }
    if with_segments:
        video["segments"] = result.get("segments", [])
    return {
        "_id": task.id,
        "model_name": payload.get("model_name"),
        "status": _embed_status(task),
        "created_at": task.created_at,
        "updated_at": task.updated_at,
        "video_embedding": video,
        "error": task.error,
    }


@router.get("/embed/tasks")
def list_embed_tasks(
    state: State,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> dict[str, Any]:
    """Video embedding tasks, newest first."""
    tasks, total = state.tasks.page("embed", page=page, limit=page_limit)
    info: PageInfo = page_info(page, page_limit, total)
    return {"data": [_embed_out(t, False) for t in tasks], "page_info": info.model_dump()}


@router.get("/embed/tasks/{task_id}/status")
def embed_task_status(task_id: str, state: State) -> dict[str, Any]:
    """Status of a video embedding task."""
    return _embed_out(state.tasks.get(task_id, "embed"), False)


@router.get("/embed/tasks/{task_id}")
def get_embed_task(task_id: str, state: State) -> dict[str, Any]:
    """A video embedding task with its segments once ``ready``."""
    return _embed_out(state.tasks.get(task_id, "embed"), True)
