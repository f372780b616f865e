"""``/analyze`` and ``/analyze/tasks``: open-prompt analysis and time-based metadata.

* ``POST /analyze/tasks`` with ``analysis_mode: time_based_metadata`` and
  ``response_format: {type: segment_definitions, segment_definitions: [...]}`` runs
  :func:`videoscope.segments.analyze_timeline` as a persistent task; ``result.data`` is the JSON
  string keyed by definition id, as Twelve Labs returns it. The request is validated when the
  task is created (400 naming the definition and field at fault).
* Open prompts (``POST /analyze``, streamed or not, and ``analysis_mode: general``), ``/gist``
  and ``/summarize`` are served by :mod:`videoscope.api.describing`.

A video is named as Twelve Labs does (``video: {type: asset_id | url | base64_string}``), or by
``{type: video_id, index_id, video_id}`` for a video already indexed here.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import Field

from videoscope.api.schemas import ApiModel, PageInfo, page_info
from videoscope.api.security import PayloadTooLargeError, check_url, safe_filename
from videoscope.api.state import ServerState, get_state
from videoscope.api.tasks import Task
from videoscope.api.workers import TaskContext
from videoscope.errors import InvalidRequestError

router = APIRouter(tags=["analyze"])
State = Annotated[ServerState, Depends(get_state)]
_STATUSES = ("queued", "pending", "processing", "ready", "failed", "canceled")


class AnalyzeTaskCreate(ApiModel):
    """``POST /analyze/tasks`` (fields as the SDK sends them)."""

    model_name: str | None = Field(default=None, max_length=64)
    custom_id: str | None = Field(default=None, max_length=256)
    video: dict[str, Any] | None = None
    video_id: str | None = Field(default=None, max_length=64)
    index_id: str | None = Field(default=None, max_length=64)
    prompt: str | None = Field(default=None, max_length=20000)
    analysis_mode: Literal["general", "time_based_metadata"] = "general"
    temperature: float | None = Field(default=None, ge=0.0, le=1.0)
    max_tokens: int | Literal["unlimited"] | None = None
    response_format: dict[str, Any] | None = None
    min_segment_duration: float | None = None
    max_segment_duration: float | None = None
    start_time: float | None = None
    end_time: float | None = None


class AnalyzeTaskResult(ApiModel):
    """A finished analysis: ``data`` is text (or a JSON string)."""

    generation_id: str
    data: str
    finish_reason: str = "stop"
    usage: dict[str, int] = Field(default_factory=dict)


class AnalyzeTaskOut(ApiModel):
    """An analysis task (the SDK's ``AnalyzeTaskResponse``) plus ``progress``."""

    task_id: str
    custom_id: str | None = None
    video_source: dict[str, Any] | None = None
    request_params: dict[str, Any] | None = None
    status: str
    created_at: str
    completed_at: str | None = None
    result: AnalyzeTaskResult | None = None
    error: dict[str, Any] | None = None
    progress: float = 0.0
    warnings: list[str] = Field(default_factory=list)


class AnalyzeTaskList(ApiModel):
    """``GET /analyze/tasks``."""

    data: list[AnalyzeTaskOut]
    page_info: PageInfo


class TaskStatus(ApiModel):
    """``POST /analyze/tasks`` and ``.../cancel`` answers."""

    task_id: str
    status: str


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


def task_out(task: Task) -> AnalyzeTaskOut:
    """The API view of an analysis task."""
    payload = task.payload
    result = task.result or {}
    return AnalyzeTaskOut(
        task_id=task.id,
        custom_id=payload.get("custom_id"),
        video_source={
            **payload.get("source", {}),
            **(
                {"system_metadata": result["system_metadata"]}
                if "system_metadata" in result
                else {}
            ),
        },
        request_params=payload.get("params"),
        status=task.status,
        created_at=task.created_at,
        completed_at=task.completed_at,
        result=AnalyzeTaskResult(
            **{k: result[k] for k in ("generation_id", "data", "finish_reason", "usage")}
        )
        if "data" in result
        else None,
        error=task.error,
        progress=round(task.progress, 3),
        warnings=result.get("warnings", []),
    )


@router.post("/analyze/tasks", status_code=201, response_model=TaskStatus)
def create_analyze_task(body: AnalyzeTaskCreate, state: State) -> TaskStatus:
    """Queue an analysis of a video (time-based metadata, or an open prompt)."""
    params = body.model_dump(
        exclude_none=True, exclude={"video", "video_id", "index_id", "custom_id"}
    )
    if body.analysis_mode == "time_based_metadata":
        from videoscope.segments import parse_request

        parse_request(params)
    else:
        from videoscope.api.describing import require_describer

        require_describer()
        if not body.prompt:
            raise InvalidRequestError("prompt", "is required for general analysis", "")
    source = resolve_source(state, body.video, body.video_id, body.index_id)
    task = state.tasks.create(
        "analyze", {"source": source, "params": params, "custom_id": body.custom_id}
    )
    state.pool.notify()
    return TaskStatus(task_id=task.id, status=task.status)


@router.get("/analyze/tasks", response_model=AnalyzeTaskList)
def list_analyze_tasks(
    state: State,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_limit: Annotated[int, Query(ge=1, le=50)] = 10,
    status: Annotated[str | None, Query(max_length=20)] = None,
    asset_id: Annotated[str | None, Query(max_length=64)] = None,
    video_url: Annotated[str | None, Query(max_length=4096)] = None,
    analysis_mode: Annotated[str | None, Query(pattern="^(general|time_based_metadata)$")] = None,
) -> AnalyzeTaskList:
    """Analysis tasks, newest first."""
    if status is not None and status not in _STATUSES:
        raise InvalidRequestError("status", f"{status!r} is not a status", ", ".join(_STATUSES))
    filters = {"status": "queued" if status == "pending" else status} if status else {}
    if not (asset_id or video_url or analysis_mode):
        tasks, total = state.tasks.page("analyze", page=page, limit=page_limit, filters=filters)
    else:
        everything: list[Task] = []
        number = 1
        while True:
            chunk, total = state.tasks.page("analyze", page=number, limit=200, filters=filters)
            everything.extend(
                t
                for t in chunk
                if (asset_id is None or t.payload["source"].get("asset_id") == asset_id)
                and (video_url is None or t.payload["source"].get("url") == video_url)
                and (
                    analysis_mode is None
                    or t.payload["params"].get("analysis_mode") == analysis_mode
                )
            )
            if number * 200 >= total:
                break
            number += 1
        total = len(everything)
        tasks = everything[(page - 1) * page_limit : page * page_limit]
    return AnalyzeTaskList(
        data=[task_out(t) for t in tasks], page_info=page_info(page, page_limit, total)
    )


@router.get("/analyze/tasks/{task_id}", response_model=AnalyzeTaskOut)
def get_analyze_task(task_id: str, state: State) -> AnalyzeTaskOut:
    """One analysis task, with its result once ``ready``."""
    return task_out(state.tasks.get(task_id, "analyze"))


@router.post("/analyze/tasks/{task_id}/cancel", response_model=TaskStatus)
def cancel_analyze_task(task_id: str, state: State) -> TaskStatus:
    """Cancel a queued or running analysis (409 once it has finished)."""
    task = state.tasks.cancel(task_id, "analyze")
    return TaskStatus(task_id=task.id, status=task.status)


@router.delete("/analyze/tasks/{task_id}", status_code=204)
def delete_analyze_task(task_id: str, state: State) -> Response:
    """Delete an analysis task that is not running."""
    state.tasks.delete(task_id, "analyze")
    return Response(status_code=204)


def analyze_task(state: ServerState, task: Task, context: TaskContext) -> dict[str, Any]:
    """Worker side: index (or load) the video, then analyze it."""
    from videoscope.api.jobs import timeline_for_source

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
    from videoscope.api.describing import run_prompt

    answer = run_prompt(timeline, params)
    return {**answer, "system_metadata": system}
